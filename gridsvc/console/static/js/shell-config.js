// The page's configuration, rendered by the server into <script id="console-config">:
// api (base path), console (base path), page, user {id, username, role, county_code,
// township_code, team_id}, basemap {url, attribution} or null, labels (Chinese words).

let cached = null;

export function config() {
  cached ??= JSON.parse(document.getElementById("console-config").textContent);
  return cached;
}
