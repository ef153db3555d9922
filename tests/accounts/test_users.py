"""/api/users (me, list, detail) and the admin's /api/admin/users."""

import uuid

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import client_for

ADMIN_FIELDS = {
    "id",
    "email",
    "name",
    "profileImagePath",
    "avatarColor",
    "profileChangedAt",
    "storageLabel",
    "shouldChangePassword",
    "isAdmin",
    "createdAt",
    "deletedAt",
    "updatedAt",
    "oauthId",
    "quotaSizeInBytes",
    "quotaUsageInBytes",
    "status",
    "license",
}
NEW_USER = {"email": "carol@example.com", "password": "carol-pass", "name": "Carol"}


def login(email, password="password123"):
    return APIClient().post("/api/auth/login", {"email": email, "password": password}, format="json")


# --- /api/users/me -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_me_returns_the_user_admin_dto(api, user):
    response = api.get("/api/users/me")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ADMIN_FIELDS
    assert (body["id"], body["email"], body["name"], body["isAdmin"]) == (str(user.id), user.email, "alice", False)
    assert (body["storageLabel"], body["quotaSizeInBytes"], body["quotaUsageInBytes"]) == (None, None, 0)
    assert (body["status"], body["deletedAt"]) == ("active", None)


@pytest.mark.django_db
def test_me_without_credentials_is_401(db, anonymous):
    assert anonymous.get("/api/users/me").status_code == 401


@pytest.mark.django_db
def test_update_me_changes_name(api, user):
    response = api.put("/api/users/me", {"name": "Alice Liddell"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Alice Liddell"
    user.refresh_from_db()
    assert user.name == "Alice Liddell"


@pytest.mark.django_db
def test_update_me_changes_the_avatar_color(api, user):
    assert api.put("/api/users/me", {"avatarColor": "pink"}, format="json").json()["avatarColor"] == "pink"


@pytest.mark.django_db
def test_update_me_refuses_a_color_immich_does_not_have(api, user):
    assert api.put("/api/users/me", {"avatarColor": "chartreuse"}, format="json").status_code == 400
    user.refresh_from_db()
    assert user.avatar_color is None


@pytest.mark.django_db
def test_update_me_password_is_used_for_login(api, user):
    changes = {"password": "a-new-password", "currentPassword": "password123"}
    assert api.put("/api/users/me", changes, format="json").status_code == 200
    assert login(user.email, "a-new-password").status_code == 201
    assert login(user.email, "password123").status_code == 401


@pytest.mark.django_db
def test_update_me_email_is_stored_lower_case_and_logs_in(api, user):
    response = api.put("/api/users/me", {"email": "Alice.New@Example.com"}, format="json")
    assert response.json()["email"] == "alice.new@example.com"
    assert login("Alice.New@Example.com").status_code == 201


@pytest.mark.django_db
def test_update_me_to_a_taken_email_is_400(api, user, other_user):
    response = api.put("/api/users/me", {"email": other_user.email.upper()}, format="json")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "alice@example.com"


@pytest.mark.django_db
def test_update_me_cannot_make_me_admin(api, user):
    api.put("/api/users/me", {"isAdmin": True}, format="json")
    user.refresh_from_db()
    assert not user.is_superuser


@pytest.mark.django_db
def test_update_me_needs_user_update(user):
    response = client_for(user, ["user.read"]).put("/api/users/me", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: user.update"


# --- /api/users, /api/users/{id} ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_users_shows_active_users_without_admin_fields(api, user, other_user, admin):
    response = api.get("/api/users")
    assert response.status_code == 200
    assert {u["email"] for u in response.json()} == {user.email, other_user.email, admin.email}
    assert all("isAdmin" not in u for u in response.json())


@pytest.mark.django_db
def test_list_users_without_credentials_is_401(db, anonymous):
    assert anonymous.get("/api/users").status_code == 401


@pytest.mark.django_db
def test_get_user_by_id(api, other_user):
    response = api.get(f"/api/users/{other_user.id}")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["email"]) == (str(other_user.id), other_user.email)


@pytest.mark.django_db
def test_get_unknown_user_is_404(api):
    assert api.get(f"/api/users/{uuid.uuid4()}").status_code == 404


@pytest.mark.django_db
def test_get_deleted_user_is_404(api, admin_api, other_user):
    admin_api.delete(f"/api/admin/users/{other_user.id}")
    assert api.get(f"/api/users/{other_user.id}").status_code == 404


# --- /api/admin/users ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_users_with_admin_fields(admin_api, user, admin):
    response = admin_api.get("/api/admin/users")
    assert response.status_code == 200
    assert {u["email"]: u["isAdmin"] for u in response.json()} == {user.email: False, admin.email: True}


@pytest.mark.django_db
def test_admin_list_hides_deleted_users_unless_asked(admin_api, user):
    admin_api.delete(f"/api/admin/users/{user.id}")
    assert user.email not in {u["email"] for u in admin_api.get("/api/admin/users").json()}
    with_deleted = admin_api.get("/api/admin/users?withDeleted=true").json()
    assert {u["email"]: u["status"] for u in with_deleted}[user.email] == "deleted"


@pytest.mark.django_db
def test_admin_users_list_is_403_for_non_admin(api):
    response = api.get("/api/admin/users")
    assert response.status_code == 403
    assert response.json()["statusCode"] == 403


@pytest.mark.django_db
def test_admin_users_list_without_credentials_is_401(db, anonymous):
    assert anonymous.get("/api/admin/users").status_code == 401


@pytest.mark.django_db
def test_admin_key_without_admin_user_permission_is_403(admin):
    response = client_for(admin, ["user.read"]).get("/api/admin/users")
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: adminUser.read"


@pytest.mark.django_db
def test_admin_creates_a_user_who_can_log_in(admin_api):
    response = admin_api.post("/api/admin/users", {**NEW_USER, "quotaSizeInBytes": 1024}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["email"], response.json()["isAdmin"], response.json()["quotaSizeInBytes"]) == (
        "carol@example.com",
        False,
        1024,
    )
    assert login("carol@example.com", "carol-pass").status_code == 201


@pytest.mark.django_db
def test_admin_create_with_duplicate_email_is_400(admin_api, user):
    response = admin_api.post("/api/admin/users", {**NEW_USER, "email": "ALICE@example.com"}, format="json")
    assert response.status_code == 400
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1


@pytest.mark.django_db
def test_admin_create_is_403_for_non_admin(api):
    assert api.post("/api/admin/users", NEW_USER, format="json").status_code == 403
    assert not User.objects.filter(email=NEW_USER["email"]).exists()


@pytest.mark.django_db
def test_admin_gets_a_user(admin_api, user):
    response = admin_api.get(f"/api/admin/users/{user.id}")
    assert response.status_code == 200
    assert set(response.json()) == ADMIN_FIELDS
    assert response.json()["id"] == str(user.id)


@pytest.mark.django_db
def test_admin_get_unknown_user_is_400(admin_api):
    assert admin_api.get(f"/api/admin/users/{uuid.uuid4()}").status_code == 400


@pytest.mark.django_db
def test_admin_user_detail_is_403_for_non_admin(api, other_user):
    assert api.get(f"/api/admin/users/{other_user.id}").status_code == 403


@pytest.mark.django_db
def test_admin_updates_a_user(admin_api, user):
    changes = {"name": "Alice A.", "isAdmin": True, "storageLabel": "alice", "quotaSizeInBytes": 5000}
    response = admin_api.put(f"/api/admin/users/{user.id}", changes, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.name, user.is_superuser, user.is_staff, user.storage_label, user.quota_size_in_bytes) == (
        "Alice A.",
        True,
        True,
        "alice",
        5000,
    )


@pytest.mark.django_db
def test_admin_update_with_taken_storage_label_is_400(admin_api, user, other_user):
    admin_api.put(f"/api/admin/users/{user.id}", {"storageLabel": "shared"}, format="json")
    response = admin_api.put(f"/api/admin/users/{other_user.id}", {"storageLabel": "shared"}, format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_admin_update_is_403_for_non_admin(api, user, other_user):
    assert api.put(f"/api/admin/users/{other_user.id}", {"name": "x"}, format="json").status_code == 403
    assert api.put(f"/api/admin/users/{user.id}", {"isAdmin": True}, format="json").status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


@pytest.mark.django_db
def test_admin_delete_marks_the_user_deleted(admin_api, user):
    response = admin_api.delete(f"/api/admin/users/{user.id}")
    assert response.status_code == 200
    assert response.json()["status"] == "deleted" and response.json()["deletedAt"]
    user.refresh_from_db()
    assert user.deleted_at is not None and not user.is_active


@pytest.mark.django_db
def test_deleted_user_api_key_stops_working(admin_api, api, user):
    admin_api.delete(f"/api/admin/users/{user.id}")
    assert api.get("/api/users/me").status_code == 401


@pytest.mark.django_db
def test_deleted_user_session_and_login_stop_working(admin_api, user):
    session = APIClient()
    session.credentials(HTTP_AUTHORIZATION=f"Bearer {login(user.email).json()['accessToken']}")
    admin_api.delete(f"/api/admin/users/{user.id}")
    assert session.get("/api/users/me").status_code == 401
    assert login(user.email).status_code == 401


@pytest.mark.django_db
def test_admin_cannot_delete_themselves(admin_api, admin):
    assert admin_api.delete(f"/api/admin/users/{admin.id}").status_code == 400
    admin.refresh_from_db()
    assert admin.deleted_at is None


@pytest.mark.django_db
def test_admin_delete_is_403_for_non_admin(api, other_user):
    assert api.delete(f"/api/admin/users/{other_user.id}").status_code == 403
    other_user.refresh_from_db()
    assert other_user.deleted_at is None
