from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import throttle
from accounts.models import ApiKey, Session, User
from accounts.permissions_catalog import ALL, PERMISSIONS
from accounts.selectors import admin_exists, secret_hash
from immich import live_events
from immich.errors import BadRequest, Forbidden, Unauthorized
from jobs.queues import Queue
from jobs.runs import job_run_request

PASSWORD_MIN_LENGTH = 8


def new_secret() -> str:
    # Immich's shape: 32 random bytes, base64, with the non-word characters dropped.
    return re.sub(r"\W", "", base64.b64encode(secrets.token_bytes(32)).decode())


def _validate_permissions(permissions: list[str], *, granted_by: ApiKey | None) -> list[str]:
    """`granted_by`: the API key the request came with (None for a session); a key can only hand out, to a new key
    or to an existing one, permissions it holds itself, so a limited key cannot raise itself to `all`."""
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise BadRequest(f"Unknown permission: {', '.join(unknown)}")
    if not permissions:
        raise BadRequest("An API key needs at least one permission")
    if granted_by is not None and ALL not in granted_by.permissions:
        extra = set(permissions) - set(granted_by.permissions)
        if extra:
            raise BadRequest(f"Cannot grant permissions you do not have: {', '.join(sorted(extra))}")
    return list(dict.fromkeys(permissions))


def password_check(password: str) -> None:
    """The one password policy (sign-up, an admin's new user, every change)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise BadRequest(f"The password must be at least {PASSWORD_MIN_LENGTH} characters long")


def user_create(*, email: str, password: str, name: str = "", is_admin: bool = False, **fields) -> User:
    password_check(password)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email, password, name=name or email.split("@")[0], is_superuser=is_admin, is_staff=is_admin, **fields
            )
    except IntegrityError as error:
        raise BadRequest("User exists") from error


def admin_sign_up(*, email: str, password: str, name: str) -> User:
    with transaction.atomic():
        # Serialise concurrent sign-ups on the users table, so exactly one of them becomes the admin. (Row locks
        # cannot: before the first admin there is no row to lock. SQLite's IMMEDIATE transactions already serialise.)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{User._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')
        if admin_exists():
            raise BadRequest("The server already has an admin")
        # the first admin's files go to `upload/admin/...` under a storage template with {{label}}, as in Immich
        return user_create(email=email, password=password, name=name, is_admin=True, storage_label="admin")


@dataclass(frozen=True)
class Login:
    user: User
    access_token: str


def login(
    *, email: str, password: str, address: str = "", device_type: str = "", device_os: str = "", app_version=None
) -> Login:
    """A new session; refused (429) while the account or the client's address has too many recent failures."""
    email = email.lower()
    throttle.login_throttle_check(email=email, address=address)
    user = authenticate(username=email, password=password)
    if user is None or user.deleted_at is not None:
        throttle.login_failure_record(email=email, address=address)
        raise Unauthorized("Incorrect email or password")
    throttle.login_failures_clear(email=email)
    token = new_secret()
    Session.objects.create(
        user=user, token_hash=secret_hash(token), device_type=device_type, device_os=device_os, app_version=app_version
    )
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return Login(user=user, access_token=token)


def logout(*, session: Session | None) -> None:
    if session is not None:
        sessions_end(Session.objects.filter(pk=session.pk))


def sessions_end(sessions) -> None:
    """Deletes the sessions and those made from them (cast devices end with their parent). Each one's sockets are
    told `on_session_delete` with its id, after commit, as Immich does: the web app signs out, and the live-events
    process closes them."""
    ended = set(sessions.values_list("pk", flat=True))
    children = ended
    while children:
        children = set(Session.objects.filter(parent_id__in=children).values_list("pk", flat=True)) - ended
        ended |= children
    Session.objects.filter(pk__in=ended).delete()
    for session_id in ended:
        live_events.send_to_session("on_session_delete", session_id, str(session_id))


def api_key_create(
    *, user: User, name: str, permissions: list[str], granted_by: ApiKey | None = None
) -> tuple[ApiKey, str]:
    permissions = _validate_permissions(permissions, granted_by=granted_by)
    secret = new_secret()
    key = ApiKey.objects.create(
        user=user, name=name or "API Key", key_hash=secret_hash(secret), permissions=permissions
    )
    return key, secret


def api_key_update(
    *, key: ApiKey, name: str | None = None, permissions: list[str] | None = None, granted_by: ApiKey | None = None
) -> ApiKey:
    if name is not None:
        key.name = name
    if permissions is not None:
        key.permissions = _validate_permissions(permissions, granted_by=granted_by)
    key.save()
    return key


def _credential_check(credential: Session | ApiKey | None) -> None:
    """Credentials (email, password) change with a session or a key holding `all`: a scoped key that could change
    them would sign in with a full session, out of its scope."""
    if isinstance(credential, ApiKey) and ALL not in credential.permissions:
        raise Forbidden("An API key with limited permissions cannot change the email or password; sign in instead")


def _sessions_revoke(user: User, *, keep: Session | ApiKey | None) -> None:
    """After a password or email change the user's other sessions end (the one making the change stays); API keys
    stay valid, as in Immich: they are revoked one by one on the API keys page."""
    sessions = Session.objects.filter(user=user)
    if isinstance(keep, Session):
        sessions = sessions.exclude(pk=keep.pk)
    sessions_end(sessions)


def _admins_locked_besides(user: User) -> int:
    """How many other admins there are, their rows locked until the transaction ends (two demotions at once
    cannot leave none)."""
    others = User.objects.select_for_update().filter(is_superuser=True, deleted_at__isnull=True).exclude(pk=user.pk)
    return len(list(others.values_list("pk", flat=True)))


def user_update(*, user: User, keep_session: Session | ApiKey | None = None, **changes) -> User:
    """Saves the changes; a password or email change ends the user's sessions but `keep_session` (the caller's
    own, when users change themselves). The last admin is never demoted."""
    password = changes.pop("password", None)
    if changes.get("email"):
        # Stored lower-case like user_create, so login (which lower-cases) finds it and the unique index holds.
        changes["email"] = changes["email"].lower()
    credentials_changed = bool(password) or changes.get("email", user.email) != user.email
    demoting = user.is_superuser and changes.get("is_superuser") is False
    if password:
        password_check(password)
    try:
        with transaction.atomic():
            if demoting and not _admins_locked_besides(user):
                raise BadRequest("The server's last admin cannot lose the admin role")
            for field, value in changes.items():
                setattr(user, field, value)
            if password:
                user.set_password(password)
            user.save()
            if credentials_changed:
                _sessions_revoke(user, keep=keep_session)
    except IntegrityError as error:
        raise BadRequest("Email or storage label already in use") from error
    return user


def user_update_me(
    *, user: User, credential: Session | ApiKey | None, current_password: str | None = None, **changes
) -> User:
    """One's own profile. Changing the password needs the current one; changing the password or the email needs a
    session or an unscoped key, and ends one's other sessions."""
    if changes.get("password") or (changes.get("email") and changes["email"].lower() != user.email):
        _credential_check(credential)
    if changes.get("password") and not user.check_password(current_password or ""):
        raise BadRequest("Wrong current password")
    return user_update(user=user, keep_session=credential, **changes)


def password_change(*, user: User, credential: Session | ApiKey | None, password: str, new_password: str) -> User:
    """Immich's change-password: the current password, then the new one; one's other sessions end."""
    return user_update_me(
        user=user, credential=credential, current_password=password, password=new_password, should_change_password=False
    )


def user_update_by_admin(*, admin: User, user: User, **changes) -> User:
    """An admin's change to any user. Their own admin role and own password are not changed here: nobody
    demotes themselves, and one's own password changes with the current one (`password_change`)."""
    changes.pop("current_password", None)  # one's own password is not changed here
    if user.pk == admin.pk:
        if changes.get("is_superuser") is False:
            raise BadRequest("You cannot remove your own admin role")
        if changes.get("password"):
            raise BadRequest("Change your own password with your current one (POST /api/auth/change-password)")
    return user_update(user=user, **changes)


def user_restore(*, user: User) -> User:
    """Undoes a deletion that has not yet removed the user's data: the user can sign in again."""
    if user.deleted_at is None:
        raise BadRequest("User is not deleted")
    if user.removing:
        raise BadRequest("User is being removed: their data is already going")
    user.deleted_at = None
    user.is_active = True
    user.save(update_fields=["deleted_at", "is_active", "updated_at"])
    return user


USER_DELETE_TASK = "UserDelete"  # maintenance/user_removal.py's job


def user_delete(*, user: User, force: bool = False) -> User:
    """The user can no longer sign in (their sessions end); a soft delete keeps their data for a restore. With
    `force` (status "removing") their API keys go too and a recorded UserDelete run removes their files and rows
    in the background, resumed by the reconciler if its worker dies."""
    with transaction.atomic():
        if user.is_superuser and not _admins_locked_besides(user):
            raise BadRequest("The server's last admin cannot be deleted")
        user.deleted_at = user.deleted_at or timezone.now()
        user.is_active = False
        user.removing = user.removing or force
        user.save(update_fields=["deleted_at", "is_active", "removing", "updated_at"])
        sessions_end(user.sessions.all())
        live_events.broadcast("on_user_delete", str(user.pk))  # the web's user lists drop them
        if force:
            user.api_keys.all().delete()
            job_run_request(
                name=USER_DELETE_TASK, queue=Queue.BACKGROUND_TASK, subject=f"user:{user.pk}",
                args={"user_id": str(user.pk)},
            )  # fmt: skip
    return user
