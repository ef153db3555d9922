"""Reads on libraries: listing, statistics, and the preview of what new exclusion patterns would take offline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum

from assets.models import Asset, AssetStatus, AssetType
from jobs.models import JobRun, StepStatus
from libraries.matcher import Matcher
from libraries.models import Library, LibraryFile, ScanState
from libraries.services import SCAN, library_subject

PREVIEW_SAMPLES = 20


def libraries_all() -> QuerySet[Library]:
    return (
        Library.objects.filter(deleted_at__isnull=True)
        .annotate(asset_count=Count("assets", filter=~Q(assets__status=AssetStatus.DELETED)))
        .order_by("created_at")
    )


def library_get(*, library_id) -> Library | None:
    return libraries_all().filter(pk=library_id).first()


@dataclass(frozen=True)
class ScanStatus:
    """How a library's scans stand: the outcome of the last one (kept on the library) and the lifecycle of the
    latest scan runs (jobs.runs)."""

    state: str  # scanning while a scan runs, else the last outcome: done, refused, failed (idle: never scanned)
    error: str
    requested_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


def library_scan_status(library: Library) -> ScanStatus:
    runs = list(JobRun.objects.filter(name=SCAN, subject=library_subject(library.pk)).order_by("-pk")[:2])
    running = bool(runs) and runs[0].status == StepStatus.RUNNING
    last = library.last_scan or {}
    return ScanStatus(
        state=ScanState.SCANNING if running else last.get("state", ScanState.IDLE),
        error=last.get("error", ""),
        requested_at=runs[0].queued_at if runs else None,
        started_at=next((run.started_at for run in runs if run.started_at), None),
        finished_at=None if running else next((run.finished_at for run in runs if run.finished_at), None),
    )


def library_statistics(*, library: Library) -> dict:
    assets = Asset.objects.filter(library=library).exclude(status=AssetStatus.DELETED)
    counts = assets.aggregate(
        photos=Count("id", filter=Q(type=AssetType.IMAGE)),
        videos=Count("id", filter=Q(type=AssetType.VIDEO)),
        total=Count("id"),
        offline=Count("id", filter=Q(is_offline=True)),
        usage=Sum("file_size"),
    )
    counts["usage"] = counts["usage"] or 0
    return counts


def exclusion_preview(*, library: Library, exclusion_patterns: list[str]) -> dict:
    """How many of the library's online files the patterns would take offline at the next scan, with examples."""
    matcher = Matcher(tuple(exclusion_patterns))
    count, samples = 0, []
    paths = (
        LibraryFile.objects.filter(library=library, asset__is_offline=False)
        .values_list("path", flat=True)
        .order_by("path")
        .iterator(chunk_size=5000)
    )
    for path in paths:
        if matcher.is_excluded(path):
            count += 1
            if len(samples) < PREVIEW_SAMPLES:
                samples.append(path)
    return {"count": count, "samples": samples}
