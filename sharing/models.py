"""Sharing beyond album members: partners (a user's whole timeline shared with another user) and shared links (an
album or chosen assets, for people without an account)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from albums.models import Album
from assets.models import Asset


class Partner(models.Model):
    """`shared_by` shares their library with `shared_with`, who chooses whether it shows in their timeline."""

    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partners_shared")
    shared_with = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partners_from")
    in_timeline = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shared_by", "shared_with"], name="uq_partner"),
            models.CheckConstraint(condition=~models.Q(shared_by=models.F("shared_with")), name="partner_not_self"),
        ]
        indexes = [models.Index(fields=["shared_with", "shared_by"], name="partner_by_shared_with")]


class SharedLinkType(models.TextChoices):
    ALBUM = "ALBUM"
    INDIVIDUAL = "INDIVIDUAL"


class SharedLink(models.Model):
    """A link to an album or to chosen assets. `key` (50 random bytes, shown base64url) or `slug` names it in a URL.
    The password is kept as Immich keeps it, since its owner is shown it again; a holder proves it with a token
    derived from it (sharing.authentication)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_links")
    key = models.BinaryField(max_length=50, unique=True)
    slug = models.CharField(max_length=255, null=True, blank=True, unique=True)
    type = models.CharField(max_length=10, choices=SharedLinkType.choices)
    album = models.ForeignKey(Album, on_delete=models.CASCADE, null=True, blank=True, related_name="shared_links")
    assets = models.ManyToManyField(Asset, through="SharedLinkAsset", related_name="shared_links")
    description = models.TextField(null=True, blank=True)
    password = models.CharField(max_length=255, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    allow_upload = models.BooleanField(default=False)
    allow_download = models.BooleanField(default=True)
    show_exif = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="shared_link_by_user")]


class SharedLinkAsset(models.Model):
    shared_link = models.ForeignKey(SharedLink, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shared_link", "asset"], name="uq_shared_link_asset")]
