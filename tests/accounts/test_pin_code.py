"""The locked folder's PIN (issue 26, item 12), as Immich 3.1 has it: set, changed and reset with the PIN or the
password; a session unlocked with it is elevated for 15 minutes, extended on use in its last 5; locking ends it;
`GET /api/auth/status` tells all of it. API keys are never elevated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Session, User
from tests.accounts.test_credentials import signed_in
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
PIN = "123456"


def _status(client) -> dict:
    response = client.get("/api/auth/status")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def session(user):
    return signed_in(user.email)


@pytest.fixture
def with_pin(session):
    assert session.post("/api/auth/pin-code", {"pinCode": PIN}, format="json").status_code == 204
    return session


def test_status_of_a_fresh_session(session):
    assert _status(session) == {"pinCode": False, "password": True, "isElevated": False}


def test_setup_stores_a_hash_and_status_says_so(with_pin, user):
    stored = User.objects.get(pk=user.pk).pin_code
    assert stored and PIN not in stored
    assert _status(with_pin)["pinCode"] is True


def test_setup_twice_is_refused(with_pin):
    response = with_pin.post("/api/auth/pin-code", {"pinCode": "654321"}, format="json")
    assert response.status_code == 400 and response.json()["message"] == "User already has a PIN code"


@pytest.mark.parametrize("pin_code", ["12345", "1234567", "abcdef", "12 456", 123456])
def test_a_pin_is_six_digits(session, pin_code):
    response = session.post("/api/auth/pin-code", {"pinCode": pin_code}, format="json")
    assert response.status_code == 400 and response.json()["statusCode"] == 400


def test_unlock_elevates_the_session_for_15_minutes(with_pin):
    assert with_pin.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json").status_code == 204
    status = _status(with_pin)
    assert status["isElevated"] is True
    expires = Session.objects.get().pin_expires_at
    assert timedelta(minutes=14) < expires - timezone.now() <= timedelta(minutes=15)
    assert status["pinExpiresAt"].startswith(expires.strftime("%Y-%m-%dT%H:%M"))


def test_unlock_with_a_wrong_pin_is_refused(with_pin):
    response = with_pin.post("/api/auth/session/unlock", {"pinCode": "000000"}, format="json")
    assert response.status_code == 400 and response.json()["message"] == "Wrong PIN code"
    assert _status(with_pin)["isElevated"] is False


def test_unlock_without_a_pin_set_is_refused(session):
    response = session.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json")
    assert response.status_code == 400 and response.json()["message"] == "User does not have a PIN code"


def test_wrong_pins_are_throttled(with_pin):
    for _ in range(10):
        assert with_pin.post("/api/auth/session/unlock", {"pinCode": "000000"}, format="json").status_code == 400
    response = with_pin.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json")
    assert response.status_code == 429 and "wrong PIN codes" in response.json()["message"]


def test_an_api_key_cannot_unlock_or_lock(user, with_pin):
    key = client_for(user)
    for url, body in (("/api/auth/session/unlock", {"pinCode": PIN}), ("/api/auth/session/lock", None)):
        response = key.post(url, body, format="json")
        assert response.status_code == 400
        assert response.json()["message"] == "This endpoint can only be used with a session token"
    assert _status(key)["isElevated"] is False


def test_a_scoped_api_key_needs_all_for_the_status(user):
    response = client_for(user, ["asset.read"]).get("/api/auth/status")
    assert response.status_code == 403 and response.json()["message"] == "Missing required permission: all"


def test_lock_ends_the_elevation(with_pin):
    with_pin.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json")
    assert with_pin.post("/api/auth/session/lock").status_code == 204
    assert _status(with_pin)["isElevated"] is False
    assert Session.objects.get().pin_expires_at is None


def test_an_expired_unlock_is_not_elevated(with_pin):
    with_pin.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json")
    Session.objects.update(pin_expires_at=timezone.now() - timedelta(seconds=1))
    assert _status(with_pin)["isElevated"] is False


def test_use_in_the_last_5_minutes_extends_the_unlock(with_pin):
    with_pin.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json")
    Session.objects.update(pin_expires_at=timezone.now() + timedelta(minutes=1))
    assert _status(with_pin)["isElevated"] is True
    left = Session.objects.get().pin_expires_at - timezone.now()
    assert timedelta(minutes=4) < left <= timedelta(minutes=5)


def test_change_with_the_pin_or_the_password(with_pin):
    assert (
        with_pin.put("/api/auth/pin-code", {"pinCode": PIN, "newPinCode": "111111"}, format="json").status_code == 204
    )
    body = {"password": "password123", "newPinCode": "222222"}
    assert with_pin.put("/api/auth/pin-code", body, format="json").status_code == 204
    assert with_pin.post("/api/auth/session/unlock", {"pinCode": "222222"}, format="json").status_code == 204


def test_change_with_a_wrong_password_or_neither_is_refused(with_pin):
    response = with_pin.put("/api/auth/pin-code", {"password": "wrong", "newPinCode": "111111"}, format="json")
    assert response.status_code == 400 and response.json()["message"] == "Wrong password"
    response = with_pin.put("/api/auth/pin-code", {"newPinCode": "111111"}, format="json")
    assert response.status_code == 400 and response.json()["message"] == "Either password or pinCode is required"


def test_reset_removes_the_pin_and_locks_every_session(user, with_pin):
    other = signed_in(user.email)
    for client in (with_pin, other):
        client.post("/api/auth/session/unlock", {"pinCode": PIN}, format="json")
    response = with_pin.delete("/api/auth/pin-code", {"password": "password123"}, format="json")
    assert response.status_code == 204
    assert _status(with_pin) == {"pinCode": False, "password": True, "isElevated": False}
    assert _status(other)["isElevated"] is False
    assert User.objects.get(pk=user.pk).pin_code is None
