"""Login sessions as Immich lists and ends them: the device each came from (read from the User-Agent as Immich
reads it), sessions made from another one for a cast or child device (`POST /api/sessions`, ending with their parent
or at their expiry), and ending them one by one or all but the caller's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import Session, User
from accounts.selectors import secret_hash
from accounts.services import new_secret, sessions_end
from immich.errors import BadRequest

_APP = re.compile(r"Immich_(Android|iOS)_(\S+)")
# (token in the User-Agent, name) in the order they are tried: the first match names the OS, the browser.
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "Chrome OS"), ("Linux", "Linux"))  # fmt: skip
_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))


@dataclass(frozen=True)
class Device:
    device_type: str
    device_os: str
    app_version: str | None = None


def device_of(user_agent: str, *, device_model: str = "", device_type: str = "") -> Device:
    """What a session's list shows of the client: the mobile app's platform and version (`Immich_Android_1.2.3`),
    or a browser and its OS; the mobile app's `deviceModel`/`deviceType` headers where the agent says nothing."""
    app = _APP.match(user_agent)
    if app:
        return Device(device_type=device_model or "Immich App", device_os=app.group(1), app_version=app.group(2))
    system = next((name for token, name in _SYSTEMS if token in user_agent), device_type)
    browser = next((name for token, name in _BROWSERS if token in user_agent), device_model)
    return Device(device_type=browser[:255], device_os=system[:255])


def sessions_of(*, user: User):
    """The user's sessions that have not expired, the most recently used first."""
    return Session.objects.filter(user=user).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


def session_create_child(
    *, parent: object, device_type: str = "", device_os: str = "", duration: int | None = None
) -> tuple[Session, str]:
    """A session made from the caller's own (a cast device signs in with its token), ending with it; and its
    token, shown this once."""
    if not isinstance(parent, Session):
        raise BadRequest("This endpoint can only be used with a session token")
    token = new_secret()
    session = Session.objects.create(
        user=parent.user,
        parent=parent,
        token_hash=secret_hash(token),
        device_type=device_type,
        device_os=device_os,
        expires_at=timezone.now() + timedelta(seconds=duration) if duration else None,
    )
    return session, token


def sessions_end_others(*, user: User, keep: object) -> None:
    """Ends every session of the user but the caller's own (when the caller is one)."""
    sessions = Session.objects.filter(user=user)
    if isinstance(keep, Session):
        sessions = sessions.exclude(pk=keep.pk)
    sessions_end(sessions)


def session_delete(*, session: Session) -> None:
    sessions_end(Session.objects.filter(pk=session.pk))


def session_update(*, session: Session, is_pending_sync_reset: bool | None = None) -> Session:
    if is_pending_sync_reset is not None:
        session.is_pending_sync_reset = is_pending_sync_reset
        session.save(update_fields=["is_pending_sync_reset", "updated_at"])
    return session
