"""Stacks: a user's assets shown as one (a burst, RAW+JPEG), with a primary asset on top, as Immich keeps them. An
asset belongs to at most one stack; the stacks app links them (`Asset.stack_link` is the reverse relation), so
assets never import stacks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from assets.models import Asset


class Stack(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stacks")
    # Removing the primary asset's row (the trash purge) dissolves the stack: its other assets stand alone again.
    primary_asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"stack {self.id}"


class StackAsset(models.Model):
    stack = models.ForeignKey(Stack, on_delete=models.CASCADE, related_name="members")
    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="stack_link")
