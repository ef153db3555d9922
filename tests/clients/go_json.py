"""Decoding a JSON answer the way immich-go's Go structs do (simulot/immich-go, immich/*.go), so a test sees what
the tool sees: a value of the wrong JSON type fails the whole call (Go's `json.Unmarshal` returns an
UnmarshalTypeError), `null` leaves the zero value, unknown keys are ignored, and its two date types never fail but
read anything outside their exact layouts as the zero time (which silently breaks its same-file decisions).

A spec is a Go type: one of the scalar names below, a dict (a struct: key -> spec), a one-item list (a slice) or
`MapOf(spec)` (a map with string keys)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

STRING, BOOL, INT, FLOAT = "string", "bool", "int", "float64"
GO_TIME = "time.Time"  # RFC 3339, strict: anything else is an error
IMMICH_TIME = "ImmichTime"  # only 2006-01-02T15:04:05.000Z, else the zero time
IMMICH_EXIF_TIME = "ImmichExifTime"  # only ...05[.0|.00|.000]+00:00, else the zero time
INT_STRING = "int,string"  # `json:",string"` on an int: "2" or null, never a bare number


class GoDecodeError(AssertionError):
    """What immich-go's `responseJSON` would return: the call fails."""


@dataclass(frozen=True)
class MapOf:
    value: object


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_IMMICH_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z$")
# ImmichExifTime picks its layout by the string's length; "+00:00" is literal text in each (not a zone element).
_EXIF_LAYOUTS = {29: r"\.\d{3}", 28: r"\.\d{2}", 27: r"\.\d", 25: ""}


def decode(value, spec, where: str = "$"):
    """The Go value (as Python) of `value` decoded into `spec`; GoDecodeError where Go's decoder fails."""
    if isinstance(spec, dict):
        return _struct(value, spec, where)
    if isinstance(spec, list):
        if value is None:
            return []
        _expect(isinstance(value, list), value, spec, where)
        return [decode(item, spec[0], f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(spec, MapOf):
        if value is None:
            return {}
        _expect(isinstance(value, dict), value, "map", where)
        return {key: decode(item, spec.value, f"{where}.{key}") for key, item in value.items()}
    return _scalar(value, spec, where)


def _struct(value, spec: dict, where: str) -> dict:
    if value is None:
        return {key: decode(None, field, f"{where}.{key}") for key, field in spec.items()}
    _expect(isinstance(value, dict), value, "struct", where)
    by_folded = {key.lower(): key for key in value}  # Go matches keys case-insensitively
    decoded = {}
    for key, field in spec.items():
        present = by_folded.get(key.lower())
        decoded[key] = decode(value[present] if present is not None else None, field, f"{where}.{key}")
    return decoded


def _scalar(value, spec: str, where: str):
    if spec in (IMMICH_TIME, IMMICH_EXIF_TIME):
        return immich_time(value) if spec == IMMICH_TIME else immich_exif_time(value)
    if value is None:
        return {STRING: "", BOOL: False, INT: 0, FLOAT: 0.0, GO_TIME: None, INT_STRING: 0}[spec]
    if spec == STRING:
        _expect(isinstance(value, str), value, spec, where)
    elif spec == BOOL:
        _expect(isinstance(value, bool), value, spec, where)
    elif spec == INT:
        _expect(isinstance(value, int) and not isinstance(value, bool), value, spec, where)
    elif spec == FLOAT:
        _expect(isinstance(value, (int, float)) and not isinstance(value, bool), value, spec, where)
        return float(value)
    elif spec == INT_STRING:
        _expect(isinstance(value, str) and value.lstrip("-").isdigit(), value, spec, where)
        return int(value)
    elif spec == GO_TIME:
        _expect(isinstance(value, str) and _RFC3339.match(value) is not None, value, spec, where)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise ValueError(f"unknown Go type {spec}")
    return value


def _expect(ok: bool, value, spec, where: str) -> None:
    if not ok:
        raise GoDecodeError(f"json: cannot unmarshal {value!r} into Go value of type {spec} at {where}")


def immich_time(value) -> datetime | None:
    """immich-go's ImmichTime: the instant, or None (Go's zero time) for anything but the one layout."""
    match = _IMMICH_TIME.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return datetime.fromisoformat(f"{match[1]}.{match[2]}+00:00")


def immich_exif_time(value) -> datetime | None:
    """immich-go's ImmichExifTime: the instant, or None (Go's zero time) when the length or layout does not fit."""
    if not isinstance(value, str) or len(value) not in _EXIF_LAYOUTS:
        return None
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" + _EXIF_LAYOUTS[len(value)] + r"\+00:00", value) is None:
        return None
    return datetime.fromisoformat(value).astimezone(timezone.utc)


# The structs immich-go decodes answers into (immich/*.go), the fields it declares.
USER = {
    "id": STRING, "email": STRING, "firstName": STRING, "lastName": STRING, "storageLabel": STRING,
    "externalPath": STRING, "profileImagePath": STRING, "shouldChangePassword": BOOL, "isAdmin": BOOL,
    "createdAt": GO_TIME, "deletedAt": GO_TIME, "updatedAt": GO_TIME, "oauthId": STRING,
}  # fmt: skip
ABOUT = {"version": STRING, "versionUrl": STRING, "licensed": BOOL, "build": STRING, "nodejs": STRING,
         "exiftool": STRING, "ffmpeg": STRING, "libvips": STRING, "imagemagick": STRING}  # fmt: skip
JOB_COUNTS = {"active": INT, "completed": INT, "failed": INT, "delayed": INT, "waiting": INT, "paused": INT}
JOB_COMMAND_ANSWER = {"jobCounts": JOB_COUNTS, "QueueStatus": {"isActive": BOOL, "isPause": BOOL}}
JOB = {"jobCounts": JOB_COUNTS, "queueStatus": {"isActive": BOOL, "isPaused": BOOL}}
ASSET_STATISTICS = {"images": INT, "videos": INT, "total": INT}
TAG = {"id": STRING, "name": STRING, "value": STRING}
EXIF = {
    "make": STRING, "model": STRING, "exifImageWidth": INT, "exifImageHeight": INT, "fileSizeInByte": INT,
    "orientation": STRING, "dateTimeOriginal": IMMICH_EXIF_TIME, "timeZone": STRING, "latitude": FLOAT,
    "longitude": FLOAT, "description": STRING, "rating": INT,
}  # fmt: skip
ASSET = {
    "id": STRING, "deviceAssetId": STRING, "ownerId": STRING, "deviceId": STRING, "type": STRING,
    "originalPath": STRING, "originalFileName": STRING, "resized": BOOL, "thumbhash": STRING,
    "fileCreatedAt": IMMICH_TIME, "fileModifiedAt": IMMICH_TIME, "updatedAt": IMMICH_TIME,
    "localDateTime": IMMICH_TIME, "isFavorite": BOOL, "isArchived": BOOL, "isTrashed": BOOL, "duration": STRING,
    "rating": INT, "exifInfo": EXIF, "livePhotoVideoId": STRING, "checksum": STRING, "stackParentId": STRING,
    "tags": [TAG], "libraryId": STRING, "visibility": STRING,
}  # fmt: skip
SEARCH_ANSWER = {"assets": {"total": INT, "count": INT, "items": [ASSET], "nextPage": INT_STRING}}
ALBUM = {"id": STRING, "albumName": STRING, "description": STRING, "assetIds": [STRING]}
ALBUM_CONTENT = {"id": STRING, "albumName": STRING, "description": STRING, "shared": BOOL, "assets": [ASSET],
                 "assetIds": [STRING]}  # fmt: skip
ID_RESULT = {"id": STRING, "success": BOOL, "error": STRING}  # UpdateAlbumResult, TagAssetsResponse
UPLOAD_ANSWER = {"id": STRING, "status": STRING}
STACK = {"id": STRING, "primaryAssetId": STRING}
