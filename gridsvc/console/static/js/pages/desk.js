// 指挥中心: the county dispatcher's desk. Tabs on the left — 乡呼县应 calls (受理 → 研判 → 派发),
// triage (cases no team holds), 督办 notices (overdue first) — and the county's open cases on
// the map. Clicking a card flies the map to its case; clicking a dot opens the card.

import { api } from "../api.js";
import {
  NOTICE_KIND, OPEN_CALL_STATUSES, OPEN_INCIDENT_STATUSES,
  caseAction, categoryNames, departments, townshipNames,
} from "../casework.js";
import { drawCases, drawn, fillLegend, selectCase } from "../case-map.js";
import { formatDateTime, startCountdowns } from "../format.js";
import { statusName } from "../labels.js";
import { bounds, createMap } from "../map.js";
import { setCount, setupTabs } from "../tabs.js";
import { el, showEmpty, showError, showLoading, toast } from "../ui.js";
import { callCard } from "./desk-calls.js";
import { deskCounty } from "./desk-county.js";

// The county the desk works on: the account's, or the one a global admin picked (desk-county.js).
let county = null;
const panels = {
  calls: document.getElementById("panel-calls"),
  triage: document.getElementById("panel-triage"),
  notices: document.getElementById("panel-notices"),
};
const ctx = { departments: new Map(), townships: new Map(), categories: new Map(), teams: [] };
let map = null;
let cases = { type: "FeatureCollection", features: [] };
let ticking = null;
let fitted = false;

/** Count down every [data-due] on the page, the cards just drawn included. */
function countdowns() {
  clearInterval(ticking);
  ticking = startCountdowns(document.getElementById("main"));
}

const showTab = setupTabs(document.getElementById("desk-tabs"));

/** A card or dot was picked: select the case on the map and mark its cards. */
function pick(incidentId) {
  for (const card of document.querySelectorAll(".item.selected")) card.classList.remove("selected");
  const cards = document.querySelectorAll(`.item[data-incident-id="${incidentId}"]`);
  cards.forEach((card) => card.classList.add("selected"));
  const visible = [...cards].find((card) => !card.closest("[hidden]"));
  (visible || cards[0])?.scrollIntoView({ block: "nearest" });
  if (map) selectCase(map, cases, incidentId);
}

async function loadCalls() {
  showLoading(panels.calls);
  try {
    const page = await api("calls", { query: { county, status: OPEN_CALL_STATUSES, limit: 200 } });
    // What the desk must do first: calls to take, then to analyse, then to dispatch.
    const order = Object.fromEntries(OPEN_CALL_STATUSES.map((s, i) => [s, i]));
    const calls = page.items.sort((a, b) => order[a.status] - order[b.status] || a.id - b.id);
    setCount("calls", calls.filter((c) => ["called", "accepted", "analysed"].includes(c.status)).length);
    if (!calls.length) return showEmpty(panels.calls, "暂无待办的乡呼县应呼叫");
    const onChanged = () => refresh();
    panels.calls.replaceChildren(...calls.map((call) => callCard(call, { ...ctx, onChanged, onPick: pick })));
  } catch (error) {
    showError(panels.calls, error);
  }
}

function triageCard(feature) {
  const p = feature.properties;
  const problem = el("div", { class: "problem", role: "alert" });
  const team = el("select", { name: "team_id" }, el("option", { value: "" }, "派遣至…"),
    ...ctx.teams.map((t) => el("option", { value: t.id }, t.name)));
  const act = async (body, done) => {
    problem.textContent = "";
    try {
      await caseAction(p.incident_id, body);
      toast(done, "ok");
      refresh();
    } catch (error) {
      problem.textContent = error.detail || error.message;
    }
  };
  return el("article", { class: `item${p.overdue ? " is-overdue" : ""}`, dataset: { incidentId: p.incident_id } },
    el("div", { class: "head" },
      el("span", { class: "title", onclick: () => pick(p.incident_id) },
        `${p.incident_id}号 · ${ctx.categories.get(p.category) || p.category}`),
      el("span", { class: "badge" }, statusName(p.status))),
    el("div", { class: "text" }, p.address || p.description || ""),
    el("div", { class: "meta" },
      el("span", {}, ctx.townships.get(p.township) || p.township || ""),
      el("span", {}, `上报于 ${formatDateTime(p.reported_at)}`),
      el("span", { "data-due": p.due_at }, "")),
    el("form", { class: "triage-actions" },
      el("button", { type: "button", onclick: () => act({ action: "accept" }, "已立案") }, "受理（立案）"),
      team,
      el("button", { type: "button", class: "primary",
        onclick: () => act({ action: "dispatch", team_id: Number(team.value) || undefined }, "已派遣") }, "派遣")),
    problem);
}

async function loadTriage() {
  showLoading(panels.triage);
  try {
    const queue = await api("triage", { query: { county, limit: 200 } });
    setCount("triage", queue.features.length);
    if (!queue.features.length) return showEmpty(panels.triage, "暂无待分拨案件");
    panels.triage.replaceChildren(...queue.features.map(triageCard));
  } catch (error) {
    showError(panels.triage, error);
  }
}

function noticeCard(notice) {
  const overdueFor = formatDateTime(notice.due_at);
  const acknowledge = async () => {
    try {
      await api(`supervision-notices/${notice.id}/acknowledge`, { method: "POST" });
      toast("已签收", "ok");
      loadNotices();
    } catch (error) {
      toast(error.detail || error.message, "error");
    }
  };
  return el("article", { class: `item${notice.acknowledged_at ? "" : " is-overdue"}`, dataset: { incidentId: notice.incident_id, noticeId: notice.id } },
    el("div", { class: "head" },
      el("span", { class: "title", onclick: () => pick(notice.incident_id) },
        `${notice.incident_id}号案件 · ${NOTICE_KIND[notice.kind] || notice.kind}`),
      el("span", { class: `badge${notice.level > 1 ? " overdue" : ""}` }, `${notice.level}级督办`)),
    el("div", { class: "meta" },
      el("span", {}, ctx.townships.get(notice.township_code) || notice.township_code || "县级"),
      el("span", {}, `时限 ${overdueFor}`),
      el("span", { "data-due": notice.due_at }, ""),
      el("span", {}, `下发于 ${formatDateTime(notice.issued_at)}`)),
    notice.acknowledged_at
      ? el("div", { class: "meta" }, `已签收 ${formatDateTime(notice.acknowledged_at)}`)
      : el("form", {}, el("button", { type: "button", onclick: acknowledge }, "签收")));
}

async function loadNotices() {
  showLoading(panels.notices);
  try {
    const page = await api("supervision-notices", { query: { county, limit: 200 } });
    // Overdue first: open notices before acknowledged ones, the longest overdue at the top.
    const notices = page.items.sort((a, b) =>
      Boolean(a.acknowledged_at) - Boolean(b.acknowledged_at) || new Date(a.due_at) - new Date(b.due_at));
    setCount("notices", notices.filter((n) => !n.acknowledged_at).length);
    if (!notices.length) return showEmpty(panels.notices, "暂无督办通知");
    panels.notices.replaceChildren(...notices.map(noticeCard));
  } catch (error) {
    showError(panels.notices, error);
  }
}

async function loadMap() {
  try {
    const [collection, notices] = await Promise.all([
      api("incidents", {
        query: { format: "geojson", status: OPEN_INCIDENT_STATUSES.join(","), county, limit: 500 },
      }),
      api("supervision-notices", { query: { county, open: true, limit: 500 } }),
    ]);
    // /incidents knows no deadlines: a case with an open 督办 notice is drawn as overdue.
    const supervised = new Set(notices.items.map((notice) => notice.incident_id));
    for (const feature of collection.features) {
      feature.properties.overdue = supervised.has(feature.properties.id);
    }
    cases = collection;
    drawCases(map, cases, (id) => {
      const card = document.querySelector(`.item[data-incident-id="${id}"]`);
      if (card) showTab(Object.keys(panels).find((k) => panels[k].contains(card)));
      pick(id);
    });
    fillLegend(document.getElementById("map-legend"), cases);
    if (!fitted && cases.features.length) {
      // Open with the open cases in view (the county's outline when there are none).
      map.fitBounds(bounds(cases), { padding: 80, maxZoom: 14, animate: false });
      fitted = true;
    }
  } catch (error) {
    toast(error.detail || error.message, "error");
  }
}

async function refresh() {
  await Promise.all([loadCalls(), loadTriage(), loadNotices(), map ? loadMap() : null]);
  countdowns();
}

/** A global admin before picking a county: say what to do, not the API's county errors. */
async function awaitCounty() {
  for (const [name, panel] of Object.entries(panels)) {
    showEmpty(panel, "请先在上方选择区县，再查看该区县的乡呼县应、待分拨案件和督办通知。");
    setCount(name, "–");
  }
  document.getElementById("map-legend").hidden = true; // no cases drawn: no legend yet
  map = await createMap("map");
  document.body.dataset.ready = "true";
}

async function main() {
  Object.values(panels).forEach((panel) => showLoading(panel));
  county = await deskCounty(document.getElementById("county-pick"));
  if (!county) return awaitCounty();
  const [deps, towns, cats, teams] = await Promise.all([
    departments(county).catch(() => new Map()),
    townshipNames(county),
    categoryNames(),
    api("teams", { query: { county, active: true, limit: 500 } }).then((p) => p.items).catch(() => []),
  ]);
  Object.assign(ctx, { departments: deps, townships: towns, categories: cats, teams });
  const mapReady = createMap("map", { areaCode: county }).then((m) => { map = m; return loadMap(); });
  await Promise.all([loadCalls(), loadTriage(), loadNotices()]);
  countdowns();
  await mapReady;
  await drawn(map);
  document.body.dataset.ready = "true";
}

main();
