"""Live events for Immich's clients (socket.io at `/api/socket.io`), sent from any process of any machine.

The API, the workers and beat publish here; the live-events process of each API machine (`manage.py live_events`,
`workers/live_events.py`) holds the phones' websockets and delivers what it hears on the Redis channel to the
sockets of the room named: a user's id (every socket that user signed in with), a session's id, or everyone.
Publishing goes through python-socketio's Redis manager in write-only mode, so the channel carries socket.io's own
packets as JSON and any number of live-events processes deliver the same event to their own sockets.

Events are published once the transaction that made the change commits (a rolled back change sends nothing), and a
Redis that cannot be reached loses the event, logged, never the change: live events only hurry a refresh that the
app's sync stream makes anyway."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import socketio
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from immich.env import ENV

logger = logging.getLogger(__name__)

_manager: _Publisher | None = None
_manager_lock = threading.Lock()


def channel_name(redis_url: str) -> str:
    """Redis pub/sub channels are shared by every database of a server: the database number is part of the name, so
    two installations (or test runs) on one Redis hear only their own events."""
    database = urlsplit(redis_url).path.strip("/") or "0"
    return f"immich-live-events-{database}"


class _Json:
    """The payloads are API response bodies: dates and ids written as the API writes them."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder)


class _Publisher(socketio.RedisManager):
    """The write-only manager; what is emitted within `together()` goes to Redis in one round trip (a pipeline)
    instead of one each: a bulk edit of a thousand assets tells of each."""

    connected: bool  # the manager's own: whether its Redis client is made

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held = threading.local()

    def _publish(self, data: Any) -> Any:
        held = getattr(self._held, "messages", None)
        if held is None:
            return super()._publish(data)
        held.append(data)
        return None

    @contextmanager
    def together(self) -> Iterator[None]:
        self._held.messages = []
        try:
            yield
        finally:
            messages, self._held.messages = self._held.messages, None
        for attempt in (1, 2):  # a dropped connection is opened again once, as the manager's own publishing does
            try:
                if not self.connected:
                    self._redis_connect()
                pipeline = self.redis.pipeline(transaction=False)
                for message in messages:
                    pipeline.publish(self.channel, self.json.dumps(message))
                pipeline.execute()
                return
            except Exception:
                self.connected = False
                if attempt == 2:
                    raise


def _publisher() -> _Publisher:
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = _Publisher(
                ENV.redis_url, channel=channel_name(ENV.redis_url), write_only=True, logger=logger, json=_Json
            )
        return _manager


def _publish(event: str, sends: list[tuple[Any, str | None]]) -> None:
    """`event` with each (data, room), in one Redis round trip."""
    try:
        publisher = _publisher()
        with publisher.together():
            for data, room in sends:
                publisher.emit(event, data, room=room, namespace="/")
    except Exception:  # noqa: BLE001  (a lost live event must never fail the change it tells of; logged)
        logger.warning("live event %s not published", event, exc_info=True)


def send_to_user(event: str, user_id: Any, data: Any = None) -> None:
    """`event` with `data` (one argument; a list stays one argument) to every socket of the user, after commit."""
    sends = [(data, str(user_id))]
    transaction.on_commit(lambda: _publish(event, sends))


def send_to_users(event: str, items: Iterable[tuple[Any, Any]]) -> None:
    """`event` once for each (user id, data), after commit, published together: one event per asset of a bulk
    change costs one Redis round trip, not one each."""
    sends = [(data, str(user_id)) for user_id, data in items]
    if sends:
        transaction.on_commit(lambda: _publish(event, sends))


def send_to_session(event: str, session_id: Any, data: Any = None) -> None:
    sends = [(data, str(session_id))]
    transaction.on_commit(lambda: _publish(event, sends))


def broadcast(event: str, data: Any = None) -> None:
    """`event` to every connected socket (Immich's on_config_update, on_user_delete), after commit."""
    sends: list[tuple[Any, str | None]] = [(data, None)]
    transaction.on_commit(lambda: _publish(event, sends))
