// Open cases as coloured dots on a MapLibre map (the desk's county map, the department's
// queue): the colour is the status, a red ring says overdue, the selected one grows. Clicking a
// dot tells the page, which highlights the matching card.

import { flyToFeature, maplibregl, setGeoJsonLayer } from "./map.js";
import { statusColor, statusName, OVERDUE_COLOR } from "./labels.js";
import { el } from "./ui.js";

const SOURCE = "cases";

function colourByStatus() {
  const statuses = ["reported", "accepted", "dispatched", "in_progress", "reopened", "resolved", "returned"];
  return ["match", ["get", "status"], ...statuses.flatMap((s) => [s, statusColor(s)]), "#495057"];
}

/** Draw (or redraw) the cases; `onPick(id)` is called when a dot is clicked. `idKey` is the
 * property naming the incident (`id` in /incidents, `incident_id` in a team's queue). */
export function drawCases(map, collection, onPick, idKey = "id") {
  const fresh = !map.getSource(SOURCE);
  setGeoJsonLayer(map, SOURCE, collection, [
    {
      type: "circle",
      paint: {
        "circle-color": colourByStatus(),
        "circle-radius": ["case", ["boolean", ["feature-state", "selected"], false], 10, 6],
        "circle-stroke-color": ["case", ["==", ["get", "overdue"], true], OVERDUE_COLOR, "#ffffff"],
        "circle-stroke-width": ["case", ["==", ["get", "overdue"], true], 3, 1.5],
      },
    },
  ], { promoteId: idKey });
  idProperty = idKey;
  if (!fresh) return;
  const layer = `${SOURCE}-0`;
  map.on("click", layer, (event) => onPick(event.features[0].id));
  map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
}

let selected = null;
let idProperty = "id";

/** Highlight one case on the map and fly to it (null clears). */
export function selectCase(map, collection, id) {
  if (selected !== null) map.setFeatureState({ source: SOURCE, id: selected }, { selected: false });
  selected = null;
  const feature = collection.features.find((f) => f.properties[idProperty] === id);
  if (!feature) return false;
  selected = id;
  map.setFeatureState({ source: SOURCE, id }, { selected: true });
  flyToFeature(map, feature, 14);
  return true;
}

/** The legend: each status present, and the overdue ring. */
export function fillLegend(container, collection) {
  const present = [...new Set(collection.features.map((f) => f.properties.status))];
  container.replaceChildren(
    ...present.map((s) => el("span", { style: `--dot: ${statusColor(s)}` }, statusName(s))),
    el("span", { class: "ring", style: `--ring: ${OVERDUE_COLOR}` }, "红圈：已超时"),
  );
  container.hidden = present.length === 0;
}

/** Resolves when the map has drawn everything it was given (for a screenshot, a test). */
export function drawn(map) {
  return new Promise((resolve) => {
    if (map.loaded() && !map.isMoving()) map.once("idle", resolve).triggerRepaint();
    else map.once("idle", resolve);
  });
}

export { maplibregl };
