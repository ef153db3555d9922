"""A user's memories: a set of their assets shown together on given days ("on this day": the same day in an
earlier year), in Immich's shape."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from assets.models import Asset


class MemoryType(models.TextChoices):
    ON_THIS_DAY = "on_this_day"


class Memory(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memories")
    type = models.CharField(max_length=32, choices=MemoryType.choices)
    data = models.JSONField(default=dict)  # on_this_day: {"year": 2019}
    is_saved = models.BooleanField(default=False)
    memory_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)
    show_at = models.DateTimeField(null=True, blank=True)
    hide_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    assets = models.ManyToManyField(Asset, through="MemoryAsset", related_name="memories")

    class Meta:
        indexes = [models.Index(fields=["owner", "show_at", "hide_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.memory_at:%Y-%m-%d}"


class MemoryAsset(models.Model):
    memory = models.ForeignKey(Memory, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["memory", "asset"], name="one_asset_once_per_memory")]


class MemoryGenerationState(models.Model):
    """The last day "on this day" memories were made for (one row), so a memory the user deleted is not made again."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_on_this_day = models.DateField(null=True, blank=True)
