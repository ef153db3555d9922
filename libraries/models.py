"""External libraries: folders the server indexes in place (the scan itself comes with the libraries issue)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

DEFAULT_EXCLUSION_PATTERNS = [
    "**/@eaDir/**", "**/._*", "**/#recycle/**", "**/#snapshot/**", "**/.stversions/**", "**/.stfolder/**",
]


def default_exclusion_patterns() -> list[str]:
    return list(DEFAULT_EXCLUSION_PATTERNS)


class Library(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="libraries")
    name = models.CharField(max_length=255, default="New External Library")
    import_paths = models.JSONField(default=list)
    exclusion_patterns = models.JSONField(default=default_exclusion_patterns)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "libraries"

    def __str__(self) -> str:
        return self.name
