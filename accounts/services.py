from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import ApiKey, Session, User
from accounts.permissions_catalog import ALL, PERMISSIONS
from accounts.selectors import admin_exists, secret_hash
from immich.errors import BadRequest, Unauthorized


def _new_secret() -> str:
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


def user_create(*, email: str, password: str, name: str = "", is_admin: bool = False, **fields) -> User:
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
        return user_create(email=email, password=password, name=name, is_admin=True)


@dataclass(frozen=True)
class Login:
    user: User
    access_token: str


def login(*, email: str, password: str, device_type: str = "", device_os: str = "") -> Login:
    user = authenticate(username=email.lower(), password=password)
    if user is None or user.deleted_at is not None:
        raise Unauthorized("Incorrect email or password")
    token = _new_secret()
    Session.objects.create(user=user, token_hash=secret_hash(token), device_type=device_type, device_os=device_os)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return Login(user=user, access_token=token)


def logout(*, session: Session | None) -> None:
    if session is not None:
        Session.objects.filter(pk=session.pk).delete()


def api_key_create(
    *, user: User, name: str, permissions: list[str], granted_by: ApiKey | None = None
) -> tuple[ApiKey, str]:
    permissions = _validate_permissions(permissions, granted_by=granted_by)
    secret = _new_secret()
    key = ApiKey.objects.create(user=user, name=name or "API Key", key_hash=secret_hash(secret), permissions=permissions)
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


def user_update(*, user: User, **changes) -> User:
    password = changes.pop("password", None)
    if changes.get("email"):
        # Stored lower-case like user_create, so login (which lower-cases) finds it and the unique index holds.
        changes["email"] = changes["email"].lower()
    for field, value in changes.items():
        setattr(user, field, value)
    if password:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise BadRequest("Email or storage label already in use") from error
    return user


def user_soft_delete(*, user: User) -> User:
    user.deleted_at = timezone.now()
    user.is_active = False
    user.save(update_fields=["deleted_at", "is_active", "updated_at"])
    user.sessions.all().delete()
    return user
