"""Discovery and server information endpoints: public ones answer without credentials."""

import pytest

from tests.conftest import client_for


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


def test_features(anonymous):
    response = anonymous.get("/api/server/features")
    assert response.status_code == 200
    assert (response.json()["passwordLogin"], response.json()["trash"], response.json()["oauth"]) == (True, True, False)


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
    assert response.json()["version"] == "v3.1.0"


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
