"""Reverse geocoding of the assets, as Immich does it during metadata extraction: the city, state and country of an
asset from its coordinates (workers.media.geocoding's places), while the system config's `reverseGeocoding.enabled`
is on (its default); off, assets have no place.

Places follow the coordinates: the metadata step and an owner's edit of them tell `asset_places_refresh` (a location
hook of assets.hooks). When the place data (a new version of its package) or the setting is not what the places were
last computed with, every asset's place is computed again by one recorded run (`places_refresh_all`, on the
metadataExtraction queue): beat's check asks for it within a minute of the change (`places_refresh_if_stale`), and an
administrator can by the manual job `reverse-geocode-refresh`. The run records the reverse geocoding state
(`/api/system-metadata/reverse-geocoding-state`) when it is done."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.onboarding import system_metadata_set
from accounts.selectors import REVERSE_GEOCODING_STATE, system_metadata
from assets.models import AssetExif
from jobs.models import JobRun, StepStatus
from jobs.queues import Queue
from jobs.system_config import config_cached
from workers.media import geocoding
from workers.media.geocoding import NO_PLACE, Place

logger = logging.getLogger(__name__)

REFRESH_TASK = "ReverseGeocodeRefresh"
IMPORT_FILE_NAME = f"{geocoding.DATA_FILE} (GeoNames cities1000)"
_BATCH = 5000

Row = tuple[Any, float | None, float | None, str | None, str | None, str | None]  # id, lat, lon, city, state, country


def geocoding_enabled() -> bool:
    return bool(config_cached()["reverseGeocoding"]["enabled"])


def place_of(*, latitude: Any, longitude: Any) -> Place:
    """The place of a point, whatever the setting (the map's reverse geocoding answers always, as Immich's)."""
    if not geocoding.valid_point(latitude, longitude):
        return NO_PLACE
    return geocoding.gazetteer().place_at(latitude, longitude)


def _places(rows: list[Row], enabled: bool) -> list[Place]:
    if not enabled:
        return [NO_PLACE] * len(rows)
    if len(rows) == 1:
        return [place_of(latitude=rows[0][1], longitude=rows[0][2])]
    return geocoding.gazetteer().places_at([(row[1], row[2]) for row in rows])


def _write(rows: list[Row], enabled: bool) -> int:
    """The place of each row from its coordinates; writes those that changed and returns how many."""
    changed = [
        AssetExif(asset_id=row[0], city=place.city, state=place.state, country=place.country)
        for row, place in zip(rows, _places(rows, enabled), strict=True)
        if (place.city, place.state, place.country) != row[3:]
    ]
    if changed:
        AssetExif.objects.bulk_update(changed, ["city", "state", "country"], batch_size=1000)
    return len(changed)


def _rows(exifs: Any) -> Iterable[Row]:
    return exifs.values_list("asset_id", "latitude", "longitude", "city", "state", "country")


def asset_places_refresh(asset_ids: list[Any]) -> int:
    """The places of these assets from the coordinates recorded for them (inside the caller's transaction)."""
    return _write(list(_rows(AssetExif.objects.filter(asset_id__in=asset_ids))), geocoding_enabled())


def _current() -> dict[str, Any]:
    return {"dataVersion": geocoding.data_version(), "enabled": geocoding_enabled()}


def places_refresh_all() -> dict[str, Any]:
    """Every asset's place from its coordinates, with the current data and setting, in batches (each its own
    transaction: a run killed midway has kept what it did, and the next does the rest again); then the state."""
    current = _current()
    located = AssetExif.objects.exclude(latitude__isnull=True, city__isnull=True, state__isnull=True,
                                        country__isnull=True)  # fmt: skip
    seen = changed = 0
    last: Any = None
    while True:
        batch = located.order_by("asset_id")
        if last is not None:
            batch = batch.filter(asset_id__gt=last)
        rows = list(_rows(batch[:_BATCH]))
        if not rows:
            break
        with transaction.atomic():
            changed += _write(rows, current["enabled"])
        seen, last = seen + len(rows), rows[-1][0]
    system_metadata_set(
        key=REVERSE_GEOCODING_STATE,
        value={**current, "lastUpdate": timezone.now().isoformat(), "lastImportFileName": IMPORT_FILE_NAME},
    )
    logger.info("places refreshed (%s): %d assets looked at, %d changed", current["dataVersion"], seen, changed)
    return {"assets": seen, "changed": changed, **current}


def places_stale() -> bool:
    """Whether the places were computed with other data or another setting than the current ones (or never)."""
    state = system_metadata(REVERSE_GEOCODING_STATE)
    return {key: state.get(key) for key in ("dataVersion", "enabled")} != _current()


def places_refresh_request() -> JobRun:
    """One recorded run of the refresh (a second request while one is unfinished is that one), sent after commit."""
    from jobs.runs import job_run_request

    return job_run_request(name=REFRESH_TASK, queue=Queue.METADATA_EXTRACTION)


def places_refresh_start() -> None:
    """The manual job `reverse-geocode-refresh` (POST /api/jobs)."""
    places_refresh_request()


def places_refresh_if_stale() -> int:
    """Beat's check: a refresh when the places are stale and none is under way; 1 if one was asked for."""
    unfinished = JobRun.objects.filter(name=REFRESH_TASK, status__in=(StepStatus.PENDING, StepStatus.RUNNING))
    if unfinished.exists() or not places_stale():
        return 0
    places_refresh_request()
    return 1
