// What the county desk and the department pages share: the Chinese words of 乡呼县应 calls and
// 督办 notices, and the two writes they make. Both writes fetch the current ETag first: the
// API refuses a write without If-Match, and a list may be minutes old (another dispatcher may
// have moved the call meanwhile; then the API's 409 text is what the user reads).

import { api } from "./api.js";

/** Call statuses as the desk speaks of them (the catalogue's words are the incident's). */
export const CALL_STATUS = {
  called: "待受理",
  accepted: "已受理·待研判",
  rejected: "已退回",
  analysed: "已研判·待派发",
  dispatched: "已派发·待响应",
  responded: "已响应·处置中",
  completed: "已办结",
};
export const CALL_STATUS_COLOR = {
  called: "#e8590c",
  accepted: "#f08c00",
  rejected: "#adb5bd",
  analysed: "#9c36b5",
  dispatched: "#1971c2",
  responded: "#3b5bdb",
  completed: "#2f9e44",
};
export const OPEN_CALL_STATUSES = ["called", "accepted", "analysed", "dispatched", "responded"];

export const NOTICE_KIND = {
  response_overdue: "超时未受理",
  resolution_overdue: "超时未办结",
  call_unaccepted: "呼叫超时未受理",
  call_unresponded: "派发后超时未响应",
};

/** Incident statuses a county map shows as open work. */
export const OPEN_INCIDENT_STATUSES = [
  "reported", "accepted", "dispatched", "in_progress", "reopened", "resolved",
];

/** A call action (accept, reject, analyse, dispatch, respond, rate_*): the updated call. */
export async function callAction(callId, body) {
  const { response } = await api(`calls/${callId}`, { full: true });
  return api(`calls/${callId}/actions`, {
    method: "POST",
    json: body,
    headers: { "If-Match": response.headers.get("ETag") },
  });
}

/** A case action (start, resolve, …) on an incident: the updated case view. */
export async function caseAction(incidentId, body) {
  const { response } = await api(`incidents/${incidentId}/case`, { full: true });
  return api(`incidents/${incidentId}/actions`, {
    method: "POST",
    json: body,
    headers: { "If-Match": response.headers.get("ETag") },
  });
}

/** The county's departments, {id: name}, for pickers and for naming a call's parties. */
export async function departments(countyCode) {
  const page = await api("teams", {
    query: { kind: "county_department", county: countyCode, active: true, limit: 500 },
  });
  return new Map(page.items.map((team) => [team.id, team.name]));
}

/** The county's townships, {code: name}; empty when they cannot be read (codes are shown). */
export async function townshipNames(countyCode) {
  try {
    const page = await api("areas", {
      query: { level: "township", parent: countyCode, geometry: false, limit: 500 },
    });
    const rows = page.features ? page.features.map((f) => f.properties) : page.items || [];
    return new Map(rows.map((row) => [row.code, row.name]));
  } catch {
    return new Map();
  }
}

/** Category names by code (the catalogue's Chinese names). */
export async function categoryNames() {
  try {
    const rows = await api("categories");
    return new Map(rows.map((row) => [row.code, row.name_zh]));
  } catch {
    return new Map();
  }
}
