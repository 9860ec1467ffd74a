"""The console's security headers: a Content-Security-Policy and the usual companions.

The console's pages run only our own scripts (served from ``static/``, vendor builds included)
and read only our own API, so the policy allows 'self' and nothing inline: an injected
``<script>`` or ``onclick=`` — say, a report's description that slipped through escaping —
does not run. Three exceptions, all what the pages really need:

* MapLibre starts its tile workers from ``blob:`` URLs, and photos are previewed from ``blob:``
  and ``data:`` images;
* MapLibre and ECharts write ``style="…"`` attributes as they lay out markers, controls and
  tooltips, so style *attributes* are allowed; ``<style>`` elements are not;
* the optional basemap (``CONSOLE_BASEMAP_URL``) is another site's tiles, so its origin joins
  ``img-src`` and ``connect-src`` (MapLibre fetches raster tiles).

The pages may not be framed (clickjacking a dispatch button), and the browser may not guess
content types.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app


def basemap_source(url: str | None) -> str | None:
    """The CSP source for a basemap URL template, or None without a usable one.

    Templates name servers by placeholder (``https://t{s}.tianditu.gov.cn/...``): a placeholder
    in the host's first label becomes CSP's ``*.`` wildcard, which is what such a host ranges over.
    """
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc
    first, dot, rest = host.partition(".")
    if "{" in first and dot:
        host = f"*.{rest}"
    if "{" in host or "}" in host:
        return None  # a placeholder elsewhere in the host: no source CSP can express
    return f"{parts.scheme}://{host}"


def content_security_policy(basemap_url: str | None) -> str:
    basemap = basemap_source(basemap_url)
    extra = f" {basemap}" if basemap else ""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        # Style attributes only (MapLibre and ECharts position their elements with them); a
        # <style> element still has to come from a file here.
        "style-src-attr": "'unsafe-inline'",
        "img-src": f"'self' data: blob:{extra}",
        "connect-src": f"'self'{extra}",
        "worker-src": "'self' blob:",
        "child-src": "'self' blob:",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def install_security_headers(blueprint: Blueprint) -> None:
    """Every answer of the console's blueprint (pages, redirects, static files) carries them."""

    @blueprint.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = content_security_policy(
            current_app.config.get("CONSOLE_BASEMAP_URL")
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response
