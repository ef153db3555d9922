from __future__ import annotations

import hashlib

from accounts.models import ApiKey, Session, User


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def api_key_by_secret(*, secret: str) -> ApiKey | None:
    return ApiKey.objects.select_related("user").filter(key_hash=secret_hash(secret), user__is_active=True).first()


def session_by_token(*, token: str) -> Session | None:
    return Session.objects.select_related("user").filter(token_hash=secret_hash(token), user__is_active=True).first()


def api_keys_of(*, user: User):
    return ApiKey.objects.filter(user=user)


def admin_exists() -> bool:
    return User.objects.filter(is_superuser=True).exists()


def active_users():
    return User.objects.filter(is_active=True, deleted_at__isnull=True)
