// 数据管理 (GIS staff, admin): upload a boundary file and read its validation report on the map
// (data-upload.js, data-report.js), publish it, and compare generations (data-generations.js).

import { createMap } from "../map.js";
import { GenerationsView } from "./data-generations.js";
import { ReportView } from "./data-report.js";
import { UploadForm } from "./data-upload.js";

const $ = (id) => document.getElementById(id);

function tabs(onSwitch) {
  const pairs = [["tab-upload", "panel-upload"], ["tab-generations", "panel-generations"]];
  for (const [tab, panel] of pairs) {
    $(tab).addEventListener("click", () => {
      for (const [t, p] of pairs) {
        $(t).classList.toggle("active", t === tab);
        $(t).setAttribute("aria-selected", String(t === tab));
        $(p).hidden = p !== panel;
      }
      onSwitch(tab);
    });
  }
}

async function main() {
  const map = await createMap("map");
  window.consoleMap = map; // the browser tests ask MapLibre what it drew (queryRenderedFeatures)
  const report = new ReportView(map, $("report"));
  const generations = new GenerationsView(map, $("generations"), $("changes"), $("legend"));
  const form = new UploadForm(report, async (generation) => {
    await generations.load();
    $("tab-generations").click();
    await generations.show(generation);
  });
  tabs((tab) => {
    if (tab === "tab-generations") generations.load();
    else generations.hide();
  });
  await generations.load();
  const known = generations.generations.filter((g) => g.level === "grid").map((g) => g.layer);
  form.fillLayers(known);
  document.body.dataset.ready = "1";
}

main();
