"""The system configuration's defaults: every section of Immich 3.1's SystemConfigDto, with the reference's key names.

Sections this server implements carry the reference's defaults (or this server's, where it says why). Features it
does not run (machine learning, OAuth, e-mail, real-time transcoding, the version check,
Immich's integrity jobs) are present, with their settings, but switched off: `UNAVAILABLE` names each switch, and a
write that turns one on is refused, so the configuration never claims what the server does not do.
"""

from __future__ import annotations

from typing import Any

from jobs.queues import Queue

# Immich's enumerations of setting values, shared with the OpenAPI schema of the config (jobs/config_serializers.py).
VIDEO_CODECS = ("h264", "hevc", "vp9", "av1")
AUDIO_CODECS = ("aac", "mp3", "opus", "pcm_s16le")
VIDEO_CONTAINERS = ("mov", "mp4", "ogg", "webm")
TRANSCODE_POLICIES = ("all", "optimal", "bitrate", "required", "disabled")
TONE_MAPPINGS = ("hable", "mobius", "reinhard", "disabled")
HW_ACCELERATIONS = ("nvenc", "qsv", "vaapi", "rkmpp", "disabled")
CQ_MODES = ("auto", "cqp", "icq")
IMAGE_FORMATS = ("jpeg", "webp")
COLORSPACES = ("srgb", "p3")
LOG_LEVELS = ("verbose", "debug", "log", "warn", "error", "fatal")
RELEASE_CHANNELS = ("stable", "releaseCandidate")
TOKEN_AUTH_METHODS = ("client_secret_post", "client_secret_basic")
HLS_RESOLUTIONS = (480, 720, 1080, 1440, 2160)
NSFW_ACTIONS = ("show", "blur", "hide")  # what a flagged asset does for a user who chose nothing else
# Duplicate detection's largest distance: its index looks up every chunk value within a quarter of it (see
# workers/media/perceptual.py), 697 per chunk at 12, and beyond that unrelated pictures begin to meet.
MAX_HAMMING_DISTANCE = 12

# The queues with a concurrency setting: this server's (its own storage template migration beyond the reference),
# then the reference's queues it does not run, kept so that a config written by Immich's web app round-trips.
QUEUE_CONCURRENCY: dict[str, int] = {
    Queue.THUMBNAIL_GENERATION: 3,
    Queue.METADATA_EXTRACTION: 5,
    Queue.VIDEO_CONVERSION: 1,
    Queue.BACKGROUND_TASK: 5,
    Queue.STORAGE_TEMPLATE_MIGRATION: 1,
    Queue.DUPLICATE_DETECTION: 2,
    Queue.MIGRATION: 5,
    Queue.SIDECAR: 5,
    Queue.LIBRARY: 5,
    Queue.NSFW_DETECTION: 1,  # beyond the reference: ~45 ms of one core and ~150 MB per worker process
    "smartSearch": 2,
    "faceDetection": 2,
    "search": 5,
    "notifications": 5,
    "ocr": 1,
    "workflow": 5,
    "editor": 2,
    "integrityCheck": 1,
}

_DAILY_AT_3 = "0 03 * * *"

DEFAULTS: dict[str, Any] = {
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
        "realtime": {"enabled": False, "resolutions": [720], "videoCodecs": ["h264"]},
    },
    "image": {
        "thumbnail": {"format": "webp", "size": 250, "quality": 80, "progressive": False},
        "preview": {"format": "jpeg", "size": 1440, "quality": 80, "progressive": False},
        "colorspace": "p3",
        "extractEmbedded": False,
        "fullsize": {"enabled": False, "format": "jpeg", "quality": 80, "progressive": False},
    },
    "integrityChecks": {
        "missingFiles": {"enabled": False, "cronExpression": _DAILY_AT_3},
        "untrackedFiles": {"enabled": False, "cronExpression": _DAILY_AT_3},
        "checksumFiles": {
            "enabled": False,
            "cronExpression": _DAILY_AT_3,
            "timeLimit": 60 * 60 * 1000,
            "percentageLimit": 1.0,
        },
    },
    "job": {queue: {"concurrency": concurrency} for queue, concurrency in QUEUE_CONCURRENCY.items()},
    "library": {"scan": {"enabled": True, "cronExpression": "0 0 * * *"}, "watch": {"enabled": False}},
    "logging": {"enabled": True, "level": "log"},
    "machineLearning": {
        "enabled": False,
        "urls": ["http://immich-machine-learning:3003"],
        "availabilityChecks": {"enabled": False, "timeout": 2000, "interval": 30000},
        "clip": {"enabled": False, "modelName": "ViT-B-32__openai"},
        # Done here without machine learning (the duplicates app): perceptual hashes of the thumbnails, near when
        # they differ in at most maxHammingDistance of their 64 bits (beyond the reference; maxDistance is Immich's
        # CLIP distance, kept for its web app and unused). Off by default, as the other steps beyond thumbnails.
        "duplicateDetection": {"enabled": False, "maxDistance": 0.01, "maxHammingDistance": 8},
        "facialRecognition": {
            "enabled": False,
            "modelName": "buffalo_l",
            "minScore": 0.7,
            "maxDistance": 0.5,
            "minFaces": 3,
        },
        "ocr": {
            "enabled": False,
            "modelName": "PP-OCRv5_mobile",
            "minDetectionScore": 0.5,
            "minRecognitionScore": 0.8,
            "maxResolution": 736,
        },
    },
    "map": {
        "enabled": True,
        "lightStyle": "https://tiles.immich.cloud/v1/style/light.json",
        "darkStyle": "https://tiles.immich.cloud/v1/style/dark.json",
    },
    # Reading face tags already in the files is what the people feature is for: on here (the reference: off).
    "metadata": {"defaultTimeZone": "UTC", "faces": {"import": True}},
    "newVersionCheck": {"enabled": False, "channel": "stable"},
    "nightlyTasks": {
        "startTime": "00:00",
        "databaseCleanup": True,
        "missingThumbnails": True,
        "clusterNewFaces": True,
        "generateMemories": True,
        "syncQuotaUsage": True,
    },
    # Beyond the reference (issue 25): NSFW detection on the previews, off until the administrator turns it on.
    "nsfw": {"enabled": False, "threshold": 0.8, "action": "blur"},
    "notifications": {
        "smtp": {
            "enabled": False,
            "from": "",
            "replyTo": "",
            "transport": {
                "ignoreCert": False,
                "host": "",
                "port": 587,
                "secure": False,
                "username": "",
                "password": "",
            },
        }
    },
    "oauth": {
        "enabled": False,
        "allowInsecureRequests": False,
        "autoLaunch": False,
        "autoRegister": True,
        "buttonText": "Login with OAuth",
        "clientId": "",
        "clientSecret": "",
        "defaultStorageQuota": None,
        "endSessionEndpoint": "",
        "issuerUrl": "",
        "mobileOverrideEnabled": False,
        "mobileRedirectUri": "",
        "profileSigningAlgorithm": "none",
        "prompt": "",
        "roleClaim": "immich_role",
        "scope": "openid email profile",
        "signingAlgorithm": "RS256",
        "storageLabelClaim": "preferred_username",
        "storageQuotaClaim": "immich_quota",
        "timeout": 30000,
        "tokenEndpointAuthMethod": "client_secret_post",
    },
    "passwordLogin": {"enabled": True},
    "reverseGeocoding": {"enabled": True},
    "server": {"externalDomain": "", "loginPageMessage": "", "publicUsers": True},
    "storageTemplate": {
        "enabled": False,
        "hashVerificationEnabled": True,
        "template": "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
        # Beyond the reference: "" formats dates in the asset's own zone when known, else the server's; an IANA
        # name or "UTC+2" formats every asset in that zone. Files whose date is only a file time can be kept put.
        "timeZone": "",
        "skipLowConfidenceDates": False,
    },
    "templates": {"email": {"albumInviteTemplate": "", "albumUpdateTemplate": "", "welcomeTemplate": ""}},
    "theme": {"customCss": ""},
    "trash": {"enabled": True, "days": 30},
    "user": {"deleteDelay": 7},
}

# Settings this server adds to the reference's: a config written without them (by Immich's web app, or saved from
# Immich) keeps their current values.
BEYOND_REFERENCE = frozenset(
    {
        "metadata.defaultTimeZone",
        "storageTemplate.timeZone",
        "storageTemplate.skipLowConfidenceDates",
        f"job.{Queue.STORAGE_TEMPLATE_MIGRATION.value}",
        f"job.{Queue.NSFW_DETECTION.value}",
        "nsfw",
        f"job.{Queue.DUPLICATE_DETECTION.value}",
        "machineLearning.duplicateDetection.maxHammingDistance",
    }
)

# Settings whose value may be null (the reference's optional numbers).
NULLABLE = frozenset({"oauth.defaultStorageQuota"})

# The switches of what this server does not run, and what to call it when a write tries to turn it on.
UNAVAILABLE: dict[str, str] = {
    "ffmpeg.realtime.enabled": "real-time transcoding",
    "integrityChecks.missingFiles.enabled": "Immich's integrity checks (see `manage.py check_consistency`)",
    "integrityChecks.untrackedFiles.enabled": "Immich's integrity checks (see `manage.py check_consistency`)",
    "integrityChecks.checksumFiles.enabled": "Immich's integrity checks (see `manage.py check_consistency`)",
    "machineLearning.enabled": "machine learning",
    "machineLearning.availabilityChecks.enabled": "machine learning",
    "machineLearning.clip.enabled": "smart search (machine learning)",
    "machineLearning.facialRecognition.enabled": "facial recognition (machine learning)",
    "machineLearning.ocr.enabled": "OCR (machine learning)",
    "newVersionCheck.enabled": "a version check",
    "notifications.smtp.enabled": "e-mail notifications",
    "oauth.enabled": "OAuth login",
}
