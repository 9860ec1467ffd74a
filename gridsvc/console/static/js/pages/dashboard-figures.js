// The figures the dashboard shows, their Chinese names (as the API's export headers) and how each
// is written: counts as integers, rates (fractions from the API) as percentages, hours to 0.1.

export const LABELS = {
  reported: "上报数",
  taken: "受理数",
  filed: "立案数",
  dispatched: "派遣数",
  due: "应结案数",
  closed: "结案数",
  closed_on_time: "按期结案数",
  reworked: "返工数",
  extended: "延期数",
  returned: "退回数",
  resolution_overdue: "超期处置数",
  calls: "乡呼县应呼叫数",
  calls_rejected: "乱呼叫数",
  not_called: "不呼叫数",
  filing_rate: "立案率",
  dispatch_rate: "派遣率",
  closing_rate: "结案率",
  on_time_rate: "按期结案率",
  rework_rate: "返工率",
  extension_rate: "延期率",
  resolution_hours_mean: "平均处置时长(小时)",
};

export const COUNT_FIELDS = [
  "reported", "taken", "filed", "dispatched", "due", "closed", "closed_on_time",
  "reworked", "extended", "returned", "resolution_overdue", "calls", "calls_rejected", "not_called",
];
export const RATE_FIELDS = ["filing_rate", "dispatch_rate", "closing_rate", "on_time_rate", "rework_rate", "extension_rate"];
export const KPI_FIELDS = [
  "reported", "filed", "due", "closed", "filing_rate", "closing_rate", "on_time_rate",
  "rework_rate", "resolution_overdue", "calls", "not_called", "resolution_hours_mean",
];
export const SCORE_KINDS = { township: "乡镇（街道）", department: "县级部门", stationed_agency: "派驻机构" };

/** A fraction as a percentage with one decimal ("87.5%"); "—" when there was nothing to divide. */
export function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

export function figureText(name, value) {
  if (name.endsWith("_rate")) return percent(value);
  if (name.includes("_hours_")) return value === null || value === undefined ? "—" : value.toFixed(1);
  return String(value ?? 0);
}
