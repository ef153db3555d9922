"""A heartbeat for work in progress: a thread that beats while a block runs, so the reconciler can tell work in
progress from the work of a worker that died. The per-asset steps and the recorded runs both beat with it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection
from redis import RedisError

logger = logging.getLogger(__name__)

HEARTBEAT_S = 10


@contextmanager
def beating(name: str, beat: Callable[[], object]) -> Iterator[None]:
    """Call `beat` every HEARTBEAT_S on a thread while the block runs, so the reconciler can tell work in progress
    from the work of a SIGKILLed worker (whose beat stops)."""
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(HEARTBEAT_S):
                try:
                    beat()
                except (DatabaseError, RedisError) as error:
                    # One failed beat (PostgreSQL or Redis restarting) must not end the beating, or the reconciler
                    # gives the work to another worker while this one still does it.
                    logger.warning("%s: a beat failed, beating on: %s", name, error)
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
