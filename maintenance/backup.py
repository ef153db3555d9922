"""Backups: a consistent database dump plus a manifest of every original with its checksum, and the restore that
checks every original against that manifest.

PostgreSQL: the manifest is read inside the same snapshot pg_dump dumps (pg_export_snapshot), so the two agree
even while uploads go on. SQLite: the online backup API copies the database, and the manifest is read from the
copy. Thumbnails and encoded videos are not backed up: they are regenerated from the originals.

A backup is made in a local folder, then stored under `<media>/backups/<stamp>/` (a folder on the filesystem
backend, keys in the bucket with S3), its manifest last: a backup without a manifest is not one.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from immich import storage
from immich.storage import media_root
from workers.media import fs

MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"


class BackupError(Exception):
    pass


def backups_folder() -> Path:
    return media_root() / "backups"


def _app_tables() -> list[str]:
    return sorted({model._meta.db_table for model in apps.get_models()})


def _relative(path: str) -> str:
    root = media_root().resolve()
    resolved = Path(path).resolve()
    return str(resolved.relative_to(root)) if root in resolved.parents else str(resolved)


def _manifest_rows(cursor) -> tuple[list[dict], dict[str, int]]:
    counts = {}
    for table in _app_tables():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    cursor.execute(
        'SELECT id, original_path, file_size, checksum, checksum_algorithm, is_external, sidecar_path FROM "assets_asset"'
    )
    originals = [
        {
            "id": str(asset_id),
            "path": _relative(path),
            "size": size,
            "sha1": bytes(checksum).hex(),
            "checksumAlgorithm": algorithm,
            "external": bool(external),
            "sidecar": _relative(sidecar) if sidecar else None,
        }
        for asset_id, path, size, checksum, algorithm, external, sidecar in cursor.fetchall()
    ]
    return originals, counts


def _pg_env() -> dict:
    database = settings.DATABASES["default"]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def _pg_target_args() -> list[str]:
    database = settings.DATABASES["default"]
    args = ["-d", database["NAME"]]
    if database.get("HOST"):
        args += ["-h", database["HOST"]]
    if database.get("PORT"):
        args += ["-p", str(database["PORT"])]
    if database.get("USER"):
        args += ["-U", database["USER"]]
    return args


def _pg_dump() -> str:
    """The pg_dump program, or a BackupError that says what to install (its major version must be the server's)."""
    program = shutil.which("pg_dump")
    if program is None:
        with connection.cursor() as cursor:
            major = cursor.connection.info.server_version // 10000
        raise BackupError(
            f"pg_dump is not installed on this machine (PATH: {os.environ.get('PATH', '')}): install the PostgreSQL "
            f"client of the server's major version {major} (Debian: apt-get install postgresql-client-{major}); "
            "the Docker image carries it"
        )
    return program


def _dump_postgres(target: Path) -> tuple[list[dict], dict[str, int]]:
    program = _pg_dump()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            result = subprocess.run(
                [
                    program,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(target / PG_DUMP),
                    *_pg_target_args(),
                ],
                env=_pg_env(),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            return _manifest_rows(cursor)


def _dump_sqlite(target: Path) -> tuple[list[dict], dict[str, int]]:
    copy = target / SQLITE_COPY
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    destination = sqlite3.connect(copy)
    try:
        source.backup(destination)
        return _manifest_rows(destination.cursor())
    finally:
        destination.close()
        source.close()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    originals: int
    removed: list[Path]


def backup_create(*, keep: int) -> BackupResult:
    """Store `<media>/backups/<UTC timestamp>/` (made under a temporary name) and keep the newest `keep`."""
    folder = backups_folder()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    partial = storage.staging_path(folder / f".{stamp}.partial")
    partial.mkdir(parents=True)
    final = folder / stamp
    try:
        if connection.vendor == "postgresql":
            originals, counts = _dump_postgres(partial)
        else:
            originals, counts = _dump_sqlite(partial)
        manifest = {
            "version": 1,
            "createdAt": datetime.now(timezone.utc).isoformat(),
            "database": connection.vendor,
            "tables": counts,
            "originals": originals,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
        for name in sorted(os.listdir(partial), key=lambda name: name == MANIFEST):  # the manifest last
            storage.put(partial / name, final / name)
    except BaseException:
        storage.delete_tree(final)  # whatever of it was stored
        raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return BackupResult(path=final, originals=len(originals), removed=backups_prune(keep=keep))


def backups_list() -> list[Path]:
    folder = backups_folder()
    return sorted(
        path.parent
        for path, _ in storage.files(folder)
        if path.name == MANIFEST and path.parent.parent == folder and not path.parent.name.startswith(".")
    )


def backups_prune(*, keep: int) -> list[Path]:
    doomed = backups_list()[:-keep] if keep > 0 else []
    for path in doomed:
        storage.delete_tree(path)
    return doomed


# -- restore ---------------------------------------------------------------------------------------------------


def read_manifest(backup: Path) -> dict:
    try:
        manifest = json.loads(b"".join(storage.read(backup / MANIFEST, roots=(backup,))))
    except FileNotFoundError as error:
        raise BackupError(f"{backup} is not a backup: {MANIFEST} is missing") from error
    except json.JSONDecodeError as error:
        raise BackupError(f"{backup / MANIFEST} is corrupt: {error}") from error
    if manifest.get("version") != 1 or "originals" not in manifest or "tables" not in manifest:
        raise BackupError(f"{backup / MANIFEST} is not a manifest this server understands")
    return manifest


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def database_restore(*, backup: Path) -> dict:
    """Load the dump into the current, empty database, all or nothing. Returns the manifest."""
    manifest = read_manifest(backup)
    if not _database_is_empty():
        raise BackupError("the target database is not empty: restore only into a new, empty database")
    if manifest["database"] == "postgresql":
        if connection.vendor != "postgresql":
            raise BackupError("this backup is a PostgreSQL dump: set DATABASE_URL to an empty PostgreSQL database")
        dump = backup / PG_DUMP
        if not storage.exists(dump, roots=(backup,)):
            raise BackupError(f"{dump} is missing")
        with storage.local_copy(dump, roots=(backup,)) as local_dump:
            result = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    *_pg_target_args(),
                    str(local_dump),
                ],
                env=_pg_env(),
                capture_output=True,
                text=True,
            )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")
    else:
        if connection.vendor != "sqlite":
            raise BackupError("this backup is an SQLite database: restore it with the embedded default settings")
        copy = backup / SQLITE_COPY
        if not storage.exists(copy, roots=(backup,)):
            raise BackupError(f"{copy} is missing")
        connection.close()
        target = Path(settings.DATABASES["default"]["NAME"])
        with storage.local_copy(copy, roots=(backup,)) as local_copy, fs.write_then_replace(target) as partial:
            shutil.copyfile(local_copy, partial)
    return manifest


@dataclass
class Verification:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched


def originals_verify(*, manifest: dict, progress: Callable[[Iterable], Iterable] = iter) -> Verification:
    """Every original of the manifest must be stored; uploaded ones must also have the recorded SHA-1."""
    result = Verification()
    root = media_root()
    for entry in progress(manifest["originals"]):
        path = Path(entry["path"]) if os.path.isabs(entry["path"]) else root / entry["path"]
        roots = (path.parent,)  # an external original where the manifest recorded it: only compared, never served
        result.checked += 1
        if not storage.exists(path, roots=roots):
            result.missing.append(str(path))
        elif entry["checksumAlgorithm"] == "sha1" and storage.sha1(path, roots=roots).hex() != entry["sha1"]:
            result.mismatched.append(str(path))
    return result
