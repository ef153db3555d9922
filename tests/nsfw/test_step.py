"""The nsfwDetection step: off by default, run on the thumbnail step's preview after it, one score per asset with
the model that gave it, failures with their reason, a new model making scores missing again."""

from __future__ import annotations

import pytest

from assets.models import AssetFile, AssetFileType
from jobs import commands
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.services import step_run, steps_enqueue
from nsfw.models import AssetNsfw
from tests.assets.helpers import upload_file, upload_photo
from tests.media_factories import make_mp4
from tests.nsfw.helpers import nsfw_configure
from workers.media import nsfw as media

pytestmark = pytest.mark.django_db


def _with_preview(api, tmp_path) -> str:
    asset_id = upload_photo(api, tmp_path)
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == StepStatus.DONE
    return asset_id


def _detect(asset_id: str) -> StepStatus | None:
    steps_enqueue(asset_ids=[asset_id], step=Step.NSFW)
    return step_run(asset_id=asset_id, step=Step.NSFW)


def test_the_step_follows_the_thumbnails_and_is_skipped_while_off(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    for step in (Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS):
        step_run(asset_id=asset_id, step=step)
    row = AssetStep.objects.get(asset_id=asset_id, step=Step.NSFW)
    assert (row.status, row.settings_version) == (StepStatus.SKIPPED, "off")
    assert not AssetNsfw.objects.exists()


def test_the_upload_chain_queues_the_step_once_it_is_on(api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = upload_photo(api, tmp_path)
    for step in (Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS):
        step_run(asset_id=asset_id, step=step)
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.NSFW).status == StepStatus.PENDING


def test_the_step_records_the_score_and_the_model(api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = _with_preview(api, tmp_path)
    assert _detect(asset_id) == StepStatus.DONE
    verdict = AssetNsfw.objects.get(asset_id=asset_id)
    assert 0.0 <= verdict.score <= 1.0 and verdict.model == media.model_version()
    row = AssetStep.objects.get(asset_id=asset_id, step=Step.NSFW)
    assert row.settings_version == media.model_version()


def test_a_second_run_gives_the_same_score_and_one_verdict(api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = _with_preview(api, tmp_path)
    _detect(asset_id)
    first = AssetNsfw.objects.get(asset_id=asset_id).score
    _detect(asset_id)
    assert list(AssetNsfw.objects.values_list("score", flat=True)) == [first]


def test_an_asset_without_a_preview_fails_with_the_reason(api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = upload_photo(api, tmp_path)
    assert _detect(asset_id) == StepStatus.FAILED
    row = AssetStep.objects.get(asset_id=asset_id, step=Step.NSFW)
    assert row.last_error == "no preview to examine: Thumbnail not generated yet"


def test_a_preview_gone_from_the_disk_fails_with_the_reason(api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = _with_preview(api, tmp_path)
    preview = AssetFile.objects.get(asset_id=asset_id, type=AssetFileType.PREVIEW)
    AssetFile.objects.filter(pk=preview.pk).update(path=preview.path + ".gone")
    assert _detect(asset_id) == StepStatus.FAILED
    assert "the preview file is missing" in AssetStep.objects.get(asset_id=asset_id, step=Step.NSFW).last_error


def test_assets_skipped_while_off_are_missing_once_on(api, tmp_path):
    asset_id = _with_preview(api, tmp_path)
    assert _detect(asset_id) == StepStatus.SKIPPED
    assert commands.queue_start(queue=Queue.NSFW_DETECTION, force=False) == 0
    nsfw_configure(enabled=True)
    assert commands.queue_start(queue=Queue.NSFW_DETECTION, force=False) == 1


def test_scores_of_another_model_are_missing(api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = _with_preview(api, tmp_path)
    _detect(asset_id)
    assert commands.queue_start(queue=Queue.NSFW_DETECTION, force=False) == 0
    AssetStep.objects.filter(asset_id=asset_id, step=Step.NSFW).update(settings_version="open_nsfw/older")
    assert commands.queue_start(queue=Queue.NSFW_DETECTION, force=False) == 1


def test_a_video_is_examined_on_its_still(api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = upload_file(api, make_mp4(tmp_path / "clip.mp4"))["id"]
    for step in (Step.METADATA, Step.THUMBNAILS):
        steps_enqueue(asset_ids=[asset_id], step=step)
        assert step_run(asset_id=asset_id, step=step) == StepStatus.DONE
    assert _detect(asset_id) == StepStatus.DONE
    assert 0.0 <= AssetNsfw.objects.get(asset_id=asset_id).score <= 1.0


def test_the_admin_page_overrides_the_selected_verdicts(staff, api, tmp_path):
    nsfw_configure(enabled=True)
    asset_id = _with_preview(api, tmp_path)
    _detect(asset_id)
    response = staff.post(
        "/admin/nsfw/assetnsfw/", {"action": "mark_flagged", "_selected_action": [asset_id]}, follow=True
    )
    assert response.status_code == 200
    assert AssetNsfw.objects.get(asset_id=asset_id).override is True
