"""Discovery and server information endpoints: public ones answer without credentials."""

import dataclasses

import pytest
from django.core.management import call_command

from immich import server_apis
from immich.env import ENV
from immich.server_info import human_readable
from jobs.models import ServerVersion
from jobs.server_versions import server_version_record
from jobs.system_config import config_cache_clear
from tests.assets.helpers import upload_file
from tests.conftest import client_for
from tests.media_factories import make_jpeg


def test_well_known_points_at_the_api(anonymous):
    response = anonymous.get("/.well-known/immich")
    assert response.status_code == 200
    assert response.json() == {"api": {"endpoint": "/api"}}


def test_ping(anonymous):
    assert anonymous.get("/api/server/ping").json() == {"res": "pong"}


def test_version(anonymous):
    response = anonymous.get("/api/server/version")
    assert response.status_code == 200
    assert response.json() == {"major": 3, "minor": 1, "patch": 0, "prerelease": None}


def test_public_endpoint_ignores_a_bad_api_key(anonymous):
    anonymous.credentials(HTTP_X_API_KEY="not-a-key")
    assert anonymous.get("/api/server/ping").status_code == 200


def test_media_types(anonymous):
    body = anonymous.get("/api/server/media-types").json()
    assert {".jpg", ".heic", ".dng"} <= set(body["image"])
    assert {".mp4", ".mov"} <= set(body["video"])
    assert body["sidecar"] == [".xmp"]
    assert all(ext.startswith(".") and ext == ext.lower() for ext in body["image"] + body["video"])


@pytest.mark.django_db
def test_features_say_what_this_server_runs(anonymous):
    response = anonymous.get("/api/server/features")
    assert response.status_code == 200
    assert response.json() == {
        "smartSearch": False,
        "facialRecognition": False,
        "duplicateDetection": False,
        "ocr": False,
        "map": True,
        "reverseGeocoding": True,
        "importFaces": True,
        "sidecar": True,
        "search": True,
        "trash": True,
        "oauth": False,
        "oauthAutoLaunch": False,
        "passwordLogin": True,
        "configFile": False,
        "email": False,
        "realtimeTranscoding": False,
    }


@pytest.mark.django_db
def test_features_and_config_follow_the_system_config(anonymous, admin_api):
    config = admin_api.get("/api/system-config").json()
    config["trash"] = {"enabled": False, "days": 7}
    config["server"].update(loginPageMessage="Hello", externalDomain="https://photos.example.com")
    assert admin_api.put("/api/system-config", config, format="json").status_code == 200
    config_cache_clear()

    assert anonymous.get("/api/server/features").json()["trash"] is False
    body = anonymous.get("/api/server/config").json()
    assert (body["trashDays"], body["loginPageMessage"], body["externalDomain"]) == (
        7,
        "Hello",
        "https://photos.example.com",
    )
    assert body["mapLightStyleUrl"] == "https://tiles.immich.cloud/v1/style/light.json"  # the map is on
    assert body["mapDarkStyleUrl"] == "https://tiles.immich.cloud/v1/style/dark.json"


@pytest.mark.django_db
def test_the_map_and_reverse_geocoding_switched_off_are_off_in_features_and_config(anonymous, admin_api):
    config = admin_api.get("/api/system-config").json()
    config["map"]["enabled"] = config["reverseGeocoding"]["enabled"] = False
    assert admin_api.put("/api/system-config", config, format="json").status_code == 200
    config_cache_clear()

    features = anonymous.get("/api/server/features").json()
    assert (features["map"], features["reverseGeocoding"]) == (False, False)
    body = anonymous.get("/api/server/config").json()
    assert body["mapDarkStyleUrl"] == body["mapLightStyleUrl"] == ""  # no map to draw


@pytest.mark.django_db
def test_theme_is_public_and_carries_the_custom_css(anonymous, admin_api):
    config = admin_api.get("/api/system-config").json()
    config["theme"]["customCss"] = "body { color: red }"
    admin_api.put("/api/system-config", config, format="json")
    config_cache_clear()
    assert anonymous.get("/api/server/theme").json() == {"customCss": "body { color: red }"}


@pytest.mark.django_db
def test_statistics_count_each_users_photos_videos_and_uploaded_bytes(admin_api, admin, user, tmp_path):
    upload_file(client_for(user), make_jpeg(tmp_path / "a.jpg"))
    upload_file(client_for(user), make_jpeg(tmp_path / "b.jpg", color=(1, 2, 3)))
    size = sum(path.stat().st_size for path in (tmp_path / "a.jpg", tmp_path / "b.jpg"))

    response = admin_api.get("/api/server/statistics")

    assert response.status_code == 200
    body = response.json()
    assert (body["photos"], body["videos"], body["usage"], body["usagePhotos"]) == (2, 0, size, size)
    alice = next(row for row in body["usageByUser"] if row["userId"] == str(user.id))
    assert alice == {
        "userId": str(user.id),
        "userName": user.name,
        "photos": 2,
        "videos": 0,
        "usage": size,
        "usagePhotos": size,
        "usageVideos": 0,
        "quotaSizeInBytes": None,
    }
    assert {row["userId"] for row in body["usageByUser"]} == {str(admin.id), str(user.id)}


@pytest.mark.django_db
def test_statistics_are_for_admins(api):
    assert api.get("/api/server/statistics").status_code == 403


@pytest.mark.django_db
def test_storage_describes_the_disk_of_the_media_location(api):
    body = api.get("/api/server/storage").json()
    assert body["diskSizeRaw"] == body["diskUseRaw"] + body["diskAvailableRaw"] or body["diskSizeRaw"] > 0
    assert body["diskSize"].endswith("iB") and 0 <= body["diskUsagePercentage"] <= 100


def test_sizes_are_written_as_immich_writes_them():
    assert [human_readable(size) for size in (512, 1536, 10 * 1024**3)] == ["512 B", "1.5 KiB", "10.0 GiB"]


@pytest.mark.django_db
def test_version_check_says_no_check_was_made(api):
    assert api.get("/api/server/version-check").json() == {"checkedAt": None, "releaseVersion": None}


@pytest.mark.django_db
def test_each_start_records_a_new_version_once(api):
    ServerVersion.objects.all().delete()
    assert server_version_record() is True
    assert server_version_record() is False  # the next start of the same version
    assert server_version_record(version="3.2.0") is True

    body = api.get("/api/server/version-history").json()

    assert [entry["version"] for entry in body] == ["3.2.0", "3.1.0"]
    assert set(body[0]) == {"id", "version", "createdAt"}


@pytest.mark.django_db
def test_migrate_records_the_running_version(db):
    ServerVersion.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert list(ServerVersion.objects.values_list("version", flat=True)) == ["3.1.0"]


@pytest.mark.django_db
def test_config_is_not_initialized_without_an_admin(user, anonymous):
    response = anonymous.get("/api/server/config")
    assert response.status_code == 200
    assert response.json()["isInitialized"] is False


@pytest.mark.django_db
def test_config_is_initialized_after_admin_sign_up(anonymous):
    anonymous.post(
        "/api/auth/admin-sign-up",
        {"email": "root@example.com", "password": "password123", "name": "Root"},
        format="json",
    )
    assert anonymous.get("/api/server/config").json()["isInitialized"] is True


@pytest.mark.django_db
def test_about_needs_credentials(db, anonymous):
    assert anonymous.get("/api/server/about").status_code == 401


@pytest.mark.django_db
def test_about(api):
    response = api.get("/api/server/about")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "v3.1.0" and body["licensed"] is False
    assert body["libvips"].count(".") == 2 and body["ffmpeg"]
    assert "nodejs" not in body and "exiftool" not in body  # not used here


@pytest.mark.django_db
def test_about_shows_the_build_metadata_that_was_set(api, monkeypatch):
    build = {"repository": "someone/photos", "sourceCommit": "abc123", "build": "42"}
    monkeypatch.setattr(server_apis, "ENV", dataclasses.replace(ENV, build_metadata=build))
    body = api.get("/api/server/about").json()
    assert (body["repository"], body["sourceCommit"], body["build"]) == ("someone/photos", "abc123", "42")
    assert "buildUrl" not in body


@pytest.mark.django_db
def test_about_needs_server_about_permission(user):
    response = client_for(user, ["asset.read"]).get("/api/server/about")
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: server.about"


def test_openapi_schema_lists_the_api(anonymous):
    response = anonymous.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/assets" in schema["paths"]
    assert {"/api/auth/login", "/api/system-config", "/api/server/ping"} <= set(schema["paths"])
