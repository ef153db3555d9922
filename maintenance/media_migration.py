"""Moving a library between storage backends (the filesystem and S3, either way): `migrate_media_storage`.

The database does not change: a stored file's path is the same whatever the backend, only where its bytes are
changes. So a migration is a byte move per file under the media location's folders: copy to the target while
hashing the stream, read the stored copy back and compare (originals must also have the SHA-1 the database
recorded at upload), and only then delete the source. It is resumable by construction: a file already moved is no
longer listed at the source; a file copied but not yet deleted (a killed run) is found at the target with its size
and checksum and only deleted from the source; a copy cut short never appears (the filesystem backend writes under
a temporary name, an unfinished S3 multipart upload is not an object).

Stop the API and the workers while it runs: they read from the backend the settings name, which changes when it ends.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from assets.models import Asset
from immich import storage
from immich.storage import Backend
from workers.media import fs

logger = logging.getLogger(__name__)

FOLDERS = ("upload", "library", "thumbs", "encoded-video", "backups")
ORIGINAL_FOLDERS = ("upload", "library")


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int


@dataclass
class MediaMigrationReport:
    source: str
    target: str
    dry_run: bool
    total: int = 0
    total_bytes: int = 0
    moved: int = 0
    bytes_moved: int = 0
    already_there: int = 0  # copied by an earlier, interrupted run: only deleted from the source now
    skipped: list[str] = field(default_factory=list)  # bytes in transit (uploads being received, temporary files)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, reason): kept at the source


class _Hashing:
    """The chunks of a read, hashed as they pass."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks
        self.digest = hashlib.sha1()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.digest.update(chunk)
            yield chunk


def _in_transit(key: str) -> bool:
    """Staged uploads (`.part`) and temporary files (hidden names) belong to a process still writing them."""
    return key.endswith(".part") or any(part.startswith(".") for part in key.split("/"))


def _recorded_checksums() -> dict[str, bytes]:
    """Key -> SHA-1 recorded at upload, for every original stored under the media location."""
    checksums = {}
    rows = Asset.objects.filter(checksum_algorithm="sha1").values_list("original_path", "checksum")
    for path, checksum in rows.iterator(chunk_size=5000):
        key = storage.key_of(path)
        if key is not None:
            checksums[key] = bytes(checksum)
    return checksums


def _sha1(backend: Backend, key: str) -> bytes:
    digest = hashlib.sha1()
    for chunk in backend.read(key):
        digest.update(chunk)
    return digest.digest()


class MediaMigration:
    """`run()` yields once per file, after the file is settled (for progress bars); the report says how each went."""

    def __init__(self, *, to: str, dry_run: bool = False) -> None:
        source_name = "filesystem" if to == "s3" else "s3"
        self.source = storage.backend_named(source_name)
        self.target = storage.backend_named(to)
        self.report = MediaMigrationReport(source=source_name, target=to, dry_run=dry_run)
        self.files: list[StoredFile] = []
        for folder in FOLDERS:
            for key, size in self.source.files(folder):
                if _in_transit(key):
                    self.report.skipped.append(key)
                else:
                    self.files.append(StoredFile(key, size))
        self.report.total = len(self.files)
        self.report.total_bytes = sum(stored.size for stored in self.files)
        self._checksums = _recorded_checksums() if any(f.key.startswith(ORIGINAL_FOLDERS) for f in self.files) else {}

    def run(self) -> Iterator[StoredFile]:
        for stored in self.files:
            if not self.report.dry_run:
                try:
                    self._move(stored)
                except OSError as error:
                    self._fail(stored.key, f"{error}")
            yield stored
        if not self.report.dry_run and self.source.local_path("") is not None:
            root = self.source.local_path("")
            fs.remove_empty_folders(
                [str(root / stored.key) for stored in self.files], stop_at=[root / f for f in FOLDERS]
            )
        logger.info("media migration %s -> %s: %s", self.report.source, self.report.target, self.summary())

    def summary(self) -> str:
        report = self.report
        if report.dry_run:
            return (
                f"{report.total} files ({report.total_bytes / 1e6:.1f} MB) would move from {report.source} to "
                f"{report.target}; {len(report.skipped)} in transit would be skipped"
            )
        return (
            f"{report.total} files: {report.moved} moved ({report.bytes_moved / 1e6:.1f} MB), "
            f"{report.already_there} already at the target, {len(report.failed)} failed, "
            f"{len(report.skipped)} in transit skipped"
        )

    def _fail(self, key: str, reason: str) -> None:
        logger.error("media migration: %s not moved: %s", key, reason)
        self.report.failed.append((key, reason))

    def _move(self, stored: StoredFile) -> None:
        key, recorded = stored.key, self._checksums.get(stored.key)
        there = self.target.stat(key)
        if there is not None and there.size == stored.size:
            # A copy from an interrupted run (or the same bytes put there by hand): it must be the source's bytes.
            if _sha1(self.target, key) == (recorded or _sha1(self.source, key)):
                self.source.delete(key)
                self.report.already_there += 1
                return
        found = self.source.stat(key)
        if found is None:
            self._fail(key, "gone from the source while the migration ran")
            return
        stream = _Hashing(self.source.read(key))
        self.target.write(key, stream, mtime_ns=found.mtime_ns)
        copied = stream.digest.digest()
        stored_copy = self.target.stat(key)
        problem = None
        if recorded is not None and copied != recorded:
            problem = "its SHA-1 is not the one recorded at upload (the source file is damaged): left at the source"
        elif stored_copy is None or stored_copy.size != stored.size or _sha1(self.target, key) != copied:
            problem = "the stored copy differs from what was sent: left at the source"
        if problem:
            self.target.delete(key)
            self._fail(key, problem)
            return
        self.report.moved += 1
        self.report.bytes_moved += stored.size
        fs.crash_point("media-migration-copied")  # a copy verified, its source not yet deleted: what a re-run finishes
        self.source.delete(key)


def media_migrate(**options) -> MediaMigrationReport:
    migration = MediaMigration(**options)
    for _ in migration.run():
        pass
    return migration.report
