from __future__ import annotations

import hashlib

from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiKey, Session, SystemMetadata, User
from immich.errors import BadRequest

ADMIN_ONBOARDING = "admin-onboarding"  # the system metadata key of the admin's onboarding
REVERSE_GEOCODING_STATE = "reverse-geocoding-state"  # what the places of the assets were last computed with


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def api_key_by_secret(*, secret: str) -> ApiKey | None:
    return ApiKey.objects.select_related("user").filter(key_hash=secret_hash(secret), user__is_active=True).first()


def session_by_token(*, token: str) -> Session | None:
    """The signed-in session of the token, unless it expired (a child session's own duration)."""
    return (
        Session.objects.select_related("user")
        .filter(token_hash=secret_hash(token), user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .first()
    )


def api_keys_of(*, user: User):
    return ApiKey.objects.filter(user=user)


def admin_exists() -> bool:
    return User.objects.filter(is_superuser=True).exists()


def active_users():
    return User.objects.filter(is_active=True, deleted_at__isnull=True)


def system_metadata(key: str) -> dict:
    """The value recorded under `key` (Immich's system metadata), {} when none."""
    value = SystemMetadata.objects.filter(key=key).values_list("value", flat=True).first()
    return value if isinstance(value, dict) else {}


def admin_onboarded() -> bool:
    value = SystemMetadata.objects.filter(key=ADMIN_ONBOARDING).values_list("value", flat=True).first()
    return bool(value and value.get("isOnboarded"))


def user_for_admin(*, user_id) -> User:
    """Any user, deleted ones included, for the admin endpoints: an unknown id is Immich's 400 "User not found"."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise BadRequest("User not found")
    return user
