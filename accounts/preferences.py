"""Immich's user preferences: the defaults of 3.1, a user's stored changes merged over them, and partial updates."""

from __future__ import annotations

import copy
from collections.abc import Callable

from django.db import transaction

from accounts.models import User, UserPreferences

ARCHIVE_SIZE_DEFAULT = 4 * 1024**3  # 4 GiB, Immich's default download archive size

DEFAULTS: dict[str, dict] = {
    "albums": {"defaultAssetOrder": "desc"},
    "cast": {"gCastEnabled": False},
    "download": {"archiveSize": ARCHIVE_SIZE_DEFAULT, "includeEmbeddedVideos": False},
    "emailNotifications": {"enabled": True, "albumInvite": True, "albumUpdate": True},
    "folders": {"enabled": False, "sidebarWeb": False},
    "memories": {"enabled": True, "duration": 5},
    # Beyond Immich (issue 25): what assets flagged NSFW do for this user; "default": the system config's action.
    "nsfw": {"action": "default"},
    "people": {"enabled": True, "sidebarWeb": False},
    "purchase": {"showSupportBadge": True, "hideBuyButtonUntil": "2022-02-12T00:00:00.000Z"},
    "ratings": {"enabled": False},
    "recentlyAdded": {"sidebarWeb": False},
    "sharedLinks": {"enabled": True, "sidebarWeb": False},
    "tags": {"enabled": False, "sidebarWeb": False},
}


# Apps that act on a change of a preference of theirs (nsfw: a user's choice re-sends their flagged assets to their
# phones), told inside the update's transaction: (user, preferences before, preferences after).
PreferencesHook = Callable[[User, dict, dict], None]
_changed_hooks: list[PreferencesHook] = []


def on_preferences_changed(hook: PreferencesHook) -> None:
    _changed_hooks.append(hook)


def _changes_of(user: User) -> dict:
    stored = UserPreferences.objects.filter(user=user).values_list("changes", flat=True).first()
    return stored or {}


def preferences_of(*, user: User) -> dict:
    """The full preferences: the defaults with the user's changes over them (unknown stored keys are ignored)."""
    preferences = copy.deepcopy(DEFAULTS)
    for section, values in _changes_of(user).items():
        if section in preferences:
            preferences[section].update({key: value for key, value in values.items() if key in preferences[section]})
    return preferences


def _differences(preferences: dict) -> dict:
    """Only what differs from the defaults: the stored form."""
    differences: dict[str, dict] = {}
    for section, values in preferences.items():
        changed = {key: value for key, value in values.items() if DEFAULTS[section].get(key) != value}
        if changed:
            differences[section] = changed
    return differences


@transaction.atomic
def preferences_update(*, user: User, changes: dict) -> dict:
    """Merges a partial update (any sections, any keys of them) into the user's preferences. `avatar.color` is the
    user's avatar colour, as in Immich, not a stored preference."""
    avatar = changes.pop("avatar", None)
    if avatar and "color" in avatar:
        User.objects.filter(pk=user.pk).update(avatar_color=avatar["color"])
        user.avatar_color = avatar["color"]
    UserPreferences.objects.select_for_update().filter(user=user).first()  # serialises concurrent partial updates
    preferences = preferences_of(user=user)
    before = copy.deepcopy(preferences)
    for section, values in changes.items():
        preferences[section].update(values)
    UserPreferences.objects.update_or_create(user=user, defaults={"changes": _differences(preferences)})
    for hook in _changed_hooks:
        hook(user, before, preferences)
    return preferences
