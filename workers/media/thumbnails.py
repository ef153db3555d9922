"""PLACEHOLDER written by the integrator so the app imports; the media helper replaces this module whole."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyvips
import thumbhash as thumbhash_reference

from workers.media.metadata import UnreadableMedia


@dataclass(frozen=True)
class ThumbnailSpec:
    kind: str
    format: str
    size: int
    quality: int
    progressive: bool = False


@dataclass(frozen=True)
class ThumbnailResult:
    thumbhash: bytes
    source_path_used: str
    width: int
    height: int
    warnings: tuple = ()


def _save(image: pyvips.Image, spec: ThumbnailSpec, path: Path) -> None:
    partial = path.with_name(path.name + ".tmp")
    data = image.write_to_buffer(f".{spec.format}", Q=spec.quality, strip=True)
    partial.write_bytes(data)
    os.replace(partial, path)


def generate_image_thumbnails(source: Path, outputs: dict, specs: tuple, *, max_pixels: int = 100_000_000, colorspace: str = "p3") -> ThumbnailResult:
    try:
        header = pyvips.Image.new_from_file(str(source), access="sequential", fail=True)
        if header.width * header.height > max_pixels:
            raise UnreadableMedia("too many pixels")
        preview_spec = max(specs, key=lambda s: s.size)
        image = pyvips.Image.thumbnail(str(source), 100_000, height=100_000, size="down")
        scale = min(1.0, preview_spec.size / min(image.width, image.height))
        preview = image.resize(scale) if scale < 1 else image
        preview = preview.colourspace("srgb")
        for spec in specs:
            s = min(1.0, spec.size / min(preview.width, preview.height))
            _save(preview.resize(s) if s < 1 else preview, spec, outputs[spec.kind])
        small = preview.thumbnail_image(100, height=100)
        if not small.hasalpha():
            small = small.bandjoin(255)
        digest = bytes(thumbhash_reference.rgba_to_thumb_hash(small.width, small.height, list(small.write_to_memory())))
        return ThumbnailResult(digest, "decoded", preview.width, preview.height)
    except pyvips.Error as error:
        raise UnreadableMedia(str(error).splitlines()[0]) from error


def generate_video_thumbnails(source: Path, outputs: dict, specs: tuple) -> ThumbnailResult:
    raise UnreadableMedia("video stills are not implemented yet")
