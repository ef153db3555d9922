"""Input validation and the response shape of Immich's shared link DTOs."""

from __future__ import annotations

import base64
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from albums.selectors import album_by_id
from albums.serializers import AlbumResponseDto
from assets.responses import AssetResponseDto
from assets.selectors import with_duplicate_group
from immich.fields import ImmichDateTimeField
from immich.limits import DESCRIPTION_MAX_LENGTH, TEXT_MAX_LENGTH
from sharing.models import SharedLink, SharedLinkType

ASSET_ID_ERRORS = ["duplicate", "no_permission", "not_found"]


@extend_schema_field(AlbumResponseDto)
class LinkAlbumField(serializers.Field):
    """An album link's album, with its counts (absent for an individual link)."""

    def to_representation(self, album_id) -> dict | None:
        album = album_by_id(album_id=album_id)
        return AlbumResponseDto(album).data if album else None


class SharedLinkResponseDto(serializers.Serializer):
    """A link as its owner (and, for `/shared-links/me`, its holder) sees it: an album link carries its album, an
    individual link its assets. Only the owner is shown the password; a holder sees whether there is one."""

    id = serializers.UUIDField()
    userId = serializers.UUIDField(source="user_id")
    key = serializers.SerializerMethodField()
    type = serializers.ChoiceField(choices=SharedLinkType.values)
    description = serializers.CharField(allow_null=True)
    password = serializers.SerializerMethodField()
    slug = serializers.CharField(allow_null=True)
    createdAt = ImmichDateTimeField(source="created_at")
    expiresAt = ImmichDateTimeField(source="expires_at", allow_null=True)
    allowUpload = serializers.BooleanField(source="allow_upload")
    allowDownload = serializers.BooleanField(source="allow_download")
    showMetadata = serializers.BooleanField(source="show_exif")
    assets = serializers.SerializerMethodField()
    album = LinkAlbumField(source="album_id", required=False)

    def to_representation(self, link: SharedLink) -> dict:
        body = super().to_representation(link)
        if body.get("album") is None:
            body.pop("album", None)
        return body

    def get_key(self, link: SharedLink) -> str:
        return base64.urlsafe_b64encode(bytes(link.key)).decode().rstrip("=")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_password(self, link: SharedLink) -> str | None:
        if not link.password:
            return None
        return link.password if self.context.get("owner") else "********"

    @extend_schema_field(AssetResponseDto(many=True))
    def get_assets(self, link: SharedLink) -> Any:
        shown = link.assets.exclude(status="deleted").filter(deleted_at__isnull=True)
        assets = with_duplicate_group(shown.select_related("exif", "video", "nsfw"))
        context = {"without_metadata": not link.show_exif and not self.context.get("owner")}
        return AssetResponseDto(assets.order_by("-file_created_at"), many=True, context=context).data


class SharedLinkEditSerializer(serializers.Serializer):
    description = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    password = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    slug = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    expiresAt = serializers.DateTimeField(required=False, allow_null=True)
    allowUpload = serializers.BooleanField(required=False)
    allowDownload = serializers.BooleanField(required=False)
    showMetadata = serializers.BooleanField(required=False)


class SharedLinkCreateSerializer(SharedLinkEditSerializer):
    type = serializers.ChoiceField(choices=SharedLinkType.values)
    albumId = serializers.UUIDField(required=False)
    assetIds = serializers.ListField(child=serializers.UUIDField(), required=False)


class SharedLinkListQuerySerializer(serializers.Serializer):
    albumId = serializers.UUIDField(required=False)
    id = serializers.UUIDField(required=False)


class SharedLinkLoginSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class AssetIdsSerializer(serializers.Serializer):
    assetIds = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)


class AssetIdsResponseDto(serializers.Serializer):
    assetId = serializers.UUIDField()
    success = serializers.BooleanField()
    error = serializers.ChoiceField(choices=ASSET_ID_ERRORS, required=False)
