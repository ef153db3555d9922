"""What the server endpoints tell about this installation: the disk of the media location, in Immich's units, and
the versions of the media libraries this server runs (no ORM: plain values)."""

from __future__ import annotations

import os
from functools import cache

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def human_readable(size: int, precision: int = 1) -> str:
    """1536 -> "1.5 KiB", as Immich writes sizes (bytes without decimals)."""
    magnitude, remainder = 0, float(size)
    while remainder >= 1024 and magnitude + 1 < len(_UNITS):
        magnitude += 1
        remainder /= 1024
    return f"{remainder:.{0 if magnitude == 0 else precision}f} {_UNITS[magnitude]}"


def disk_usage(folder: str) -> dict:
    """The disk that holds `folder`, in the shape of Immich's ServerStorageResponseDto."""
    stats = os.statvfs(folder)
    total = stats.f_blocks * stats.f_frsize
    available = stats.f_bavail * stats.f_frsize
    used = total - stats.f_bfree * stats.f_frsize
    return {
        "diskSize": human_readable(total),
        "diskUse": human_readable(used),
        "diskAvailable": human_readable(available),
        "diskSizeRaw": total,
        "diskUseRaw": used,
        "diskAvailableRaw": available,
        "diskUsagePercentage": round(used / total * 100, 2) if total else 0.0,
    }


@cache
def media_library_versions() -> dict[str, str]:
    """The libraries that decode media here (Immich also names Node.js, ImageMagick and ExifTool, which this server
    does not use: those are left out)."""
    import av
    import pyvips

    return {
        "ffmpeg": str(av.ffmpeg_version_info),
        "libvips": f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}",
    }
