// The one way pages talk to the API: fetch with the session cookies, the CSRF header on writes,
// problem+json turned into an ApiError carrying the Chinese `detail`, and one silent refresh
// of the access cookie on 401 before sending the user to the log-in page.

import { config } from "./shell-config.js";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A refused request: `detail` is the API's Chinese message, `code` its stable code. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `请求失败（${status}）`);
    this.status = status;
    this.code = problem.code || "";
    this.detail = this.message;
    this.problem = problem;
  }
}

/** The value of a cookie our own script may read (the CSRF double-submit cookies). */
export function cookie(name) {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return "";
}

/** "/api/v1/x" stays; "x" or "/x" become "/api/v1/x". */
export function apiUrl(path) {
  if (path.startsWith(config().api)) return path;
  return `${config().api}/${path.replace(/^\//, "")}`;
}

let refreshing = null; // one refresh at a time, however many requests got 401 together

async function refreshAccess() {
  refreshing ??= fetch(apiUrl("auth/refresh"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-TOKEN": cookie("csrf_refresh_token"), "Accept-Language": "zh-CN" },
  })
    .then((answer) => answer.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Go to the log-in page, coming back here afterwards. */
export function toLogin() {
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`${config().console}login?next=${next}`);
}

/**
 * Call the API. `options`: method, json (a body sent as JSON), form (FormData), headers,
 * query (object -> search params; arrays repeat the key), full (resolve to {data, response}).
 * Resolves to the parsed JSON (null for 204); rejects with ApiError.
 */
export async function api(path, options = {}) {
  const { method = "GET", json, form, headers = {}, query, full = false } = options;
  let url = apiUrl(path);
  if (query) url += `?${searchParams(query)}`;
  const init = { method, credentials: "same-origin", headers: { "Accept-Language": "zh-CN", ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (form !== undefined) {
    init.body = form;
  }
  if (WRITES.has(method)) init.headers["X-CSRF-TOKEN"] = cookie("csrf_access_token");

  let answer = await fetch(url, init);
  if (answer.status === 401 && !options.noRefresh) {
    if (await refreshAccess()) {
      if (WRITES.has(method)) init.headers["X-CSRF-TOKEN"] = cookie("csrf_access_token");
      answer = await fetch(url, init);
    }
    if (answer.status === 401) {
      toLogin();
      throw new ApiError(401, await readProblem(answer));
    }
  }
  if (!answer.ok) throw new ApiError(answer.status, await readProblem(answer));
  const data = answer.status === 204 ? null : await readBody(answer);
  return full ? { data, response: answer } : data;
}

function searchParams(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  return params.toString();
}

async function readBody(answer) {
  const type = answer.headers.get("Content-Type") || "";
  return type.includes("json") ? answer.json() : answer.blob();
}

async function readProblem(answer) {
  try {
    const body = await answer.json();
    return typeof body === "object" && body ? body : {};
  } catch {
    return { detail: `服务器返回错误（${answer.status}）` };
  }
}

/**
 * Make a download link (an export) follow with a live access cookie. The browser itself fetches
 * a link's file, so a plain link clicked after the 30-minute access cookie expired would save the
 * API's 401 as the "export". The first click asks the API who we are (refreshing the cookie, or
 * going to the log-in page), then follows the link for real.
 */
export function downloadWithFreshSession(anchor) {
  anchor.addEventListener("click", async (event) => {
    if (anchor.dataset.fresh === "1") {
      delete anchor.dataset.fresh;
      return; // the second, real click
    }
    event.preventDefault();
    await api("me");
    anchor.dataset.fresh = "1";
    anchor.click();
  });
}
