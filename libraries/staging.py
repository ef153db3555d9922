"""What a scan saw, staged in a temporary table on the scan's own connection, so the comparison with the
library's files is a handful of set-based queries instead of one query per file.

Rows go in by COPY on PostgreSQL (executemany on SQLite) in batches as the walk produces them; results come
back a page at a time by keyset (path order), so neither side is ever held whole in memory.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection

from assets.models import Asset
from libraries.models import LibraryFile
from libraries.walk import FileFacts

SEEN = "library_scan_seen"
GONE = "library_scan_gone"
PAGE = 2000
_COLUMNS = ("path", "size", "mtime_ns", "inode", "sidecar_path", "sidecar_size", "sidecar_mtime_ns")
FILES = LibraryFile._meta.db_table
ASSETS = Asset._meta.db_table


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _id(value):
    """A UUID as the backend stores it in raw SQL (SQLite keeps 32 hex digits)."""
    if _is_postgres():
        return value
    return uuid.UUID(str(value)).hex


def create() -> None:
    with connection.cursor() as cursor:
        for table in (SEEN, GONE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # On PostgreSQL the path index is built once the rows are in (faster than row by row); the walk never
        # yields a path twice. SQLite keeps the key inline (INSERT OR IGNORE).
        key = "" if _is_postgres() else " PRIMARY KEY"
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SEEN} (path text NOT NULL{key}, size bigint NOT NULL, mtime_ns bigint NOT NULL, "
            "inode bigint NOT NULL, sidecar_path text, sidecar_size bigint, sidecar_mtime_ns bigint)"
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {GONE} (path text PRIMARY KEY)")


def drop() -> None:
    with connection.cursor() as cursor:
        for table in (SEEN, GONE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def add_seen(batch: list[FileFacts]) -> None:
    rows = [tuple(getattr(facts, column) for column in _COLUMNS) for facts in batch]
    _insert(SEEN, _COLUMNS, rows)


def add_gone(paths: Iterable[str]) -> None:
    _insert(GONE, ("path",), [(path,) for path in paths])


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if _is_postgres():
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def analyze(*, library_tables: bool = False) -> None:
    """Once the walk is staged (indexing the staged paths), and after a large import: fresh planner statistics.
    Temporary tables are never analysed by autovacuum, and after a large import the library's own tables would
    otherwise be planned as nearly empty (nested loops over 100,000 rows)."""
    if not _is_postgres():
        return
    tables = (FILES, ASSETS) if library_tables else (SEEN, GONE)
    with connection.cursor() as cursor:
        if not library_tables:
            cursor.execute(f"CREATE UNIQUE INDEX {SEEN}_path ON {SEEN} (path)")
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _pages(sql: str, params: dict, key_index: int = 0) -> Iterator[list[tuple]]:
    """Run `sql` (which filters `path > %(after)s`, orders by path and limits to %(limit)s) page by page."""
    after = ""
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, {**params, "after": after, "limit": PAGE})
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        if len(rows) < PAGE:
            return
        after = rows[-1][key_index]


_SEEN_FIELDS = "s.path, s.size, s.mtime_ns, s.inode, s.sidecar_path, s.sidecar_size, s.sidecar_mtime_ns"


def facts_of(row: tuple, offset: int = 0) -> FileFacts:
    return FileFacts(*row[offset : offset + len(_COLUMNS)])


def new_pages(library_id) -> Iterator[list[FileFacts]]:
    """Seen files the library has no row for."""
    sql = (
        f"SELECT {_SEEN_FIELDS} FROM {SEEN} s WHERE s.path > %(after)s AND NOT EXISTS "
        f"(SELECT 1 FROM {FILES} f WHERE f.library_id = %(library)s AND f.path = s.path) ORDER BY s.path LIMIT %(limit)s"
    )
    for rows in _pages(sql, {"library": _id(library_id)}):
        yield [facts_of(row) for row in rows]


def any_new(library_id) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {SEEN} s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {FILES} f WHERE f.library_id = %s AND f.path = s.path) LIMIT 1",
            [_id(library_id)],
        )
        return cursor.fetchone() is not None


def differing_pages(library_id) -> Iterator[list[tuple]]:
    """Seen files whose row differs (size, mtime, inode, sidecar) or whose asset is offline:
    (facts..., asset_id, size, mtime_ns, inode, sidecar_path, sidecar_size, sidecar_mtime_ns, is_offline, status)."""
    sql = (
        f"SELECT {_SEEN_FIELDS}, f.asset_id, f.size, f.mtime_ns, f.inode, a.sidecar_path, f.sidecar_size, "
        f"f.sidecar_mtime_ns, a.is_offline, a.status FROM {SEEN} s "
        f"JOIN {FILES} f ON f.library_id = %(library)s AND f.path = s.path JOIN {ASSETS} a ON a.id = f.asset_id "
        "WHERE s.path > %(after)s AND (f.size <> s.size OR f.mtime_ns <> s.mtime_ns OR f.inode <> s.inode "
        "OR a.is_offline OR COALESCE(a.sidecar_path, '') <> COALESCE(s.sidecar_path, '') "
        "OR COALESCE(f.sidecar_size, -1) <> COALESCE(s.sidecar_size, -1) "
        "OR COALESCE(f.sidecar_mtime_ns, -1) <> COALESCE(s.sidecar_mtime_ns, -1)) "
        "ORDER BY s.path LIMIT %(limit)s"
    )
    return _pages(sql, {"library": _id(library_id)})


def _candidate(partial: bool) -> str:
    """A library file that may have moved: not seen by a full scan; in a partial sync, reported gone or
    already offline."""
    if partial:
        return f"(EXISTS (SELECT 1 FROM {GONE} g WHERE g.path = f.path) OR a.is_offline)"
    return f"NOT EXISTS (SELECT 1 FROM {SEEN} x WHERE x.path = f.path)"


def unseen_pages(library_id, *, partial: bool) -> Iterator[list[tuple]]:
    """Library files not seen: (asset_id, path, is_offline, offline_reason)."""
    where = f"EXISTS (SELECT 1 FROM {GONE} g WHERE g.path = f.path)" if partial else _candidate(False)
    sql = (
        f"SELECT f.path, f.asset_id, a.is_offline, f.offline_reason FROM {FILES} f JOIN {ASSETS} a ON a.id = f.asset_id "
        f"WHERE f.library_id = %(library)s AND f.path > %(after)s AND {where} ORDER BY f.path LIMIT %(limit)s"
    )
    return _pages(sql, {"library": _id(library_id)})


def any_move_candidate(library_id, *, partial: bool) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {FILES} f JOIN {ASSETS} a ON a.id = f.asset_id WHERE f.library_id = %(library)s "
            f"AND {_candidate(partial)} LIMIT 1",
            {"library": _id(library_id)},
        )
        return cursor.fetchone() is not None


def inode_moves(library_id, *, partial: bool) -> Iterator[list[tuple]]:
    """New seen files with the inode, size and mtime of a library file that is no longer where it was:
    (facts..., asset_id)."""
    sql = (
        f"SELECT {_SEEN_FIELDS}, f.asset_id FROM {SEEN} s "
        f"JOIN {FILES} f ON f.library_id = %(library)s AND f.inode = s.inode AND f.size = s.size "
        f"AND f.mtime_ns = s.mtime_ns JOIN {ASSETS} a ON a.id = f.asset_id "
        f"WHERE s.path > %(after)s AND NOT EXISTS (SELECT 1 FROM {FILES} n WHERE n.library_id = %(library)s "
        f"AND n.path = s.path) AND {_candidate(partial)} ORDER BY s.path LIMIT %(limit)s"
    )
    return _pages(sql, {"library": _id(library_id)})


def fingerprint_candidates(library_id, *, partial: bool) -> Iterator[list[FileFacts]]:
    """New seen files (not empty) whose size equals that of a fingerprinted library file that is gone."""
    sql = (
        f"SELECT {_SEEN_FIELDS} FROM {SEEN} s WHERE s.path > %(after)s AND s.size > 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {FILES} n WHERE n.library_id = %(library)s AND n.path = s.path) "
        f"AND EXISTS (SELECT 1 FROM {FILES} f JOIN {ASSETS} a ON a.id = f.asset_id WHERE f.library_id = %(library)s "
        f"AND f.size = s.size AND f.fingerprint IS NOT NULL AND {_candidate(partial)}) ORDER BY s.path LIMIT %(limit)s"
    )
    for rows in _pages(sql, {"library": _id(library_id)}):
        yield [facts_of(row) for row in rows]


def gone_with_fingerprints(library_id, *, partial: bool, fingerprints: list[bytes]) -> list[tuple]:
    """(asset_id, size, fingerprint) of gone library files with one of these fingerprints."""
    if not fingerprints:
        return []
    marks = ", ".join(["%s"] * len(fingerprints))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT f.asset_id, f.size, f.fingerprint FROM {FILES} f JOIN {ASSETS} a ON a.id = f.asset_id "
            f"WHERE f.library_id = %s AND f.fingerprint IN ({marks}) AND {_candidate(partial)} ORDER BY f.path",
            [_id(library_id), *fingerprints],
        )
        return [(asset_id, size, bytes(fingerprint)) for asset_id, size, fingerprint in cursor.fetchall()]


# -- bulk writes ---------------------------------------------------------------------------------------------------


def _copy_value(field, value):
    if value is not None and field.get_internal_type() == "JSONField":
        return json.dumps(value)
    return value


def insert_rows(model, values: list[dict]) -> None:
    """Insert rows given as {attname: value}. On PostgreSQL by COPY with every concrete column, those not given
    taking the model's defaults (so a column added to the model later is filled like any insert); elsewhere by
    bulk_create. Primary keys and auto_now values must be given."""
    if not values:
        return
    if not _is_postgres():
        model.objects.bulk_create([model(**row) for row in values], batch_size=500)
        return
    fields = model._meta.concrete_fields
    template = model()
    base = [_copy_value(field, getattr(template, field.attname)) for field in fields]
    index = {field.attname: position for position, field in enumerate(fields)}
    rows = []
    for given in values:
        row = base.copy()
        for name, value in given.items():
            row[index[name]] = value
        rows.append(tuple(row))
    _insert(model._meta.db_table, tuple(field.column for field in fields), rows)


@contextmanager
def bulk_session():
    """For the length of a scan, commits do not wait for the WAL flush (PostgreSQL's synchronous_commit off):
    a crash can lose the last moments of a scan, never corrupt anything, and the next scan redoes them."""
    if not _is_postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


UPDATES = "library_scan_updates"


def _update_table(columns: str, column_names: tuple[str, ...], rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {UPDATES}")
        uuid_type = "uuid" if _is_postgres() else "char(32)"
        cursor.execute(f"CREATE TEMPORARY TABLE {UPDATES} (asset_id {uuid_type} PRIMARY KEY, {columns})")
    if not _is_postgres():
        rows = [(row[0].hex if hasattr(row[0], "hex") else str(row[0]).replace("-", ""), *row[1:]) for row in rows]
    _insert(UPDATES, column_names, rows)


def apply_moves(rows: list[tuple], now) -> None:
    """Point assets and their file rows at new paths in two set-based updates. Each row is
    (asset_id, path, file name, checksum, size, mtime_ns, inode, sidecar_path, sidecar_size, sidecar_mtime_ns)."""
    _update_table(
        "path text, name text, checksum bytea, size bigint, mtime_ns bigint, inode bigint, sidecar_path text, "
        "sidecar_size bigint, sidecar_mtime_ns bigint",
        (
            "asset_id",
            "path",
            "name",
            "checksum",
            "size",
            "mtime_ns",
            "inode",
            "sidecar_path",
            "sidecar_size",
            "sidecar_mtime_ns",
        ),
        rows,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FILES} SET path = m.path, size = m.size, mtime_ns = m.mtime_ns, inode = m.inode, "
            "sidecar_size = m.sidecar_size, sidecar_mtime_ns = m.sidecar_mtime_ns, offline_reason = '' "
            f"FROM {UPDATES} m WHERE {FILES}.asset_id = m.asset_id"
        )
        cursor.execute(
            f"UPDATE {ASSETS} SET original_path = m.path, original_file_name = m.name, checksum = m.checksum, "
            "sidecar_path = m.sidecar_path, is_offline = %s, updated_at = %s, "
            f"deleted_at = CASE WHEN {ASSETS}.is_offline AND {ASSETS}.status = 'active' THEN NULL ELSE {ASSETS}.deleted_at END "
            f"FROM {UPDATES} m WHERE {ASSETS}.id = m.asset_id",
            [False, now],
        )
        cursor.execute(f"DROP TABLE IF EXISTS {UPDATES}")


def apply_changes(rows: list[tuple], now) -> None:
    """Record new file facts for known paths in two set-based updates. Each row is (asset_id, size, mtime_ns,
    inode, sidecar_path, sidecar_size, sidecar_mtime_ns, modified_at, content_changed, touch_asset); assets are
    only touched where the content, the sidecar or the offline state changed (an inode alone is file-row news)."""
    _update_table(
        "size bigint, mtime_ns bigint, inode bigint, sidecar_path text, sidecar_size bigint, "
        "sidecar_mtime_ns bigint, modified_at timestamp with time zone, content_changed boolean, touch_asset boolean",
        (
            "asset_id",
            "size",
            "mtime_ns",
            "inode",
            "sidecar_path",
            "sidecar_size",
            "sidecar_mtime_ns",
            "modified_at",
            "content_changed",
            "touch_asset",
        ),
        rows,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FILES} SET size = c.size, mtime_ns = c.mtime_ns, inode = c.inode, sidecar_size = c.sidecar_size, "
            "sidecar_mtime_ns = c.sidecar_mtime_ns, offline_reason = '', "
            f"fingerprint = CASE WHEN c.content_changed THEN NULL ELSE {FILES}.fingerprint END "
            f"FROM {UPDATES} c WHERE {FILES}.asset_id = c.asset_id"
        )
        cursor.execute(
            f"UPDATE {ASSETS} SET file_size = c.size, sidecar_path = c.sidecar_path, is_offline = %s, updated_at = %s, "
            f"file_modified_at = CASE WHEN c.content_changed THEN c.modified_at ELSE {ASSETS}.file_modified_at END, "
            f"deleted_at = CASE WHEN {ASSETS}.is_offline AND {ASSETS}.status = 'active' THEN NULL ELSE {ASSETS}.deleted_at END "
            f"FROM {UPDATES} c WHERE {ASSETS}.id = c.asset_id AND c.touch_asset",
            [False, now],
        )
        cursor.execute(f"DROP TABLE IF EXISTS {UPDATES}")
