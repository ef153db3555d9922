"""A full disk is waited out (issue 26, item 11): ~50 s of full disk failed 98 of 145 thumbnail steps for good ("gave
up after 5 attempts") and left 7 orphan thumbnails. On a real small disk (a tmpfs over the media location), in
process; `tests/jobs/test_faults.py` has the same with a live worker."""

from __future__ import annotations

import pytest

from jobs.models import AssetStep, Step, StepStatus
from jobs.services import MAX_ATTEMPTS, step_run
from jobs.space import WAITING_FOR_SPACE, WaitingForSpace, space_wait_s
from tests.assets.helpers import upload_file
from tests.jobs.live_workers import noisy_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_for_thumbnails(api, tmp_path, media_root, small_disk):
    """A 16 MiB disk under the media location, and a camera-sized photo on it whose metadata step is done."""
    disk = small_disk(media_root, 16 * 1024 * 1024)
    asset_id = upload_file(api, noisy_jpeg(tmp_path / "in" / "photo.jpg", size=(1600, 1200)))["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    return disk, asset_id


def thumbnails_step(asset_id: str) -> AssetStep:
    return AssetStep.objects.get(asset_id=asset_id, step=Step.THUMBNAILS)


def files_under(folder) -> list:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_a_step_on_a_full_disk_waits_uncounted_however_often_it_meets_it(ready_for_thumbnails, media_root):
    disk, asset_id = ready_for_thumbnails
    attempts_before = thumbnails_step(asset_id).attempts
    disk.fill()
    for _ in range(MAX_ATTEMPTS + 2):
        with pytest.raises(WaitingForSpace):
            step_run(asset_id=asset_id, step=Step.THUMBNAILS)
        step = thumbnails_step(asset_id)
        assert (step.status, step.attempts, step.last_error) == (StepStatus.PENDING, attempts_before, WAITING_FOR_SPACE)
    disk.free()
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == StepStatus.DONE
    assert [path.name.split("_")[1] for path in files_under(media_root / "thumbs")] == [
        "preview.jpeg",
        "thumbnail.webp",
    ]


def test_a_disk_that_fills_between_two_outputs_leaves_neither(ready_for_thumbnails, media_root):
    """Room for the small thumbnail but not for the preview: before, the thumbnail stayed as an orphan."""
    disk, asset_id = ready_for_thumbnails
    disk.fill(leave=96 * 1024)
    with pytest.raises(WaitingForSpace):
        step_run(asset_id=asset_id, step=Step.THUMBNAILS)
    assert files_under(media_root / "thumbs") == []


def test_the_wait_grows_to_five_minutes():
    assert [space_wait_s(waits) for waits in range(8)] == [5, 10, 20, 40, 80, 160, 300, 300]
