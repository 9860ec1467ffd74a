// One case, opened from the queue: its photos (thumbnails, then full size), the routing reason
// in Chinese, the deadlines counting down, the actions the case allows (each a form that shows
// the API's problem message when refused) and the audit trail as a timeline.

import { api, apiUrl } from "../api.js";
import { countdown, formatDateTime, startCountdowns } from "../format.js";
import { actionName, statusColor, statusName } from "../labels.js";
import { el, showError, showLoading, toast } from "../ui.js";

// Event names the catalogue does not have as words (the workflow's actions are there).
const EVENT_NAMES = { reported: "上报", routed: "自动分派", photo_added: "上传照片" };

// The actions this page offers, with the fields each form asks for.
const ACTION_FORMS = {
  accept: { label: "受理（立案）", fields: [] },
  reject: { label: "不予受理", fields: ["note"] },
  dispatch: { label: "派遣", fields: ["assignee"] },
  assign: { label: "指派", fields: ["assignee"] },
  start: { label: "开始处置", fields: [] },
  return: { label: "退回", fields: ["note"] },
  request_extension: { label: "申请延期", fields: ["hours", "note"] },
  call_county: { label: "呼叫县级", fields: ["note"] },
};
const NOTE_LABELS = { reject: "不予受理理由", return: "退回原因", request_extension: "延期理由", call_county: "呼叫原因" };

let ticker = null;

export async function showIncident(container, id, ctx) {
  showLoading(container);
  let incident, etag, kase, events, photos;
  try {
    const [read, caseView, trail, photoList] = await Promise.all([
      api(`incidents/${id}`, { full: true }),
      api(`incidents/${id}/case`).catch(() => null),
      api(`incidents/${id}/events`, { query: { limit: 200 } }),
      api(`incidents/${id}/photos`).catch(() => []),
    ]);
    incident = read.data;
    etag = read.response.headers.get("ETag");
    kase = caseView;
    events = trail.items || trail;
    photos = Array.isArray(photoList) ? photoList : photoList.items || [];
  } catch (error) {
    container.replaceChildren(backButton(ctx));
    container.append(el("div", {}));
    showError(container.lastChild, error);
    return;
  }
  const reload = () => showIncident(container, id, ctx);
  container.replaceChildren(
    backButton(ctx),
    header(incident, ctx),
    facts(incident, kase, ctx),
    deadlines(kase),
    photoStrip(id, photos),
    reasons(kase),
    actions(id, etag, kase, ctx, async () => {
      await reload();
      ctx.onChanged();
    }),
    timeline(events, incident, ctx),
  );
  clearInterval(ticker);
  ticker = startCountdowns(container);
}

function backButton(ctx) {
  return el("button", { type: "button", class: "back", id: "incident-back", onclick: ctx.onClose }, "← 返回列表");
}

function header(incident, ctx) {
  return el(
    "header",
    { class: "incident-head" },
    el("h2", { id: "incident-title" }, `#${incident.id} ${incident.category_name || ctx.categoryName(incident.category)}`),
    el("span", { class: "badge", id: "incident-status", style: `background:${statusColor(incident.status)}` }, statusName(incident.status)),
  );
}

function facts(incident, kase, ctx) {
  const row = (label, value) => (value ? [el("dt", {}, label), el("dd", {}, value)] : []);
  return el(
    "dl",
    { class: "facts" },
    ...row("地址", incident.address),
    ...row("描述", incident.description),
    ...row("上报时间", formatDateTime(incident.reported_at)),
    ...row("所在网格", [incident.village?.name, incident.grid?.name].filter(Boolean).join(" / ")),
    ...row("承办队伍", kase?.team?.name),
    ...row("承办人", kase?.assignee_id ? ctx.memberName(kase.assignee_id) : "未指派"),
  );
}

function deadline(label, due) {
  if (!due) return null;
  const left = countdown(due);
  return el(
    "li",
    {},
    el("span", { class: "label" }, label),
    el("span", {}, formatDateTime(due)),
    el("span", { class: left.overdue ? "overdue" : "", dataset: { due } }, left.text),
  );
}

function deadlines(kase) {
  if (!kase) return el("section", { class: "block" }, el("h3", {}, "期限"), el("p", { class: "muted" }, "尚未立案分派"));
  return el(
    "section",
    { class: "block", id: "incident-deadlines" },
    el("h3", {}, "期限"),
    el(
      "ul",
      { class: "deadlines" },
      deadline("响应期限", kase.response_due_at),
      deadline("处置期限", kase.resolution_due_at),
      kase.pending_extension ? el("li", {}, "延期申请待审批") : null,
    ),
  );
}

function photoStrip(id, photos) {
  const block = el("section", { class: "block" }, el("h3", {}, `照片（${photos.length}）`));
  if (!photos.length) {
    block.append(el("p", { class: "muted" }, "暂无照片"));
    return block;
  }
  const strip = el("div", { class: "photos", id: "incident-photos" });
  for (const photo of photos) {
    const full = apiUrl(`incidents/${id}/photos/${photo.id}`);
    strip.append(
      el(
        "button",
        { type: "button", class: "thumb", onclick: () => openLightbox(full) },
        el("img", { src: apiUrl(`incidents/${id}/photos/${photo.id}/thumbnail`), alt: `照片 ${photo.id}`, loading: "lazy" }),
      ),
    );
  }
  block.append(strip);
  return block;
}

function openLightbox(src) {
  const box = document.getElementById("lightbox");
  document.getElementById("lightbox-img").src = src;
  box.hidden = false;
  const close = () => {
    box.hidden = true;
    document.getElementById("lightbox-img").removeAttribute("src");
  };
  document.getElementById("lightbox-close").onclick = close;
  box.onclick = (event) => event.target === box && close();
}

function reasons(kase) {
  const steps = kase?.routing?.reason || [];
  return el(
    "section",
    { class: "block", id: "incident-reason" },
    el("h3", {}, "分派依据"),
    steps.length
      ? el("ol", { class: "reason" }, ...steps.map((step) => el("li", {}, step.message_zh || step.message)))
      : el("p", { class: "muted" }, "无"),
  );
}

// --- actions ---------------------------------------------------------------------------------

function actions(id, etag, kase, ctx, afterSuccess) {
  const allowed = (kase?.allowed_actions || []).filter((a) => ACTION_FORMS[a]);
  const block = el("section", { class: "block", id: "incident-actions" }, el("h3", {}, "办理"));
  if (!allowed.length) {
    block.append(el("p", { class: "muted" }, "您当前没有可办理的操作"));
    return block;
  }
  const holder = el("div", { class: "action-form-holder" });
  const buttons = el(
    "div",
    { class: "action-buttons" },
    ...allowed.map((action) =>
      el(
        "button",
        { type: "button", dataset: { action }, onclick: () => holder.replaceChildren(actionForm(id, etag, action, ctx, afterSuccess)) },
        ACTION_FORMS[action].label,
      ),
    ),
  );
  block.append(buttons, holder);
  return block;
}

function field(name, action, ctx) {
  if (name === "assignee") {
    const select = el("select", { name: "assignee_id" }, el("option", { value: "" }, "请选择队员"));
    for (const [memberId, member] of ctx.members) {
      select.append(el("option", { value: String(memberId) }, member.display_name || member.username));
    }
    return el("label", {}, "承办人 ", select);
  }
  if (name === "hours") {
    return el("label", {}, "延期小时数 ", el("input", { name: "hours", type: "number", min: "1", max: "720", value: "24" }));
  }
  return el("label", {}, `${NOTE_LABELS[action] || "说明"} `, el("textarea", { name: "note", rows: "2", maxlength: "2000" }));
}

function actionForm(id, etag, action, ctx, afterSuccess) {
  const spec = ACTION_FORMS[action];
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const submit = el("button", { type: "submit", class: "primary" }, `确认${spec.label}`);
  const form = el(
    "form",
    { class: "action-form", dataset: { action } },
    el("h4", {}, spec.label),
    ...spec.fields.map((name) => field(name, action, ctx)),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { action };
    if (data.get("note")) body.note = data.get("note");
    if (data.get("assignee_id")) body.assignee_id = Number(data.get("assignee_id"));
    if (data.get("hours")) body.hours = Number(data.get("hours"));
    error.hidden = true;
    submit.disabled = true;
    try {
      await api(`incidents/${id}/actions`, { method: "POST", json: body, headers: { "If-Match": etag } });
      toast(`已${spec.label}`, "ok");
      await afterSuccess();
    } catch (refused) {
      error.textContent = refused.detail || "操作失败";
      error.hidden = false;
      submit.disabled = false;
    }
  });
  return form;
}

// --- the audit trail -------------------------------------------------------------------------

function actor(event, incident, ctx) {
  if (!event.actor_id) return "系统";
  if (!ctx.members.has(event.actor_id) && event.actor_id === incident.reporter_id) return "上报人";
  return ctx.memberName(event.actor_id);
}

function timeline(events, incident, ctx) {
  const items = events.map((event) =>
    el(
      "li",
      {},
      el("time", { datetime: event.at }, formatDateTime(event.at)),
      el("b", {}, EVENT_NAMES[event.action] || actionName(event.action)),
      event.to_status && event.to_status !== event.from_status ? el("span", { class: "muted" }, ` → ${statusName(event.to_status)}`) : null,
      el("div", { class: "muted" }, actor(event, incident, ctx)),
      event.note ? el("div", { class: "note" }, event.note) : null,
    ),
  );
  return el("section", { class: "block" }, el("h3", {}, "办理记录"), el("ol", { class: "timeline", id: "incident-timeline" }, ...items));
}
