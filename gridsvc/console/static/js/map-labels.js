// Text labels on the county maps, with no glyph server and no CDN. MapLibre draws the CJK
// ideographs of a name itself with the browser's fonts (localIdeographFontFamily, Noto Sans CJK
// on our test machines, 微软雅黑 or 苹方 on users' PCs); the other characters (a grid code's
// digits, Latin, full-width brackets, 、) come from the few SDF glyph ranges the console serves
// itself (static/glyphs/, made by scripts/glyphs.py), fetched from this site under its CSP.
// Township names at low zooms, village names in between, grid names (else codes) close up;
// incident markers carry none.

import { config } from "./shell-config.js";

/** The font stack scripts/glyphs.py writes (static/glyphs/<FONTSTACK>/<range>.pbf). */
export const FONTSTACK = "gridsvc-sans";

/** The CJK font families MapLibre draws ideographs with, best first. */
export const LOCAL_CJK_FONTS =
  "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

/** The style's `glyphs` URL: absolute (MapLibre needs it), on this same site. */
export function glyphsUrl() {
  return `${location.origin}${config().console}static/glyphs/{fontstack}/{range}.pbf`;
}

const HALO = { "text-color": "#212529", "text-halo-color": "rgba(255, 255, 255, 0.9)", "text-halo-width": 1.5 };

/** Label layers: [layer id, source, zoom range, text expression, size, paint]. */
const LABELS = [
  ["townships-label", "townships", [8, 13], ["get", "name"], 15, { ...HALO, "text-halo-width": 2 }],
  ["villages-label", "villages", [12, 15], ["get", "name"], 13, { ...HALO, "text-color": "#495057" }],
  ["grids-label", "grids", [15, 24], ["coalesce", ["get", "name"], ["get", "code"]], 12,
    { ...HALO, "text-color": "#6c757d" }],
];

/** Add the label layers (call after the boundary sources and lines exist, before the markers). */
export function addLabels(map) {
  for (const [id, source, [minzoom, maxzoom], text, size, paint] of LABELS) {
    map.addLayer({
      id,
      type: "symbol",
      source,
      "source-layer": source,
      minzoom,
      maxzoom,
      layout: {
        "text-field": text,
        "text-font": [FONTSTACK],
        "text-size": size,
        "text-max-width": 8,
        "text-padding": 4,
      },
      paint,
    });
  }
}
