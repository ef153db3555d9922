"""The hostile corpus (tests/hostile_corpus.py) through the product: each file uploaded with POST /api/assets and
taken through every pipeline step in process, as a worker would (storage template on, so names become paths).

Each file ends one of three ways: its upload refused with a 400 that says why and nothing left on disk; processed
(every step done or skipped); or a step failed with a reason a person can act on. Nothing raises, no step is left
pending or running, no file lands outside the media root's own folders, no temporary file stays behind, and
nothing of /etc/passwd reaches the database. A good photo uploaded after the failing ones is processed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from assets.models import Asset, AssetFile
from jobs.models import AssetStep, Step, StepStatus
from jobs.system_config import config_get, config_update
from people.models import Person
from tests.assets.helpers import multipart
from tests.hostile_corpus import (
    FAILED,
    PASSWD_MARKER,
    PROCESSED,
    REFUSED,
    HostileFile,
    hostile_corpus,
    problem_with_reason,
    seeds,
)
from tests.jobs.helpers import run_pending_steps

pytestmark = pytest.mark.django_db

CORPUS = hostile_corpus()
MEDIA_FOLDERS = ("upload", "thumbs", "encoded-video", "library")
# NSFW and duplicate detection follow the thumbnails (skipped while they are off, as by default).
CHAIN = {
    "IMAGE": [Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS, Step.NSFW, Step.DUPLICATES],
    "VIDEO": [Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS, Step.VIDEO_ENCODE, Step.NSFW, Step.DUPLICATES],
}


@pytest.fixture(autouse=True)
def storage_template_on():
    config = config_get()
    config["storageTemplate"]["enabled"] = True
    config_update(new_config=config)


def upload(client, hostile: HostileFile):
    """The file as a hostile client sends it: its name in the part header, or in the `filename` field."""
    fields = {"fileCreatedAt": "2021-06-15T10:30:00.000Z", "fileModifiedAt": "2021-06-16T08:00:00.000Z"}
    if hostile.name_in_field:
        fields["filename"] = hostile.name
    files = {"assetData": ("upload.bin" if hostile.name_in_field else hostile.name, hostile.data)}
    if hostile.sidecar is not None:
        files["sidecarData"] = (hostile.sidecar_name, hostile.sidecar)
    body, content_type = multipart(fields, files)
    return client.generic("POST", "/api/assets", body, content_type)


def outcome_of(asset: Asset, hostile: HostileFile) -> tuple[str, str]:
    """("processed" | "failed", the first failure's reason), once every step has run: the chain runs in order, and
    a failed step does not end it (each later step tries and records its own outcome)."""
    steps = {row.step: row for row in AssetStep.objects.filter(asset=asset)}
    chain = CHAIN[asset.type]
    ran = [step for step in chain if step in steps]
    assert ran == chain and len(ran) == len(steps), f"{hostile.label}: steps {sorted(steps)}"
    unfinished = [
        f"{row.step} {row.status}"
        for row in steps.values()
        if row.status not in (StepStatus.DONE, StepStatus.SKIPPED, StepStatus.FAILED)
    ]
    assert not unfinished, f"{hostile.label}: steps left unfinished: {unfinished}"
    failed = [step for step in ran if steps[step].status == StepStatus.FAILED]
    if failed:
        return FAILED, steps[failed[0]].last_error
    return PROCESSED, ""


def stray_files(media_root: Path) -> list[str]:
    """Files in the media root that are not where the server keeps files, temporary, or known to no row."""
    known = {
        *Asset.objects.values_list("original_path", flat=True),
        *AssetFile.objects.values_list("path", flat=True),
        *Asset.objects.exclude(sidecar_path=None).values_list("sidecar_path", flat=True),
        *Person.objects.values_list("thumbnail_path", flat=True),
    }
    strays = []
    for path in media_root.rglob("*"):
        if path.is_symlink() or (
            path.is_file()
            and (
                path.relative_to(media_root).parts[0] not in MEDIA_FOLDERS
                or path.name.startswith(".")
                or path.suffix in (".part", ".partial")
                or str(path) not in known
            )
        ):
            strays.append(str(path.relative_to(media_root)))
    return strays


def rows_mentioning(text: str) -> list[str]:
    """Every table whose rows, written out as text, contain `text`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT 1 FROM "{table}" AS row WHERE row::text LIKE %s LIMIT 1', [f"%{text}%"])
            if cursor.fetchone():
                found.append(table)
    return found


@pytest.mark.parametrize("hostile", CORPUS, ids=[hostile.label for hostile in CORPUS])
def test_a_hostile_file_is_refused_processed_or_failed_with_a_reason(api, hostile, media_root, tmp_path):
    response = upload(api, hostile)
    if response.status_code == 400:
        outcome, reason = REFUSED, response.json()["message"]
        assert not [path for path in media_root.rglob("*") if path.is_file()], "a refused upload left files"
    else:
        assert response.status_code == 201, (response.status_code, response.content[:500])
        run_pending_steps()
        asset = Asset.objects.get(pk=response.json()["id"])
        outcome, reason = outcome_of(asset, hostile)
        assert Path(asset.original_path).suffix == Path(asset.original_file_name).suffix  # "....jpg" too
        assert api.get(f"/api/assets/{asset.id}").status_code == 200
        download = api.get(f"/api/assets/{asset.id}/original")
        assert (download.status_code, b"".join(download.streaming_content)) == (200, hostile.data)
    assert outcome in hostile.outcomes, f"{hostile.label} ended {outcome}: {reason}"
    if outcome != PROCESSED:
        assert problem_with_reason(str(reason), hostile.reason) is None, (
            f"{hostile.label} {outcome} with {problem_with_reason(str(reason), hostile.reason)}: {reason!r}"
        )
    assert stray_files(media_root) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["media"], "a file was written beside the media root"
    assert rows_mentioning(PASSWD_MARKER) == []


def test_the_queue_keeps_going_after_the_files_that_fail(api, media_root):
    """Every hostile file that may fail queued first, in one queue, a good photo last: the photo comes out with
    its thumbnails. (A file whose bytes were uploaded already is answered as a duplicate, not queued again.)"""
    accepted = [hostile for hostile in CORPUS if FAILED in hostile.outcomes and upload(api, hostile).status_code == 201]
    good = HostileFile("good", "seed", "good.jpg", seeds()["jpeg"][1] + b"uploaded last")
    response = upload(api, good)
    assert response.status_code == 201 and len(accepted) > 30

    run_pending_steps()

    asset_id = response.json()["id"]
    steps = dict(AssetStep.objects.filter(asset_id=asset_id).values_list("step", "status"))
    assert steps == {
        Step.METADATA: StepStatus.DONE,
        Step.STORAGE_TEMPLATE: StepStatus.DONE,
        Step.THUMBNAILS: StepStatus.DONE,
        Step.NSFW: StepStatus.SKIPPED,
        Step.DUPLICATES: StepStatus.SKIPPED,
    }
    assert all(
        Path(path).is_file() for path in AssetFile.objects.filter(asset_id=asset_id).values_list("path", flat=True)
    )
    assert not AssetStep.objects.exclude(status__in=[StepStatus.DONE, StepStatus.SKIPPED, StepStatus.FAILED]).exists()
    assert stray_files(media_root) == []
