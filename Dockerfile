# Image for the API, the Celery workers and beat (compose.yaml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    IMMICH_MEDIA_LOCATION=/data

WORKDIR /app

# The runtime lock first, so a code change does not reinstall it (tests, benchmarks and tools stay out).
COPY requirements/runtime.txt requirements/
RUN pip install -r requirements/runtime.txt

COPY . .

# Run as an unprivileged user; /data is created here so a new named volume mounted there starts owned by it.
RUN useradd --system --uid 1000 --user-group --no-create-home immich \
    && mkdir -p /data \
    && chown immich:immich /data
USER immich

EXPOSE 2283
CMD ["gunicorn", "immich.wsgi:application", "-b", "0.0.0.0:2283", "-k", "gthread", "--threads", "8", "--timeout", "600"]
