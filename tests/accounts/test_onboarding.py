"""Onboarding: the admin's (`/api/system-metadata/admin-onboarding`, `/server/config`'s `isOnboarded`) and each
user's (`/api/users/me/onboarding`, the login's `isOnboarded`), false until the apps say the first-run pages are done."""

import pytest
from rest_framework.test import APIClient

SIGN_UP = {"email": "root@example.com", "password": "s3cret-pass", "name": "Root"}

pytestmark = pytest.mark.django_db


def _signed_up_admin() -> APIClient:
    client = APIClient()
    assert client.post("/api/auth/admin-sign-up", SIGN_UP, format="json").status_code == 201
    token = client.post("/api/auth/login", SIGN_UP, format="json").json()["accessToken"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_new_admin_is_not_onboarded_until_the_app_says_so(anonymous):
    admin = _signed_up_admin()
    assert admin.get("/api/system-metadata/admin-onboarding").json() == {"isOnboarded": False}
    assert anonymous.get("/api/server/config").json()["isOnboarded"] is False
    response = admin.post("/api/system-metadata/admin-onboarding", {"isOnboarded": True}, format="json")
    assert response.status_code == 204
    assert admin.get("/api/system-metadata/admin-onboarding").json() == {"isOnboarded": True}
    assert anonymous.get("/api/server/config").json()["isOnboarded"] is True


def test_the_login_says_whether_the_user_went_through_onboarding(anonymous):
    admin = _signed_up_admin()
    assert anonymous.post("/api/auth/login", SIGN_UP, format="json").json()["isOnboarded"] is False
    assert admin.put("/api/users/me/onboarding", {"isOnboarded": True}, format="json").json() == {"isOnboarded": True}
    assert anonymous.post("/api/auth/login", SIGN_UP, format="json").json()["isOnboarded"] is True
    assert admin.delete("/api/users/me/onboarding").status_code == 204
    assert admin.get("/api/users/me/onboarding").json() == {"isOnboarded": False}


def test_admin_onboarding_is_the_admins(api):
    assert api.get("/api/system-metadata/admin-onboarding").status_code == 403


def test_the_reverse_geocoding_state_says_nothing_was_imported(admin_api):
    response = admin_api.get("/api/system-metadata/reverse-geocoding-state")
    assert response.json() == {"lastUpdate": None, "lastImportFileName": None}
