// 考核看板: the indicators of a period per township/department/team… as ECharts charts and a
// table, the composite scores beside their inputs, the hotspot map, and the export links. Every
// figure is the API's (/indicators, /scores, /hotspots); rates arrive as fractions and are shown
// as percentages.

import { api, apiUrl, downloadWithFreshSession } from "../api.js";
import { createMap, flyToFeature, setGeoJsonLayer } from "../map.js";
import { el, showEmpty, showError, showLoading } from "../ui.js";
import { chartCounts, chartRates, chartScores } from "./dashboard-charts.js";
import { COUNT_FIELDS, KPI_FIELDS, LABELS, RATE_FIELDS, SCORE_KINDS, figureText } from "./dashboard-figures.js";

const $ = (id) => document.getElementById(id);

/** Today in Beijing (the API's periods are Beijing days), whatever the PC's zone. */
function beijingToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
}

function query() {
  const period = $("period").value;
  const params = { period, from: $("from").value, by: $("by").value };
  if (period === "custom") params.to = $("to").value || $("from").value;
  return params;
}

function exportLinks(params) {
  const link = (path, format) => `${apiUrl(path)}?${new URLSearchParams({ ...params, format })}`;
  $("export-xlsx").href = link("indicators", "xlsx");
  $("export-csv").href = link("indicators", "csv");
  $("export-cases").href = link("indicators/cases", "xlsx");
}

function renderKpis(total) {
  $("kpis").replaceChildren(
    ...KPI_FIELDS.map((name) =>
      el("div", { class: "kpi", dataset: { field: name } },
        el("div", { class: "value" }, figureText(name, total[name])),
        el("div", { class: "label" }, LABELS[name])),
    ),
  );
}

function renderTable(table) {
  const fields = [...COUNT_FIELDS, ...RATE_FIELDS];
  const row = (item, tag) =>
    el("tr", { dataset: { key: item.key ?? "" } },
      el(tag, {}, item.name ?? item.key ?? "合计"),
      ...fields.map((name) => el(tag, { dataset: { field: name } }, figureText(name, item[name]))));
  $("indicator-table").replaceChildren(
    el("table", { class: "figures", id: "indicators" },
      el("thead", {}, el("tr", {}, el("th", {}, "名称"), ...fields.map((name) => el("th", {}, LABELS[name])))),
      el("tbody", {}, table.rows.map((item) => row(item, "td"))),
      el("tfoot", {}, row({ ...table.total, name: "合计" }, "td"))),
  );
}

function inputText(input) {
  const value = input.value === null ? "无数据" : input.value.toFixed(1);
  return `${input.label_zh} ${value}（权重 ${(input.applied_weight * 100).toFixed(1)}%）`;
}

function renderScores(scores) {
  if (!scores.scores.length) {
    showEmpty($("score-table"), "本期没有可计分的单位");
    return;
  }
  $("score-table").replaceChildren(
    el("table", { class: "figures", id: "scores" },
      el("thead", {}, el("tr", {}, el("th", {}, "单位"), el("th", {}, "类别"), el("th", {}, "得分"), el("th", { class: "inputs" }, "构成"))),
      el("tbody", {}, scores.scores.map((item) =>
        el("tr", { dataset: { key: `${item.kind}:${item.key}` } },
          el("td", {}, item.name ?? item.key),
          el("td", {}, SCORE_KINDS[item.kind] ?? item.kind),
          el("td", { class: "score" }, item.score === null ? "—" : item.score.toFixed(1)),
          el("td", { class: "inputs" }, item.inputs.map(inputText).join("；")))))),
  );
}

const HOTSPOT_KINDS = { cluster: "聚集", recurring: "反复发生" };

function renderHotspotList(map, collection) {
  const list = $("hotspot-list");
  if (!collection.features.length) {
    showEmpty(list, "当前没有热点");
    return;
  }
  list.replaceChildren(...collection.features.map((feature) => {
    const p = feature.properties;
    return el("div", { class: "hotspot-item", dataset: { kind: p.kind }, onclick: () => flyToFeature(map, feature) },
      el("strong", {}, `${HOTSPOT_KINDS[p.kind] ?? p.kind} · 类别 ${p.category_code}`),
      el("div", {}, `${p.incidents} 起上报，${p.days} 天，半径 ${Math.round(p.radius_m)} 米`));
  }));
}

async function loadHotspots(mapReady) {
  showLoading($("hotspot-list"));
  try {
    const [map, collection] = await Promise.all([mapReady, api("hotspots")]);
    setGeoJsonLayer(map, "hotspots", collection, [
      { type: "circle", paint: { "circle-radius": 10, "circle-color": ["match", ["get", "kind"], "recurring", "#e8590c", "#c92a2a"], "circle-opacity": 0.6, "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
    ]);
    renderHotspotList(map, collection);
  } catch (error) {
    showError($("hotspot-list"), error);
  }
}

async function loadFigures() {
  const params = query();
  exportLinks(params);
  const scoreParams = { period: params.period, from: params.from, ...(params.to ? { to: params.to } : {}) };
  document.body.dataset.loaded = "";
  showLoading($("indicator-table"));
  showLoading($("score-table"));
  try {
    const [table, scores] = await Promise.all([
      api("indicators", { query: params }),
      api("scores", { query: scoreParams }),
    ]);
    $("period-note").textContent = `统计周期 ${table.period.from} 至 ${table.period.to}（北京时间），共 ${table.rows.length} 个分组`;
    renderKpis(table.total);
    renderTable(table);
    chartCounts($("chart-counts"), table);
    chartRates($("chart-rates"), table);
    renderScores(scores);
    chartScores($("chart-scores"), scores);
    document.body.dataset.loaded = JSON.stringify(params);
  } catch (error) {
    showError($("indicator-table"), error);
    showError($("score-table"), error);
  }
}

function main() {
  $("from").value = beijingToday();
  $("period").addEventListener("change", () => {
    const custom = $("period").value === "custom";
    $("to-field").hidden = !custom;
    $("from-label").textContent = custom ? "从" : "日期";
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadFigures();
  });
  for (const id of ["export-xlsx", "export-csv", "export-cases"]) downloadWithFreshSession($(id));
  loadFigures();
  loadHotspots(createMap("hotspot-map"));
}

main();
