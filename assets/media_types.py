"""The file types the server accepts, as Immich lists them (GET /api/server/media-types)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePath

WEB_IMAGE_EXTENSIONS = (".avif", ".bmp", ".gif", ".jpeg", ".jpg", ".png", ".webp")
OTHER_IMAGE_EXTENSIONS = (
    ".heic",
    ".heif",
    ".hif",
    ".insp",
    ".jp2",
    ".jpe",
    ".jxl",
    ".mpo",
    ".svg",
    ".tif",
    ".tiff",
)
RAW_EXTENSIONS = (
    ".3fr",
    ".ari",
    ".arw",
    ".cap",
    ".cin",
    ".cr2",
    ".cr3",
    ".crw",
    ".dcr",
    ".dng",
    ".erf",
    ".fff",
    ".iiq",
    ".k25",
    ".kdc",
    ".mrw",
    ".nef",
    ".nrw",
    ".orf",
    ".ori",
    ".pef",
    ".psd",
    ".raf",
    ".raw",
    ".rw2",
    ".rwl",
    ".sr2",
    ".srf",
    ".srw",
    ".x3f",
)
IMAGE_EXTENSIONS = tuple(sorted(WEB_IMAGE_EXTENSIONS + OTHER_IMAGE_EXTENSIONS + RAW_EXTENSIONS))
VIDEO_EXTENSIONS = (
    ".3gp",
    ".3gpp",
    ".avi",
    ".flv",
    ".insv",
    ".m2t",
    ".m2ts",
    ".m4v",
    ".mkv",
    ".mov",
    ".mp4",
    ".mpe",
    ".mpeg",
    ".mpg",
    ".mts",
    ".mxf",
    ".ts",
    ".vob",
    ".webm",
    ".wmv",
)
SIDECAR_EXTENSIONS = (".xmp",)

IMAGE = "IMAGE"
VIDEO = "VIDEO"

_MIME_OVERRIDES = {
    ".jpg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".tif": "image/tiff",
    ".svg": "image/svg+xml",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".hif": "image/heif",
    ".jxl": "image/jxl",
    ".jp2": "image/jp2",
    ".insp": "image/jpeg",
    ".mpo": "image/mpo",
    ".psd": "image/vnd.adobe.photoshop",
    ".dng": "image/x-adobe-dng",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
    ".wmv": "video/x-ms-wmv",
    ".m4v": "video/x-m4v",
    ".3gp": "video/3gpp",
    ".3gpp": "video/3gpp",
    ".flv": "video/x-flv",
    ".mts": "video/mp2t",
    ".m2ts": "video/mp2t",
    ".m2t": "video/mp2t",
    ".ts": "video/mp2t",
    ".mxf": "application/mxf",
    ".vob": "video/mpeg",
    ".mpg": "video/mpeg",
    ".mpe": "video/mpeg",
    ".insv": "video/mp4",
    ".xmp": "application/xml",
}


def extension_of(name: str) -> str:
    return stored_extension(name).lower()


def stored_extension(name: str) -> str:
    """The extension the stored original keeps, case kept: the one its type was decided by ("....jpg" -> ".jpg",
    where os.path.splitext sees no extension at all). A bare name's is found without making a path (a search page
    asks for a thousand), by PurePath's rule: after the last dot, neither the first nor the last character."""
    if "/" in name:
        return PurePath(name).suffix
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def asset_type_for(name: str) -> str | None:
    """IMAGE or VIDEO for a supported file name, None for anything else."""
    extension = extension_of(name)
    if extension in IMAGE_EXTENSIONS:
        return IMAGE
    if extension in VIDEO_EXTENSIONS:
        return VIDEO
    return None


UNKNOWN_MIME_TYPE = "application/octet-stream"


def known_mime_types() -> dict[str, str]:
    """Extension -> MIME type, for every extension with a type of its own (any other: UNKNOWN_MIME_TYPE)."""
    extensions = (*IMAGE_EXTENSIONS, *VIDEO_EXTENSIONS, *_MIME_OVERRIDES)
    return {extension: _mime_type_of(extension) for extension in extensions}


def mime_type_for(name: str) -> str:
    return _mime_type_of(extension_of(name))


@lru_cache(maxsize=512)
def _mime_type_of(extension: str) -> str:
    if extension in _MIME_OVERRIDES:
        return _MIME_OVERRIDES[extension]
    if extension in RAW_EXTENSIONS:
        return f"image/x-{extension[1:]}"
    kind = "image" if extension in IMAGE_EXTENSIONS else "video" if extension in VIDEO_EXTENSIONS else None
    return f"{kind}/{extension[1:]}" if kind else UNKNOWN_MIME_TYPE


def is_sidecar(name: str) -> bool:
    return extension_of(name) in SIDECAR_EXTENSIONS
