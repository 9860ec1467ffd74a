// 版本与变更: the county's boundary generations, and for one of them a before/after view of what
// it changed — codes added, removed, and codes whose shape, name or parent changed — as the API
// computes it (`/generations/{id}/changes`; for a draft, what publishing it would change).

import { api } from "../api.js";
import { formatDateTime } from "../format.js";
import { bounds, flyToFeature, setGeoJsonLayer } from "../map.js";
import { el, showEmpty, showError, showLoading } from "../ui.js";

const STATUS_NAMES = { draft: "草稿", published: "已发布", retired: "已停用" };
const LEVEL_NAMES = { county: "区县", township: "乡镇", village: "村（社区）", grid: "网格" };
export const LAYER_NAMES = {
  unified: "综合网格",
  zongzhi: "综治网格",
  chengguan: "城管网格",
  yingji: "应急网格",
  shebao: "社保网格",
};
const CHANGE_NAMES = { added: "新增", removed: "删除", changed: "变更" };
const FIELD_NAMES = { geometry: "边界", name: "名称", parent_code: "上级" };
const CHANGE_COLORS = { added: "#2f9e44", removed: "#e03131", changed: "#1971c2" };
const MAX_PAGES = 40; // 20,000 changed codes: more than a county's grids

export const layerName = (layer) => LAYER_NAMES[layer] || layer;
export const levelName = (level) => LEVEL_NAMES[level] || level;

const changeColor = ["match", ["get", "change"], "added", CHANGE_COLORS.added, "removed", CHANGE_COLORS.removed, CHANGE_COLORS.changed];
const BEFORE_LAYERS = [
  { type: "fill", paint: { "fill-color": changeColor, "fill-opacity": ["match", ["get", "change"], "removed", 0.35, 0] } },
  { type: "line", paint: { "line-color": ["match", ["get", "change"], "changed", "#f08c00", CHANGE_COLORS.removed], "line-width": 2, "line-dasharray": [2, 1.5] } },
];
const AFTER_LAYERS = [
  { type: "fill", paint: { "fill-color": changeColor, "fill-opacity": 0.35 } },
  { type: "line", paint: { "line-color": changeColor, "line-width": 2 } },
];
const EMPTY = { type: "FeatureCollection", features: [] };

/** Every page of what generation `g` changes (a draft: what publishing it would change). */
async function changesOf(g) {
  const query = { limit: 500 };
  const features = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await api(`generations/${g.id}/changes`, { query });
    features.push(...answer.features);
    if (!answer.next_cursor) break;
    query.cursor = answer.next_cursor;
  }
  return features;
}

/** {added, removed, changed}: one entry per code, {code, name, changed, before, after}. */
export function group(features) {
  const byCode = new Map();
  for (const f of features) {
    const p = f.properties;
    const entry = byCode.get(p.code) || { code: p.code, change: p.change, changed: p.changed };
    entry[p.side] = f;
    entry.name = p.name || entry.name;
    byCode.set(p.code, entry);
  }
  const diff = { added: [], removed: [], changed: [] };
  for (const entry of byCode.values()) diff[entry.change].push(entry);
  return diff;
}

const tag = (features) => features.map((f, i) => ({ ...f, id: undefined, properties: { ...f.properties, id: `${f.properties.change}-${f.properties.side}-${i}` } }));

export class GenerationsView {
  constructor(map, list, changes, legend) {
    Object.assign(this, { map, list, changes, legend });
    this.generations = [];
    setGeoJsonLayer(map, "diff-before", EMPTY, BEFORE_LAYERS);
    setGeoJsonLayer(map, "diff-after", EMPTY, AFTER_LAYERS);
  }

  async load() {
    showLoading(this.list);
    try {
      this.generations = await api("generations");
    } catch (error) {
      showError(this.list, error);
      return;
    }
    if (!this.generations.length) {
      showEmpty(this.list, "还没有边界版本");
      return;
    }
    this.list.replaceChildren(
      ...this.generations.map((g) =>
        el(
          "div",
          { class: "generation", dataset: { id: g.id, number: g.number ?? "" }, onclick: () => this.show(g) },
          el("div", {}, el("strong", {}, g.number ? `第 ${g.number} 版` : "草稿"), " ", levelName(g.level),
            g.level === "grid" ? ` · ${layerName(g.layer)}` : "", " ", el("span", { class: `badge ${g.status === "published" ? "ok" : ""}` }, STATUS_NAMES[g.status] || g.status)),
          el("div", { class: "meta" }, g.description || "", " ", g.published_at ? `发布于 ${formatDateTime(g.published_at)}` : `创建于 ${formatDateTime(g.created_at)}`),
        ),
      ),
    );
  }

  /** The before/after of generation `g` (a draft: against what is in force now). */
  async show(g) {
    for (const item of this.list.querySelectorAll(".generation")) item.classList.toggle("selected", Number(item.dataset.id) === g.id);
    showLoading(this.changes, g.number ? "正在比较前后两个版本…" : "正在比较草稿与现行版本…");
    let features;
    try {
      features = await changesOf(g);
    } catch (error) {
      showError(this.changes, error);
      return;
    }
    const diff = group(features);
    const side = (name) => tag(features.filter((f) => f.properties.side === name));
    const beforeData = { type: "FeatureCollection", features: side("before") };
    const afterData = { type: "FeatureCollection", features: side("after") };
    setGeoJsonLayer(this.map, "diff-before", beforeData);
    setGeoJsonLayer(this.map, "diff-after", afterData);
    this.showLegend(true);
    const all = { type: "FeatureCollection", features: [...beforeData.features, ...afterData.features] };
    if (bounds(all)) flyToFeature(this.map, all);
    this.changes.replaceChildren(this.counts(g, diff), this.changeList(diff));
  }

  counts(g, diff) {
    return el(
      "div",
      { class: "change-counts", id: "change-counts" },
      el("strong", {}, g.number ? `第 ${g.number} 版 对比上一版` : "草稿 对比现行版本（发布后的变化）"),
      ["added", "removed", "changed"].map((k) => el("span", { class: "badge", style: `background:${CHANGE_COLORS[k]}`, dataset: { change: k, count: diff[k].length } }, `${CHANGE_NAMES[k]} ${diff[k].length}`)),
    );
  }

  changeList(diff) {
    const rows = ["added", "removed", "changed"].flatMap((k) => diff[k].map((entry) => [k, entry]));
    if (!rows.length) {
      const box = el("div");
      showEmpty(box, "与上一版相比没有变化");
      return box;
    }
    return el(
      "ul",
      { class: "change-list", id: "change-list" },
      rows.map(([k, entry]) =>
        el("li", { class: "change", dataset: { change: k, code: entry.code, fields: entry.changed.join(" ") }, onclick: () => flyToFeature(this.map, entry.after || entry.before) },
          el("span", { class: "badge", style: `background:${CHANGE_COLORS[k]}` }, CHANGE_NAMES[k]), " ", entry.code, " ", entry.name || "",
          entry.changed.length ? el("span", { class: "meta" }, ` （${entry.changed.map((f) => FIELD_NAMES[f] || f).join("、")}）`) : ""),
      ),
    );
  }

  hide() {
    setGeoJsonLayer(this.map, "diff-before", EMPTY);
    setGeoJsonLayer(this.map, "diff-after", EMPTY);
    this.showLegend(false);
  }

  showLegend(shown) {
    this.legend.classList.toggle("shown", shown);
    this.legend.replaceChildren(
      el("div", {}, el("i", { style: `background:${CHANGE_COLORS.added}` }), "新增"),
      el("div", {}, el("i", { style: `background:${CHANGE_COLORS.removed}` }), "删除（原边界）"),
      el("div", {}, el("i", { style: "background:#fff;border:2px dashed #f08c00" }), "变更前"),
      el("div", {}, el("i", { style: `background:${CHANGE_COLORS.changed}` }), "变更后"),
    );
  }
}
