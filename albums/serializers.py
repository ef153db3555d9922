"""Input validation and the response shapes of Immich's album DTOs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import UserResponseDto
from albums.models import Album
from assets.responses import AssetResponseDto
from immich.fields import ImmichDateTimeField

# Choice sets named as in Immich's schema (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
ORDERS = ["asc", "desc"]
ALBUM_USER_ROLES = ["editor", "owner", "viewer"]
_ABSENT_WHEN_EMPTY = ("startDate", "endDate", "lastModifiedAssetTimestamp")


class AlbumUserResponseDto(serializers.Serializer):
    role = serializers.ChoiceField(choices=ALBUM_USER_ROLES)
    user = UserResponseDto()


class AlbumResponseDto(serializers.Serializer):
    """Immich's AlbumResponseDto, read from an album of `albums.selectors.albums_of` (which counts its assets and
    dates). Only GET /albums/{id} lists the assets: they come as the `assets` of the context. As in Immich 3.x,
    `albumUsers` starts with the owner (role `owner`), and an empty album has no `startDate`, `endDate` or
    `lastModifiedAssetTimestamp` (absent, not null). Albums are not shared yet, so the owner is the only album user
    and `shared`, `hasSharedLink` are false."""

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

    def to_representation(self, album: Album) -> dict:
        body = super().to_representation(album)
        for key in _ABSENT_WHEN_EMPTY:
            if body[key] is None:
                del body[key]
        return body

    @extend_schema_field(UserResponseDto)
    def get_owner(self, album: Album) -> dict:
        return UserResponseDto(album.owner).data

    @extend_schema_field(AlbumUserResponseDto(many=True))
    def get_albumUsers(self, album: Album) -> list[dict]:
        return [{"role": "owner", "user": UserResponseDto(album.owner).data}]

    def get_shared(self, album: Album) -> bool:
        return False

    def get_hasSharedLink(self, album: Album) -> bool:
        return False

    @extend_schema_field(AssetResponseDto(many=True))
    def get_assets(self, album: Album) -> Any:
        return AssetResponseDto(self.context.get("assets", []), many=True).data


class AlbumCreateSerializer(serializers.Serializer):
    albumName = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    assetIds = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    albumUsers = serializers.ListField(required=False, default=list)


class AlbumListQuerySerializer(serializers.Serializer):
    assetId = serializers.UUIDField(required=False)


class AlbumUpdateSerializer(serializers.Serializer):
    albumName = serializers.CharField(required=False, max_length=255, source="album_name")
    description = serializers.CharField(required=False, allow_blank=True)
    albumThumbnailAssetId = serializers.UUIDField(required=False, source="album_thumbnail_asset_id")
    isActivityEnabled = serializers.BooleanField(required=False, source="is_activity_enabled")
    order = serializers.ChoiceField(choices=ORDERS, required=False)
