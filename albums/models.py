"""Albums: a user's named selections of their assets. The tables keep the names they had when albums were part of
the assets app (`assets_album`, `assets_albumasset`), so moving the code moved no data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from assets.models import Asset


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
        db_table = "assets_album"
        indexes = [models.Index(fields=["owner", "album_name"], name="album_owner_name")]

    def __str__(self) -> str:
        return self.album_name


class AlbumAsset(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "assets_albumasset"
        constraints = [models.UniqueConstraint(fields=["album", "asset"], name="uq_album_asset")]


class AlbumUserRole(models.TextChoices):
    EDITOR = "editor"
    VIEWER = "viewer"


class AlbumUser(models.Model):
    """A user the album is shared with, and what they may do: an editor adds and removes assets, a viewer reads.
    The owner has no row: it is the album's owner, listed first with the role `owner` in answers."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_albums")
    role = models.CharField(max_length=8, choices=AlbumUserRole.choices, default=AlbumUserRole.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["album", "user"], name="uq_album_user")]
        indexes = [models.Index(fields=["user", "album"], name="album_user_by_user")]


class ActivityType(models.TextChoices):
    COMMENT = "comment"
    LIKE = "like"


class Activity(models.Model):
    """A comment or a like on a shared album, or on one of its assets (`asset`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="activities")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities")
    comment = models.TextField(null=True, blank=True)
    is_liked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["album", "created_at"], name="activity_by_album")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_liked=True, comment__isnull=True)
                | models.Q(is_liked=False, comment__isnull=False),
                name="activity_like_or_comment",
            ),
            # One like per user on the album, and one on each of its assets.
            models.UniqueConstraint(
                fields=["album", "user"], condition=models.Q(is_liked=True, asset__isnull=True), name="uq_album_like"
            ),
            models.UniqueConstraint(
                fields=["album", "asset", "user"],
                condition=models.Q(is_liked=True, asset__isnull=False),
                name="uq_asset_like",
            ),
        ]

    @property
    def type(self) -> str:
        return ActivityType.LIKE if self.is_liked else ActivityType.COMMENT
