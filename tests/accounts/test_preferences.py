"""/api/users/me/preferences and /api/admin/users/{id}/preferences: Immich 3.1's full shape, its defaults, partial
updates merged per user."""

import uuid

import pytest
from rest_framework.test import APIClient

from accounts.models import UserPreferences

pytestmark = pytest.mark.django_db

SECTIONS = {
    "albums", "cast", "download", "emailNotifications", "folders", "memories", "people", "purchase", "ratings",
    "recentlyAdded", "sharedLinks", "tags",
    "nsfw",  # beyond Immich (issue 25): what flagged assets do for the user
}  # fmt: skip


def _session_client(email: str) -> APIClient:
    """Signed in as the mobile app is: a login token in `x-immich-user-token`."""
    token = APIClient().post("/api/auth/login", {"email": email, "password": "password123"}, format="json")
    client = APIClient()
    client.credentials(HTTP_X_IMMICH_USER_TOKEN=token.json()["accessToken"])
    return client


def test_a_new_user_reads_every_section_with_immichs_defaults(user):
    body = _session_client(user.email).get("/api/users/me/preferences").json()
    assert set(body) == SECTIONS
    assert body["albums"] == {"defaultAssetOrder": "desc"}
    assert body["download"] == {"archiveSize": 4294967296, "includeEmbeddedVideos": False}
    assert body["emailNotifications"] == {"enabled": True, "albumInvite": True, "albumUpdate": True}
    assert body["memories"] == {"enabled": True, "duration": 5}
    assert body["purchase"] == {"showSupportBadge": True, "hideBuyButtonUntil": "2022-02-12T00:00:00.000Z"}
    assert body["ratings"] == {"enabled": False}
    assert body["cast"] == {"gCastEnabled": False}


def test_a_partial_update_changes_only_what_it_names(api):
    api.put("/api/users/me/preferences", {"ratings": {"enabled": True}}, format="json")
    response = api.put("/api/users/me/preferences", {"download": {"archiveSize": 1024}}, format="json")
    assert response.status_code == 200
    assert response.json()["ratings"] == {"enabled": True}
    assert response.json()["download"] == {"archiveSize": 1024, "includeEmbeddedVideos": False}
    assert api.get("/api/users/me/preferences").json()["download"]["archiveSize"] == 1024


def test_only_the_differences_from_the_defaults_are_stored(api, user):
    api.put("/api/users/me/preferences", {"tags": {"enabled": True, "sidebarWeb": False}}, format="json")
    assert UserPreferences.objects.get(user=user).changes == {"tags": {"enabled": True}}


def test_preferences_are_per_user(api, other_api):
    api.put("/api/users/me/preferences", {"folders": {"enabled": True}}, format="json")
    assert other_api.get("/api/users/me/preferences").json()["folders"]["enabled"] is False


def test_the_avatar_colour_of_an_update_is_the_users(api, user):
    api.put("/api/users/me/preferences", {"avatar": {"color": "pink"}}, format="json")
    user.refresh_from_db()
    assert user.avatar_color == "pink"
    assert api.get("/api/users/me").json()["avatarColor"] == "pink"


@pytest.mark.parametrize(
    "body",
    [
        {"albums": {"defaultAssetOrder": "sideways"}},
        {"download": {"archiveSize": 0}},
        {"memories": {"duration": "long"}},
        {"avatar": {"color": "ultraviolet"}},
    ],
)
def test_an_invalid_value_is_refused_with_400_and_nothing_changes(api, user, body):
    response = api.put("/api/users/me/preferences", body, format="json")
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert not UserPreferences.objects.filter(user=user).exists()


def test_an_admin_reads_and_updates_another_users_preferences(admin_api, api, user):
    response = admin_api.put(f"/api/admin/users/{user.id}/preferences", {"memories": {"enabled": False}}, format="json")
    assert response.status_code == 200
    assert api.get("/api/users/me/preferences").json()["memories"]["enabled"] is False
    assert admin_api.get(f"/api/admin/users/{user.id}/preferences").json()["memories"]["enabled"] is False


def test_the_admin_endpoint_answers_400_for_an_unknown_user(admin_api):
    assert admin_api.get(f"/api/admin/users/{uuid.uuid4()}/preferences").status_code == 400


def test_the_schema_declares_the_response_dto():
    schema = APIClient().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/users/me/preferences"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert reference.endswith("/UserPreferencesResponseDto")
    declared = schema["components"]["schemas"]["UserPreferencesResponseDto"]
    assert set(declared["properties"]) == SECTIONS and set(declared["required"]) == SECTIONS
