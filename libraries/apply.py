"""Bringing a library's assets in line with what a scan staged, in a few set-based statements (see
docs/external-libraries.md), in this order: moves (a file that changed path keeps its asset, albums and favorite),
differences on known paths (changed -> re-extract and regenerate; back -> online), new files (assets, queued for
metadata in the backfill lane), files not seen (offline: hidden, kept, never deleted). `scan` walks and stages."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timezone

from django.db import transaction
from django.utils import timezone as django_timezone

from assets import media_types
from assets.models import Asset
from immich.roots import under_any
from jobs.models import Priority, Step
from jobs.services import steps_enqueue
from libraries import staging
from libraries.matcher import Matcher
from libraries.models import Library, LibraryFile, OfflineReason
from libraries.walk import FileFacts, fingerprint

ANALYZE_AFTER = 10_000  # new rows after which the library tables' statistics are refreshed

Progress = Callable[[str, int, "int | None"], None]


def path_checksum(path: str) -> bytes:
    """The reference's checksum for library files: SHA-1 of "path:" + the path."""
    return hashlib.sha1(b"path:" + path.encode("utf-8")).digest()


def _datetime(mtime_ns: int) -> datetime:
    return datetime.fromtimestamp(mtime_ns / 1e9, tz=timezone.utc)


def apply_moves(library: Library, *, partial: bool) -> int:
    if not staging.any_new(library.pk) or not staging.any_move_candidate(library.pk, partial=partial):
        return 0
    moved = 0
    for rows in staging.inode_moves(library.pk, partial=partial):
        moved += _move(library, [(staging.facts_of(row), row[7]) for row in rows])
    for candidates in staging.fingerprint_candidates(library.pk, partial=partial):
        waiting: dict[bytes, list[FileFacts]] = defaultdict(list)
        for facts in candidates:
            print_ = fingerprint(facts.path, facts.size)
            if print_ is not None:
                waiting[print_].append(facts)
        pairs = []
        for asset_id, _size, print_ in staging.gone_with_fingerprints(
            library.pk, partial=partial, fingerprints=list(waiting)
        ):
            if waiting.get(print_):
                pairs.append((waiting[print_].pop(0), asset_id))
        moved += _move(library, pairs)
    return moved


def _move(library: Library, pairs: list[tuple[FileFacts, object]]) -> int:
    """Point each asset at its file's new path: the same asset row, so albums, favorite and edits stay. A sidecar
    that changed on the way is extracted again; the content itself is the same (same inode, or same fingerprint)."""
    by_asset: dict[str, FileFacts] = {}
    taken: set[str] = set()
    for facts, asset_id in pairs:
        asset_id = str(uuid.UUID(str(asset_id)))  # raw rows: a UUID on PostgreSQL, 32 hex digits on SQLite
        if asset_id in by_asset or facts.path in taken:
            continue
        by_asset[asset_id] = facts
        taken.add(facts.path)
    if not by_asset:
        return 0
    with transaction.atomic():
        before = {
            str(asset_id): (sidecar_path, sidecar_size, sidecar_mtime_ns)
            for asset_id, sidecar_path, sidecar_size, sidecar_mtime_ns in LibraryFile.objects.filter(
                asset_id__in=list(by_asset)
            ).values_list("asset_id", "asset__sidecar_path", "sidecar_size", "sidecar_mtime_ns")
        }
        rows = [
            (
                asset_id,
                facts.path,
                os.path.basename(facts.path),
                path_checksum(facts.path),
                facts.size,
                facts.mtime_ns,
                facts.inode,
                facts.sidecar_path,
                facts.sidecar_size,
                facts.sidecar_mtime_ns,
            )
            for asset_id, facts in by_asset.items()
            if asset_id in before
        ]
        staging.apply_moves([(uuid.UUID(row[0]), *row[1:]) for row in rows], django_timezone.now())
        reprocess = [
            asset_id
            for asset_id, facts in by_asset.items()
            if asset_id in before and _sidecar_differs(facts, *before[asset_id])
        ]
        if reprocess:
            steps_enqueue(asset_ids=reprocess, step=Step.METADATA, priority=Priority.BACKFILL, continue_chain=True)
    return len(rows)


def _sidecar_differs(facts: FileFacts, sidecar_path, sidecar_size, sidecar_mtime_ns) -> bool:
    return (facts.sidecar_path or "", facts.sidecar_size, facts.sidecar_mtime_ns) != (
        sidecar_path or "",
        sidecar_size,
        sidecar_mtime_ns,
    )


def apply_differences(library: Library, counts: Counter) -> None:
    """Known paths whose facts differ: changed content or sidecar -> extracted and thumbnailed again (the chain
    after metadata); back from offline -> online, with no reprocessing; a new inode alone -> just recorded."""
    for rows in staging.differing_pages(library.pk):
        updates, reprocess = [], []
        for row in rows:
            facts = staging.facts_of(row)
            asset_id, size, mtime_ns, _inode, sidecar_path, sidecar_size, sidecar_mtime_ns, is_offline, _status = row[
                7:16
            ]
            content_changed = (size, mtime_ns) != (facts.size, facts.mtime_ns)
            sidecar_changed = _sidecar_differs(facts, sidecar_path, sidecar_size, sidecar_mtime_ns)
            if content_changed or sidecar_changed:
                reprocess.append(asset_id)
            counts["online"] += bool(is_offline)
            updates.append(
                (
                    asset_id,
                    facts.size,
                    facts.mtime_ns,
                    facts.inode,
                    facts.sidecar_path,
                    facts.sidecar_size,
                    facts.sidecar_mtime_ns,
                    _datetime(facts.mtime_ns),
                    content_changed,
                    bool(content_changed or sidecar_changed or is_offline),
                )
            )
        counts["changed"] += len(reprocess)
        with transaction.atomic():
            staging.apply_changes(updates, django_timezone.now())
            if reprocess:
                steps_enqueue(asset_ids=reprocess, step=Step.METADATA, priority=Priority.BACKFILL, continue_chain=True)


def _new_asset(library: Library, facts: FileFacts, now: datetime) -> dict:
    name = os.path.basename(facts.path)
    modified = _datetime(facts.mtime_ns)
    return {
        "id": uuid.uuid4(),
        "owner_id": library.owner_id,
        "library_id": library.pk,
        "type": media_types.asset_type_for(name),
        "original_path": facts.path,
        "original_file_name": name,
        "sidecar_path": facts.sidecar_path,
        "file_size": facts.size,
        "checksum": path_checksum(facts.path),
        "checksum_algorithm": "sha1-path",
        "file_created_at": modified,
        "file_modified_at": modified,
        "local_date_time": modified,
        "is_external": True,
        "created_at": now,
        "updated_at": now,
    }


def _file_row(library: Library, asset_id, facts: FileFacts) -> dict:
    return {
        "asset_id": asset_id,
        "library_id": library.pk,
        "path": facts.path,
        "size": facts.size,
        "mtime_ns": facts.mtime_ns,
        "inode": facts.inode,
        "sidecar_size": facts.sidecar_size,
        "sidecar_mtime_ns": facts.sidecar_mtime_ns,
        "offline_reason": "",
    }


def apply_new(library: Library, counts: Counter, progress: Progress) -> None:
    """New files become assets (a page at a time, by COPY on PostgreSQL). They enter the pipeline right after
    the scan, through `library_queue_metadata`, so the scan itself never waits on the broker."""
    # Assets of this library without a file row (made before it existed) are adopted by path, not duplicated.
    orphans = Asset.objects.filter(library=library, library_file__isnull=True).exists()
    for page in staging.new_pages(library.pk):
        now = django_timezone.now()
        with transaction.atomic():
            by_checksum = {path_checksum(facts.path): facts for facts in page}
            existing = {}
            if orphans:
                existing = {
                    bytes(checksum): asset_id
                    for checksum, asset_id in Asset.objects.filter(
                        owner_id=library.owner_id, library=library, checksum__in=list(by_checksum)
                    ).values_list("checksum", "id")
                }
            assets = [
                _new_asset(library, facts, now) for checksum, facts in by_checksum.items() if checksum not in existing
            ]
            staging.insert_rows(Asset, assets)
            rows = [_file_row(library, asset["id"], by_checksum[asset["checksum"]]) for asset in assets]
            rows += [_file_row(library, asset_id, by_checksum[checksum]) for checksum, asset_id in existing.items()]
            staging.insert_rows(LibraryFile, rows)
        counts["new"] += len(assets)
        counts["adopted"] += len(existing)
        progress("import", counts["new"], None)
    if counts["new"] >= ANALYZE_AFTER:
        staging.analyze(library_tables=True)


def _offline_reason(path: str, matcher: Matcher, roots: list[str]) -> str:
    root = next((root for root in roots if under_any(path, [root])), None)
    if root is None:
        return OfflineReason.OUTSIDE
    if matcher.has_hidden_part(path, root) or matcher.is_excluded(path):
        return OfflineReason.EXCLUDED
    return OfflineReason.MISSING


def apply_unseen(library: Library, matcher: Matcher, roots: list[str], *, partial: bool, unreadable: list[str]) -> int:
    """Files not seen go offline (hidden from the timeline, kept). Those under a folder that could not be read
    are left as they are: an unreadable folder is not a deletion."""
    offline = 0
    for rows in staging.unseen_pages(library.pk, partial=partial):
        by_reason: dict[str, list] = defaultdict(list)
        for path, asset_id, is_offline, reason in rows:
            if unreadable and under_any(path, unreadable):
                continue
            new_reason = _offline_reason(path, matcher, roots)
            if not is_offline or reason != new_reason:
                by_reason[new_reason].append(asset_id)
        now = django_timezone.now()
        with transaction.atomic():
            for reason, ids in by_reason.items():
                LibraryFile.objects.filter(asset_id__in=ids).update(offline_reason=reason)
                offline += Asset.objects.filter(pk__in=ids, is_offline=False, deleted_at__isnull=True).update(
                    is_offline=True, deleted_at=now, updated_at=now
                )
                offline += Asset.objects.filter(pk__in=ids, is_offline=False).update(is_offline=True, updated_at=now)
    return offline
