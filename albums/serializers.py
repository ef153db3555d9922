"""Input validation and the response shapes of Immich's album DTOs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import UserResponseDto
from albums.models import Album
from assets.responses import AssetResponseDto
from immich.fields import ImmichDateTimeField
from immich.limits import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH

# Choice sets named as in Immich's schema (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
ORDERS = ["asc", "desc"]
ALBUM_USER_ROLES = ["editor", "owner", "viewer"]
_ABSENT_WHEN_EMPTY = ("startDate", "endDate", "lastModifiedAssetTimestamp")


class AlbumUserResponseDto(serializers.Serializer):
    role = serializers.ChoiceField(choices=ALBUM_USER_ROLES)
    user = UserResponseDto()


class ContributorCountResponseDto(serializers.Serializer):
    userId = serializers.UUIDField()
    assetCount = serializers.IntegerField()


@extend_schema_field(ContributorCountResponseDto(many=True))
class _ContributorCountsField(serializers.Field):
    """`contributorCounts`, optional in the SDK's AlbumResponseDto (a method field would be required in the schema)."""

    def __init__(self) -> None:
        super().__init__(source="*", required=False)

    def to_representation(self, album: Album) -> Any:
        return self.parent.contributor_counts(album)


class AlbumResponseDto(serializers.Serializer):
    """Immich's AlbumResponseDto, read from an album of `albums.selectors` (which counts its assets and dates and
    fetches its members). Only GET /albums/{id} lists the assets: they come as the `assets` of the context. As in
    Immich 3.x, `albumUsers` starts with the owner (role `owner`), then the members in the order they were added;
    an empty album has no `startDate`, `endDate` or `lastModifiedAssetTimestamp` (absent, not null). `shared`: the
    album has a member or a shared link. `contributorCounts` (how many of its assets each user added: their owners),
    only in GET /albums/{id}'s answer for a shared album, as Immich: given as the context's `contributor_counts`."""

    id = serializers.UUIDField()
    ownerId = serializers.UUIDField(source="owner_id")
    owner = serializers.SerializerMethodField()
    albumName = serializers.CharField(source="album_name")
    description = serializers.CharField()
    albumThumbnailAssetId = serializers.UUIDField(source="album_thumbnail_asset_id", allow_null=True)
    createdAt = ImmichDateTimeField(source="created_at")
    updatedAt = ImmichDateTimeField(source="updated_at")
    shared = serializers.SerializerMethodField()
    albumUsers = serializers.SerializerMethodField()
    hasSharedLink = serializers.SerializerMethodField()
    assetCount = serializers.IntegerField(source="asset_count")
    startDate = ImmichDateTimeField(source="start_date", required=False)
    endDate = ImmichDateTimeField(source="end_date", required=False)
    isActivityEnabled = serializers.BooleanField(source="is_activity_enabled")
    order = serializers.ChoiceField(choices=ORDERS)
    lastModifiedAssetTimestamp = ImmichDateTimeField(source="end_date", required=False)
    assets = serializers.SerializerMethodField()
    contributorCounts = _ContributorCountsField()

    def to_representation(self, album: Album) -> dict:
        body = super().to_representation(album)
        for key in _ABSENT_WHEN_EMPTY:
            if body[key] is None:
                del body[key]
        if body["contributorCounts"] is None:
            del body["contributorCounts"]
        return body

    def contributor_counts(self, album: Album) -> Any:
        counts = self.context.get("contributor_counts")
        if counts is None or not self.get_shared(album):
            return None
        return ContributorCountResponseDto(counts, many=True).data

    @extend_schema_field(UserResponseDto)
    def get_owner(self, album: Album) -> dict:
        return UserResponseDto(album.owner).data

    @extend_schema_field(AlbumUserResponseDto(many=True))
    def get_albumUsers(self, album: Album) -> list[dict]:
        members = [{"role": member.role, "user": UserResponseDto(member.user).data} for member in album.members.all()]
        return [{"role": "owner", "user": UserResponseDto(album.owner).data}, *members]

    def get_shared(self, album: Album) -> bool:
        return bool(album.members.all()) or self.get_hasSharedLink(album)

    def get_hasSharedLink(self, album: Album) -> bool:
        return bool(getattr(album, "has_shared_link", False))

    @extend_schema_field(AssetResponseDto(many=True))
    def get_assets(self, album: Album) -> Any:
        context = {"without_metadata": self.context.get("without_metadata", False)}
        return AssetResponseDto(self.context.get("assets", []), many=True, context=context).data


def _member_role(role: str) -> str:
    """Immich's schema lists `owner` among the roles, but only the album's owner has it."""
    if role == "owner":
        raise serializers.ValidationError("Cannot add another owner: a member is an editor or a viewer")
    return role


class AlbumUserAddSerializer(serializers.Serializer):
    userId = serializers.UUIDField()
    role = serializers.ChoiceField(choices=ALBUM_USER_ROLES, default="editor")

    def validate_role(self, role: str) -> str:
        return _member_role(role)


class AlbumCreateSerializer(serializers.Serializer):
    albumName = serializers.CharField(max_length=NAME_MAX_LENGTH)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX_LENGTH)
    assetIds = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    albumUsers: serializers.ListSerializer = serializers.ListSerializer(
        child=AlbumUserAddSerializer(), required=False, default=list, max_length=1_000
    )


class AlbumUsersAddSerializer(serializers.Serializer):
    albumUsers: serializers.ListSerializer = serializers.ListSerializer(
        child=AlbumUserAddSerializer(), allow_empty=False, max_length=1_000
    )


class AlbumUserUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ALBUM_USER_ROLES)

    def validate_role(self, role: str) -> str:
        return _member_role(role)


class AlbumListQuerySerializer(serializers.Serializer):
    assetId = serializers.UUIDField(required=False)
    id = serializers.UUIDField(required=False)
    name = serializers.CharField(required=False, max_length=NAME_MAX_LENGTH)
    isOwned = serializers.BooleanField(required=False, allow_null=True, default=None)
    isShared = serializers.BooleanField(required=False, allow_null=True, default=None)
    shared = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Immich 1.x/2.x: true is isShared, false isOwned and not isShared",
    )

    def validate(self, data: dict) -> dict:
        if data["shared"] is not None:  # the older clients' filter, in 3.1's terms
            data["isShared"] = data["shared"]
            data["isOwned"] = True if data["shared"] is False else data["isOwned"]
        return data


class AlbumStatisticsResponseDto(serializers.Serializer):
    owned = serializers.IntegerField()
    shared = serializers.IntegerField()
    notShared = serializers.IntegerField()


class AlbumUpdateSerializer(serializers.Serializer):
    albumName = serializers.CharField(required=False, max_length=NAME_MAX_LENGTH, source="album_name")
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    albumThumbnailAssetId = serializers.UUIDField(required=False, source="album_thumbnail_asset_id")
    isActivityEnabled = serializers.BooleanField(required=False, source="is_activity_enabled")
    order = serializers.ChoiceField(choices=ORDERS, required=False)
