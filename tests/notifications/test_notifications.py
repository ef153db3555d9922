"""Notifications: the owner of a file a step failed on for good is told, and `/api/notifications` works as the
reference's (filters, read, delete), for one's own notifications only."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from jobs.commands import queue_retry_failed
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.reconciler import STALE_AFTER, reconcile
from jobs.registry import StepFailure
from jobs.runs import job_run_request
from jobs.services import MAX_WORKER_LOSSES, step_run, steps_enqueue
from maintenance.tasks import database_backup
from notifications.models import Notification
from notifications.services import notify_step_failures
from tests.assets.helpers import upload_file
from tests.jobs.helpers import make_assets

pytestmark = pytest.mark.django_db


def failed_upload(api, tmp_path, name: str = "broken.jpg") -> str:
    """An upload whose metadata extraction fails for good (the file is not an image)."""
    corrupt = tmp_path / name
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg: " + name.encode())  # distinct: not duplicates
    asset_id = upload_file(api, corrupt)["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.FAILED
    return asset_id


def notices(api, **query) -> list[dict]:
    response = api.get("/api/notifications", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_step_that_fails_for_good_tells_the_files_owner(api, other_api, tmp_path):
    asset_id = failed_upload(api, tmp_path)
    (notice,) = notices(api)
    assert (notice["type"], notice["level"]) == ("JobFailed", "error")
    assert notice["title"] == "Could not read the metadata of broken.jpg"
    assert notice["description"].startswith("broken.jpg: ") and "not a readable image" in notice["description"]
    assert notice["data"] == {"step": "metadata", "count": 1, "assetIds": [asset_id]}
    assert "readAt" not in notice
    assert notices(other_api) == []


def test_further_failures_of_the_step_add_up_in_the_unread_notice(api, tmp_path):
    first = failed_upload(api, tmp_path, "one.jpg")
    second = failed_upload(api, tmp_path, "two.jpg")
    (notice,) = notices(api)
    assert notice["title"] == "Could not read the metadata of 2 files"
    assert notice["description"].startswith("two.jpg: ")
    assert notice["data"]["assetIds"] == [second, first]


def test_once_read_the_next_failure_makes_a_new_notice(api, tmp_path):
    failed_upload(api, tmp_path, "one.jpg")
    (read,) = notices(api)
    assert (
        api.put(f"/api/notifications/{read['id']}", {"readAt": "2026-12-06T10:00:00Z"}, format="json").json()["readAt"]
        == "2026-12-06T10:00:00.000Z"
    )
    failed_upload(api, tmp_path, "two.jpg")
    unread = notices(api, unread="true")
    assert [notice["title"] for notice in unread] == ["Could not read the metadata of two.jpg"]
    assert len(notices(api)) == 2


def test_a_file_that_fails_again_counts_once_and_comes_first(api, tmp_path):
    asset_id = failed_upload(api, tmp_path, "one.jpg")
    other = failed_upload(api, tmp_path, "two.jpg")
    assert queue_retry_failed(queue=Queue.METADATA_EXTRACTION) == 2
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.FAILED
    (notice,) = notices(api)
    assert notice["title"] == "Could not read the metadata of 2 files"
    assert notice["description"].startswith("one.jpg: ")
    assert notice["data"]["assetIds"] == [asset_id, other]


def test_a_file_that_kills_its_worker_for_good_is_told_too(user, api, broker, django_capture_on_commit_callbacks):
    (asset_id,) = make_assets(user, 1)
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    AssetStep.objects.filter(asset_id=asset_id).update(
        status=StepStatus.RUNNING,
        attempts=1,
        worker="gone:1",
        started_at=timezone.now() - timedelta(minutes=5),
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=5),
        worker_losses=MAX_WORKER_LOSSES - 1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile().failed == {Queue.THUMBNAIL_GENERATION.value: 1}
    (notice,) = notices(api)
    assert notice["title"] == "Could not make thumbnails for photo.jpg"
    assert f"the worker died {MAX_WORKER_LOSSES} times" in notice["description"]


def test_filters_by_level_type_and_id(api, user, tmp_path):
    failed_upload(api, tmp_path)
    info = Notification.objects.create(user=user, title="hello", level="info", type="SystemMessage")
    assert [notice["title"] for notice in notices(api, level="info")] == ["hello"]
    assert [notice["type"] for notice in notices(api, type="JobFailed")] == ["JobFailed"]
    assert [notice["id"] for notice in notices(api, id=str(info.id))] == [str(info.id)]
    assert api.get("/api/notifications", {"level": "loud"}).status_code == 400


def test_bulk_read_and_delete_touch_only_ones_own(api, other_api, user, other_user):
    mine = Notification.objects.create(user=user, title="mine")
    theirs = Notification.objects.create(user=other_user, title="theirs")
    ids = [str(mine.id), str(theirs.id)]
    assert (
        api.put("/api/notifications", {"ids": ids, "readAt": "2026-12-06T10:00:00Z"}, format="json").status_code == 204
    )
    assert notices(api, unread="true") == [] and len(notices(other_api, unread="true")) == 1
    assert api.delete("/api/notifications", {"ids": ids}, format="json").status_code == 204
    assert list(Notification.objects.values_list("title", flat=True)) == ["theirs"]


def test_another_users_notification_is_not_found(api, other_api, other_user):
    theirs = Notification.objects.create(user=other_user, title="theirs")
    url = f"/api/notifications/{theirs.id}"
    assert api.get(url).status_code == 400
    assert api.put(url, {"readAt": "2026-12-06T10:00:00Z"}, format="json").status_code == 400
    assert api.delete(url).status_code == 400
    assert other_api.get(url).json()["title"] == "theirs"
    assert other_api.delete(url).status_code == 204
    assert not Notification.objects.exists()


def test_an_empty_list_of_ids_is_refused(api):
    assert api.put("/api/notifications", {"ids": [], "readAt": None}, format="json").status_code == 400
    assert api.delete("/api/notifications", {"ids": []}, format="json").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_two_workers_failing_files_of_one_owner_at_once_add_to_one_notice(user):
    first, second = make_assets(user, 2)
    first_written, release = threading.Event(), threading.Event()

    def worker(asset_id: str, hold: bool) -> None:
        try:
            with transaction.atomic():  # as a worker records its message's outcomes
                notify_step_failures([StepFailure(asset_id, Step.THUMBNAILS, "broken")])
                if hold:
                    first_written.set()
                    release.wait(10)
        finally:
            connection.close()

    holding = threading.Thread(target=worker, args=(first, True))
    holding.start()
    assert first_written.wait(10)
    other = threading.Thread(target=worker, args=(second, False))
    other.start()
    time.sleep(0.5)  # time for the second to reach the lock (it then waits for the first to commit)
    release.set()
    holding.join(10)
    other.join(10)
    (notice,) = Notification.objects.all()
    assert notice.data["count"] == 2


def test_a_failed_database_backup_tells_the_administrators(admin_api, api, media_root):
    (media_root / "backups").write_text("a file where the backups folder should be")
    run = job_run_request(name=database_backup.name, queue=Queue.BACKUP_DATABASE)
    assert database_backup.apply((run.pk,)).failed()
    (notice,) = notices(admin_api)
    assert (notice["type"], notice["level"], notice["title"]) == ("BackupFailed", "error", "Database backup failed")
    assert "backups" in notice["description"]
    assert notices(api) == []


def test_an_administrator_writes_to_a_user(admin_api, api, user):
    sent = {"userId": str(user.id), "title": "Maintenance tonight", "description": "From 22:00", "level": "warning"}
    response = admin_api.post("/api/admin/notifications", sent, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["type"] == "Custom"
    (notice,) = notices(api)
    assert (notice["title"], notice["description"], notice["level"]) == ("Maintenance tonight", "From 22:00", "warning")


def test_only_administrators_write_to_users(api, other_user):
    sent = {"userId": str(other_user.id), "title": "hello"}
    assert api.post("/api/admin/notifications", sent, format="json").status_code == 403
    assert not Notification.objects.exists()


def test_a_notification_to_a_user_who_does_not_exist_is_refused(admin_api):
    sent = {"userId": "00000000-0000-4000-8000-000000000000", "title": "hello"}
    response = admin_api.post("/api/admin/notifications", sent, format="json")
    assert response.status_code == 400 and response.json()["message"] == "User not found"
