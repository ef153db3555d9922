"""`/api/sessions`: the caller's login sessions, listed with their devices, made for a cast device, updated and ended."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Session

pytestmark = pytest.mark.django_db

PHONE = "Immich_Android_1.140.0"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _signed_in(user, user_agent: str = FIREFOX) -> APIClient:
    client = APIClient(HTTP_USER_AGENT=user_agent)
    response = client.post("/api/auth/login", {"email": user.email, "password": "password123"}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['accessToken']}")
    return client


def test_sessions_are_listed_with_their_devices_and_the_callers_own(user):
    _signed_in(user, PHONE)
    browser = _signed_in(user)
    listed = browser.get("/api/sessions").json()
    assert [(s["current"], s["deviceOS"], s["deviceType"], s["appVersion"]) for s in listed] == [
        (True, "Linux", "Firefox", None),
        (False, "Android", "Immich App", "1.140.0"),
    ]
    assert listed[0]["isPendingSyncReset"] is False and "expiresAt" not in listed[0]


def test_a_session_is_ended_by_id_and_its_token_stops_at_once(user):
    phone, browser = _signed_in(user, PHONE), _signed_in(user)
    phone_id = next(s["id"] for s in browser.get("/api/sessions").json() if not s["current"])
    assert browser.delete(f"/api/sessions/{phone_id}").status_code == 204
    assert phone.get("/api/users/me").status_code == 401


def test_ending_all_sessions_keeps_the_callers(user):
    phone, browser = _signed_in(user, PHONE), _signed_in(user)
    assert browser.delete("/api/sessions").status_code == 204
    assert phone.get("/api/users/me").status_code == 401
    assert [s["current"] for s in browser.get("/api/sessions").json()] == [True]


def test_a_cast_device_gets_a_session_of_its_own_that_ends_with_the_parent(user):
    browser = _signed_in(user)
    response = browser.post("/api/sessions", {"deviceType": "Chromecast", "duration": 3600}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["deviceType"], body["current"]) == ("Chromecast", False) and body["expiresAt"].endswith("Z")
    cast = APIClient()
    cast.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert cast.get("/api/users/me").status_code == 200
    browser.post("/api/auth/logout")
    assert cast.get("/api/users/me").status_code == 401


def test_an_expired_session_no_longer_signs_in(user):
    browser = _signed_in(user)
    token = browser.post("/api/sessions", {"duration": 60}, format="json").json()["token"]
    Session.objects.filter(expires_at__isnull=False).update(expires_at="2000-01-01T00:00:00Z")
    cast = APIClient()
    cast.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert cast.get("/api/users/me").status_code == 401


def test_a_cast_session_is_made_from_a_session_not_an_api_key(api):
    response = api.post("/api/sessions", {}, format="json")
    assert (response.status_code, response.json()["message"]) == (
        400,
        "This endpoint can only be used with a session token",
    )


def test_a_pending_sync_reset_is_set_on_a_session(user):
    browser = _signed_in(user)
    session_id = browser.get("/api/sessions").json()[0]["id"]
    response = browser.put(f"/api/sessions/{session_id}", {"isPendingSyncReset": True}, format="json")
    assert response.json()["isPendingSyncReset"] is True


def test_another_users_session_is_not_found(user, other_user):
    theirs = _signed_in(other_user).get("/api/sessions").json()[0]["id"]
    assert _signed_in(user).delete(f"/api/sessions/{theirs}").status_code == 400
    assert Session.objects.filter(pk=theirs).exists()


def test_an_admin_lists_a_users_sessions(admin_api, user):
    _signed_in(user, PHONE)
    assert [s["deviceOS"] for s in admin_api.get(f"/api/admin/users/{user.id}/sessions").json()] == ["Android"]
