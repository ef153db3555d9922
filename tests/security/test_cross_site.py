"""Cookie-authenticated writes come from the server's own pages only (issue 26, item 8): the attack emptied a user's
trash and uploaded with just the session cookie and `Origin: http://evil.example`. API keys and bearer tokens,
which a browser never sends by itself, are unaffected."""

import pytest
from rest_framework.test import APIClient

from assets.models import Asset
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def cookie_client(email: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/auth/login", {"email": email, "password": "password123"}, format="json")
    assert response.status_code == 201
    return client  # holds the session cookie, as a browser does


@pytest.fixture
def trashed(api, tmp_path) -> str:
    asset_id = upload_photo(api, tmp_path)
    assert api.delete("/api/assets", {"ids": [asset_id]}, format="json").status_code == 204
    return asset_id


@pytest.mark.parametrize(
    "origin",
    [
        {"HTTP_ORIGIN": "http://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "http://photos.example.evil/page"},
    ],
)
def test_a_cross_site_write_with_the_cookie_is_refused(user, trashed, origin):
    response = cookie_client(user.email).post("/api/trash/empty", "", content_type="text/plain", **origin)
    assert response.status_code == 403 and "Cross-site request refused" in response.json()["message"]
    assert Asset.objects.get(pk=trashed).deleted_at is not None and Asset.objects.filter(pk=trashed).exists()
    assert Asset.objects.get(pk=trashed).status != "deleted"


def test_the_servers_own_pages_write_with_the_cookie(user, trashed):
    client = cookie_client(user.email)
    response = client.post("/api/trash/empty", "", content_type="text/plain", HTTP_ORIGIN="http://testserver")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_reads_with_the_cookie_and_bearer_writes_are_unaffected(user, trashed):
    client = cookie_client(user.email)
    assert client.get("/api/users/me", HTTP_ORIGIN="http://evil.example").status_code == 200
    token = client.cookies["immich_access_token"].value
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.post("/api/trash/empty", HTTP_ORIGIN="http://evil.example").status_code == 200
