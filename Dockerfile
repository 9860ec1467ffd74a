# gridsvc application image: gunicorn by default; the same image runs the Celery worker, beat and
# the migration job (see scripts/docker-entrypoint.sh and docker-compose.yml).
#
#   docker build -t gridsvc .
#   docker run --rm -e DATABASE_URL=... -e SECRET_KEY=... -e JWT_SECRET_KEY=... \
#       -p 127.0.0.1:8000:8000 gridsvc
#
# Facing clients, put a buffering proxy in front (docker-compose.yml runs nginx, deploy/nginx.conf)
# and set PROXY_HOPS=1 so the app believes the proxy's X-Forwarded-For.

# The web console's third-party browser libraries (MapLibre GL JS, ECharts), pinned by
# package-lock.json and installed by Debian's npm in a throwaway stage: only their browser builds
# reach the image (the files scripts/console.sh copies for `make run`; no CDN at run time).
FROM debian:bookworm-slim AS console-vendor
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY gridsvc/console/frontend/package.json gridsvc/console/frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
    && mkdir vendor \
    && cp node_modules/maplibre-gl/dist/maplibre-gl.js node_modules/maplibre-gl/dist/maplibre-gl.css \
        node_modules/echarts/dist/echarts.min.js vendor/

FROM python:3.11-slim-bookworm

# The app finds migrations/ and geodata/ next to the package, so it runs from the source tree
# (/app on PYTHONPATH, package installed in editable mode).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app

# Every runtime dependency ships as a manylinux wheel (psycopg2-binary, shapely, pyogrio with its
# own GDAL, pyproj with PROJ), so no compiler and no system GIS libraries are needed.
RUN python -m venv /opt/venv && pip install --upgrade pip

WORKDIR /app

# Dependencies first, from setup.cfg alone, so that a code change does not reinstall them.
# A stub package satisfies the editable install; the real one is copied over it below.
COPY setup.cfg setup.py README.md ./
RUN mkdir gridsvc && touch gridsvc/__init__.py \
    && pip install -e . \
    && rm -rf gridsvc

COPY gridsvc ./gridsvc
COPY --from=console-vendor /build/vendor ./gridsvc/console/static/vendor
COPY migrations ./migrations
COPY geodata ./geodata
COPY scripts/docker-entrypoint.sh ./scripts/docker-entrypoint.sh
COPY gunicorn.conf.py ./gunicorn.conf.py

# Code stays root-owned (read-only to the app); only /data (media, uploads) is writable.
RUN groupadd --system --gid 10001 gridsvc \
    && useradd --system --uid 10001 --gid gridsvc --create-home --home-dir /home/gridsvc \
        --shell /usr/sbin/nologin gridsvc \
    && mkdir -p /data/media /data/uploads \
    && chown -R gridsvc:gridsvc /data \
    && python -m compileall -q gridsvc

ENV GRIDSVC_ENV=production \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    LOG_LEVEL=INFO \
    MEDIA_DIR=/data/media \
    UPLOAD_DIR=/data/uploads

USER gridsvc
EXPOSE 8000

# /healthz answers while the process lives (no dependency checks); python, since slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1

ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["web"]
