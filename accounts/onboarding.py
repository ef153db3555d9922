"""Onboarding, as Immich records it: the admin's (system metadata `admin-onboarding`, the web's first-run pages of
the server; `/server/config`'s `isOnboarded`) and each user's (the login's `isOnboarded`). Both start false: a new
admin is shown the first-run pages until the app says they are done."""

from __future__ import annotations

from accounts.models import SystemMetadata, User
from accounts.selectors import ADMIN_ONBOARDING


def admin_onboarding_set(*, is_onboarded: bool) -> None:
    SystemMetadata.objects.update_or_create(key=ADMIN_ONBOARDING, defaults={"value": {"isOnboarded": is_onboarded}})


def system_metadata_set(*, key: str, value: dict) -> None:
    SystemMetadata.objects.update_or_create(key=key, defaults={"value": value})


def user_onboarding_set(*, user: User, is_onboarded: bool) -> User:
    user.is_onboarded = is_onboarded
    user.save(update_fields=["is_onboarded", "updated_at"])
    return user
