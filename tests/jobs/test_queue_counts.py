"""The jobs page's counts stay truthful through its commands (issue 24, item 9): All does not zero the completed
count, Pause, All, Clear gives the earlier results back (Missing then has nothing to do), and ACTIVE counts the
steps being worked on, one per worker process, not every step its message carries. Real Redis, no worker."""

from __future__ import annotations

import pytest

from jobs.commands import queue_empty, queue_pause, queue_start
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.selectors import queue_statistics
from jobs.services import step_run
from tests.jobs.helpers import make_assets
from tests.jobs.test_queue_commands import set_step, statuses

pytestmark = pytest.mark.django_db

# The storage template step: off by default, so each run of it ends skipped without opening a file.
TEMPLATE = Queue.STORAGE_TEMPLATE_MIGRATION


def _counts() -> dict[str, int]:
    counts = queue_statistics()[TEMPLATE.value]["jobCounts"]
    return {key: counts[key] for key in ("active", "waiting", "paused", "failed", "completed")}


@pytest.fixture
def finished(user, lanes, django_capture_on_commit_callbacks) -> list[str]:
    """Three assets whose template step has run (skipped: the template is off), under the current settings."""
    ids = make_assets(user, 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_start(queue=TEMPLATE, force=False) == 3
    for asset_id in ids:
        assert step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE) == StepStatus.SKIPPED
    return ids


def test_all_keeps_the_completed_count_while_the_steps_run_again(finished, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_start(queue=TEMPLATE, force=True) == 3
    assert _counts() == {"active": 0, "waiting": 3, "paused": 0, "failed": 0, "completed": 3}


def test_a_step_run_again_is_completed_once(finished, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_start(queue=TEMPLATE, force=True)
    step_run(asset_id=finished[0], step=Step.STORAGE_TEMPLATE)
    assert _counts() == {"active": 0, "waiting": 2, "paused": 0, "failed": 0, "completed": 3}
    assert AssetStep.objects.get(asset_id=finished[0], step=Step.STORAGE_TEMPLATE).kept_outcome == ""


def test_pause_all_clear_gives_the_earlier_results_back(finished, django_capture_on_commit_callbacks):
    queue_pause(queue=TEMPLATE)
    with django_capture_on_commit_callbacks(execute=True):
        queue_start(queue=TEMPLATE, force=True)
    assert _counts() == {"active": 0, "waiting": 0, "paused": 3, "failed": 0, "completed": 3}

    assert queue_empty(queue=TEMPLATE) == 3
    assert _counts() == {"active": 0, "waiting": 0, "paused": 0, "failed": 0, "completed": 3}
    assert set(statuses(Step.STORAGE_TEMPLATE).values()) == {StepStatus.SKIPPED}


def test_missing_after_a_cleared_all_queues_nothing(finished, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_start(queue=TEMPLATE, force=True)
    queue_empty(queue=TEMPLATE)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_start(queue=TEMPLATE, force=False) == 0


def test_clear_still_drops_steps_that_had_no_result(user, lanes, django_capture_on_commit_callbacks):
    ids = make_assets(user, 2)
    with django_capture_on_commit_callbacks(execute=True):
        queue_start(queue=TEMPLATE, force=True)
    assert queue_empty(queue=TEMPLATE) == 2
    assert statuses(Step.STORAGE_TEMPLATE) == {} and len(ids) == 2


def test_active_counts_one_step_per_claim(user, lanes):
    """Two worker processes, each holding a backfill message of 8 steps, work on 2 steps; the other 14 wait."""
    ids = make_assets(user, 16)
    for index, asset_id in enumerate(ids):
        set_step(asset_id, StepStatus.RUNNING, step=Step.STORAGE_TEMPLATE, worker=f"host:slot-{index % 2}")
    assert _counts() == {"active": 2, "waiting": 14, "paused": 0, "failed": 0, "completed": 0}
