"""PostgreSQL restarted while uploads and jobs run (see live_workers): the API answers 503 meanwhile and serves
again by itself, the worker picks up where it was, nothing is lost or half made. The test's own cluster is
stopped, never the shared server."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import requests
from django.db import connections

from assets.models import Asset
from jobs.models import AssetStep, StepStatus
from jobs.tasks import reconcile as reconcile_task
from tests.jobs.live_workers import PHOTOS, assert_every_asset_processed, drive_until, noisy_jpeg, settled, wait_for
from tests.live import (  # noqa: F401  (database_on_cluster, postgres_cluster: fixtures)
    api_session,
    database_on_cluster,
    new_api_key,
    post_asset,
    postgres_cluster,
    wait_until,
)

pytestmark = [pytest.mark.e2e]


def post_photo(session: requests.Session, url: str, path: Path) -> requests.Response:
    return post_asset(session, url, path.name, path.read_bytes())


def test_a_restarted_postgres_loses_nothing(
    database_on_cluster, redis_server, live_server_processes, tmp_path, media_root, fast_reconciler
):
    cluster, url = database_on_cluster, live_server_processes
    user, key = new_api_key("dana@example.com")
    session = api_session(key)
    photos = [noisy_jpeg(tmp_path / "in" / f"photo{index}.jpg", size=(1600, 1200)) for index in range(PHOTOS)]
    first, second = photos[: PHOTOS // 2], photos[PHOTOS // 2 :]
    created = {path: post_photo(session, url, path).json()["id"] for path in first}
    wait_for(
        lambda: AssetStep.objects.filter(status=StepStatus.RUNNING).exists(), 60, "a job to be running", interval=0.01
    )

    # The second half goes up from another client while the database goes away under the API and the worker.
    answers: dict[Path, requests.Response | Exception] = {}

    def upload_second_half() -> None:
        other = api_session(key)
        for path in second:
            try:
                answers[path] = post_photo(other, url, path)
            except requests.RequestException as error:
                answers[path] = error

    uploader = threading.Thread(target=upload_second_half)
    uploader.start()
    wait_for(lambda: answers, 60, "the second client's first answer", interval=0.01)
    cluster.stop("fast")
    connections.close_all()
    uploader.join(timeout=120)
    assert not uploader.is_alive()

    # While it is down an upload is refused at once, plainly, and leaves nothing behind.
    refused = post_photo(session, url, noisy_jpeg(tmp_path / "outage.jpg", size=(64, 48)))
    assert refused.status_code == 503, refused.text
    assert refused.json()["statusCode"] == 503 and "database" in refused.json()["message"].lower()
    assert [path for path in media_root.rglob("*.part")] == []
    worker_log = tmp_path / "logs" / "worker.log"
    wait_until(lambda: "OperationalError" in worker_log.read_text(), 60, "a job to meet the outage")

    cluster.start()
    # Each upload the outage met was answered 503, none dropped; the others were created.
    answered = {
        path: answer.status_code if isinstance(answer, requests.Response) else repr(answer)
        for path, answer in answers.items()
    }
    failed = [path for path in second if answered[path] != 201]
    assert failed, "every upload of the second client ended before the stop"
    assert {answered[path] for path in failed} == {503}, answered
    created.update({path: answers[path].json()["id"] for path in second if path not in failed})
    # The API and the worker were not restarted: the first retry works, and every job finishes.
    for path in failed:
        retried = post_photo(session, url, path)
        assert retried.status_code in (200, 201), retried.text
        created[path] = retried.json()["id"]
    asset_ids = list(created.values())
    assert len(set(asset_ids)) == PHOTOS == Asset.objects.count()
    drive_until(settled(), 120, "every asset's thumbnails after the restart")
    assert_every_asset_processed(asset_ids, media_root, one_attempt_each=False)
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == sum(path.stat().st_size for path in photos)
    # The reconciler as beat has the worker run it works again as well.
    reconcile_task.delay()
    wait_until(
        lambda: re.search(r"Task Reconcile\[\S+\] succeeded", worker_log.read_text()),
        60,
        "the worker to run the reconciler",
    )
