// Chinese names of statuses, actions and roles. The words come from the server's one catalogue
// (gridsvc/i18n, rendered into the page config), so the console and the API's problem texts
// never disagree; category names come from the API (/categories).

import { config } from "./shell-config.js";

function word(key) {
  return (config().labels || {})[key] || key;
}

export const statusName = word;
export const actionName = word;
export const roleName = word;

/** Map and legend colours per incident status (open work warm, finished work cool). */
export const STATUS_COLORS = {
  reported: "#e8590c",
  accepted: "#f08c00",
  returned: "#c2255c",
  reopened: "#c2255c",
  dispatched: "#1971c2",
  in_progress: "#3b5bdb",
  resolved: "#2f9e44",
  verified: "#2b8a3e",
  closed: "#868e96",
  evaluated: "#868e96",
  rejected: "#adb5bd",
  duplicate: "#adb5bd",
  triage: "#9c36b5",
};
export const OVERDUE_COLOR = "#e03131";

export function statusColor(status) {
  return STATUS_COLORS[status] || "#495057";
}
