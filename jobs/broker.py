"""Direct looks at the Redis lists behind each Celery queue: lengths for the counts and the reconciler, purge."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings

from jobs.models import Priority

# kombu keeps one Redis list per queue and priority lane: "<queue>" for lane 0, "<queue>\x06\x16<n>" for the rest.
_LANE_SEPARATOR = "\x06\x16"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def client() -> redis.Redis:
    return _client(settings.CELERY_BROKER_URL)


def lane_keys(queue: str) -> list[str]:
    return [queue if lane == 0 else f"{queue}{_LANE_SEPARATOR}{lane}" for lane in Priority.values]


def queue_length(queue: str) -> int:
    pipe = client().pipeline()
    for key in lane_keys(queue):
        pipe.llen(key)
    return sum(pipe.execute())


def purge(queue: str) -> int:
    removed = queue_length(queue)
    client().delete(*lane_keys(queue))
    return removed
