"""Assets (users' originals), their EXIF, their generated files and albums."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class AssetType(models.TextChoices):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    AUDIO = "AUDIO"
    OTHER = "OTHER"


class AssetStatus(models.TextChoices):
    ACTIVE = "active"
    TRASHED = "trashed"
    DELETED = "deleted"


class Visibility(models.TextChoices):
    TIMELINE = "timeline"
    ARCHIVE = "archive"
    HIDDEN = "hidden"
    LOCKED = "locked"


class Asset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assets")
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, null=True, blank=True, related_name="assets")
    type = models.CharField(max_length=8, choices=AssetType.choices)
    original_path = models.TextField()
    original_file_name = models.TextField()
    sidecar_path = models.TextField(null=True, blank=True)
    file_size = models.BigIntegerField(default=0)
    checksum = models.BinaryField(max_length=20)
    checksum_algorithm = models.CharField(max_length=16, default="sha1")
    file_created_at = models.DateTimeField()
    file_modified_at = models.DateTimeField()
    local_date_time = models.DateTimeField()
    is_favorite = models.BooleanField(default=False)
    duration_ms = models.BigIntegerField(null=True, blank=True)
    live_photo_video = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    thumbhash = models.BinaryField(null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    is_offline = models.BooleanField(default=False)
    is_external = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=AssetStatus.choices, default=AssetStatus.ACTIVE)
    deleted_at = models.DateTimeField(null=True, blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TIMELINE)
    device_asset_id = models.CharField(max_length=255, null=True, blank=True)
    device_id = models.CharField(max_length=255, null=True, blank=True)
    client_metadata = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "checksum"], condition=Q(library__isnull=True), name="uq_asset_owner_checksum"
            ),
            models.UniqueConstraint(
                fields=["owner", "library", "checksum"],
                condition=Q(library__isnull=False),
                name="uq_asset_owner_library_checksum",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "local_date_time"], name="asset_owner_local_date"),
            models.Index(fields=["owner", "status", "visibility"], name="asset_owner_status_visibility"),
        ]

    def __str__(self) -> str:
        return f"{self.original_file_name} ({self.id})"

    @property
    def is_trashed(self) -> bool:
        return self.deleted_at is not None


class AssetExif(models.Model):
    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, primary_key=True, related_name="exif")
    make = models.TextField(null=True, blank=True)
    model = models.TextField(null=True, blank=True)
    exif_image_width = models.IntegerField(null=True, blank=True)
    exif_image_height = models.IntegerField(null=True, blank=True)
    file_size_in_byte = models.BigIntegerField(null=True, blank=True)
    orientation = models.CharField(max_length=8, null=True, blank=True)
    date_time_original = models.DateTimeField(null=True, blank=True)
    modify_date = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, null=True, blank=True)
    lens_model = models.TextField(null=True, blank=True)
    f_number = models.FloatField(null=True, blank=True)
    focal_length = models.FloatField(null=True, blank=True)
    iso = models.IntegerField(null=True, blank=True)
    exposure_time = models.CharField(max_length=32, null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    city = models.TextField(null=True, blank=True)
    state = models.TextField(null=True, blank=True)
    country = models.TextField(null=True, blank=True)
    description = models.TextField(default="", blank=True)
    projection_type = models.CharField(max_length=64, null=True, blank=True)
    rating = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "EXIF"
        verbose_name_plural = "EXIF"


class AssetFileType(models.TextChoices):
    THUMBNAIL = "thumbnail"
    PREVIEW = "preview"
    FULLSIZE = "fullsize"
    ENCODED_VIDEO = "encoded_video"


class AssetFile(models.Model):
    """A file the server generated for an asset; the original and its sidecar are columns of the asset."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="files")
    type = models.CharField(max_length=16, choices=AssetFileType.choices)
    path = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "type"], name="uq_asset_file_type")]


class Album(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums")
    album_name = models.CharField(max_length=255, default="Untitled Album")
    description = models.TextField(default="", blank=True)
    album_thumbnail_asset = models.ForeignKey(Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assets = models.ManyToManyField(Asset, through="AlbumAsset", related_name="albums")
    is_activity_enabled = models.BooleanField(default=True)
    order = models.CharField(max_length=4, default="desc")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "album_name"], name="album_owner_name")]

    def __str__(self) -> str:
        return self.album_name


class AlbumAsset(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["album", "asset"], name="uq_album_asset")]
