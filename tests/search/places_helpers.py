"""Photos with GPS written in their EXIF, uploaded and read by the metadata step, and the reverse geocoding switch."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import piexif

from jobs.models import Step, StepStatus
from jobs.services import step_run
from jobs.system_config import config_cache_clear, config_get, config_update
from tests.assets.helpers import upload_file
from tests.media_factories import make_exif_jpeg

PARIS = (48.8566, 2.3522)
ROME = (41.9028, 12.4964)
SYDNEY = (-33.8688, 151.2093)


def _dms(value: float) -> tuple:
    """Degrees, minutes and seconds as EXIF writes them (three rationals)."""
    degrees, rest = divmod(Fraction(abs(value)).limit_denominator(10**7) * 3600, 3600)
    minutes, seconds = divmod(rest, 60)
    seconds = seconds.limit_denominator(10000)
    return (int(degrees), 1), (int(minutes), 1), (seconds.numerator, seconds.denominator)


def gps_exif(latitude: float, longitude: float) -> dict:
    return {
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if latitude >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(latitude),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if longitude >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(longitude),
        }
    }


def located_photo(api, folder: Path, name: str, point: tuple[float, float] | None, **fields) -> str:
    """A photo taken at `point` (None: without GPS), uploaded by `api`'s user, its metadata extracted."""
    path = make_exif_jpeg(folder / name, exif=gps_exif(*point) if point else None)
    asset_id = upload_file(api, path, deviceAssetId=name, **fields)["id"]
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    return asset_id


def reverse_geocoding_set(enabled: bool) -> None:
    config = config_get()
    config["reverseGeocoding"]["enabled"] = enabled
    config_update(new_config=config)
    config_cache_clear()
