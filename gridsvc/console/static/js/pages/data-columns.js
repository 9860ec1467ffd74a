// A boundary file's columns for the field pickers. A GeoJSON file is read here, in the browser
// (no second upload); a zipped Shapefile, a GeoPackage or a KML is read by the server's
// POST /boundary-uploads/inspect, through the upload's own safe reader. Both give the same shape:
// {format, features, crs, layers, columns: [{name, samples}], detected: {code, name, parent_code}}.

import { api } from "../api.js";

const GEOJSON_LIMIT = 50 * 1024 * 1024; // the server's default UPLOAD_MAX_BYTES
const SAMPLES = 3;

/** "geojson" when the name says so; anything else goes to the server (which trusts bytes). */
function looksLikeGeoJson(file) {
  return /\.(geo)?json$/i.test(file.name);
}

/** Columns of `file`; `options` (crs, layer_name, encoding) only matter to the server. */
export async function readColumns(file, options = {}) {
  if (looksLikeGeoJson(file) && file.size <= GEOJSON_LIMIT) {
    const local = await readGeoJson(file);
    if (local) return local;
  }
  const form = new FormData();
  form.append("file", file, file.name);
  for (const [key, value] of Object.entries(options)) if (value) form.append(key, value);
  return api("boundary-uploads/inspect", { method: "POST", form });
}

/** null when the text is not a GeoJSON FeatureCollection (the server then says why). */
async function readGeoJson(file) {
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch {
    return null;
  }
  const features = data?.type === "FeatureCollection" ? data.features : null;
  if (!Array.isArray(features)) return null;
  const names = [];
  for (const feature of features) {
    for (const key of Object.keys(feature?.properties || {})) if (!names.includes(key)) names.push(key);
  }
  const columns = names.map((name) => ({ name, samples: samplesOf(features, name) }));
  const crsName = data.crs?.properties?.name || "";
  return {
    format: "geojson",
    features: features.length,
    crs: crsName ? crsName.replace(/^urn:ogc:def:crs:/, "").replace("::", ":") : "EPSG:4326",
    layers: [],
    columns,
    detected: detect(features, names),
  };
}

function samplesOf(features, name) {
  const values = [];
  for (const feature of features) {
    const value = feature?.properties?.[name];
    if (value === null || value === undefined || value === "") continue;
    values.push(String(value).slice(0, 80));
    if (values.length === SAMPLES) break;
  }
  return values;
}

const NAME_HINTS = /^(name|mc|名称|.*mc|.*名称|.*name)$/i;
const PARENT_HINTS = /(parent|sj|上级|父|村|village|cun)/i;

/** A guess the user can change: code = the digit column with the longest codes, parent = a
 * digit column with shorter ones, name = a column named like a name. The server re-detects
 * anything left empty. */
function detect(features, names) {
  const digitLength = (name) => {
    let longest = 0;
    for (const feature of features.slice(0, 200)) {
      const value = String(feature?.properties?.[name] ?? "");
      if (!/^\d{6,15}$/.test(value)) return 0;
      longest = Math.max(longest, value.length);
    }
    return longest;
  };
  const digits = names.map((name) => [name, digitLength(name)]).filter(([, n]) => n > 0);
  digits.sort((a, b) => b[1] - a[1] || Number(PARENT_HINTS.test(a[0])) - Number(PARENT_HINTS.test(b[0])));
  const code = digits[0]?.[0] || null;
  const parent = digits.find(([name, n]) => name !== code && n < digits[0][1])?.[0] || null;
  const name = names.find((n) => NAME_HINTS.test(n) && n !== code && n !== parent) || null;
  return { code, name, parent_code: parent };
}
