"""The one place that reads the process environment.

Every setting the server understands is declared here with its type and its safe default, and documented in the
README's configuration table. Other modules import `ENV`; nothing else calls `os.environ`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Build metadata a build or an image sets, under Immich's names, shown by `/api/server/about` (when set).
BUILD_METADATA = {
    "IMMICH_BUILD": "build",
    "IMMICH_BUILD_URL": "buildUrl",
    "IMMICH_BUILD_IMAGE": "buildImage",
    "IMMICH_BUILD_IMAGE_URL": "buildImageUrl",
    "IMMICH_REPOSITORY": "repository",
    "IMMICH_REPOSITORY_URL": "repositoryUrl",
    "IMMICH_SOURCE_REF": "sourceRef",
    "IMMICH_SOURCE_COMMIT": "sourceCommit",
    "IMMICH_SOURCE_URL": "sourceUrl",
}


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _text(name: str, default: str = "") -> str:
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else raw.strip()


def _int(name: str, default: int) -> int:
    raw = _text(name)
    return int(raw) if raw else default


def _list(name: str, default: str = "") -> tuple[str, ...]:
    """A comma-separated list, items stripped, empty items dropped."""
    return tuple(item.strip() for item in _text(name, default).split(",") if item.strip())


def _origins(name: str) -> tuple[str, ...]:
    """A comma-separated list of origins, each with its scheme (Django refuses a bare host name)."""
    origins = _list(name)
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise ValueError(f"{name}: {origin!r} needs its scheme, for example https://{origin}")
    return tuple(origin.rstrip("/") for origin in origins)


def _paths(name: str) -> tuple[Path, ...]:
    """A colon-separated list of absolute folders, normalised (relative entries are refused)."""
    paths = []
    for part in _text(name).split(":"):
        if not part.strip():
            continue
        path = Path(part.strip()).expanduser()
        if not path.is_absolute():
            raise ValueError(f"{name}: {part!r} is not an absolute path")
        paths.append(Path(os.path.normpath(path)))
    return tuple(paths)


# Where the library lived by default before it moved out of the clone (`git clean -xdf` would delete it there).
LEGACY_MEDIA_LOCATION = REPO_ROOT / "data"


def default_media_location() -> Path:
    """The library's folder when IMMICH_MEDIA_LOCATION is unset: `$XDG_DATA_HOME/immich` (`~/.local/share/immich`).

    Outside the git clone, so that cleaning or deleting the clone never deletes photos. An install made before this
    default, whose library is `./data` beside manage.py, keeps using it while that folder holds anything.
    """
    if LEGACY_MEDIA_LOCATION.is_dir() and any(LEGACY_MEDIA_LOCATION.iterdir()):
        return LEGACY_MEDIA_LOCATION
    return user_data_location()


def user_data_location() -> Path:
    """`$XDG_DATA_HOME/immich`, `~/.local/share/immich` without it (the XDG base directory specification)."""
    data_home = _text("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser().resolve() / "immich"


@dataclass(frozen=True)
class Environment:
    database_url: str
    redis_url: str
    media_location: Path
    secret_key: str
    debug: bool
    # Host names the server answers to; ("*",) by default: any, as Immich does (see docs/production.md).
    allowed_hosts: tuple[str, ...]
    port: int
    worker_concurrency: int
    log_level: str
    # Decoding one image may take at most this much memory (estimated from its header, workers.media.budget).
    decode_memory_limit_mb: int = 512
    # A worker process whose resident memory is over this after a job is replaced by a fresh one (0: never).
    worker_max_memory_mb: int = 768
    # Celery's line per task run (with its result) and beat's per task sent, at log_level; else only at DEBUG.
    log_tasks: bool = False
    # Folders external libraries may import from (IMMICH_EXTERNAL_LIBRARY_ROOTS, colon-separated); empty: any.
    external_library_roots: tuple[Path, ...] = ()
    # False when REDIS_URL is unset: `manage.py serve` then starts its own embedded Redis.
    redis_url_is_set: bool = False
    # Resumable (tus) uploads: hours an unfinished upload is kept after its last chunk, and the largest one accepted.
    tus_expiry_hours: int = 24
    tus_max_size: int = 100 * 1024**3
    # Seconds each piece (64 KiB to 1 MiB) of a request body may take to arrive (immich/body_deadline.py); 0: no deadline.
    body_read_timeout_s: int = 10
    # Where stored files live (immich/storage.py): "filesystem" (under media_location) or "s3" (the bucket below).
    storage_backend: str = "filesystem"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""
    # Serve originals, thumbnails and playback by a 302 to a presigned URL of the bucket instead of through the API.
    s3_presigned_redirect: bool = False
    # This machine's folder for files fetched from storage while a job works on them, and uploads being received.
    scratch_location: Path = Path(tempfile.gettempdir()) / "immich-scratch"
    # The Unix socket where the API hands websockets of /api/socket.io to this machine's live-events process (one
    # per API port by default, so two servers on one machine keep to their own).
    live_events_socket: Path = Path(tempfile.gettempdir()) / "immich-scratch" / "live-events-2283.sock"
    # Behind a reverse proxy: origins (scheme://host[:port]) whose form posts the admin accepts, and whether the
    # proxy's X-Forwarded-Proto and X-Forwarded-Host headers are believed (only a proxy that sets them may be).
    csrf_trusted_origins: tuple[str, ...] = ()
    trust_x_forwarded_proto: bool = False
    trust_x_forwarded_host: bool = False
    # The build metadata that was set (BUILD_METADATA), by the field name of Immich's ServerAboutResponseDto.
    build_metadata: dict[str, str] = field(default_factory=dict)

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")


def read_environment() -> Environment:
    media = Path(_text("IMMICH_MEDIA_LOCATION", str(default_media_location()))).expanduser().resolve()
    scratch = Path(_text("IMMICH_SCRATCH_LOCATION", str(Path(tempfile.gettempdir()) / "immich-scratch")))
    scratch = scratch.expanduser().resolve()
    return Environment(
        database_url=_text("DATABASE_URL", f"sqlite:///{media / 'immich.sqlite3'}"),
        redis_url=_text("REDIS_URL", "redis://127.0.0.1:6379/0"),
        media_location=media,
        secret_key=_text("SECRET_KEY"),
        debug=_flag("DEBUG", False),
        allowed_hosts=_allowed_hosts(),
        port=_int("IMMICH_PORT", 2283),
        worker_concurrency=_int("IMMICH_WORKER_CONCURRENCY", 0),
        log_level=_text("IMMICH_LOG_LEVEL", "INFO").upper(),
        decode_memory_limit_mb=_int("IMMICH_DECODE_MEMORY_LIMIT_MB", 512),
        worker_max_memory_mb=_int("IMMICH_WORKER_MAX_MEMORY_MB", 768),
        log_tasks=_flag("IMMICH_LOG_TASKS", False),
        redis_url_is_set=bool(_text("REDIS_URL")),
        external_library_roots=_paths("IMMICH_EXTERNAL_LIBRARY_ROOTS"),
        tus_expiry_hours=_int("IMMICH_TUS_EXPIRY_HOURS", 24),
        tus_max_size=_int("IMMICH_TUS_MAX_SIZE", 100 * 1024**3),
        body_read_timeout_s=_int("IMMICH_BODY_READ_TIMEOUT", 10),
        storage_backend=_storage_backend(),
        s3_bucket=_text("IMMICH_S3_BUCKET"),
        s3_endpoint_url=_text("IMMICH_S3_ENDPOINT_URL"),
        s3_region=_text("IMMICH_S3_REGION"),
        s3_access_key_id=_text("IMMICH_S3_ACCESS_KEY_ID"),
        s3_secret_access_key=_text("IMMICH_S3_SECRET_ACCESS_KEY"),
        s3_prefix=_text("IMMICH_S3_PREFIX").strip("/"),
        s3_presigned_redirect=_flag("IMMICH_S3_PRESIGNED_REDIRECT", False),
        scratch_location=scratch,
        live_events_socket=Path(
            _text("IMMICH_LIVE_EVENTS_SOCKET", str(scratch / f"live-events-{_int('IMMICH_PORT', 2283)}.sock"))
        ),
        csrf_trusted_origins=_origins("CSRF_TRUSTED_ORIGINS"),
        trust_x_forwarded_proto=_flag("IMMICH_TRUST_X_FORWARDED_PROTO", False),
        trust_x_forwarded_host=_flag("IMMICH_TRUST_X_FORWARDED_HOST", False),
        build_metadata={name: _text(variable) for variable, name in BUILD_METADATA.items() if _text(variable)},
    )


LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _allowed_hosts() -> tuple[str, ...]:
    """ALLOWED_HOSTS, any by default; a list given always keeps this machine's own names, which the image's
    healthcheck and `serve`'s banner use."""
    hosts = _list("ALLOWED_HOSTS", "*")
    return hosts if "*" in hosts else hosts + tuple(host for host in LOCAL_HOSTS if host not in hosts)


def _storage_backend() -> str:
    backend = _text("IMMICH_STORAGE_BACKEND", "filesystem").lower()
    if backend not in ("filesystem", "s3"):
        raise ValueError(f"IMMICH_STORAGE_BACKEND: {backend!r} is not filesystem or s3")
    if backend == "s3" and not _text("IMMICH_S3_BUCKET"):
        raise ValueError("IMMICH_STORAGE_BACKEND=s3 needs IMMICH_S3_BUCKET")
    return backend


ENV = read_environment()
