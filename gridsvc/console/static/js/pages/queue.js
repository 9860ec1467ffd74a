// 执法队案件地图 (team lead and officers): the team's open cases in a list and on the township's
// map, in step (hovering or clicking either highlights both), with filters and the queue counts.
// Opening a case shows its panel (incident-panel.js); new and changed cases arrive without a
// reload by polling /me/feed.

import { api } from "../api.js";
import { startCountdowns, countdown } from "../format.js";
import { OVERDUE_COLOR, STATUS_COLORS, statusColor, statusName } from "../labels.js";
import { createMap, flyToFeature, setGeoJsonLayer } from "../map.js";
import { config } from "../shell-config.js";
import { el, showEmpty, showError, showLoading, toast } from "../ui.js";
import { showIncident } from "./incident-panel.js";

const POLL_MS = 5000;
// The feed only hands out changes once every older transaction in the database has ended (so it
// never skips one committed late): a long transaction delays it. The queue itself is re-read at
// this slower pace too, so a new case shows up within it whatever the feed is waiting for.
const REFRESH_MS = 30000;
// The statuses a case in a team's queue can have, in workflow order.
const QUEUE_STATUSES = ["reported", "accepted", "dispatched", "in_progress", "resolved", "verified", "reopened", "returned"];

const list = document.getElementById("queue-list");
const filters = document.getElementById("queue-filters");
const queueView = document.getElementById("queue-view");
const incidentView = document.getElementById("incident-view");

const state = {
  teamId: config().user.team_id,
  features: [],
  known: new Set(), // incident ids seen, so new cases can be told from changed ones
  loaded: false, // after the first load, a case not seen before is announced
  categories: new Map(),
  members: new Map(),
  hover: null,
  selected: null,
  feedCursor: null,
  map: null,
};

export function categoryName(code) {
  return state.categories.get(code) || code;
}

export function memberName(id) {
  if (id === null || id === undefined) return "";
  const member = state.members.get(id);
  return member ? member.display_name || member.username : `用户 #${id}`;
}

function byId(id) {
  return state.features.find((f) => f.properties.incident_id === id);
}

// --- filters and counts --------------------------------------------------------------------

function fillFilters() {
  const status = document.getElementById("filter-status");
  for (const s of QUEUE_STATUSES) status.append(el("option", { value: s }, statusName(s)));
  const category = document.getElementById("filter-category");
  for (const [code, name] of state.categories) category.append(el("option", { value: code }, name));
  const assignee = document.getElementById("filter-assignee");
  for (const [id] of state.members) assignee.append(el("option", { value: String(id) }, memberName(id)));
  if (config().user.role === "officer") assignee.value = "me"; // an officer starts from their own
  filters.addEventListener("change", () => loadQueue());
}

function filterQuery() {
  const form = new FormData(filters);
  return {
    status: form.get("status") || undefined,
    category: form.get("category") || undefined,
    assignee: form.get("assignee") || undefined,
    overdue: form.get("overdue") ? "true" : undefined,
    limit: 500,
  };
}

function renderCounts(counts) {
  const box = document.getElementById("queue-counts");
  const chip = (label, value, onclick, extra = "") =>
    el("button", { type: "button", class: `chip ${extra}`, onclick }, `${label} `, el("b", {}, value));
  const setStatus = (value) => () => {
    filters.status.value = value;
    filters.overdue.checked = false;
    loadQueue();
  };
  box.replaceChildren(
    chip("全部", counts.total ?? 0, setStatus(""), "total"),
    ...Object.entries(counts.by_status || {}).map(([s, n]) => chip(statusName(s), n, setStatus(s))),
    chip("超时", counts.overdue ?? 0, () => {
      filters.status.value = "";
      filters.overdue.checked = true;
      loadQueue();
    }, counts.overdue ? "overdue" : ""),
  );
}

// --- the list ----------------------------------------------------------------------------------

function listItem(feature) {
  const p = feature.properties;
  const id = p.incident_id;
  const due = countdown(p.due_at);
  return el(
    "li",
    {
      class: "incident",
      dataset: { id: String(id) },
      tabindex: "0",
      onmouseenter: () => setHover(id),
      onmouseleave: () => setHover(null),
      onclick: () => openIncident(id),
      onkeydown: (event) => event.key === "Enter" && openIncident(id),
    },
    el(
      "div",
      { class: "line" },
      el("b", {}, `#${id} ${categoryName(p.category)}`),
      el("span", { class: "badge", style: `background:${statusColor(p.status)}` }, statusName(p.status)),
      p.overdue ? el("span", { class: "badge overdue" }, "超时") : null,
      p.role === "assist" ? el("span", { class: "badge" }, "协办") : null,
    ),
    el("div", { class: "address" }, p.address || p.description || ""),
    el(
      "div",
      { class: "line muted" },
      el("span", { class: due.overdue ? "overdue" : "", dataset: { due: p.due_at } }, due.text),
      el("span", {}, p.assignee_id ? `承办：${memberName(p.assignee_id)}` : "未指派"),
    ),
  );
}

function renderList() {
  if (!state.features.length) {
    showEmpty(list, "没有符合条件的案件");
    return;
  }
  list.replaceChildren(...state.features.map(listItem));
  markList();
}

function markList() {
  for (const item of list.querySelectorAll("li.incident")) {
    const id = Number(item.dataset.id);
    item.classList.toggle("hover", id === state.hover);
    item.classList.toggle("selected", id === state.selected);
  }
}

// --- the map -----------------------------------------------------------------------------------

const INCIDENT_LAYERS = [
  {
    type: "circle",
    paint: {
      "circle-color": ["match", ["get", "status"], ...Object.entries(STATUS_COLORS).flat(), "#495057"],
      "circle-radius": ["case", ["any", ["boolean", ["feature-state", "hover"], false], ["boolean", ["feature-state", "selected"], false]], 11, 7],
      "circle-stroke-color": ["case", ["get", "overdue"], OVERDUE_COLOR, "#ffffff"],
      "circle-stroke-width": ["case", ["get", "overdue"], 3, ["boolean", ["feature-state", "selected"], false], 3, 1.5],
    },
  },
];

function drawIncidents() {
  if (!state.map) return;
  const data = { type: "FeatureCollection", features: state.features };
  setGeoJsonLayer(state.map, "incidents", data, INCIDENT_LAYERS, { promoteId: "incident_id" });
  markMap();
}

let marked = [];
function markMap() {
  const map = state.map;
  if (!map || !map.getSource("incidents")) return;
  for (const id of marked) map.removeFeatureState({ source: "incidents", id });
  marked = [state.hover, state.selected].filter((id) => id !== null && byId(id));
  if (state.hover !== null && byId(state.hover)) map.setFeatureState({ source: "incidents", id: state.hover }, { hover: true });
  if (state.selected !== null && byId(state.selected)) map.setFeatureState({ source: "incidents", id: state.selected }, { selected: true });
}

function wireMap(map) {
  map.on("mousemove", "incidents-0", (event) => {
    map.getCanvas().style.cursor = "pointer";
    const id = event.features[0].properties.incident_id;
    if (id !== state.hover) {
      setHover(id);
      list.querySelector(`li[data-id="${id}"]`)?.scrollIntoView({ block: "nearest" });
    }
  });
  map.on("mouseleave", "incidents-0", () => {
    map.getCanvas().style.cursor = "";
    setHover(null);
  });
  map.on("click", "incidents-0", (event) => openIncident(event.features[0].properties.incident_id));
}

// --- in step -----------------------------------------------------------------------------------

function setHover(id) {
  state.hover = id;
  markList();
  markMap();
}

async function openIncident(id) {
  state.selected = id;
  markList();
  markMap();
  const feature = byId(id);
  if (feature && state.map) flyToFeature(state.map, feature, 16);
  history.replaceState(null, "", `#incident-${id}`);
  queueView.hidden = true;
  incidentView.hidden = false;
  await showIncident(incidentView, id, {
    teamId: state.teamId,
    members: state.members,
    categoryName,
    memberName,
    onChanged: () => loadQueue(),
    onClose: closeIncident,
  });
}

function closeIncident() {
  state.selected = null;
  history.replaceState(null, "", location.pathname);
  incidentView.hidden = true;
  queueView.hidden = false;
  markList();
  markMap();
}

// --- loading and the feed ----------------------------------------------------------------------

async function loadQueue() {
  try {
    const queue = await api(`teams/${state.teamId}/queue`, { query: filterQuery() });
    state.features = queue.features;
    for (const f of queue.features) {
      const p = f.properties;
      if (state.loaded) announce(p.incident_id, categoryName(p.category));
      state.known.add(p.incident_id);
    }
    state.loaded = true;
    if (queue.team) document.getElementById("team-name").textContent = queue.team.name;
    renderCounts(queue.counts || {});
    renderList();
    drawIncidents();
  } catch (error) {
    showError(list, error);
  }
}

function announce(id, category) {
  if (!state.known.has(id)) toast(`新案件 #${id}：${category}`, "ok");
  state.known.add(id);
}

async function drainFeed() {
  let answer;
  do {
    answer = await api("me/feed", { query: { cursor: state.feedCursor, limit: 500 } });
    state.feedCursor = answer.cursor;
    for (const item of answer.items) state.known.add(item.id);
  } while (answer.has_more);
}

async function pollFeed() {
  try {
    const answer = await api("me/feed", { query: { cursor: state.feedCursor, limit: 500 } });
    state.feedCursor = answer.cursor;
    if (!answer.items.length) return;
    for (const item of answer.items) announce(item.id, item.category_name || categoryName(item.category));
    await loadQueue();
    if (state.selected !== null && answer.items.some((item) => item.id === state.selected)) {
      await openIncident(state.selected);
    }
  } catch {
    // A missed poll is retried by the next one; api() already sent a lost session to log in.
  }
}

async function main() {
  if (!state.teamId) {
    showEmpty(list, "您的账号尚未加入执法队，请联系管理员。");
    return;
  }
  showLoading(list);
  const [categories, members] = await Promise.all([
    api("categories").catch(() => []),
    api(`teams/${state.teamId}/members`).catch(() => []),
  ]);
  for (const c of categories) state.categories.set(c.code, c.name_zh);
  for (const m of members) state.members.set(m.id, m);
  fillFilters();
  const mapReady = createMap("map").then((map) => {
    state.map = map;
    wireMap(map);
    drawIncidents();
  });
  await loadQueue();
  startCountdowns(list);
  await drainFeed().catch(() => {});
  setInterval(pollFeed, POLL_MS);
  setInterval(() => loadQueue(), REFRESH_MS);
  await mapReady;
  document.body.dataset.ready = "true"; // for the browser tests: map, list and feed are in place
  const opened = /^#incident-(\d+)$/.exec(location.hash);
  if (opened) openIncident(Number(opened[1]));
}

main();
