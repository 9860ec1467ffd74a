// MapLibre GL maps of the county: the boundary vector tiles (townships, villages, grids) from
// /api/v1/tiles, fitted to the caller's area, over an optional XYZ basemap (CONSOLE_BASEMAP_URL).
// MapLibre is the vendor build loaded by the page (<script src=".../vendor/maplibre-gl.js">).
// Place names are drawn by map-labels.js (CJK with the browser's fonts, the rest from glyph
// ranges served here: no glyph server, no CDN).

import { api } from "./api.js";
import { LOCAL_CJK_FONTS, addLabels, glyphsUrl } from "./map-labels.js";
import { config } from "./shell-config.js";

const maplibregl = window.maplibregl;

/** MapLibre needs absolute tile URLs; our tiles come from this same site with its cookies. */
function tileUrl(layer, query = "") {
  return `${location.origin}${config().api}/tiles/${layer}/{z}/{x}/{y}.mvt${query}`;
}

function baseStyle() {
  const style = {
    version: 8,
    glyphs: glyphsUrl(),
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#f3f1ec" } }],
  };
  const basemap = config().basemap;
  if (basemap) {
    style.sources.basemap = {
      type: "raster",
      tiles: [basemap.url],
      tileSize: 256,
      attribution: basemap.attribution || "",
    };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  return style;
}

function addBoundaries(map) {
  map.addSource("townships", { type: "vector", tiles: [tileUrl("townships")], minzoom: 6, maxzoom: 16 });
  map.addSource("villages", { type: "vector", tiles: [tileUrl("villages")], minzoom: 8, maxzoom: 16 });
  map.addSource("grids", { type: "vector", tiles: [tileUrl("grids")], minzoom: 10, maxzoom: 16 });
  map.addLayer({
    id: "grids-fill",
    type: "fill",
    source: "grids",
    "source-layer": "grids",
    paint: { "fill-color": "#ffffff", "fill-opacity": config().basemap ? 0.15 : 0.6 },
  });
  map.addLayer({
    id: "grids-line",
    type: "line",
    source: "grids",
    "source-layer": "grids",
    paint: { "line-color": "#adb5bd", "line-width": 0.6 },
  });
  map.addLayer({
    id: "villages-line",
    type: "line",
    source: "villages",
    "source-layer": "villages",
    paint: { "line-color": "#868e96", "line-width": 1, "line-dasharray": [3, 2] },
  });
  map.addLayer({
    id: "townships-line",
    type: "line",
    source: "townships",
    "source-layer": "townships",
    paint: { "line-color": "#343a40", "line-width": 2 },
  });
  addLabels(map);
}

/** [[w, s], [e, n]] of any GeoJSON geometry, feature or collection. */
export function bounds(geojson) {
  let w = 180, s = 90, e = -180, n = -90;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(visit);
  };
  const walk = (g) => {
    if (!g) return;
    if (g.type === "FeatureCollection") g.features.forEach((f) => walk(f.geometry));
    else if (g.type === "Feature") walk(g.geometry);
    else if (g.type === "GeometryCollection") g.geometries.forEach(walk);
    else visit(g.coordinates);
  };
  walk(geojson);
  return w <= e ? [[w, s], [e, n]] : null;
}

/** Fit to an area by its code (the caller's township or county); false if it cannot be read. */
export async function fitToArea(map, code) {
  try {
    const area = await api(`areas/${code}`);
    const box = bounds(area);
    if (!box) return false;
    map.fitBounds(box, { padding: 24, animate: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * A map in `container` with the boundary layers, fitted to the caller's area (township, else
 * county). Resolves once the style is loaded, so layers can be added straight away.
 */
export async function createMap(container, options = {}) {
  const map = new maplibregl.Map({
    container,
    style: baseStyle(),
    center: [112.9, 27.85],
    zoom: 10,
    attributionControl: config().basemap ? {} : false,
    localIdeographFontFamily: LOCAL_CJK_FONTS,
    ...options,
  });
  // The map is reachable from its element (browser tests read its layers and feature states).
  map.getContainer().map = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  await new Promise((resolve) => map.on("load", resolve));
  addBoundaries(map);
  const user = config().user || {};
  const area = options.areaCode || user.township_code || user.county_code;
  if (area) await fitToArea(map, area);
  return map;
}

/**
 * Add (or replace the data of) a GeoJSON source `id` drawn by `layers` (MapLibre layer specs
 * without id/source: ids become `${id}-0`, `${id}-1`...). `promoteId` lets feature-state
 * (hover, selection) address features by a property such as "id".
 */
export function setGeoJsonLayer(map, id, data, layers, { promoteId = "id" } = {}) {
  const source = map.getSource(id);
  if (source) {
    source.setData(data);
    return;
  }
  map.addSource(id, { type: "geojson", data, promoteId });
  layers.forEach((spec, i) => map.addLayer({ ...spec, id: `${id}-${i}`, source: id }));
}

/** Fly to a GeoJSON feature: a point at `zoom`, a shape fitted with padding. */
export function flyToFeature(map, feature, zoom = 16) {
  if (feature.geometry?.type === "Point") {
    map.flyTo({ center: feature.geometry.coordinates, zoom: Math.max(map.getZoom(), zoom) });
    return;
  }
  const box = bounds(feature);
  if (box) map.fitBounds(box, { padding: 60, maxZoom: 18 });
}

export { maplibregl };
