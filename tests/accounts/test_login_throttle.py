"""Login throttling (issue 26, item 11): the attack tried 300 wrong passwords in 35 s with no delay. Past the limit
of failures per account (or per client address) within the window, a login answers 429 with Retry-After, even
with the right password, until the window has passed."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts import throttle
from accounts.models import LoginFailure

pytestmark = pytest.mark.django_db


def attempt(email: str, password: str, address: str = "203.0.113.5", **headers):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/login", {"email": email, "password": password}, format="json", **headers
    )


def test_too_many_failures_for_an_account_answer_429_even_with_the_right_password(user):
    for _ in range(throttle.PER_ACCOUNT):
        assert attempt(user.email, "wrong-guess").status_code == 401
    response = attempt(user.email, "password123", address="198.51.100.7")
    assert response.status_code == 429 and "Too many failed logins for this account" in response.json()["message"]
    assert 0 < int(response["Retry-After"]) <= throttle.WINDOW.total_seconds()


def test_too_many_failures_from_an_address_answer_429_for_any_account(user, other_user):
    for n in range(throttle.PER_ADDRESS):
        attempt(f"nobody{n}@example.com", "wrong-guess")
    response = attempt(other_user.email, "password123")
    assert response.status_code == 429 and "this address" in response.json()["message"]
    assert attempt(other_user.email, "password123", address="198.51.100.7").status_code == 201


def test_failures_older_than_the_window_no_longer_count(user):
    for _ in range(throttle.PER_ACCOUNT):
        attempt(user.email, "wrong-guess")
    LoginFailure.objects.update(at=LoginFailure.objects.first().at - throttle.WINDOW - timedelta(seconds=1))
    assert attempt(user.email, "password123").status_code == 201


def test_a_successful_login_clears_its_accounts_failures(user):
    for _ in range(throttle.PER_ACCOUNT - 1):
        attempt(user.email, "wrong-guess")
    assert attempt(user.email, "password123").status_code == 201
    assert attempt(user.email, "wrong-guess").status_code == 401  # counting starts again


def test_behind_a_proxy_the_address_is_the_one_it_appended(user):
    for n in range(throttle.PER_ADDRESS):
        attempt(f"nobody{n}@example.com", "x", address="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert LoginFailure.objects.filter(address="203.0.113.9").count() == throttle.PER_ADDRESS
    assert (
        attempt(user.email, "password123", address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 201
    )
