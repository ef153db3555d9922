import pytest

from jobs import broker, slots
from jobs.queues import Queue


@pytest.fixture
def lanes():
    """The real Redis of the Celery app, with every lane and slot set of every queue emptied before and after."""
    keys = [key for queue in Queue for key in [*broker.lane_keys(queue.value), slots._key(queue.value)]]
    client = broker.client()
    client.delete(*keys)
    yield client
    client.delete(*keys)


from tests.jobs.live_workers import fast_reconciler, redis_server, workers  # noqa: E402,F401  (live process fixtures)
