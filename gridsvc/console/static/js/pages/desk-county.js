// Which county the desk works on. A county's dispatcher or admin has one (their account's); a
// global admin has none, so the desk shows a picker of the counties they may see and keeps the
// choice in the address (?county=430302: a reload or a shared link opens the same county).
// Until one is picked the desk's panels say so instead of showing the API's county errors.

import { api } from "../api.js";
import { config } from "../shell-config.js";
import { el } from "../ui.js";

/** The counties this account may see, [{code, name}], by code. */
async function counties() {
  const page = await api("areas", { query: { level: "county", geometry: false, limit: 500 } });
  const rows = page.features ? page.features.map((f) => f.properties) : page.items || [];
  return rows.map((row) => ({ code: row.code, name: row.name })).sort((a, b) => a.code.localeCompare(b.code));
}

/**
 * The desk's county code, or null while a global admin has not picked one. For a global admin
 * the picker is drawn into `container` (shown); picking reloads the page on that county.
 */
export async function deskCounty(container) {
  const own = config().user.county_code;
  if (own) return own;
  const wanted = new URLSearchParams(location.search).get("county");
  let list = [];
  try {
    list = await counties();
  } catch {
    list = [];
  }
  const known = list.some((c) => c.code === wanted);
  const select = el("select", { id: "county-select", name: "county" },
    el("option", { value: "" }, list.length ? "请选择区县…" : "暂无可选区县"),
    ...list.map((c) => el("option", { value: c.code, selected: c.code === wanted }, `${c.name}（${c.code}）`)));
  select.addEventListener("change", () => {
    const query = new URLSearchParams(location.search);
    if (select.value) query.set("county", select.value);
    else query.delete("county");
    location.search = query.toString();
  });
  container.replaceChildren(el("label", {}, "区县", select));
  container.hidden = false;
  return known ? wanted : null;
}
