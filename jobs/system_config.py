"""Immich's system configuration object: reference key names and defaults, validated on every write.

Only the sections this server implements are carried. A stored config is merged over the defaults, so a section
added by a later release appears with its defaults without a data migration.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from immich.errors import BadRequest
from immich.limits import TEXT_MAX_LENGTH, contains_nul
from jobs.models import SystemConfig
from jobs.queues import Queue
from workers.media import storage_template

_CONCURRENCY = {
    Queue.THUMBNAIL_GENERATION: 3,
    Queue.METADATA_EXTRACTION: 5,
    Queue.VIDEO_CONVERSION: 1,
    Queue.BACKGROUND_TASK: 5,
    Queue.STORAGE_TEMPLATE_MIGRATION: 1,
    Queue.MIGRATION: 5,
    Queue.SIDECAR: 5,
    Queue.LIBRARY: 5,
}

# A configuration is JSON: sections of settings, nested by name.
Config = dict[str, Any]
# A setting's rule: the problem with a value, in words, or None when the value is allowed.
Rule = Callable[[Any], str | None]

DEFAULTS: Config = {
    "backup": {"database": {"enabled": True, "cronExpression": "0 02 * * *", "keepLastAmount": 14}},
    "ffmpeg": {
        "crf": 23,
        "threads": 0,
        "preset": "ultrafast",
        "targetVideoCodec": "h264",
        "acceptedVideoCodecs": ["h264"],
        "targetAudioCodec": "aac",
        "acceptedAudioCodecs": ["aac", "mp3", "opus"],
        "acceptedContainers": ["mov", "ogg", "webm"],
        "targetResolution": "720",
        "maxBitrate": "0",
        "bframes": -1,
        "refs": 0,
        "gopSize": 0,
        "temporalAQ": False,
        "cqMode": "auto",
        "twoPass": False,
        "preferredHwDevice": "auto",
        "transcode": "required",
        "tonemap": "hable",
        "accel": "disabled",
        "accelDecode": True,
    },
    "image": {
        "thumbnail": {"format": "webp", "size": 250, "quality": 80, "progressive": False},
        "preview": {"format": "jpeg", "size": 1440, "quality": 80, "progressive": False},
        "colorspace": "p3",
        "extractEmbedded": False,
        "fullsize": {"enabled": False, "format": "jpeg", "quality": 80, "progressive": False},
    },
    "job": {queue.value: {"concurrency": concurrency} for queue, concurrency in _CONCURRENCY.items()},
    "library": {"scan": {"enabled": True, "cronExpression": "0 0 * * *"}, "watch": {"enabled": False}},
    # Reading face tags already in the files is what the people feature is for: on here (the reference: off).
    "metadata": {"defaultTimeZone": "UTC", "faces": {"import": True}},
    "newVersionCheck": {"enabled": False},
    "nightlyTasks": {
        "startTime": "00:00",
        "databaseCleanup": True,
        "missingThumbnails": True,
        "clusterNewFaces": True,
        "generateMemories": True,
        "syncQuotaUsage": True,
    },
    "passwordLogin": {"enabled": True},
    "storageTemplate": {
        "enabled": False,
        "hashVerificationEnabled": True,
        "template": "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
        # Beyond the reference: "" formats dates in the asset's own zone when known, else the server's; an IANA
        # name or "UTC+2" formats every asset in that zone. Files whose date is only a file time can be kept put.
        "timeZone": "",
        "skipLowConfidenceDates": False,
    },
    "trash": {"enabled": True, "days": 30},
    "user": {"deleteDelay": 7},
}


class InvalidConfig(BadRequest):
    """The problems of a candidate config, a list of sentences."""


def _one_of(*allowed: str) -> Rule:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(map(str, allowed))}"

    return check


def _between(low: int, high: int | None = None) -> Rule:
    def check(value: Any) -> str | None:
        if value < low or (high is not None and value > high):
            return f"must be between {low} and {high}" if high is not None else f"must be at least {low}"
        return None

    return check


def _all_of(*allowed: str) -> Rule:
    def check(values: Any) -> str | None:
        unknown = [value for value in values if value not in allowed]
        return f"unknown values {unknown}; allowed: {', '.join(allowed)}" if unknown else None

    return check


# Immich's enumerations of setting values, shared with the OpenAPI schema of the config (jobs/serializers.py).
VIDEO_CODECS = ("h264", "hevc", "vp9", "av1")
AUDIO_CODECS = ("aac", "mp3", "opus", "pcm_s16le")
VIDEO_CONTAINERS = ("mov", "mp4", "ogg", "webm")
TRANSCODE_POLICIES = ("all", "optimal", "bitrate", "required", "disabled")
TONE_MAPPINGS = ("hable", "mobius", "reinhard", "disabled")
HW_ACCELERATIONS = ("nvenc", "qsv", "vaapi", "rkmpp", "disabled")
CQ_MODES = ("auto", "cqp", "icq")
IMAGE_FORMATS = ("jpeg", "webp")
COLORSPACES = ("srgb", "p3")
RULES: dict[str, Rule] = {
    "ffmpeg.crf": _between(0, 51),
    "ffmpeg.threads": _between(0),
    "ffmpeg.bframes": _between(-1, 16),
    "ffmpeg.refs": _between(0, 6),
    "ffmpeg.gopSize": _between(0),
    "ffmpeg.targetVideoCodec": _one_of(*VIDEO_CODECS),
    "ffmpeg.acceptedVideoCodecs": _all_of(*VIDEO_CODECS),
    "ffmpeg.targetAudioCodec": _one_of(*AUDIO_CODECS),
    "ffmpeg.acceptedAudioCodecs": _all_of(*AUDIO_CODECS),
    "ffmpeg.acceptedContainers": _all_of(*VIDEO_CONTAINERS),
    "ffmpeg.targetResolution": _one_of("480", "720", "1080", "1440", "2160", "original"),
    "ffmpeg.transcode": _one_of(*TRANSCODE_POLICIES),
    "ffmpeg.tonemap": _one_of(*TONE_MAPPINGS),
    "ffmpeg.accel": _one_of(*HW_ACCELERATIONS),
    "ffmpeg.cqMode": _one_of(*CQ_MODES),
    # Transcoding (issue 5): a bitrate in kbit/s ("0" = no cap, "8000", "8000k", "8m") and the encoder speed.
    "ffmpeg.maxBitrate": lambda value: _bitrate_problem(value),
    "ffmpeg.preset": _one_of(
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
    ),
    "image.thumbnail.format": _one_of(*IMAGE_FORMATS),
    "image.preview.format": _one_of(*IMAGE_FORMATS),
    "image.fullsize.format": _one_of(*IMAGE_FORMATS),
    "image.thumbnail.quality": _between(1, 100),
    "image.preview.quality": _between(1, 100),
    "image.fullsize.quality": _between(1, 100),
    "image.thumbnail.size": _between(1),
    "image.preview.size": _between(1),
    "image.colorspace": _one_of(*COLORSPACES),
    "trash.days": _between(0),
    "backup.database.keepLastAmount": _between(1),
    "user.deleteDelay": _between(1),
    "storageTemplate.template": lambda template: storage_template.validate(template),
    "storageTemplate.timeZone": lambda zone: _zone_problem(zone),
    "metadata.defaultTimeZone": lambda zone: _zone_problem(zone) if zone else "must name a time zone",
    **{f"job.{queue.value}.concurrency": _between(1) for queue in _CONCURRENCY},
}


def _zone_problem(zone: str) -> str | None:
    if not zone or re.fullmatch(r"UTC(?:[+-]\d{1,2}(?::?\d{2})?)?", zone, re.IGNORECASE):
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {zone!r} (an IANA name such as Europe/Paris, UTC+2, or empty)"
    return None


def _bitrate_problem(value: str) -> str | None:
    if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*[kKmM]?\s*", value):
        return None
    return "must be a bitrate in kbit/s such as 0 (no cap), 8000, 8000k or 8m"


def _same_type(default: object, value: object) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int)
    return isinstance(value, type(default))


def _validate(default: Config, candidate: object, path: str = "") -> list[str]:
    if not isinstance(candidate, dict):
        return [f"{path or 'config'} must be an object"]
    errors = [f"{path}{key}: unknown setting" for key in candidate.keys() - default.keys()]
    for key, default_value in default.items():
        where = f"{path}{key}"
        if key not in candidate:
            errors.append(f"{where}: missing")
            continue
        value = candidate[key]
        if isinstance(default_value, dict):
            errors.extend(_validate(default_value, value, f"{where}."))
        elif not _same_type(default_value, value):
            errors.append(f"{where}: must be a {type(default_value).__name__}")
        elif contains_nul(value):
            errors.append(f"{where}: must not contain NUL characters")
        elif isinstance(value, str) and len(value) > TEXT_MAX_LENGTH:
            errors.append(f"{where}: must be at most {TEXT_MAX_LENGTH} characters")
        elif where in RULES and (problem := RULES[where](value)):
            errors.append(f"{where}: {problem}")
    return errors


def _merged(default: Config, stored: Config) -> Config:
    result = copy.deepcopy(default)
    for key, value in stored.items():
        if key in result and isinstance(result[key], dict) and isinstance(value, dict):
            result[key] = _merged(result[key], value)
        elif key in result:
            result[key] = value
    return result


def config_defaults() -> Config:
    return copy.deepcopy(DEFAULTS)


def config_get() -> Config:
    """The current configuration, a fresh copy the caller may change."""
    stored = SystemConfig.objects.filter(pk=1).values_list("value", flat=True).first()
    return _merged(DEFAULTS, stored or {})


_CACHE_SECONDS = 2.0
_cached: tuple[float, Config] | None = None


def config_cached() -> Config:
    """The configuration for hot paths (every job reads it): shared and read-only, re-read at most every two
    seconds, so a change reaches running workers within that time. Never modify the returned dict."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > _CACHE_SECONDS:
        _cached = (now, config_get())
    return _cached[1]


def config_cache_clear() -> None:
    global _cached
    _cached = None


def config_validate(candidate: object) -> list[str]:
    """The problems of a whole candidate config, in words (empty when valid)."""
    return _validate(DEFAULTS, candidate)


def config_update(*, new_config: object) -> Config:
    errors = _validate(DEFAULTS, new_config)
    if errors:
        raise InvalidConfig(errors)
    with transaction.atomic():
        SystemConfig.objects.update_or_create(pk=1, defaults={"value": new_config})
    config_cache_clear()
    return config_get()
