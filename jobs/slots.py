"""Cluster-wide concurrency per queue: a Redis semaphore whose holders expire, so a killed worker frees its
slot by itself. Each worker's own process count still applies on top of it."""

from __future__ import annotations

import logging
import time
import uuid

from redis import RedisError

from jobs import broker

logger = logging.getLogger(__name__)

SLOT_TTL_S = 90

# Drop expired holders, then take a slot if fewer than the limit are held. Atomic in Redis.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  return 1
end
return 0
"""


def _key(queue: str) -> str:
    return f"immich:slots:{queue}"


def acquire(queue: str, limit: int) -> str | None:
    holder = uuid.uuid4().hex
    now = time.time()
    taken = broker.client().eval(_ACQUIRE, 1, _key(queue), now, limit, now + SLOT_TTL_S, holder)
    return holder if taken else None


def refresh(queue: str, holder: str) -> None:
    broker.client().zadd(_key(queue), {holder: time.time() + SLOT_TTL_S}, xx=True)


def release(queue: str, holder: str) -> None:
    try:
        broker.client().zrem(_key(queue), holder)
    except RedisError as error:
        # The holder expires by itself; the finished step must still record its outcome's follow-ups.
        logger.warning("could not release a %s slot (it expires in %s s): %s", queue, SLOT_TTL_S, error)


def held(queue: str) -> int:
    return broker.client().zcount(_key(queue), time.time(), "+inf")
