"""Immich's system configuration object: reference key names and defaults (jobs/config_defaults.py), validated on
every write.

A stored config is merged over the defaults, so a section added by a later release appears with its defaults without
a data migration.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from immich import live_events
from immich.errors import BadRequest
from immich.limits import TEXT_MAX_LENGTH, contains_nul
from jobs.config_defaults import (
    AUDIO_CODECS,
    BEYOND_REFERENCE,
    COLORSPACES,
    CQ_MODES,
    DEFAULTS,
    HLS_RESOLUTIONS,
    HW_ACCELERATIONS,
    IMAGE_FORMATS,
    LOG_LEVELS,
    MAX_HAMMING_DISTANCE,
    NSFW_ACTIONS,
    NULLABLE,
    QUEUE_CONCURRENCY,
    RELEASE_CHANNELS,
    TOKEN_AUTH_METHODS,
    TONE_MAPPINGS,
    TRANSCODE_POLICIES,
    UNAVAILABLE,
    VIDEO_CODECS,
    VIDEO_CONTAINERS,
)
from jobs.models import SystemConfig
from workers.media import storage_template

# A configuration is JSON: sections of settings, nested by name.
Config = dict[str, Any]
# A setting's rule: the problem with a value, in words, or None when the value is allowed.
Rule = Callable[[Any], str | None]


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


def _off(feature: str) -> Rule:
    def check(value: Any) -> str | None:
        return f"this server does not run {feature}; it stays off" if value else None

    return check


def _all_of(*allowed: object) -> Rule:
    def check(values: Any) -> str | None:
        unknown = [value for value in values if value not in allowed]
        return f"unknown values {unknown}; allowed: {', '.join(map(str, allowed))}" if unknown else None

    return check


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
    "machineLearning.duplicateDetection.maxHammingDistance": _between(0, MAX_HAMMING_DISTANCE),
    "backup.database.keepLastAmount": _between(1),
    "user.deleteDelay": _between(1),
    "storageTemplate.template": lambda template: storage_template.validate(template),
    "storageTemplate.timeZone": lambda zone: _zone_problem(zone),
    "metadata.defaultTimeZone": lambda zone: _zone_problem(zone) if zone else "must name a time zone",
    "ffmpeg.realtime.resolutions": _all_of(*HLS_RESOLUTIONS),
    "ffmpeg.realtime.videoCodecs": _all_of(*VIDEO_CODECS),
    "logging.level": _one_of(*LOG_LEVELS),
    "newVersionCheck.channel": _one_of(*RELEASE_CHANNELS),
    "oauth.tokenEndpointAuthMethod": _one_of(*TOKEN_AUTH_METHODS),
    "oauth.defaultStorageQuota": lambda quota: None if quota is None or quota >= 0 else "must be at least 0",
    "notifications.smtp.transport.port": _between(0, 65535),
    "server.externalDomain": lambda domain: _external_domain_problem(domain),
    "nsfw.threshold": lambda score: None if 0 <= score <= 1 else "must be between 0 and 1",
    "nsfw.action": _one_of(*NSFW_ACTIONS),
    **{f"job.{queue}.concurrency": _between(1) for queue in QUEUE_CONCURRENCY},
    **{path: _off(feature) for path, feature in UNAVAILABLE.items()},
}


def _external_domain_problem(domain: str) -> str | None:
    if not domain or re.fullmatch(r"https?://[^\s/?#]+(?::\d+)?/?", domain):
        return None
    return "must be a URL such as https://photos.example.com, or empty"


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


def _same_type(default: object, value: object, *, nullable: bool = False) -> bool:
    if value is None:
        return nullable
    if default is None:  # a nullable number
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, int):
        return isinstance(value, int)
    return isinstance(value, type(default))


def _type_name(default: object) -> str:
    return "number" if default is None or isinstance(default, float) else type(default).__name__


def _validate(default: Config, candidate: object, path: str = "") -> list[str]:
    if not isinstance(candidate, dict):
        return [f"{path or 'config'} must be an object"]
    errors = [f"{path}{key}: unknown setting" for key in candidate.keys() - default.keys()]
    for key, default_value in default.items():
        where = f"{path}{key}"
        if key not in candidate:
            if where not in BEYOND_REFERENCE:
                errors.append(f"{where}: missing")
            continue
        value = candidate[key]
        if isinstance(default_value, dict):
            errors.extend(_validate(default_value, value, f"{where}."))
        elif not _same_type(default_value, value, nullable=where in NULLABLE):
            errors.append(f"{where}: must be a {_type_name(default_value)}")
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


ConfigUpdateHook = Callable[[Config, Config], None]  # (before, after), inside the update's transaction
_update_hooks: list[ConfigUpdateHook] = []


def on_config_update(hook: ConfigUpdateHook) -> None:
    """Tell `hook` of each config update (nsfw: the assets whose verdict a new threshold or action changes are
    sent to the phones again). Registered in an app's AppConfig.ready: the engine imports no app."""
    _update_hooks.append(hook)


def config_update(*, new_config: object) -> Config:
    errors = _validate(DEFAULTS, new_config)
    if errors:
        raise InvalidConfig(errors)
    with transaction.atomic():
        before = config_get()
        # Settings beyond the reference that the writer left out keep their current values.
        new_config = _merged(before, new_config)  # type: ignore[arg-type]
        SystemConfig.objects.update_or_create(pk=1, defaults={"value": new_config})
        for hook in _update_hooks:
            hook(before, new_config)
        live_events.broadcast("on_config_update")  # the apps read /server/features and /server/config again
    config_cache_clear()
    return config_get()
