"""Assets (users' originals), their EXIF and their generated files."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q

from workers.media import fs


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


class AssetManager(models.Manager["Asset"]):
    """Leaves out what no answer reads: the client's upload `metadata` (up to 64 KiB a row), kept as sent."""

    def get_queryset(self) -> models.QuerySet[Asset]:
        return super().get_queryset().defer("client_metadata")


class Asset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assets")
    library = models.ForeignKey(
        "libraries.Library", on_delete=models.CASCADE, null=True, blank=True, related_name="assets"
    )
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

    objects = AssetManager()

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
            # Metadata search pages through one visibility of a user's assets in taken order (immich-go's six): the
            # page's ids come from the index alone (its condition is the search's), deep OFFSETs included; and the
            # trash of each visibility (its `trashedAfter` queries) has its own, small one.
            models.Index(
                fields=["owner", "visibility", "file_created_at", "id"],
                condition=Q(deleted_at__isnull=True) & ~Q(status=AssetStatus.DELETED),
                name="asset_owner_visibility_taken",
            ),
            models.Index(
                fields=["owner", "visibility", "file_created_at", "id"],
                condition=Q(deleted_at__isnull=False),
                name="asset_owner_trash_taken",
            ),
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
    altitude = models.FloatField(null=True, blank=True)
    profile_description = models.TextField(null=True, blank=True)
    colorspace = models.CharField(max_length=32, null=True, blank=True)
    bits_per_sample = models.IntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    live_photo_cid = models.TextField(
        null=True, blank=True, db_index=True, help_text="Apple's ContentIdentifier, shared by a live photo's halves."
    )
    date_source = models.CharField(
        max_length=8, null=True, blank=True, help_text="Where the date came from: sidecar, exif or file (time)."
    )
    date_confidence = models.CharField(
        max_length=16, null=True, blank=True, help_text="exact (with offset), zone-assumed, or file-time."
    )
    warnings = models.JSONField(default=list, blank=True, help_text="What extraction noticed but could read past.")
    locked_properties = models.JSONField(
        default=list,
        blank=True,
        help_text="Properties the user set (Immich's names: description, dateTimeOriginal, timeZone, latitude, "
        "longitude, rating): metadata extraction leaves them alone.",
    )

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


class TusUpload(models.Model):
    """A resumable (tus) upload in progress: bytes land in `staging_path`, and `sha1_state` holds the running
    SHA-1 of exactly the first `offset` bytes, so the file is never read again. Once the last byte arrives the
    upload becomes an asset (or is answered as a duplicate) and the row keeps the outcome until it expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tus_uploads")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    # The client's Upload-Metadata as sent (echoed on HEAD) and the upload fields validated from it at creation.
    metadata = models.JSONField(default=dict, blank=True)
    upload_fields = models.JSONField(default=dict, blank=True)
    staging_path = models.TextField()
    sha1_state = models.BinaryField(max_length=128)
    # Bytes added to the owner's quota usage while the upload is staged; given back on finish, delete or expiry.
    reserved_bytes = models.BigIntegerField(default=0)
    asset = models.ForeignKey(Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    duplicate = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="tus_upload_expires_at")]

    def __str__(self) -> str:
        return f"tus upload {self.id} ({self.offset}/{self.length})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class FileMoveState(models.TextChoices):
    PLANNED = "planned"  # recorded before anything on disk changes; the file is at old_path (or being placed)
    SWITCHED = "switched"  # the database points at new_path; the old file may still need unlinking (copies)
    DONE = "done"
    FAILED = "failed"  # nothing was lost: the file stays where the database points; `error` says why


class FileMove(models.Model):
    """The storage template's move journal: one row per file move, written before the move starts, so a crash at
    any point is finished by the next run (the file at one path, the database pointing at it)."""

    UNFINISHED = (FileMoveState.PLANNED, FileMoveState.SWITCHED)

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="file_moves")
    kind = models.CharField(max_length=8, choices=[("original", "original"), ("sidecar", "sidecar")])
    old_path = models.TextField()
    new_path = models.TextField()
    method = models.CharField(max_length=8, choices=[("rename", "rename"), ("copy", "copy")], default="rename")
    state = models.CharField(max_length=8, choices=FileMoveState.choices, default=FileMoveState.PLANNED)
    size = models.BigIntegerField(null=True, blank=True)
    checksum = models.BinaryField(max_length=20, null=True, blank=True)  # SHA-1 the moved file must have
    error = models.TextField(default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "kind"], condition=Q(state__in=["planned", "switched"]), name="uq_file_move_unfinished"
            ),
        ]
        indexes = [models.Index(fields=["state"], name="file_move_state")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.asset_id}: {self.old_path} -> {self.new_path} ({self.state})"

    @property
    def temp_path(self) -> str:
        """Where a copy across filesystems is written before it is verified and renamed to new_path (a name that
        fits NAME_MAX however long the file's name is)."""
        return str(fs.temporary_name(Path(self.new_path), str(self.pk)))


# -- video transcoding (issue 5): the decision per video and the facts it was made on ------------------------------


class TranscodeDecision(models.TextChoices):
    TRANSCODE_ALL = "transcode_all", "transcode video and audio"
    TRANSCODE_VIDEO = "transcode_video", "transcode video"
    TRANSCODE_AUDIO = "transcode_audio", "transcode audio"
    REMUX = "remux", "remux into MP4"
    NONE = "none", "nothing (original plays)"
    FAILED = "failed", "failed"


class AssetVideo(models.Model):
    """The last transcoding decision for a video asset, with its reason in words, and the probe it was made on
    (kept so a dry run of another policy needs no file access). The encoded file itself is an AssetFile."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, primary_key=True, related_name="video")
    probe = models.JSONField(default=dict, blank=True, help_text="The probe summary the decision was made on.")
    decision = models.CharField(max_length=16, choices=TranscodeDecision.choices)
    reason = models.TextField(default="", blank=True)
    notes = models.JSONField(default=list, blank=True, help_text="Fallbacks, tone mapping, damaged packets skipped.")
    settings_version = models.CharField(max_length=64, default="", blank=True)
    video_encoder = models.CharField(max_length=32, default="", blank=True)
    audio_encoder = models.CharField(max_length=32, default="", blank=True)
    output_size = models.BigIntegerField(null=True, blank=True)
    encode_seconds = models.FloatField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "video transcode"
        indexes = [models.Index(fields=["decision"], name="asset_video_decision")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.reason}"
