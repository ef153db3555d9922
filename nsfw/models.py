"""The NSFW verdict of each examined asset: the model's score, the model that gave it, and the administrator's
override (which wins over the score whatever the threshold)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AssetNsfw(models.Model):
    asset = models.OneToOneField("assets.Asset", on_delete=models.CASCADE, primary_key=True, related_name="nsfw")
    score = models.FloatField(null=True, blank=True, help_text="The model's probability that the image is NSFW.")
    model = models.CharField(
        max_length=128, default="", blank=True, help_text="The model (and version) that scored it."
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    override = models.BooleanField(
        null=True,
        blank=True,
        help_text="The administrator's verdict: flagged (yes), safe (no), or the score's (unset).",
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "NSFW verdict"
        indexes = [models.Index(fields=["score"], name="asset_nsfw_score")]

    def __str__(self) -> str:
        return f"NSFW verdict of {self.asset_id}: {self.score}"
