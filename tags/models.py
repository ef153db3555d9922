"""Tags: a user's hierarchical labels ("Travel/Italy/Rome"), each stored with its whole path as `value` and a link
to its parent, as Immich keeps them. An asset points at no tag: the tags app links them (`Asset.tags` is the
reverse relation), so assets never import tags."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from assets.models import Asset

SEPARATOR = "/"


class Tag(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    value = models.TextField(help_text="The whole path, parts joined by '/'")
    color = models.CharField(max_length=9, null=True, blank=True)
    # Deleting a tag deletes its children, as Immich's foreign key does.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    assets = models.ManyToManyField(Asset, through="TagAsset", related_name="tags")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "value"], name="uq_tag_owner_value")]

    def __str__(self) -> str:
        return self.value

    @property
    def name(self) -> str:
        return self.value.rsplit(SEPARATOR, 1)[-1]


class TagAsset(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "asset"], name="uq_tag_asset")]
        indexes = [models.Index(fields=["asset"], name="tag_asset_asset")]
