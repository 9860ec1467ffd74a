// The validation report of an upload: counts, every finding listed and drawn on the map
// (overlaps, gaps, invalid points …), list and map in step: clicking either selects both and
// the map flies to the finding.

import { api } from "../api.js";
import { bounds, flyToFeature, setGeoJsonLayer } from "../map.js";
import { el, showEmpty } from "../ui.js";

/** Chinese names of the validator's finding codes; the API's `detail` says the particulars. */
const FINDING_NAMES = {
  "coverage.overlap": "网格重叠",
  "coverage.sliver_overlap": "细小重叠",
  "coverage.gap": "覆盖缝隙",
  "coverage.sliver_gap": "细小缝隙",
  "geometry.invalid": "无效几何",
  "geometry.repaired": "已修复几何",
  "geometry.empty": "空几何",
  "geometry.invalid_geojson": "无效 GeoJSON 几何",
  "code.duplicate": "编码重复",
  "code.malformed": "编码格式错误",
  "code.missing": "缺少编码",
  "code.parent_mismatch": "编码与上级不符",
  "parent.unknown": "上级区域不存在",
  "scope.outside": "超出管辖范围",
  "extent.outside_china": "坐标超出中国范围",
  "extent.swapped_axes": "经纬度颠倒",
  "grid.size_area": "网格面积超出规模",
  "grid.size_households": "网格户数超出规模",
  "grid.size_outside_target": "网格规模不在目标范围",
};
const SEVERITY_NAMES = { error: "错误", warning: "警告", info: "提示" };
const SEVERITY_COLORS = { error: "#e03131", warning: "#f08c00", info: "#1971c2" };

export const findingName = (code) => FINDING_NAMES[code] || code;
export const severityName = (severity) => SEVERITY_NAMES[severity] || severity;

const color = ["match", ["get", "severity"], "error", SEVERITY_COLORS.error, "warning", SEVERITY_COLORS.warning, SEVERITY_COLORS.info];
const selected = ["boolean", ["feature-state", "selected"], false];
const FINDING_LAYERS = [
  {
    type: "fill",
    filter: ["==", ["geometry-type"], "Polygon"],
    paint: { "fill-color": color, "fill-opacity": ["case", selected, 0.75, 0.45] },
  },
  {
    type: "line",
    filter: ["any", ["==", ["geometry-type"], "Polygon"], ["==", ["geometry-type"], "LineString"]],
    paint: { "line-color": color, "line-width": ["case", selected, 4, 2] },
  },
  {
    type: "circle",
    filter: ["==", ["geometry-type"], "Point"],
    paint: {
      "circle-color": color,
      "circle-radius": ["case", selected, 9, 6],
      "circle-stroke-color": "#fff",
      "circle-stroke-width": 1.5,
    },
  },
];
const EMPTY = { type: "FeatureCollection", features: [] };

/** Draws one upload's report into `container` and its findings on `map`. */
export class ReportView {
  constructor(map, container) {
    this.map = map;
    this.container = container;
    this.features = new Map(); // finding id -> GeoJSON feature (ids count from 1, report order)
    this.selectedId = null;
    setGeoJsonLayer(map, "findings", EMPTY, FINDING_LAYERS);
    for (const layer of ["findings-0", "findings-1", "findings-2"]) {
      map.on("click", layer, (event) => this.select(event.features[0]?.id, { fly: false }));
      map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
    }
  }

  clear() {
    this.features.clear();
    this.selectedId = null;
    setGeoJsonLayer(this.map, "findings", EMPTY, FINDING_LAYERS);
    this.container.replaceChildren();
  }

  /** `upload` as GET /boundary-uploads/{id} answers it, once validated or invalid. */
  async show(upload) {
    const report = upload.report || { findings: [], summary: {} };
    const layer = await api(`boundary-uploads/${upload.id}/findings`);
    for (const f of layer.features) f.properties = { ...f.properties, id: f.id }; // for feature-state
    this.features = new Map(layer.features.filter((f) => f.geometry).map((f) => [f.id, f]));
    setGeoJsonLayer(this.map, "findings", layer, FINDING_LAYERS);
    this.container.replaceChildren(this.summary(report), this.list(report.findings || []));
    const box = bounds({ type: "FeatureCollection", features: [...this.features.values()] });
    // All the findings with their surroundings (the grids around them), not one filling the map.
    if (box) this.map.fitBounds(box, { padding: 80, maxZoom: 15.5 });
  }

  summary(report) {
    const bySeverity = report.summary?.by_severity || {};
    const ok = report.ok ?? !bySeverity.error;
    return el(
      "div",
      { class: "summary", id: "report-summary" },
      el("span", { class: `badge ${ok ? "ok" : "error"}` }, ok ? "校验通过" : "校验未通过"),
      ["error", "warning", "info"].map((s) =>
        el("span", { class: `badge ${s}` }, `${severityName(s)} ${bySeverity[s] || 0}`),
      ),
    );
  }

  list(findings) {
    if (!findings.length) {
      const box = el("div");
      showEmpty(box, "没有发现问题");
      return box;
    }
    return el(
      "ol",
      { class: "findings", id: "findings" },
      findings.map((finding, i) => {
        const id = i + 1;
        const placed = this.features.has(id);
        return el(
          "li",
          {
            class: `finding${placed ? "" : " no-place"}`,
            dataset: { id, code: finding.code },
            title: placed ? "点击在地图上查看" : "此项没有位置",
            onclick: () => placed && this.select(id, { fly: true }),
          },
          el("span", { class: `badge ${finding.severity}` }, severityName(finding.severity)),
          el("span", { class: "what" }, findingName(finding.code)),
          finding.feature ? el("span", { class: "feature" }, finding.feature) : null,
          finding.related?.length ? el("span", { class: "related" }, ` ↔ ${finding.related.join("、")}`) : null,
          el("span", { class: "detail" }, finding.detail || ""),
        );
      }),
    );
  }

  /** Select finding `id` on the map and in the list; `fly` moves the map to it. */
  select(id, { fly }) {
    if (id === undefined || id === null) return;
    if (this.selectedId !== null) this.map.setFeatureState({ source: "findings", id: this.selectedId }, { selected: false });
    this.selectedId = id;
    this.map.setFeatureState({ source: "findings", id }, { selected: true });
    for (const item of this.container.querySelectorAll(".finding")) {
      item.classList.toggle("selected", Number(item.dataset.id) === id);
    }
    const item = this.container.querySelector(`.finding[data-id="${id}"]`);
    item?.scrollIntoView({ block: "nearest" });
    if (fly && this.features.has(id)) flyToFeature(this.map, this.features.get(id));
  }
}
