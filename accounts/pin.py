"""The locked folder's PIN, as Immich 3.1 has it: a user sets a 6-digit PIN, and a login session unlocked with it is
"elevated" for 15 minutes, extended to 5 minutes from now whenever it is used in its last 5; only an elevated
session sees or touches assets whose visibility is `locked`. API keys are never elevated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from accounts import throttle
from accounts.models import ApiKey, Session, User
from immich.errors import BadRequest, Unauthorized

UNLOCK_FOR = timedelta(minutes=15)
EXTEND_BY = timedelta(minutes=5)


def is_elevated(credential: Session | ApiKey | None) -> bool:
    """Whether the request's credential opens the locked folder: a session unlocked by the PIN, not yet expired."""
    if not isinstance(credential, Session) or credential.pin_expires_at is None:
        return False
    return credential.pin_expires_at > timezone.now()


def elevation_extend(*, session: Session) -> None:
    """On each use of an elevated session: within its last 5 minutes, it stays open 5 minutes from now."""
    if not is_elevated(session):
        return
    now = timezone.now()
    if session.pin_expires_at is not None and now + EXTEND_BY > session.pin_expires_at:
        session.pin_expires_at = now + EXTEND_BY
        Session.objects.filter(pk=session.pk).update(pin_expires_at=session.pin_expires_at)


def elevation_required(credential: Session | ApiKey | None) -> None:
    """Immich's answer to a request for the locked folder without an unlocked session."""
    if not is_elevated(credential):
        raise Unauthorized("Elevated permission is required")


def _session_required(credential: Session | ApiKey | None) -> Session:
    if not isinstance(credential, Session):
        raise BadRequest("This endpoint can only be used with a session token")
    return credential


def _pin_or_password_check(user: User, *, pin_code: str | None, password: str | None, address: str) -> None:
    """The user's PIN, or their password, proves them (to change or reset the PIN, or to unlock). Wrong ones are
    throttled like failed logins (429 past 10 in 15 minutes), or 6 digits would fall to a million tries."""
    if not user.pin_code:
        raise BadRequest("User does not have a PIN code")
    if not password and not pin_code:
        raise BadRequest("Either password or pinCode is required")
    throttle.pin_throttle_check(user_id=user.pk)
    if password:
        right, wrong = user.check_password(password), "Wrong password"
    else:
        right, wrong = check_password(pin_code, user.pin_code), "Wrong PIN code"
    if not right:
        throttle.pin_failure_record(user_id=user.pk, address=address)
        raise BadRequest(wrong)
    throttle.pin_failures_clear(user_id=user.pk)


def pin_code_setup(*, user: User, pin_code: str) -> None:
    if user.pin_code:
        raise BadRequest("User already has a PIN code")
    User.objects.filter(pk=user.pk).update(pin_code=make_password(pin_code))


def pin_code_change(
    *, user: User, new_pin_code: str, pin_code: str | None = None, password: str | None = None, address: str = ""
) -> None:
    _pin_or_password_check(user, pin_code=pin_code, password=password, address=address)
    User.objects.filter(pk=user.pk).update(pin_code=make_password(new_pin_code))


def pin_code_reset(*, user: User, pin_code: str | None = None, password: str | None = None, address: str = "") -> None:
    """Removes the PIN (proved by it or by the password) and locks every session of the user."""
    _pin_or_password_check(user, pin_code=pin_code, password=password, address=address)
    User.objects.filter(pk=user.pk).update(pin_code=None)
    Session.objects.filter(user=user).update(pin_expires_at=None)


def session_unlock(*, user: User, credential: Session | ApiKey | None, pin_code: str | None, address: str = "") -> None:
    """Unlocks the calling session with the PIN (Immich takes the PIN only here, not the password)."""
    session = _session_required(credential)
    _pin_or_password_check(user, pin_code=pin_code, password=None, address=address)
    Session.objects.filter(pk=session.pk).update(pin_expires_at=timezone.now() + UNLOCK_FOR)


def session_lock(*, credential: Session | ApiKey | None) -> None:
    session = _session_required(credential)
    Session.objects.filter(pk=session.pk).update(pin_expires_at=None)


@dataclass(frozen=True)
class AuthStatus:
    pinCode: bool
    password: bool
    isElevated: bool
    expiresAt: datetime | None
    pinExpiresAt: datetime | None


def auth_status(*, user: User, credential: Session | ApiKey | None) -> AuthStatus:
    """Sessions here do not expire (no `expiresAt`); `pinExpiresAt` is the session's unlock, past or not."""
    session = credential if isinstance(credential, Session) else None
    return AuthStatus(
        pinCode=bool(user.pin_code),
        password=user.has_usable_password(),
        isElevated=is_elevated(credential),
        expiresAt=None,
        pinExpiresAt=session.pin_expires_at if session else None,
    )
