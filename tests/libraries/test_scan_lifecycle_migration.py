"""libraries 0003: a library's scan fields go; the last outcome stays on the library (last_scan) and a requested,
unfinished scan becomes a pending run."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("libraries", "0002_library_scan_and_files"), ("jobs", "0004_job_run")]
AFTER = [("libraries", "0003_scan_lifecycle_in_job_runs")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_last_scan_outcome_stays_and_an_unfinished_request_becomes_a_pending_run():
    old = _migrate(BEFORE)
    try:
        User = old.get_model("accounts", "User")
        Library = old.get_model("libraries", "Library")
        owner = User.objects.create(email="owner@example.com", name="Owner")
        requested = datetime(2024, 3, 2, tzinfo=timezone.utc)
        refused = Library.objects.create(
            owner=owner,
            scan_state="refused",
            scan_error="unmounted",
            last_scan={},
            scan_finished_at=datetime(2024, 3, 1, tzinfo=timezone.utc),
            scan_requested_at=requested,
        )
        done = Library.objects.create(
            owner=owner,
            scan_state="done",
            last_scan={"state": "done", "error": ""},
            scan_requested_at=datetime(2024, 3, 1, tzinfo=timezone.utc),
            scan_finished_at=requested,
        )

        new = _migrate(AFTER)
        Library, JobRun = new.get_model("libraries", "Library"), new.get_model("jobs", "JobRun")
        assert Library.objects.get(pk=refused.pk).last_scan == {"state": "refused", "error": "unmounted"}
        assert Library.objects.get(pk=done.pk).last_scan == {"state": "done", "error": ""}
        (run,) = JobRun.objects.all()
        assert (run.name, run.subject, run.status, run.args, run.queued_at) == (
            "LibraryScan",
            f"library:{refused.pk}",
            "pending",
            {"library_id": str(refused.pk)},
            requested,
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
