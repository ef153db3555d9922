"""Transcoding over HTTP: playback with ranges, the dry-run endpoint, the settings' validation, the admin pages
and action, and the dry-run command."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from assets.models import AssetFile, AssetFileType, AssetVideo
from jobs.models import AssetStep, Step, StepStatus
from jobs.services import step_run, steps_enqueue
from jobs.system_config import config_get
from tests.assets.helpers import upload_file, upload_photo
from tests.transcode_media import make_video

pytestmark = pytest.mark.django_db


def encode(asset_id) -> StepStatus:
    steps_enqueue(asset_ids=[asset_id], step=Step.VIDEO_ENCODE)
    return step_run(asset_id=asset_id, step=Step.VIDEO_ENCODE)


@pytest.fixture
def webm(api, tmp_path) -> str:
    """A VP9 video: transcoded under the default policy."""
    asset_id = upload_file(api, make_video(tmp_path / "clip.webm", codec="libvpx-vp9", audio="libopus"))["id"]
    encode(asset_id)
    return asset_id


def test_playback_serves_the_transcode_with_ranges(api, webm):
    encoded = Path(AssetFile.objects.get(asset_id=webm, type=AssetFileType.ENCODED_VIDEO).path).read_bytes()
    response = api.get(f"/api/assets/{webm}/video/playback", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(encoded)}"
    assert response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content) == encoded[100:200]
    tail = api.get(f"/api/assets/{webm}/video/playback", HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == encoded[-50:]


def test_playback_of_a_video_without_transcode_serves_the_original_with_ranges(api, tmp_path):
    source = make_video(tmp_path / "clip.mp4")
    asset_id = upload_file(api, source)["id"]
    response = api.get(f"/api/assets/{asset_id}/video/playback", HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content) == source.read_bytes()[:10]
    assert api.get(f"/api/assets/{asset_id}/video/playback", HTTP_RANGE="bytes=999999-").status_code == 416


def test_playback_is_for_the_owners_videos(api, other_api, tmp_path, webm):
    assert other_api.get(f"/api/assets/{webm}/video/playback").status_code == 400
    photo = upload_photo(api, tmp_path)
    assert api.get(f"/api/assets/{photo}/video/playback").status_code == 400


def test_the_asset_response_tells_why(api, tmp_path, webm):
    body = api.get(f"/api/assets/{webm}").json()
    assert (body["transcodeDecision"], body["transcodeReason"]) == ("transcode_video", "codec vp9 not accepted")
    photo = api.get(f"/api/assets/{upload_photo(api, tmp_path)}").json()
    assert (photo["transcodeDecision"], photo["transcodeReason"]) == (None, None)


def test_dry_run_endpoint(admin_api, api, webm):
    response = admin_api.post(
        "/api/system-config/transcode-dry-run", {"ffmpeg": {"transcode": "disabled"}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["videos"], body["transcode"], body["delete"], body["unchanged"]) == (1, 0, 1, 0)
    assert body["freedBytes"] > 0 and body["ffmpeg"]["transcode"] == "disabled"
    assert config_get()["ffmpeg"]["transcode"] == "required"  # nothing saved


def test_dry_run_endpoint_refuses_bad_settings_and_non_admins(admin_api, api):
    bad = admin_api.post("/api/system-config/transcode-dry-run", {"ffmpeg": {"transcode": "sometimes"}}, format="json")
    assert bad.status_code == 400 and "ffmpeg.transcode" in json.dumps(bad.json())
    assert api.post("/api/system-config/transcode-dry-run", {}, format="json").status_code == 403


@pytest.mark.parametrize("key, value", [("maxBitrate", "fast"), ("preset", "turbo"), ("tonemap", "clip")])
def test_system_config_refuses_bad_transcoding_settings(admin_api, key, value):
    config = admin_api.get("/api/system-config").json()
    config["ffmpeg"][key] = value
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400
    assert f"ffmpeg.{key}" in json.dumps(response.json())


def test_system_config_accepts_bitrates_with_units(admin_api):
    config = admin_api.get("/api/system-config").json()
    config["ffmpeg"]["maxBitrate"] = "8m"
    assert admin_api.put("/api/system-config", config, format="json").status_code == 200


# -- admin -------------------------------------------------------------------------------------------------------


def test_admin_lists_the_decision_and_reason_per_video(staff, webm):
    page = staff.get("/admin/assets/assetvideo/")
    assert page.status_code == 200
    assert b"codec vp9 not accepted" in page.content
    detail = staff.get(f"/admin/assets/assetvideo/{webm}/change/")
    assert detail.status_code == 200 and b"codec vp9 not accepted" in detail.content


def test_admin_action_refreshes_the_encoded_video(staff, webm):
    AssetStep.objects.filter(asset_id=webm).delete()
    response = staff.post("/admin/assets/assetvideo/", {"action": "refresh_encoded_video", "_selected_action": [webm]})
    assert response.status_code == 302
    assert AssetStep.objects.get(asset_id=webm, step=Step.VIDEO_ENCODE).status == StepStatus.PENDING


def _settings_form(**changes) -> dict:
    ffmpeg = config_get()["ffmpeg"]
    form = {
        key: ffmpeg[key]
        for key in (
            "transcode",
            "targetVideoCodec",
            "targetAudioCodec",
            "targetResolution",
            "crf",
            "preset",
            "maxBitrate",
            "threads",
            "tonemap",
        )
    }
    form.update(
        {
            "acceptedVideoCodecs": ffmpeg["acceptedVideoCodecs"],
            "acceptedAudioCodecs": ffmpeg["acceptedAudioCodecs"],
            "acceptedContainers": ffmpeg["acceptedContainers"],
        }
    )
    form.update(changes)
    return form


def test_admin_settings_page_previews_then_saves(staff, webm):
    assert staff.get("/admin/assets/assetvideo/settings/").status_code == 200
    preview = staff.post("/admin/assets/assetvideo/settings/", _settings_form(transcode="disabled", action="preview"))
    assert preview.status_code == 200
    assert preview.context["report"]["delete"] == 1
    assert b'id="save"' in preview.content
    assert config_get()["ffmpeg"]["transcode"] == "required"
    saved = staff.post("/admin/assets/assetvideo/settings/", _settings_form(transcode="disabled", action="save"))
    assert saved.status_code == 302
    assert config_get()["ffmpeg"]["transcode"] == "disabled"


def test_admin_settings_page_saves_without_a_dry_run_and_reads_in_words(staff):
    page = staff.get("/admin/assets/assetvideo/settings/").content.decode()
    assert 'id="save"' in page
    assert "Target video codec" in page and "Max bitrate" in page and "Targetvideocodec" not in page
    saved = staff.post("/admin/assets/assetvideo/settings/", _settings_form(crf=30, action="save"))
    assert saved.status_code == 302 and config_get()["ffmpeg"]["crf"] == 30


def test_admin_video_list_shows_the_whole_reason(staff, webm):
    AssetVideo.objects.update(reason="x" * 300 + " before playing")
    assert "x" * 300 + " before playing" in staff.get("/admin/assets/assetvideo/").content.decode()


def test_admin_settings_page_shows_problems(staff):
    response = staff.post("/admin/assets/assetvideo/settings/", _settings_form(maxBitrate="lots", action="preview"))
    assert response.status_code == 200 and response.context["report"] is None
    assert b"ffmpeg.maxBitrate" in response.content


def test_admin_settings_page_is_for_staff(user):
    client = Client()
    client.force_login(user)
    assert client.get("/admin/assets/assetvideo/settings/").status_code == 302  # to the login page


# -- command -----------------------------------------------------------------------------------------------------


def test_dry_run_command(webm):
    out, err = StringIO(), StringIO()
    call_command("transcode_dry_run", "--policy", "disabled", stdout=out, stderr=err)
    text = out.getvalue()
    assert "Policy disabled" in text
    assert "transcodes deleted (no longer needed)" in text and "       1" in text
    assert "videos ━" in err.getvalue() and "1/1" in err.getvalue()  # the progress bar
    out = StringIO()
    call_command("transcode_dry_run", "--set", "transcode=all", "--json", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue())["transcode"] == 1
    assert AssetVideo.objects.get(asset_id=webm).decision == "transcode_video"


def test_dry_run_command_refuses_bad_settings():
    with pytest.raises(CommandError, match="ffmpeg.targetResolution"):
        call_command("transcode_dry_run", "--target-resolution", "999", stdout=StringIO(), stderr=StringIO())


def test_the_asset_lists_re_encode_action_queues_videos_only(staff, api, tmp_path, webm):
    photo = upload_photo(api, tmp_path)
    AssetStep.objects.filter(asset_id=webm).delete()
    response = staff.post("/admin/assets/asset/", {"action": "reencode_videos", "_selected_action": [webm, photo]})
    assert response.status_code == 302
    assert AssetStep.objects.get(asset_id=webm, step=Step.VIDEO_ENCODE).status == StepStatus.PENDING
    assert not AssetStep.objects.filter(asset_id=photo, step=Step.VIDEO_ENCODE).exists()
