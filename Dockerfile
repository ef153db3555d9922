# Image for the API, the Celery workers, beat and the library watcher (compose.yaml picks the command).
# Runtime packages only (requirements/runtime.txt: no test, bench or dev tools), the PostgreSQL client of compose's
# server major for the nightly backup, a non-root user and a healthcheck of the API.
FROM python:3.11-slim-bookworm

# pg_dump must be of the server's major version (compose.yaml: postgres:16): an older one refuses a newer server,
# and a newer one writes dumps the older server cannot restore. Debian bookworm has 15 only: PGDG's repository.
ARG PG_MAJOR=16

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=immich.settings.production \
    IMMICH_MEDIA_LOCATION=/data

RUN set -eux; \
    install -d /usr/share/postgresql-common/pgdg; \
    python -c "import urllib.request; urllib.request.urlretrieve('https://www.postgresql.org/media/keys/ACCC4CF8.asc', '/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc')"; \
    echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}"; \
    rm -rf /var/lib/apt/lists/*; \
    pg_dump --version | grep -q " ${PG_MAJOR}\."

WORKDIR /app

# The runtime lock first, so a code change does not reinstall it.
COPY requirements/runtime.txt requirements/
RUN pip install -r requirements/runtime.txt

COPY . .

# Run as an unprivileged user; /data (and /run/immich, where the API hands websockets to live-events) are created here
# so a new named volume mounted there starts owned by it.
RUN useradd --system --uid 1000 --user-group --no-create-home immich \
    && mkdir -p /data /run/immich \
    && chown immich:immich /data /run/immich
USER immich

EXPOSE 2283
# The API answers its ping (compose gives the workers their own check, and turns it off for beat).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:2283/api/server/ping', timeout=8)"]
CMD ["gunicorn", "immich.wsgi:application", "-b", "0.0.0.0:2283", "-k", "gthread", "--threads", "8", "--timeout", "600"]
