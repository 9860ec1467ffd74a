// The dashboard's ECharts (the global `echarts` of vendor/echarts.min.js): counts and rates per
// group, scores per party. Rates are plotted as percentages (fraction × 100, axis in %).

import { LABELS, SCORE_KINDS } from "./dashboard-figures.js";

const COLORS = ["#1c5d99", "#4dabf7", "#2b8a3e", "#f59f00", "#c92a2a"];

function chart(node) {
  const instance = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: "canvas" });
  if (!node.dataset.resizes) {
    node.dataset.resizes = "1";
    window.addEventListener("resize", () => instance.resize());
  }
  return instance;
}

const names = (table) => table.rows.map((row) => row.name ?? row.key ?? "合计");
const rowsOrTotal = (table) => (table.rows.length ? table.rows : [{ ...table.total, name: "全县" }]);

function bars(node, categories, series, { percent = false, horizontal = false, empty = "" } = {}) {
  const valueAxis = { type: "value", ...(percent ? { max: 100, axisLabel: { formatter: "{value}%" } } : { minInterval: 1 }) };
  const categoryAxis = { type: "category", data: categories, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
  chart(node).setOption(
    {
      color: COLORS,
      title: categories.length ? { show: false } : { text: empty, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: percent ? (v) => (v === null || v === undefined ? "—" : `${v}%`) : undefined },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series.map((item) => ({
        type: "bar",
        barMaxWidth: 28,
        label: { show: true, position: horizontal ? "right" : "top", formatter: percent ? "{c}%" : "{c}" },
        ...item,
      })),
    },
    true,
  );
}

export function chartCounts(node, table) {
  const rows = rowsOrTotal(table);
  const fields = ["reported", "filed", "closed", "closed_on_time", "resolution_overdue"];
  bars(node, table.rows.length ? names(table) : ["全县"],
    fields.map((name) => ({ name: LABELS[name], id: name, data: rows.map((row) => row[name]) })));
}

/** Fractions to percentages rounded to 0.1 (null stays null: no bar, nothing to divide). */
const asPercent = (value) => (value === null || value === undefined ? null : Math.round(value * 1000) / 10);

export function chartRates(node, table) {
  const rows = rowsOrTotal(table);
  const fields = ["closing_rate", "on_time_rate", "filing_rate"];
  bars(node, table.rows.length ? names(table) : ["全县"],
    fields.map((name) => ({ name: LABELS[name], id: name, data: rows.map((row) => asPercent(row[name])) })),
    { percent: true });
}

export function chartScores(node, scores) {
  const rows = scores.scores.filter((item) => item.score !== null);
  bars(node, rows.map((item) => `${item.name ?? item.key}（${SCORE_KINDS[item.kind] ?? item.kind}）`),
    [{ name: "综合得分", id: "score", data: rows.map((item) => Math.round(item.score * 10) / 10) }],
    { horizontal: true, empty: "本期暂无可计算的得分" });
}
