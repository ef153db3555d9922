"""The assets FAQ (shared/seeds), the answers no other test file already proves end to end. docs/faq.md maps
every question to the tests that hold it."""

import hashlib
from pathlib import Path

import pytest

from assets.models import Asset, AssetFile
from jobs.models import AssetStep, Step, StepStatus
from jobs.services import step_run
from jobs.system_config import config_get, config_update
from tests.assets.helpers import upload_file
from tests.media_factories import make_dng, make_heif, make_image, make_jpeg, make_video

pytestmark = pytest.mark.django_db

CHAIN = (Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS, Step.VIDEO_ENCODE)


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _run_chain(asset_id: str) -> None:
    """Every step the upload chain runs, in order, as a worker would."""
    from jobs.services import steps_enqueue

    for step in CHAIN:
        steps_enqueue(asset_ids=[asset_id], step=step)
        step_run(asset_id=asset_id, step=step)


def _every_format(folder: Path) -> list[Path]:
    return [
        make_jpeg(folder / "photo.jpg", size=(320, 240), orientation=6),
        make_image(folder / "drawing.png", "PNG"),
        make_image(folder / "web.webp", "WEBP"),
        make_image(folder / "anim.gif", "GIF"),
        make_image(folder / "scan.tiff", "TIFF"),
        make_image(folder / "old.bmp", "BMP"),
        make_heif(folder / "phone.heic", codec="hevc", irot=1),
        make_heif(folder / "modern.avif", codec="av1"),
        make_dng(folder / "raw.dng"),
        make_video(folder / "clip.mp4", codec="libx264"),
        make_video(folder / "clip.mov", codec="libx265", container_format="mov"),
        make_video(folder / "clip.mkv", codec="libx264", container_format="matroska", audio=True),
        make_video(folder / "clip.webm", codec="libvpx-vp9", container_format="webm"),
        make_video(folder / "clip.avi", codec="mpeg4", container_format="avi"),
    ]


def test_originals_are_never_compressed_or_modified(api, tmp_path):
    """ "Is it possible to compress images during backup? No": every job over every format, then every original
    (moved by the storage template, so found where the database says) still has the bytes that were uploaded."""
    config = config_get()
    config["storageTemplate"]["enabled"] = True
    config["ffmpeg"]["transcode"] = "all"
    config_update(new_config=config)
    uploaded = {}
    for path in _every_format(tmp_path / "src"):
        uploaded[upload_file(api, path)["id"]] = _sha1(path)
    for asset_id in uploaded:
        _run_chain(asset_id)
    failed = AssetStep.objects.filter(status=StepStatus.FAILED).values_list(
        "asset__original_file_name", "step", "last_error"
    )
    assert list(failed) == []
    for asset_id, checksum in uploaded.items():
        asset = Asset.objects.get(pk=asset_id)
        assert "/library/" in asset.original_path, asset.original_file_name
        assert _sha1(Path(asset.original_path)) == checksum, asset.original_file_name


def test_an_asset_in_two_accounts_is_two_assets_processed_separately(api, other_api, user, other_user, tmp_path):
    """ "What happens if an asset exists in more than one account?" Two assets, each with its own jobs and
    thumbnails under its own owner."""
    photo = make_jpeg(tmp_path / "shared.jpg", size=(400, 300))
    mine, theirs = upload_file(api, photo)["id"], upload_file(other_api, photo)["id"]
    assert mine != theirs
    for asset_id in (mine, theirs):
        _run_chain(asset_id)
    for asset_id, owner in ((mine, user), (theirs, other_user)):
        steps = dict(AssetStep.objects.filter(asset_id=asset_id).values_list("step", "status"))
        assert steps[Step.METADATA] == StepStatus.DONE and steps[Step.THUMBNAILS] == StepStatus.DONE
        thumbnails = list(AssetFile.objects.filter(asset_id=asset_id).values_list("path", flat=True))
        assert len(thumbnails) == 2 and all(f"/thumbs/{owner.id}/" in path for path in thumbnails)
        assert all(Path(path).is_file() for path in thumbnails)


def test_three_thumbnails_come_from_one_job(api, tmp_path):
    """ "Why are there so many thumbnail generation jobs?" Here one job per asset makes the thumbhash, the small
    WebP and the large JPEG from a single decode."""
    asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg", size=(2000, 1500)))["id"]
    _run_chain(asset_id)
    assert AssetStep.objects.filter(asset_id=asset_id, step=Step.THUMBNAILS).get().attempts == 1
    kinds = dict(AssetFile.objects.filter(asset_id=asset_id).values_list("type", "path"))
    assert kinds["thumbnail"].endswith(".webp") and kinds["preview"].endswith(".jpeg")
    assert Asset.objects.get(pk=asset_id).thumbhash
