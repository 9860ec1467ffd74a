// The desk's 乡呼县应 cards: one per open call, with the step its status allows —
// 受理 or 退回 (called), 研判 with the 主办 and 协办 pickers (accepted), 派发 (analysed) — and,
// when the API refuses a step, its Chinese problem text on the card itself.

import { CALL_STATUS, CALL_STATUS_COLOR, callAction } from "../casework.js";
import { formatDateTime } from "../format.js";
import { el, toast } from "../ui.js";

/** A card for `call`. `ctx`: {departments: Map, townships: Map, onChanged(call), onPick(id)}. */
export function callCard(call, ctx) {
  const problem = el("div", { class: "problem", role: "alert" });
  const card = el("article", {
    class: "item",
    dataset: { callId: call.id, incidentId: call.incident_id, status: call.status },
  });
  const run = async (body, done, form) => {
    problem.textContent = "";
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const updated = await callAction(call.id, body);
      toast(done, "ok");
      ctx.onChanged(updated);
    } catch (error) {
      problem.textContent = error.detail || error.message;
      buttons.forEach((b) => { b.disabled = false; });
    }
  };
  const due = dueLine(call);
  card.append(
    el(
      "div",
      { class: "head" },
      el(
        "span",
        { class: "title", onclick: () => ctx.onPick(call.incident_id) },
        `${call.incident_id}号案件`,
        " · ",
        ctx.townships.get(call.township_code) || call.township_code || "",
      ),
      el("span", { class: "badge call-status", style: `background:${CALL_STATUS_COLOR[call.status]}` },
        CALL_STATUS[call.status] || call.status),
    ),
    el("div", { class: "text" }, call.reason || "（未说明理由）"),
    el(
      "div",
      { class: "meta" },
      el("span", {}, call.origin === "routing" ? "系统分拨" : "乡镇呼叫"),
      el("span", {}, `呼叫于 ${formatDateTime(call.called_at)}`),
      parties(call, ctx.departments),
      due,
    ),
    actionForm(call, ctx, run),
    problem,
  );
  return card;
}

function dueLine(call) {
  if (call.status === "called") return el("span", { "data-due": call.accept_due_at }, "");
  if (call.status === "dispatched" && call.respond_due_at) {
    return el("span", { "data-due": call.respond_due_at }, "");
  }
  return null;
}

function parties(call, departments) {
  if (!call.primary_department_id) return null;
  const lead = departments.get(call.primary_department_id) || `部门${call.primary_department_id}`;
  const helpers = (call.cooperating_ids || []).map((id) => departments.get(id) || `部门${id}`);
  return el("span", {}, `主办：${lead}`, helpers.length ? `；协办：${helpers.join("、")}` : "");
}

function actionForm(call, ctx, run) {
  const form = el("form", { class: "call-actions" });
  form.addEventListener("submit", (event) => event.preventDefault());
  if (call.status === "called") {
    const reason = el("input", { type: "text", name: "note", placeholder: "退回理由（退回时必填）" });
    form.append(
      el("button", { type: "button", class: "primary", "data-action": "accept",
        onclick: () => run({ action: "accept" }, "已受理", form) }, "受理"),
      reason,
      el("button", { type: "button", class: "danger", "data-action": "reject",
        onclick: () => run({ action: "reject", note: reason.value.trim() || undefined }, "已退回", form) }, "退回"),
    );
  } else if (call.status === "accepted") {
    form.append(...analyseFields(call, ctx, run, form));
  } else if (call.status === "analysed") {
    form.append(
      el("button", { type: "button", class: "primary", "data-action": "dispatch",
        onclick: () => run({ action: "dispatch" }, "已派发", form) }, "派发"),
    );
  } else {
    return el("div", { class: "meta" }, call.responded_at ? `响应于 ${formatDateTime(call.responded_at)}` : "");
  }
  return form;
}

/** 研判: the lead department (主办, one) and the cooperating ones (协办, any), and a note. */
function analyseFields(call, ctx, run, form) {
  const lead = el("select", { name: "primary_department_id" },
    el("option", { value: "" }, "请选择主办部门"),
    ...[...ctx.departments].map(([id, name]) =>
      el("option", { value: id, selected: id === call.primary_department_id }, name)),
  );
  const helpers = el("fieldset", { class: "cooperating" }, el("legend", {}, "协办部门"),
    ...[...ctx.departments].map(([id, name]) =>
      el("label", {}, el("input", { type: "checkbox", name: "cooperating_ids", value: id,
        checked: (call.cooperating_ids || []).includes(id) }), name)),
  );
  const note = el("input", { type: "text", name: "note", placeholder: "研判意见" });
  const submit = () => {
    const body = {
      action: "analyse",
      cooperating_ids: [...helpers.querySelectorAll("input:checked")].map((box) => Number(box.value)),
    };
    if (lead.value) body.primary_department_id = Number(lead.value);
    if (note.value.trim()) body.note = note.value.trim();
    run(body, "研判完成", form);
  };
  return [
    el("label", {}, "主办", lead),
    helpers,
    note,
    el("button", { type: "button", class: "primary", "data-action": "analyse", onclick: submit }, "研判"),
  ];
}
