// 县级部门: a department handler's page. 待办: the department's queue (cases it leads or assists,
// most of them 乡呼县应 calls dispatched by the county) with the steps open to it — 响应 the call,
// 开始处置, 处置反馈 with a photo — and 一呼一评: the calls it finished, the township's rating of
// the department and its own rating of the township, above them the figures (已评/待评, the
// townships' mean) and this month's as the assessment counts it (/ratings). The map shows the queue.

import { api } from "../api.js";
import { CALL_STATUS, CALL_STATUS_COLOR, callAction, caseAction, categoryNames, townshipNames } from "../casework.js";
import { drawCases, drawn, fillLegend, selectCase } from "../case-map.js";
import { formatDateTime, startCountdowns } from "../format.js";
import { statusName } from "../labels.js";
import { createMap } from "../map.js";
import { config } from "../shell-config.js";
import { setCount, setupTabs } from "../tabs.js";
import { el, showEmpty, showError, showLoading, toast } from "../ui.js";

const me = config().user;
const panels = { queue: document.getElementById("panel-queue"), ratings: document.getElementById("panel-ratings") };
const ctx = { townships: new Map(), categories: new Map(), calls: new Map() };
const showTab = setupTabs(document.getElementById("desk-tabs"));
let map = null;
let queue = { type: "FeatureCollection", features: [] };
let ticking = null;

function pick(incidentId) {
  for (const card of document.querySelectorAll(".item.selected")) card.classList.remove("selected");
  const card = document.querySelector(`#panel-queue .item[data-incident-id="${incidentId}"]`);
  if (card) {
    showTab("queue");
    card.classList.add("selected");
    card.scrollIntoView({ block: "nearest" });
  }
  if (map) selectCase(map, queue, incidentId);
}

/** Run a step; on refusal the API's Chinese text goes on the card. */
function stepper(problem, form) {
  return async (work, done) => {
    problem.textContent = "";
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      await work();
      toast(done, "ok");
      await refresh();
    } catch (error) {
      problem.textContent = error.detail || error.message;
      form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  };
}

/** 处置反馈: upload the photo (kind evidence), then resolve with it. */
async function resolveWithPhoto(incidentId, file, note) {
  if (!file) throw new Error("请先选择一张处置照片");
  const form = new FormData();
  form.append("kind", "evidence");
  form.append("file", file);
  const photo = await api(`incidents/${incidentId}/photos`, { method: "POST", form });
  await caseAction(incidentId, { action: "resolve", photo_ids: [photo.id], note: note || undefined });
}

function queueCard(feature) {
  const p = feature.properties;
  const call = p.call_id ? ctx.calls.get(p.call_id) : null;
  const problem = el("div", { class: "problem", role: "alert" });
  const form = el("form", { class: "case-actions" });
  form.addEventListener("submit", (event) => event.preventDefault());
  const run = stepper(problem, form);
  const note = el("input", { type: "text", name: "note", placeholder: "处置说明" });
  if (call && call.status === "dispatched" && call.primary_department_id === me.team_id) {
    form.append(el("button", { type: "button", class: "primary", "data-action": "respond",
      onclick: () => run(() => callAction(call.id, { action: "respond", note: note.value.trim() || undefined }), "已响应") }, "响应"), note);
  } else if (p.role === "lead" && ["dispatched", "reopened"].includes(p.status)) {
    form.append(el("button", { type: "button", class: "primary", "data-action": "start",
      onclick: () => run(() => caseAction(p.incident_id, { action: "start" }), "已开始处置") }, "开始处置"));
  } else if (p.role === "lead" && p.status === "in_progress") {
    const file = el("input", { type: "file", name: "photo", accept: "image/jpeg,image/png,image/webp" });
    const chosen = el("span", { class: "name" }, "未选择照片");
    file.addEventListener("change", () => { chosen.textContent = file.files[0]?.name || "未选择照片"; });
    // The browser's own file button speaks the PC's language: ours says 选择照片.
    form.append(el("label", { class: "file-pick" }, file, el("span", { class: "pick" }, "选择处置照片"), chosen), note,
      el("button", { type: "button", class: "primary", "data-action": "resolve",
        onclick: () => run(() => resolveWithPhoto(p.incident_id, file.files[0], note.value.trim()), "已提交处置反馈") }, "处置反馈"));
  }
  return el("article", { class: `item${p.overdue ? " is-overdue" : ""}`, dataset: { incidentId: p.incident_id, callId: p.call_id } },
    el("div", { class: "head" },
      el("span", { class: "title", onclick: () => pick(p.incident_id) },
        `${p.incident_id}号 · ${ctx.categories.get(p.category) || p.category}`),
      el("span", {},
        p.role === "assist" ? el("span", { class: "badge" }, "协办") : null, " ",
        el("span", { class: "badge case-status" }, statusName(p.status)))),
    el("div", { class: "text" }, p.description || p.address || ""),
    el("div", { class: "meta" },
      el("span", {}, ctx.townships.get(p.township) || p.township || ""),
      call ? el("span", { class: "call-status" }, `乡呼县应：${CALL_STATUS[call.status] || call.status}`) : null,
      el("span", {}, `上报于 ${formatDateTime(p.reported_at)}`),
      p.due_at ? el("span", { "data-due": p.due_at }, "") : null),
    form.childElementCount ? form : null,
    problem);
}

function stars(n) {
  return n ? `${"★".repeat(n)}${"☆".repeat(5 - n)}` : "未评价";
}

function ratingCard(call) {
  const problem = el("div", { class: "problem", role: "alert" });
  const form = el("form", { class: "rate" });
  form.addEventListener("submit", (event) => event.preventDefault());
  if (call.department_rating === null && call.primary_department_id === me.team_id) {
    const rating = el("select", { name: "rating" }, el("option", { value: "" }, "评分"),
      ...[5, 4, 3, 2, 1].map((n) => el("option", { value: n }, `${n}分`)));
    const comment = el("input", { type: "text", name: "comment", placeholder: "对乡镇的评价" });
    const run = stepper(problem, form);
    form.append(rating, comment, el("button", { type: "button", class: "primary", "data-action": "rate_township",
      onclick: () => run(() => callAction(call.id, { action: "rate_township",
        rating: rating.value ? Number(rating.value) : undefined, comment: comment.value.trim() || undefined }), "已评价乡镇") }, "评价乡镇"));
  }
  return el("article", { class: "item", dataset: { callId: call.id, incidentId: call.incident_id } },
    el("div", { class: "head" },
      el("span", { class: "title" }, `${call.incident_id}号案件 · ${ctx.townships.get(call.township_code) || call.township_code || ""}`),
      el("span", { class: "badge", style: `background:${CALL_STATUS_COLOR.completed}` }, `办结 ${formatDateTime(call.completed_at)}`)),
    el("div", { class: "meta" },
      el("span", {}, "乡镇评价本部门：", el("span", { class: "stars" }, stars(call.township_rating))),
      call.township_comment ? el("span", {}, call.township_comment) : null),
    el("div", { class: "meta" },
      el("span", {}, "本部门评价乡镇：", el("span", { class: "stars" }, stars(call.department_rating))),
      call.department_comment ? el("span", {}, call.department_comment) : null),
    form.childElementCount ? form : null,
    problem);
}

/**
 * 一呼一评 both ways over the department's finished calls, as the assessment counts them
 * (gridsvc.assessment.ratings): a call is the lead (主办) department's, so only those calls are
 * this department's to rate and only their township ratings rate this department; the mean has
 * two decimals, as /ratings gives it.
 */
function ratingFigures(done) {
  const mine = done.filter((call) => call.primary_department_id === me.team_id);
  const rated = mine.filter((call) => call.department_rating !== null).length;
  const received = mine.map((call) => call.township_rating).filter((n) => n);
  const mean = received.length ? Math.round((received.reduce((a, b) => a + b, 0) / received.length) * 100) / 100 : null;
  return { total: mine.length, rated, pending: mine.length - rated, received: received.length, mean };
}

const meanText = (mean) => (mean === null || mean === undefined ? "暂无" : `${mean.toFixed(2)} 分`);

/** This month's row of /ratings for the department (the assessment's own figure), or null. */
async function monthRating() {
  try {
    const table = await api("ratings", { query: { period: "month" } });
    return table.departments.find((row) => row.key === String(me.team_id)) || { mean: null, count: 0 };
  } catch {
    return null; // the summary above still stands; the assessment line is left out
  }
}

function ratingSummary(f, month) {
  const figure = (name, label, value) =>
    el("span", { class: "figure", dataset: { figure: name } }, label, el("b", {}, String(value)));
  return el("div", { class: "rating-summary", id: "rating-summary" },
    el("div", {}, "本部门评价乡镇：",
      figure("rated", "已评 ", f.rated), " · ", figure("pending", "待评 ", f.pending)),
    el("div", {}, "乡镇评价本部门：",
      figure("received", "已收到 ", f.received), " · ", figure("mean", "平均 ", meanText(f.mean))),
    month
      ? el("div", { class: "assessed" }, "本月考核计入：",
        figure("month-count", "", month.count), " 次评价 · ", figure("month-mean", "平均 ", meanText(month.mean)))
      : null);
}

async function load() {
  const [page, calls, month] = await Promise.all([
    api(`teams/${me.team_id}/queue`, { query: { limit: 200 } }),
    api("calls", { query: { department_id: me.team_id, limit: 200 } }),
    monthRating(),
  ]);
  queue = page;
  ctx.calls = new Map(calls.items.map((call) => [call.id, call]));
  setCount("queue", queue.features.length);
  if (queue.features.length) panels.queue.replaceChildren(...queue.features.map(queueCard));
  else showEmpty(panels.queue, "暂无待办案件");
  const done = calls.items.filter((call) => call.status === "completed");
  const figures = ratingFigures(done);
  setCount("ratings", `${figures.rated}/${figures.total}`);
  document.getElementById("count-ratings").title = `本部门已评 ${figures.rated} 件，待评 ${figures.pending} 件`;
  if (done.length) panels.ratings.replaceChildren(ratingSummary(figures, month), ...done.map(ratingCard));
  else showEmpty(panels.ratings, "暂无已办结的呼叫");
  if (map) {
    drawCases(map, queue, pick, "incident_id");
    fillLegend(document.getElementById("map-legend"), queue);
  }
  clearInterval(ticking);
  ticking = startCountdowns(document.getElementById("main"));
}

async function refresh() {
  try {
    await load();
  } catch (error) {
    showError(panels.queue, error);
  }
}

async function main() {
  Object.values(panels).forEach((panel) => showLoading(panel));
  if (!me.team_id) {
    showError(panels.queue, { detail: "您的账号未加入任何部门，请联系管理员。" });
    return;
  }
  [ctx.townships, ctx.categories] = await Promise.all([townshipNames(me.county_code), categoryNames()]);
  await refresh();
  map = await createMap("map", { areaCode: me.county_code });
  drawCases(map, queue, pick, "incident_id");
  fillLegend(document.getElementById("map-legend"), queue);
  await drawn(map);
  document.body.dataset.ready = "true";
}

main();
