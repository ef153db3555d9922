"""Immich's rules for credentials (issue 26, items 3 and 4): a password changes with the current one; a password or
email change ends the user's other sessions (API keys stay, as in Immich); a scoped API key changes no credential;
nobody removes their own admin role and the last admin is never demoted or deleted; one password policy."""

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from immich.errors import BadRequest
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
NEW = "a-new-password"


def signed_in(email: str, password: str = "password123") -> APIClient:
    response = APIClient().post("/api/auth/login", {"email": email, "password": password}, format="json")
    assert response.status_code == 201, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['accessToken']}")
    return client


def can_log_in(email: str, password: str) -> bool:
    return APIClient().post("/api/auth/login", {"email": email, "password": password}, format="json").status_code == 201


@pytest.mark.parametrize("current", [None, "wrong-password"])
def test_changing_ones_password_needs_the_current_one(user, current):
    changes = {"password": NEW} | ({"currentPassword": current} if current else {})
    response = signed_in(user.email).put("/api/users/me", changes, format="json")
    assert response.status_code == 400 and response.json()["message"] == "Wrong current password"
    assert can_log_in(user.email, "password123") and not can_log_in(user.email, NEW)


def test_change_password_ends_the_other_sessions_and_keeps_api_keys(user):
    mine, other, key = signed_in(user.email), signed_in(user.email), client_for(user)
    response = mine.post("/api/auth/change-password", {"password": "password123", "newPassword": NEW}, format="json")
    assert response.status_code == 200 and response.json()["email"] == user.email
    assert other.get("/api/users/me").status_code == 401
    assert mine.get("/api/users/me").status_code == 200 and key.get("/api/users/me").status_code == 200
    assert can_log_in(user.email, NEW) and not can_log_in(user.email, "password123")


def test_change_password_with_a_wrong_current_one_changes_nothing(user):
    mine, other = signed_in(user.email), signed_in(user.email)
    response = mine.post("/api/auth/change-password", {"password": "nope-nope", "newPassword": NEW}, format="json")
    assert response.status_code == 400
    assert other.get("/api/users/me").status_code == 200 and can_log_in(user.email, "password123")


def test_an_email_change_ends_the_other_sessions(user):
    mine, other = signed_in(user.email), signed_in(user.email)
    assert mine.put("/api/users/me", {"email": "alice2@example.com"}, format="json").status_code == 200
    assert other.get("/api/users/me").status_code == 401 and mine.get("/api/users/me").status_code == 200


def test_an_admin_reset_ends_the_users_sessions(admin_api, user):
    session = signed_in(user.email)
    assert admin_api.put(f"/api/admin/users/{user.id}", {"password": NEW}, format="json").status_code == 200
    assert session.get("/api/users/me").status_code == 401 and can_log_in(user.email, NEW)


CREDENTIAL_CHANGES = [{"email": "mallory@example.com"}, {"password": NEW, "currentPassword": "password123"}]


@pytest.mark.parametrize("changes", CREDENTIAL_CHANGES)
def test_a_scoped_api_key_cannot_change_credentials(user, changes):
    key = client_for(user, ["user.update"])
    response = key.put("/api/users/me", changes, format="json")
    assert response.status_code == 403 and "limited permissions" in response.json()["message"]
    user.refresh_from_db()
    assert user.email == "alice@example.com" and can_log_in(user.email, "password123")
    assert key.put("/api/users/me", {"name": "Alice L."}, format="json").status_code == 200


def test_a_scoped_api_key_cannot_use_change_password(user):
    response = client_for(user, ["user.update"]).post(
        "/api/auth/change-password", {"password": "password123", "newPassword": NEW}, format="json"
    )
    assert response.status_code == 403 and can_log_in(user.email, "password123")


def test_an_admin_cannot_remove_their_own_admin_role_so_sign_up_stays_closed(admin, anonymous):
    """The attack: a key limited to adminUser.update demoted the sole admin, then admin-sign-up made a new one."""
    key = client_for(admin, ["adminUser.update"])
    response = key.put(f"/api/admin/users/{admin.id}", {"isAdmin": False}, format="json")
    assert response.status_code == 400 and "own admin role" in response.json()["message"]
    admin.refresh_from_db()
    assert admin.is_superuser
    sign_up = {"email": "eve@example.com", "password": "eve-password", "name": "Eve"}
    assert anonymous.post("/api/auth/admin-sign-up", sign_up, format="json").status_code == 400


def test_an_admin_changes_their_own_password_only_with_the_current_one(admin_api, admin):
    response = admin_api.put(f"/api/admin/users/{admin.id}", {"password": NEW}, format="json")
    assert response.status_code == 400 and "change-password" in response.json()["message"]


def test_another_admin_can_be_demoted_but_the_last_admin_never(admin_api, admin):
    second = services.user_create(email="second@example.com", password="password123", is_admin=True)
    assert admin_api.put(f"/api/admin/users/{second.id}", {"isAdmin": False}, format="json").status_code == 200
    with pytest.raises(BadRequest, match="last admin"):
        services.user_update(user=admin, is_superuser=False)
    with pytest.raises(BadRequest, match="last admin"):
        services.user_delete(user=admin)
    admin.refresh_from_db()
    assert admin.is_superuser and admin.deleted_at is None


@pytest.mark.parametrize(("path", "body"), [
    ("/api/auth/admin-sign-up", {"email": "root@example.com", "password": "x", "name": "Root"}),
    ("/api/admin/users", {"email": "carol@example.com", "password": "1234567", "name": "Carol"}),
    ("/api/auth/change-password", {"password": "password123", "newPassword": "short"}),
    ("/api/users/me", {"password": "short", "currentPassword": "password123"}),
])  # fmt: skip
def test_every_password_is_at_least_8_characters(db, admin, path, body):
    client = APIClient() if "sign-up" in path else signed_in(admin.email)
    if "sign-up" in path:
        User.objects.all().delete()
    send = client.put if "users/me" in path else client.post
    response = send(path, body, format="json")
    assert response.status_code == 400 and "at least 8 characters" in response.json()["message"]
    assert can_log_in(admin.email, "password123") or "sign-up" in path
