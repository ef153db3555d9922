"""Login throttling: failed logins are recorded per account (the email tried) and per client address; past the
limit within the window, a login answers 429 with Retry-After before the password is even checked. A successful
login clears its account's failures (not its address's)."""

from __future__ import annotations

import ipaddress
import math
from datetime import timedelta

from django.db.models import Min
from django.utils import timezone

from accounts.models import LoginFailure
from immich.errors import TooManyRequests

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 10
PER_ADDRESS = 50


def client_address(request) -> str:
    """The client's address: the peer, or behind a proxy on a private or loopback address, the last address the
    proxy appended to X-Forwarded-For (earlier ones are the client's own claims)."""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
    try:
        behind_proxy = ipaddress.ip_address(peer).is_private
    except ValueError:
        behind_proxy = False
    return (forwarded if behind_proxy and forwarded else peer)[:64]


def _refusal(failures, limit: int, what: str, attempts: str = "failed logins") -> None:
    recent = failures.filter(at__gte=timezone.now() - WINDOW)
    if recent.count() >= limit:
        first = recent.aggregate(first=Min("at"))["first"]
        wait = max(1, math.ceil((first + WINDOW - timezone.now()).total_seconds()))
        raise TooManyRequests(f"Too many {attempts} for this {what}; try again in {wait} seconds", retry_after=wait)


def login_throttle_check(*, email: str, address: str) -> None:
    _refusal(LoginFailure.objects.filter(email=email), PER_ACCOUNT, "account")
    _refusal(LoginFailure.objects.filter(address=address), PER_ADDRESS, "address")


def login_failure_record(*, email: str, address: str) -> None:
    LoginFailure.objects.filter(at__lt=timezone.now() - WINDOW).delete()  # what no longer counts
    LoginFailure.objects.create(email=email[:254], address=address)


def login_failures_clear(*, email: str) -> None:
    LoginFailure.objects.filter(email=email).delete()


# A wrong PIN (unlock, change, reset) counts like a failed login, under the account's own key: 6 digits are guessed
# in a million tries, so they are throttled as passwords are (Immich does not).
def _pin_key(user_id) -> str:
    return f"pin:{user_id}"


def pin_throttle_check(*, user_id) -> None:
    _refusal(LoginFailure.objects.filter(email=_pin_key(user_id)), PER_ACCOUNT, "account", attempts="wrong PIN codes")


def pin_failure_record(*, user_id, address: str) -> None:
    login_failure_record(email=_pin_key(user_id), address=address)


def pin_failures_clear(*, user_id) -> None:
    login_failures_clear(email=_pin_key(user_id))
