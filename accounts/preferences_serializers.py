"""Immich's UserPreferencesResponseDto and UserPreferencesUpdateDto: one small serializer per section, named as the
SDK names them, all fields required in the response and optional in an update."""

from __future__ import annotations

from rest_framework import serializers

NSFW_PREFERENCES = ("default", "show", "blur", "hide")
AVATAR_COLORS = ("primary", "pink", "red", "yellow", "blue", "green", "purple", "orange", "gray", "amber")


def _fields(*, required: bool) -> dict[str, dict[str, serializers.Field]]:
    def boolean():
        return serializers.BooleanField(required=required)

    def positive():
        return serializers.IntegerField(required=required, min_value=1)

    return {
        "albums": {"defaultAssetOrder": serializers.ChoiceField(["asc", "desc"], required=required)},
        "cast": {"gCastEnabled": boolean()},
        "download": {"archiveSize": positive(), "includeEmbeddedVideos": boolean()},
        "emailNotifications": {"enabled": boolean(), "albumInvite": boolean(), "albumUpdate": boolean()},
        "folders": {"enabled": boolean(), "sidebarWeb": boolean()},
        "memories": {"enabled": boolean(), "duration": positive()},
        "nsfw": {"action": serializers.ChoiceField(NSFW_PREFERENCES, required=required)},
        "people": {"enabled": boolean(), "sidebarWeb": boolean()},
        "purchase": {
            "showSupportBadge": boolean(),
            "hideBuyButtonUntil": serializers.CharField(required=required, max_length=64),
        },
        "ratings": {"enabled": boolean()},
        "recentlyAdded": {"sidebarWeb": boolean()},
        "sharedLinks": {"enabled": boolean(), "sidebarWeb": boolean()},
        "tags": {"enabled": boolean(), "sidebarWeb": boolean()},
    }


def _section_name(section: str, suffix: str) -> str:
    # Immich's names: AlbumsResponse, EmailNotificationsUpdate, ...
    return section[0].upper() + section[1:] + suffix


def _dto(name: str, *, required: bool, extra: dict | None = None) -> type[serializers.Serializer]:
    suffix = "Response" if required else "Update"
    sections = {
        section: type(_section_name(section, suffix), (serializers.Serializer,), fields)(required=required)
        for section, fields in _fields(required=required).items()
    }
    return type(name, (serializers.Serializer,), {**sections, **(extra or {})})


class AvatarUpdate(serializers.Serializer):
    color = serializers.ChoiceField(AVATAR_COLORS, required=False)


UserPreferencesResponseDto = _dto("UserPreferencesResponseDto", required=True)
UserPreferencesUpdateDto = _dto(
    "UserPreferencesUpdateDto", required=False, extra={"avatar": AvatarUpdate(required=False)}
)
