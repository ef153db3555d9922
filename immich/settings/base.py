"""Settings shared by every deployment; the environment-specific modules extend these."""

from __future__ import annotations

import dj_database_url

from immich.env import ENV, REPO_ROOT
from immich.settings.celery import *  # noqa: F401,F403  (Celery settings live in their own topic module)

BASE_DIR = REPO_ROOT
MEDIA_LOCATION = ENV.media_location
DEBUG = ENV.debug
ALLOWED_HOSTS = list(ENV.allowed_hosts)
# Behind a reverse proxy (docs/production.md): the admin's form posts from these origins, and the proxy's headers.
CSRF_TRUSTED_ORIGINS = list(ENV.csrf_trusted_origins)
if ENV.trust_x_forwarded_proto:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = ENV.trust_x_forwarded_host
SECRET_KEY = ENV.secret_key

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "accounts",
    "albums",
    "assets",
    "jobs",
    "libraries",
    "maintenance",
    "memories",
    "notifications",
    "nsfw",
    "people",
    "search",
    "sharing",
    "stacks",
    "duplicates",
    "sync",
    "tags",
    "workers",
]

MIDDLEWARE = [
    "immich.middleware.UnreadBodyDrainMiddleware",
    "immich.middleware.ApiTrailingSlashMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's static files, from the apps' static folders (no collectstatic step): any server command serves them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "immich.urls"
WSGI_APPLICATION = "immich.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_ROOT / "immich" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_config(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The embedded database is shared by the API and the worker processes: WAL lets readers run beside
        # the writer, IMMEDIATE transactions take the write lock up front instead of failing on upgrade.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    return config


DATABASES = {"default": database_config(ENV.database_url)}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves the apps' static files where the apps keep them (read once at start): no STATIC_ROOT and no
# collectstatic step, under `serve`, gunicorn or the Docker image alike.
WHITENOISE_USE_FINDERS = True

# Uploads never sit in memory or in /tmp: the asset upload handler streams them to their final folder.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Stored files (immich/storage.py): the backend, the S3 bucket (django-storages) when one is configured, and this
# machine's scratch folder.
STORAGE_BACKEND = ENV.storage_backend
SCRATCH_LOCATION = ENV.scratch_location
S3_PRESIGNED_REDIRECT = ENV.s3_presigned_redirect


def s3_media_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key_id: str = "",
    secret_access_key: str = "",
    prefix: str = "",
    **options,
) -> dict:
    """The STORAGES entry of the bucket (django-storages); without credentials boto3 finds its own (IAM role)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key_id or None,
            "secret_key": secret_access_key or None,
            "location": prefix,
            # S3-compatible servers (MinIO, Garage, Ceph) at an endpoint of their own want bucket names in the path.
            "addressing_style": "path" if endpoint_url else None,
            "querystring_expire": 3600,
            **options,
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if ENV.s3_bucket:
    STORAGES["media"] = s3_media_storage(
        bucket=ENV.s3_bucket,
        endpoint_url=ENV.s3_endpoint_url,
        region=ENV.s3_region,
        access_key_id=ENV.s3_access_key_id,
        secret_access_key=ENV.s3_secret_access_key,
        prefix=ENV.s3_prefix,
    )
# Resumable uploads (tus, /api/upload/): see assets/uploads/tus.py.
TUS_EXPIRY_HOURS = ENV.tus_expiry_hours
TUS_MAX_SIZE = ENV.tus_max_size
DECODE_MEMORY_LIMIT = ENV.decode_memory_limit_mb * 1024 * 1024

REST_FRAMEWORK = {
    # A shared link's key or slug first, as Immich tries it first; then API keys and sessions.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sharing.authentication.SharedLinkAuthentication",
        "accounts.authentication.ImmichAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.HasApiPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "immich.schema.ImmichAutoSchema",
    "EXCEPTION_HANDLER": "immich.exception_handler.immich_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Immich-compatible media server",
    "DESCRIPTION": "The Immich v3 API subset this server implements.",
    "VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Immich's names for the enums its clients share; a choice set is matched by its values.
    "ENUM_NAME_OVERRIDES": {
        "AssetTypeEnum": "assets.models.AssetType.values",
        "AssetVisibility": "assets.models.Visibility.values",
        "AssetMediaStatus": ["created", "replaced", "duplicate"],
        "AssetUploadAction": ["accept", "reject"],
        "AssetRejectReason": ["duplicate", "unsupported-format"],
        "AssetOrder": "albums.serializers.ORDERS",
        "AlbumUserRole": "albums.serializers.ALBUM_USER_ROLES",
        "BulkIdErrorReason": "assets.responses.BULK_ID_ERRORS",
        "MemorySearchOrder": "memories.serializers.ORDERS",
        "MemoryType": "memories.models.MemoryType",
        "UserAvatarColor": "accounts.serializers.UserAvatarColor",
        "UserStatus": "accounts.serializers.UserStatus",
        "Permission": "accounts.permissions_catalog.PERMISSIONS",
        "QueueName": "jobs.serializers.QUEUE_NAMES",
        "VideoCodec": "jobs.config_defaults.VIDEO_CODECS",
        "AudioCodec": "jobs.config_defaults.AUDIO_CODECS",
        "VideoContainer": "jobs.config_defaults.VIDEO_CONTAINERS",
        "TranscodePolicy": "jobs.config_defaults.TRANSCODE_POLICIES",
        "ToneMapping": "jobs.config_defaults.TONE_MAPPINGS",
        "TranscodeHWAccel": "jobs.config_defaults.HW_ACCELERATIONS",
        "CQMode": "jobs.config_defaults.CQ_MODES",
        "ImageFormat": "jobs.config_defaults.IMAGE_FORMATS",
        "Colorspace": "jobs.config_defaults.COLORSPACES",
        "LogLevel": "jobs.config_defaults.LOG_LEVELS",
        "ReleaseChannel": "jobs.config_defaults.RELEASE_CHANNELS",
        "OAuthTokenEndpointAuthMethod": "jobs.config_defaults.TOKEN_AUTH_METHODS",
        "LibraryScanState": "libraries.models.ScanState",
        "NotificationLevel": "notifications.models.NotificationLevel",
        "NotificationType": "notifications.models.NotificationType",
    },
}

_TASK_LINES_LEVEL = ENV.log_level if ENV.log_tasks or ENV.log_level == "DEBUG" else "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.log_level},
    # libvips narrates every resize at INFO: a worker would spend its time writing logs. Celery's line per task
    # received and done (with its whole result) and beat's per task sent come every few seconds on an idle server
    # (the reconciler, the library check): DEBUG only, unless IMMICH_LOG_TASKS. Failures and retries are logged.
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pyvips": {"level": "WARNING"},
        **{
            name: {"level": _TASK_LINES_LEVEL} for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
        },
    },
}
