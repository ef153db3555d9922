"""Workers on two hosts: two Celery worker processes that share only PostgreSQL, Redis and the object store (moto's
S3 server over HTTP). Each has its own scratch folder; both are given the API's media location as the logical root
of keys, and nothing may be written there. A batch uploaded through the API is processed by both, every step of
every asset exactly once, and every output is an object in the bucket."""

from __future__ import annotations

import collections
import re

import pytest

from assets.models import Asset, AssetFile
from immich import storage
from jobs.models import AssetStep, Step, StepStatus
from tests.assets.helpers import upload_file
from tests.jobs.live_workers import (  # noqa: F401  (fixtures: a Redis of its own, the worker pool)
    CHAIN_QUEUES,
    noisy_jpeg,
    not_run_exactly_once,
    redis_server,
    settled,
    wait_for,
    workers,
)
from tests.s3 import stored_files

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHOTOS = 20
THUMBNAIL_SUCCEEDED = re.compile(r"Task AssetGenerateThumbnails\[[0-9a-f-]+\] succeeded")


def test_two_hosts_share_a_batch_through_the_object_store(api, tmp_path, media_root, s3, workers):
    hosts = {}
    for name in ("host-a", "host-b"):
        scratch = tmp_path / name / "scratch"
        hosts[name] = (
            scratch,
            workers.start(
                name,
                CHAIN_QUEUES,
                concurrency=1,
                env={
                    **s3.environment(),
                    "IMMICH_SCRATCH_LOCATION": str(scratch),
                },
            ),
        )
    for _, worker in hosts.values():
        wait_for(lambda worker=worker: " ready." in worker.log.read_text(), 90, f"{worker.name} to be ready")

    asset_ids = []
    for index in range(PHOTOS):
        path = noisy_jpeg(tmp_path / "in" / f"photo{index}.jpg", size=(1200, 800))
        asset_ids.append(upload_file(api, path)["id"])
    wait_for(settled(PHOTOS), 180, "every asset's thumbnails on the two hosts")

    steps = list(AssetStep.objects.filter(asset_id__in=asset_ids))
    by_step = collections.Counter((row.step, row.status) for row in steps)
    assert by_step[(Step.METADATA, StepStatus.DONE)] == by_step[(Step.THUMBNAILS, StepStatus.DONE)] == PHOTOS
    assert by_step[(Step.STORAGE_TEMPLATE, StepStatus.SKIPPED)] == PHOTOS  # the template is off
    assert not_run_exactly_once(steps) == []

    ran = {name: len(THUMBNAIL_SUCCEEDED.findall(worker.log.read_text())) for name, (_, worker) in hosts.items()}
    assert sum(ran.values()) == PHOTOS and all(ran.values()), ran  # each asset's thumbnails once, on either host

    originals = list(Asset.objects.filter(pk__in=asset_ids).values_list("original_path", flat=True))
    generated = list(AssetFile.objects.filter(asset_id__in=asset_ids).values_list("path", flat=True))
    assert len(generated) == 2 * PHOTOS
    assert s3.keys() == {storage.key_of(path) for path in originals + generated}
    assert stored_files(media_root) == []
    assert [stored_files(scratch) for scratch, _ in hosts.values()] == [[], []]
