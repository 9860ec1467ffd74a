// The log-in page: username and password -> POST /auth/session (tokens land in HttpOnly
// cookies), then on to the page asked for. A still-valid refresh cookie logs in without the form.

import { api, apiUrl, cookie } from "../api.js";
import { config } from "../shell-config.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
const submit = document.getElementById("login-submit");

function onward() {
  location.assign(config().next || config().console);
}

async function tryRefresh() {
  if (!cookie("csrf_refresh_token")) return;
  const answer = await fetch(apiUrl("auth/refresh"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-TOKEN": cookie("csrf_refresh_token") },
  });
  if (answer.ok) onward();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  submit.disabled = true;
  try {
    await api("auth/session", {
      method: "POST",
      noRefresh: true,
      json: { username: form.username.value.trim(), password: form.password.value },
    });
    onward();
  } catch (refused) {
    error.textContent = refused.detail || "登录失败";
    error.hidden = false;
  } finally {
    submit.disabled = false;
  }
});

tryRefresh().catch(() => {});
