"""Users as Immich makes and shows them: the first admin's label, admin-made users' first password change, the
profile image, licences, restoring a deleted user and an admin's view of a user's asset counts."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.assets.helpers import upload_photo
from tests.conftest import client_for, invalid_fields
from tests.media_factories import make_png

pytestmark = pytest.mark.django_db

USER_KEY = "IMCL-A1B2-C3D4-E5F6-G7H8-J9K0-L1M2-N3P4-Q5R6"
SERVER_KEY = "IMSV-A1B2-C3D4-E5F6-G7H8-J9K0-L1M2-N3P4-Q5R6"


def test_the_first_admin_is_labelled_admin_and_may_use_a_one_label_domain(anonymous):
    body = {"email": "admin@local", "password": "s3cret-pass", "name": "Admin"}
    response = anonymous.post("/api/auth/admin-sign-up", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["email"], response.json()["storageLabel"]) == ("admin@local", "admin")


def test_admin_sign_up_needs_a_name(anonymous):
    body = {"email": "admin@example.com", "password": "s3cret-pass"}
    assert invalid_fields(anonymous.post("/api/auth/admin-sign-up", body, format="json")) == ["name"]


def test_a_user_an_admin_makes_changes_their_password_first_unless_told(admin_api):
    made = admin_api.post(
        "/api/admin/users", {"email": "new@example.com", "password": "password123", "name": "New"}, format="json"
    )
    assert made.json()["shouldChangePassword"] is True
    body = {"email": "free@example.com", "password": "password123", "name": "Free", "shouldChangePassword": False}
    assert admin_api.post("/api/admin/users", body, format="json").json()["shouldChangePassword"] is False


def test_a_profile_image_is_stored_served_and_removed(user, api, other_api, tmp_path, media_root):
    with open(make_png(tmp_path / "me.png"), "rb") as handle:
        response = api.post("/api/users/profile-image", {"file": handle}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    stored = media_root / "profile" / str(user.id)
    [path] = stored.iterdir()
    assert (body["userId"], body["profileImagePath"]) == (str(user.id), str(path)) and path.suffix == ".png"
    served = other_api.get(f"/api/users/{user.id}/profile-image")
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content if served.streaming else [served.content]) == path.read_bytes()
    assert other_api.get(f"/api/users/{user.id}").json()["profileImagePath"] == str(path)
    assert api.delete("/api/users/profile-image").status_code == 204
    assert not path.exists() and api.get("/api/users/me").json()["profileImagePath"] == ""
    assert other_api.get(f"/api/users/{user.id}/profile-image").status_code == 404


def test_a_new_profile_image_replaces_the_old_file(user, api, tmp_path, media_root):
    for color in ((1, 2, 3, 255), (4, 5, 6, 255)):
        with open(make_png(tmp_path / "me.png", color=color), "rb") as handle:
            api.post("/api/users/profile-image", {"file": handle}, format="multipart")
    assert len(list((media_root / "profile" / str(user.id)).iterdir())) == 1


def test_a_profile_image_must_be_an_image(api, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with open(tmp_path / "notes.txt", "rb") as handle:
        response = api.post("/api/users/profile-image", {"file": handle}, format="multipart")
    assert response.status_code == 400 and response.json()["message"] == "Unsupported file type notes.txt"


def test_a_user_licence_is_kept_as_given(api):
    assert api.get("/api/users/me/license").status_code == 404
    response = api.put("/api/users/me/license", {"licenseKey": USER_KEY, "activationKey": "abc"}, format="json")
    assert (response.json()["licenseKey"], response.json()["activationKey"]) == (USER_KEY, "abc")
    assert response.json()["activatedAt"].endswith("Z")
    assert api.get("/api/users/me").json()["license"]["licenseKey"] == USER_KEY
    assert api.delete("/api/users/me/license").status_code == 204
    assert api.get("/api/users/me").json()["license"] is None


@pytest.mark.parametrize("key", [SERVER_KEY, "IMCL-1234", "not a key"])
def test_a_user_licence_key_must_be_a_client_key(api, key):
    response = api.put("/api/users/me/license", {"licenseKey": key, "activationKey": "abc"}, format="json")
    assert (response.status_code, response.json()["message"]) == (400, "Invalid license key")


def test_the_server_licence_is_the_admins(admin_api, api):
    assert admin_api.get("/api/server/license").status_code == 404
    response = admin_api.put("/api/server/license", {"licenseKey": SERVER_KEY, "activationKey": "x"}, format="json")
    assert response.json()["licenseKey"] == SERVER_KEY
    assert admin_api.get("/api/server/license").json()["licenseKey"] == SERVER_KEY
    assert api.get("/api/server/license").status_code == 403
    assert admin_api.delete("/api/server/license").status_code == 204
    assert admin_api.get("/api/server/license").status_code == 404


def test_a_deleted_user_is_restored_and_signs_in_again(admin_api, user):
    assert admin_api.delete(f"/api/admin/users/{user.id}").status_code == 200
    response = admin_api.post(f"/api/admin/users/{user.id}/restore")
    assert (response.status_code, response.json()["status"], response.json()["deletedAt"]) == (200, "active", None)
    login = APIClient().post("/api/auth/login", {"email": user.email, "password": "password123"}, format="json")
    assert login.status_code == 201


def test_restoring_a_user_who_is_not_deleted_is_a_400(admin_api, user):
    assert admin_api.post(f"/api/admin/users/{user.id}/restore").status_code == 400


def test_an_admin_reads_a_users_asset_counts(admin_api, user, api, tmp_path):
    upload_photo(api, tmp_path)
    response = admin_api.get(f"/api/admin/users/{user.id}/statistics")
    assert response.json() == {"images": 1, "videos": 0, "total": 1}
    assert client_for(User.objects.get(pk=user.pk)).get(f"/api/admin/users/{user.id}/statistics").status_code == 403
