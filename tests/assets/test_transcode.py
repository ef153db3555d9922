"""The encode step for one asset (decide, encode / remux / delete, record the decision), the seed's FAQ flow end
to end, the upload chain and the jobs page's All / Missing, and the dry run of a policy."""

import hashlib
from pathlib import Path

import av
import pytest

from assets.models import Asset, AssetFile, AssetFileType, AssetVideo
from assets.pipeline import transcode as asset_transcode
from jobs.commands import queue_start
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.services import step_run, steps_enqueue
from jobs.system_config import config_get, config_update
from tests.assets.helpers import upload_file, upload_photo
from tests.transcode_media import make_audio_only, make_video

pytestmark = pytest.mark.django_db


def set_ffmpeg(**changes) -> None:
    config = config_get()
    config["ffmpeg"].update(changes)
    config_update(new_config=config)


@pytest.fixture(autouse=True)
def _commit_callbacks(django_capture_on_commit_callbacks, monkeypatch):
    """Files are removed after commit; the test's transaction never commits, so run those callbacks here."""
    global run_step

    def run_step(asset_id) -> StepStatus | None:
        with django_capture_on_commit_callbacks(execute=True):
            return step_run(asset_id=asset_id, step=Step.VIDEO_ENCODE)


def encode(asset_id) -> StepStatus:
    steps_enqueue(asset_ids=[asset_id], step=Step.VIDEO_ENCODE)
    return run_step(asset_id)


def encoded_path(asset_id) -> Path | None:
    files = AssetFile.objects.filter(asset_id=asset_id, type=AssetFileType.ENCODED_VIDEO)
    path = files.values_list("path", flat=True).first()
    return Path(path) if path else None


def refresh(api, asset_id):
    """The asset viewer's "Refresh encoded video"."""
    return api.post("/api/assets/jobs", {"assetIds": [asset_id], "name": "transcode-video"}, format="json")


def sha1(path) -> bytes:
    return hashlib.sha1(Path(path).read_bytes()).digest()


def test_faq_delete_a_transcode_by_narrowing_the_policy(api, user, tmp_path, media_root):
    """The seed's "How can I delete transcoded videos without deleting the original?", through the API."""
    asset_id = upload_file(api, make_video(tmp_path / "holiday.mp4", size=(1920, 1080), frames=2))["id"]
    original = Asset.objects.get(pk=asset_id)
    set_ffmpeg(transcode="optimal")

    assert refresh(api, asset_id).status_code == 204
    assert run_step(asset_id) == StepStatus.DONE
    encoded = encoded_path(asset_id)
    assert encoded == media_root / "encoded-video" / str(user.id) / asset_id[:2] / asset_id[2:4] / f"{asset_id}.mp4"
    assert encoded.is_file()
    body = api.get(f"/api/assets/{asset_id}").json()
    assert (body["transcodeDecision"], body["transcodeReason"]) == ("transcode_video", "1080p above target 720p")
    playback = api.get(f"/api/assets/{asset_id}/video/playback")
    assert playback["Content-Type"] == "video/mp4"
    assert b"".join(playback.streaming_content) == encoded.read_bytes()

    set_ffmpeg(transcode="required")
    assert refresh(api, asset_id).status_code == 204
    assert run_step(asset_id) == StepStatus.SKIPPED
    assert not encoded.exists() and encoded_path(asset_id) is None
    video = AssetVideo.objects.get(asset_id=asset_id)
    assert video.decision == "none"
    assert video.reason.startswith(
        "nothing to do: h264 yuv420p with aac in MP4 (Immich's container mov) accepted (policy required)"
    )
    assert video.notes[0].startswith("deleted the transcode that is no longer needed")
    assert sha1(original.original_path) == bytes(original.checksum)  # the original is untouched
    playback = api.get(f"/api/assets/{asset_id}/video/playback")
    assert b"".join(playback.streaming_content) == Path(original.original_path).read_bytes()


def test_a_second_run_under_the_same_settings_does_nothing(api, tmp_path):
    asset_id = upload_file(api, make_video(tmp_path / "clip.mkv", codec="libvpx-vp9", audio="libopus"))["id"]
    assert encode(asset_id) == StepStatus.DONE
    encoded = encoded_path(asset_id)
    written = encoded.stat().st_mtime_ns
    assert encode(asset_id) == StepStatus.SKIPPED
    assert encoded.stat().st_mtime_ns == written


def test_changed_settings_overwrite_the_transcode_in_place(api, tmp_path):
    asset_id = upload_file(api, make_video(tmp_path / "clip.webm", codec="libvpx-vp9", audio="libopus"))["id"]
    encode(asset_id)
    first = encoded_path(asset_id).read_bytes()
    set_ffmpeg(crf=40)
    assert encode(asset_id) == StepStatus.DONE
    assert encoded_path(asset_id).read_bytes() != first
    assert len(list(encoded_path(asset_id).parent.iterdir())) == 1


def test_an_unaccepted_container_is_remuxed_and_recorded(api, tmp_path):
    asset_id = upload_file(api, make_video(tmp_path / "old.avi", codec="libx264", audio="libmp3lame"))["id"]
    assert encode(asset_id) == StepStatus.DONE
    video = AssetVideo.objects.get(asset_id=asset_id)
    assert (video.decision, video.video_encoder, video.audio_encoder) == ("remux", "copy", "copy")
    assert video.reason == "container avi not accepted: streams copied into MP4"
    assert video.output_size == encoded_path(asset_id).stat().st_size
    with av.open(str(encoded_path(asset_id))) as remuxed:
        assert remuxed.streams.video[0].codec_context.name == "h264"
        assert len(list(remuxed.decode(video=0))) == 10


def test_an_accepted_video_writes_nothing(api, tmp_path, media_root):
    asset_id = upload_file(api, make_video(tmp_path / "clip.mp4"))["id"]
    assert encode(asset_id) == StepStatus.SKIPPED
    assert AssetVideo.objects.get(asset_id=asset_id).decision == "none"
    assert not (media_root / "encoded-video").exists()


def test_hdr_notes_are_recorded(api, tmp_path):
    pytest.importorskip("av").codec.Codec("libx265", "w")
    from tests.transcode_media import make_pq_clip

    asset_id = upload_file(api, make_pq_clip(tmp_path / "hdr.mp4", code=0.6))["id"]
    assert encode(asset_id) == StepStatus.DONE
    video = AssetVideo.objects.get(asset_id=asset_id)
    assert video.reason == "codec hevc not accepted; 10-bit HDR PQ (yuv420p10le)"
    assert video.notes == ["HDR PQ tone-mapped to SDR BT.709 (hable)"]


def junk(path: Path) -> Path:
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x17" * 5000)  # an MP4 signature, then nothing usable
    return path


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda folder: make_audio_only(folder / "voice.mp4"), "the file has no video stream (audio only)"),
        (lambda folder: junk(folder / "junk.mp4"), "not a readable video"),
    ],
)
def test_bad_input_fails_with_the_reason_and_is_not_retried(api, tmp_path, make, reason):
    asset_id = upload_file(api, make(tmp_path))["id"]
    assert encode(asset_id) == StepStatus.FAILED
    step = AssetStep.objects.get(asset_id=asset_id, step=Step.VIDEO_ENCODE)
    assert reason in step.last_error and step.attempts == 1
    video = AssetVideo.objects.get(asset_id=asset_id)
    assert video.decision == "failed" and reason in video.reason
    assert step_run(asset_id=asset_id, step=Step.VIDEO_ENCODE) is None  # failed stays failed


def test_a_missing_original_fails_with_the_reason(api, tmp_path):
    asset_id = upload_file(api, make_video(tmp_path / "clip.mp4"))["id"]
    Path(Asset.objects.get(pk=asset_id).original_path).unlink()
    assert encode(asset_id) == StepStatus.FAILED
    assert "the original file is missing" in AssetStep.objects.get(asset_id=asset_id, step=Step.VIDEO_ENCODE).last_error


def test_a_failed_encode_keeps_the_earlier_transcode(api, tmp_path, monkeypatch):
    from workers.media import video_encode

    asset_id = upload_file(api, make_video(tmp_path / "clip.webm", codec="libvpx-vp9", audio="libopus"))["id"]
    encode(asset_id)
    kept = encoded_path(asset_id).read_bytes()
    set_ffmpeg(crf=30)

    def broken(*args, **kwargs):
        raise video_encode.TranscodeFailed("no frame of the video could be decoded")

    monkeypatch.setattr(video_encode, "encode", broken)
    assert encode(asset_id) == StepStatus.FAILED
    assert encoded_path(asset_id).read_bytes() == kept
    reason = AssetVideo.objects.get(asset_id=asset_id).reason
    assert reason == "codec vp9 not accepted: no frame of the video could be decoded"


def test_the_upload_chain_goes_on_to_the_encode_for_videos_only(api, tmp_path, broker):
    from assets.pipeline import steps as pipeline

    video_id = upload_file(api, make_video(tmp_path / "clip.mp4"))["id"]
    photo_id = upload_photo(api, tmp_path)
    assert pipeline._after_thumbnails(video_id) == [Step.VIDEO_ENCODE]
    assert pipeline._after_thumbnails(photo_id) == []
    AssetStep.objects.create(asset_id=video_id, step=Step.THUMBNAILS, status=StepStatus.PENDING, continue_chain=True)
    step_run(asset_id=video_id, step=Step.THUMBNAILS)
    assert AssetStep.objects.get(asset_id=video_id, step=Step.VIDEO_ENCODE).status == StepStatus.PENDING


def test_jobs_page_missing_runs_videos_again_after_a_settings_change(api, tmp_path, broker):
    video_id = upload_file(api, make_video(tmp_path / "clip.mp4"))["id"]
    upload_photo(api, tmp_path)
    assert queue_start(queue=Queue.VIDEO_CONVERSION, force=False) == 1  # the video, not the photo
    assert step_run(asset_id=video_id, step=Step.VIDEO_ENCODE) == StepStatus.SKIPPED
    assert queue_start(queue=Queue.VIDEO_CONVERSION, force=False) == 0
    set_ffmpeg(transcode="all")
    assert queue_start(queue=Queue.VIDEO_CONVERSION, force=False) == 1
    assert step_run(asset_id=video_id, step=Step.VIDEO_ENCODE) == StepStatus.DONE
    assert queue_start(queue=Queue.VIDEO_CONVERSION, force=True) == 1


def test_refresh_encoded_video_on_a_photo_queues_nothing(api, tmp_path):
    photo_id = upload_photo(api, tmp_path)
    assert refresh(api, photo_id).status_code == 204
    assert not AssetStep.objects.filter(asset_id=photo_id, step=Step.VIDEO_ENCODE).exists()


# -- dry run ------------------------------------------------------------------------------------------------------


@pytest.fixture
def library(api, tmp_path):
    """Three videos encoded under "optimal": a 1080p one (transcoded), a small accepted one, a VP9 one."""
    set_ffmpeg(transcode="optimal")
    ids = {
        "big": upload_file(api, make_video(tmp_path / "big.mp4", size=(1920, 1080), frames=2))["id"],
        "small": upload_file(api, make_video(tmp_path / "small.mp4"))["id"],
        "vp9": upload_file(api, make_video(tmp_path / "vp9.webm", codec="libvpx-vp9", audio="libopus"))["id"],
    }
    for asset_id in ids.values():
        encode(asset_id)
    return ids


def dry_run(**changes):
    ffmpeg = {**config_get()["ffmpeg"], **changes}
    return asset_transcode.transcode_dry_run(ffmpeg=ffmpeg)


def test_dry_run_of_a_narrower_policy_counts_the_transcodes_it_would_delete(library):
    big = encoded_path(library["big"]).stat().st_size
    report = dry_run(transcode="required")
    assert (report.videos, report.transcode, report.remux, report.delete, report.unchanged) == (3, 1, 0, 1, 1)
    assert report.freed_bytes == big
    assert report.current_bytes == big + encoded_path(library["vp9"]).stat().st_size


def test_dry_run_of_policy_all_estimates_what_it_would_write(library):
    report = dry_run(transcode="all")
    assert (report.transcode, report.delete, report.unchanged) == (3, 0, 0)
    assert report.estimated_output_bytes > 0
    assert sum(n for reason, n in report.reasons.items() if reason.startswith("policy all transcodes")) == 3


def test_dry_run_of_disabled_deletes_every_transcode(library):
    report = dry_run(transcode="disabled")
    assert (report.transcode, report.delete, report.unchanged, report.estimated_output_bytes) == (0, 2, 1, 0)


def test_dry_run_changes_nothing(library, media_root):
    files = sorted(p for p in (media_root / "encoded-video").rglob("*") if p.is_file())
    decisions = list(AssetVideo.objects.order_by("asset_id").values_list("decision", "reason"))
    dry_run(transcode="disabled")
    assert sorted(p for p in (media_root / "encoded-video").rglob("*") if p.is_file()) == files
    assert list(AssetVideo.objects.order_by("asset_id").values_list("decision", "reason")) == decisions
    assert config_get()["ffmpeg"]["transcode"] == "optimal"


def test_dry_run_counts_never_probed_videos_or_probes_them(api, tmp_path):
    upload_file(api, make_video(tmp_path / "clip.avi", codec="mpeg4", audio="libmp3lame"))
    assert dry_run().not_probed == 1
    report = asset_transcode.transcode_dry_run(ffmpeg=config_get()["ffmpeg"], probe_missing=True)
    assert (report.not_probed, report.transcode) == (0, 1)
    assert report.reasons == {"codec mpeg4 not accepted": 1}
    assert not AssetVideo.objects.exists()
