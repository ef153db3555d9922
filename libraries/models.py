"""External libraries: folders the server indexes in place, and what it last saw of each file there."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

DEFAULT_EXCLUSION_PATTERNS = [
    "**/@eaDir/**",
    "**/._*",
    "**/#recycle/**",
    "**/#snapshot/**",
    "**/.stversions/**",
    "**/.stfolder/**",
]


def default_exclusion_patterns() -> list[str]:
    return list(DEFAULT_EXCLUSION_PATTERNS)


class ScanState(models.TextChoices):
    IDLE = "idle"
    SCANNING = "scanning"
    DONE = "done"
    REFUSED = "refused"  # the scan stopped before changing anything (a missing or emptied import path)
    FAILED = "failed"


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
    # How the last scan ended (ScanOutcome.record(): state, error, counts, problems). The scans' lifecycle
    # (requested, running, who holds the library) is their runs' (jobs.runs, subject library:<id>).
    last_scan = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "libraries"

    def __str__(self) -> str:
        return self.name


class OfflineReason(models.TextChoices):
    NONE = ""
    MISSING = "missing"
    EXCLUDED = "excluded"
    OUTSIDE = "outside-import-paths"


class LibraryFile(models.Model):
    """The file facts behind one library asset, as the last scan saw them: a rescan compares (path, size,
    mtime, inode) in bulk against the walk and touches only what differs. `fingerprint` (size and the first and
    last 64 KiB, hashed) is filled in the background and recognises a moved file whose inode changed."""

    asset = models.OneToOneField(
        "assets.Asset", on_delete=models.CASCADE, primary_key=True, related_name="library_file"
    )
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="files")
    path = models.TextField()
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    inode = models.BigIntegerField()  # st_ino folded into a signed 64-bit range
    sidecar_size = models.BigIntegerField(null=True, blank=True)
    sidecar_mtime_ns = models.BigIntegerField(null=True, blank=True)
    fingerprint = models.BinaryField(max_length=20, null=True, blank=True)
    offline_reason = models.CharField(max_length=24, choices=OfflineReason.choices, default="", blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["library", "path"], name="uq_library_file_path")]
        indexes = [
            models.Index(fields=["library", "inode"], name="library_file_inode"),
            models.Index(fields=["library", "size"], name="library_file_size"),
        ]

    def __str__(self) -> str:
        return self.path
