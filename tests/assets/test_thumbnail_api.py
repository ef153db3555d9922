import pytest

from jobs.models import AssetStep, Step, StepStatus
from jobs.services import step_run, steps_enqueue
from tests.assets.helpers import upload_file, upload_photo
from tests.jobs.helpers import run_pending_steps
from tests.media_factories import make_jpeg

pytestmark = pytest.mark.django_db


def _processed_photo(api, tmp_path, **kwargs) -> str:
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg", **kwargs))["id"]

    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == StepStatus.DONE
    return asset_id


def test_thumbnail_is_not_found_until_generated(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    response = api.get(f"/api/assets/{asset_id}/thumbnail")
    assert response.status_code == 404
    assert response.json()["message"] == "Thumbnail not generated yet"


def test_a_missing_thumbnail_says_which_step_failed_and_why(api, tmp_path):
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)  # a JPEG's first bytes, then nothing decodable
    asset_id = upload_file(api, corrupt)["id"]
    for step in (Step.METADATA, Step.THUMBNAILS):
        steps_enqueue(asset_ids=[asset_id], step=step)
        step_run(asset_id=asset_id, step=step)
    failure = AssetStep.objects.filter(asset_id=asset_id, status=StepStatus.FAILED).order_by("-step").first()
    assert failure is not None
    response = api.get(f"/api/assets/{asset_id}/thumbnail")
    assert response.status_code == 404
    assert response.json()["message"].startswith("No thumbnail: ")
    assert response.json()["message"].endswith(failure.last_error)


def test_thumbnail_is_webp_with_etag_and_cache_control(api, tmp_path):
    asset_id = _processed_photo(api, tmp_path, size=(600, 400))
    response = api.get(f"/api/assets/{asset_id}/thumbnail")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content)[8:12] == b"WEBP"
    assert "max-age" in response["Cache-Control"]
    again = api.get(f"/api/assets/{asset_id}/thumbnail", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_preview_is_jpeg(api, tmp_path):
    asset_id = _processed_photo(api, tmp_path, size=(600, 400))
    response = api.get(f"/api/assets/{asset_id}/thumbnail?size=preview")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_fullsize_of_a_web_image_redirects_to_the_original(api, tmp_path):
    asset_id = _processed_photo(api, tmp_path)
    response = api.get(f"/api/assets/{asset_id}/thumbnail?size=fullsize")
    assert response.status_code == 302 and response["Location"].endswith("/original")


def test_thumbhash_appears_in_the_asset(api, tmp_path):
    asset_id = _processed_photo(api, tmp_path)
    assert api.get(f"/api/assets/{asset_id}").json()["thumbhash"]


def test_another_users_thumbnail_is_not_found(api, other_api, tmp_path):
    asset_id = _processed_photo(api, tmp_path)
    assert other_api.get(f"/api/assets/{asset_id}/thumbnail").status_code == 400


def test_asset_jobs_regenerate_thumbnail_enqueues_only_my_assets(api, other_api, tmp_path):
    from jobs.models import AssetStep

    asset_id = _processed_photo(api, tmp_path)
    assert (
        other_api.post(
            "/api/assets/jobs", {"assetIds": [asset_id], "name": "regenerate-thumbnail"}, format="json"
        ).status_code
        == 204
    )
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.THUMBNAILS).status == StepStatus.DONE
    api.post("/api/assets/jobs", {"assetIds": [asset_id], "name": "regenerate-thumbnail"}, format="json")
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.THUMBNAILS).status == StepStatus.PENDING


def test_second_thumbnail_run_with_nothing_missing_does_no_work(api, tmp_path):
    from pathlib import Path

    from assets.models import AssetFile

    asset_id = _processed_photo(api, tmp_path)
    before = {path: Path(path).stat().st_mtime_ns for path in AssetFile.objects.values_list("path", flat=True)}
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) is None
    assert {path: Path(path).stat().st_mtime_ns for path in before} == before


def test_a_corrupt_jpeg_runs_every_step_and_its_thumbnail_url_says_why(api, tmp_path):
    """Issue 24, item 10: a failed metadata step used to end the upload chain, so the thumbnail step never ran and
    the queues' counts never added up. Each step now tries and records its own outcome."""
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    asset_id = upload_file(api, corrupt)["id"]
    ran = run_pending_steps()
    assert ran == ["metadata:failed", "thumbnails:failed"]  # the storage template, off, is recorded skipped
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.STORAGE_TEMPLATE).status == StepStatus.SKIPPED
    thumbnails = AssetStep.objects.get(asset_id=asset_id, step=Step.THUMBNAILS)
    response = api.get(f"/api/assets/{asset_id}/thumbnail")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["message"] == f"No thumbnail: making it failed: {thumbnails.last_error}"
