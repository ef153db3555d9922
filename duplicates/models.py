"""Duplicate detection's record of each hashed asset: its perceptual hash (and the hash's four 16-bit chunks, each
indexed with the owner, for the multi-index search), and the duplicate group it belongs to, Immich's `duplicateId`.
The duplicates app links assets (`Asset.duplicate_link` is the reverse relation), so assets never import it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from assets.models import Asset


class AssetHash(models.Model):
    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, primary_key=True, related_name="duplicate_link")
    # The asset's owner, copied here so that each chunk's index starts with it: a search reads one user's hashes.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    phash = models.BigIntegerField(help_text="The 64-bit perceptual hash of the thumbnail, as a signed integer.")
    band0 = models.IntegerField()
    band1 = models.IntegerField()
    band2 = models.IntegerField()
    band3 = models.IntegerField()
    hash_version = models.CharField(max_length=16)
    duplicate_id = models.UUIDField(null=True, blank=True, help_text="The asset's duplicate group (Immich's id).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "perceptual hash"
        indexes = [
            *(models.Index(fields=["owner", f"band{band}"], name=f"asset_hash_owner_band{band}") for band in range(4)),
            models.Index(fields=["owner", "duplicate_id"], name="asset_hash_owner_duplicate"),
        ]

    def __str__(self) -> str:
        return f"hash of {self.asset_id}"
