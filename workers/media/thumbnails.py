"""The thumbnail, preview (and optional fullsize) files and the thumbhash of one image or video.

One decode feeds everything: libvips shrinks on load (JPEG DCT scaling, WebP/HEIF/TIFF pyramids) straight to the
largest wanted size, orientation is applied once, colour is settled once, and every output plus the thumbhash is
derived from that in-memory image. Outputs are encoded first, then each is written to a hidden temporary name in
its folder and renamed into place, so a killed worker never leaves a half-written file under a real name.

Colour: sRGB and untagged sources stay as they are (no ICC transform, output untagged = sRGB). A source whose
profile is Display P3 keeps its pixels and gets its profile embedded when the colorspace setting is "p3" (no work at
all, as iPhone photos are P3). Any other profile (Adobe RGB, ProPhoto, ...) is transformed to sRGB or P3 after the
shrink, on the small image: correct colour without Immich's 16-bit whole-image path (0.43x its sRGB speed).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import pyvips
from PIL import Image, UnidentifiedImageError

from workers.media import budget, exif, fs, heif, raw, video
from workers.media.errors import UnreadableMedia, libvips_reason
from workers.media.header import PILLOW_FORMATS, ImageHeader, read_image_header
from workers.media.thumbhash import rgba_to_thumbhash

_FAR = 10_000_000  # "unconstrained" side of a libvips thumbnail box
_THUMBHASH_BOX = 100


@dataclass(frozen=True)
class ThumbnailSpec:
    kind: str  # "thumbnail" | "preview" | "fullsize"
    format: str  # "webp" | "jpeg"
    size: int  # shorter side in pixels (ignored for fullsize: original resolution)
    quality: int
    progressive: bool = False  # JPEG only


@dataclass(frozen=True)
class ThumbnailResult:
    thumbhash: bytes
    source_path_used: str  # "decoded" | "embedded-preview" (RAW) | "decoded-raw" (LibRaw) | "video-frame"
    width: int  # of the preview (else of the largest output)
    height: int
    warnings: tuple[str, ...] = ()


def _box(width: int, height: int, short_side: int) -> tuple[int, int]:
    """A libvips thumbnail box that makes the shorter side `short_side` (Immich's resize fit:'outside')."""
    return (short_side, _FAR) if width <= height else (_FAR, short_side)


def _exact_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    if width <= height:
        return short_side, round(height * short_side / width)
    return round(width * short_side / height), short_side


def _plain_jpeg(path: Path, header: ImageHeader, short_side: int | None) -> pyvips.Image:
    """RGB or grey JPEGs: libjpeg's DCT scaling (1/2, 1/4, 1/8) while decoding, then one lanczos3 resize to the
    exact size. The same steps vips_thumbnail takes, minus its generic extras: about 20% less CPU per image."""
    shrink = 1
    if short_side:
        shrink = next((factor for factor in (8, 4, 2) if min(header.width, header.height) // factor >= short_side), 1)
    image = pyvips.Image.jpegload(str(path), shrink=shrink, access="sequential", fail_on="error")
    if short_side and min(image.width, image.height) > short_side:
        width, height = _exact_size(header.width, header.height, short_side)
        image = image.resize(width / image.width, vscale=height / image.height)
    return image


def _shrink(image: pyvips.Image, short_side: int) -> pyvips.Image:
    """Shrink an in-memory image so its shorter side is `short_side`; smaller images are returned as they are."""
    if min(image.width, image.height) <= short_side:
        return image
    width, height = _box(image.width, image.height, short_side)
    return image.thumbnail_image(width, height=height, size="down")


def _orient(image: pyvips.Image, orientation: int | None, *, in_memory: bool = False) -> pyvips.Image:
    """Apply an EXIF orientation. Turning needs random access while decoders stream sequentially, so the (already
    shrunk) image is first rendered to memory unless it is there already."""
    if not orientation or orientation == 1:
        return image
    image = image.copy() if in_memory else image.copy_memory()
    image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return image.autorot()


def _pillow_image(path: Path, reduce: int = 0) -> pyvips.Image:
    """BMP and JPEG 2000 through Pillow; `reduce`: JPEG 2000 resolution levels to leave out (each halves both
    sides), so only the reduced picture is ever decoded."""
    try:
        with Image.open(path) as opened:
            if reduce:
                opened.reduce = reduce  # type: ignore[assignment,method-assign]  # the JPEG 2000 plugin's setter
            picture = opened.convert("RGBA" if "A" in opened.getbands() or "transparency" in opened.info else "RGB")
            bands = len(picture.getbands())
            return pyvips.Image.new_from_memory(picture.tobytes(), picture.width, picture.height, bands, "uchar").copy(
                interpretation="srgb"
            )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UnreadableMedia(f"cannot decode the image: {error}") from error


def _decode(
    path: Path,
    header: ImageHeader,
    short_side: int | None,
    orientation: int | None,
    *,
    decode_limit: int = budget.DEFAULT_DECODE_LIMIT,
) -> tuple[pyvips.Image, str]:
    """The image upright and shrunk (never enlarged) so its shorter side is `short_side` (None: full size).
    Refused with UnreadableMedia, before decoding, when it would need more than `decode_limit` bytes."""
    plan = budget.checked_plan(header, short_side, decode_limit)
    exif_orientation = exif.read_exif(header.exif).get("orientation") if header.exif else None
    wanted = orientation or exif_orientation or 1
    if header.raw_preview is not None:
        # Embedded previews carry no orientation of their own that can be trusted: apply the RAW's.
        data, width, height = header.raw_preview
        box = _box(width, height, short_side) if short_side else (width, height)
        image = pyvips.Image.thumbnail_buffer(data, box[0], height=box[1], size="down", no_rotate=True, fail_on="error")
        return _orient(image, wanted), "embedded-preview"
    fmt = header.sniffed.format
    if header.sniffed.is_raw:
        # No preview to show (some converters and phones write none): LibRaw develops the sensor data.
        half_size = bool(short_side) and min(header.width, header.height) // 2 >= (short_side or 0)
        try:
            data, width, height = raw.demosaic(path, half_size=half_size)
        except ValueError as error:
            raise UnreadableMedia(f"cannot develop this {fmt.upper()} RAW file: {error}") from error
        image = pyvips.Image.new_from_memory(data, width, height, 3, "uchar").copy(interpretation="srgb")
        image = _shrink(image, short_side) if short_side else image
        return _orient(image, wanted, in_memory=True), "decoded-raw"
    if fmt == "heif" or fmt in PILLOW_FORMATS:
        image = heif.decode_heif(path) if fmt == "heif" else _pillow_image(path, plan.reduce)
        if not header.container_transform:
            image = _orient(image, wanted, in_memory=True)
        return (_shrink(image, short_side) if short_side else image), "decoded"
    if fmt == "jpeg" and header.interpretation in ("srgb", "b-w"):
        return _orient(_plain_jpeg(path, header, short_side), wanted), "decoded"
    # libvips decodes it, shrinking on load. HEIF-family files arrive already transformed by their container;
    # EXIF orientation is then applied here only when the container had none (Samsung-style files).
    apply_ourselves = fmt == "avif" or orientation is not None
    if apply_ourselves:
        width, height = header.width, header.height
    else:
        width, height = (header.height, header.width) if wanted in (5, 6, 7, 8) else (header.width, header.height)
    box = _box(width, height, short_side) if short_side else (width, height)
    image = pyvips.Image.thumbnail(
        str(path), box[0], height=box[1], size="down", no_rotate=apply_ourselves, fail_on="error"
    )
    if apply_ourselves and not header.container_transform:
        image = _orient(image, wanted)
    return image, "decoded"


def _settle_colour(image: pyvips.Image, colorspace: str) -> tuple[pyvips.Image, bytes | None]:
    """8-bit sRGB pixels (or Display P3 ones with the profile to embed). See the module docstring."""
    profile = bytes(image.get("icc-profile-data")) if image.get_typeof("icc-profile-data") else None
    description = (exif.icc_description(profile) or "").lower()
    if profile and "srgb" not in description:
        if colorspace == "p3" and "p3" in description:
            return image.colourspace("srgb"), profile  # same numbers, only the 8-bit srgb interpretation
        try:
            converted = image.icc_transform("p3" if colorspace == "p3" else "srgb", embedded=True, depth=8)
            embedded = bytes(converted.get("icc-profile-data")) if colorspace == "p3" else None
            return converted.copy(interpretation="srgb"), embedded
        except pyvips.Error:
            pass  # a broken profile: show the numbers as sRGB rather than fail the asset
    if image.interpretation not in ("srgb",) or image.format != "uchar":
        image = image.colourspace("srgb")
    return image, None


def _encode(image: pyvips.Image, spec: ThumbnailSpec, profile: bytes | None, *, chroma_halved: bool = False) -> bytes:
    keep = pyvips.enums.ForeignKeep.ICC if profile else pyvips.enums.ForeignKeep.NONE
    if profile:
        image = image.copy()
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", profile)
    if spec.format == "webp":
        webp: bytes = image.webpsave_buffer(Q=spec.quality, keep=keep)
        return webp
    if spec.format == "jpeg":
        if image.hasalpha():
            image = image.flatten(background=[255, 255, 255])
        jpeg: bytes = image.jpegsave_buffer(
            Q=spec.quality,
            interlace=spec.progressive,
            optimize_coding=True,  # as sharp (Immich) does: ~5% smaller files
            # Immich: 4:4:4 chroma from quality 80 for pictures. A video frame's chroma is already halved both ways
            # (4:2:0), and Immich's ffmpeg writes its stills as yuv420p: 4:4:4 would store interpolated chroma for
            # a third more encoding time (33 against 25 ms for 1920x1080).
            subsample_mode="on" if chroma_halved or spec.quality < 80 else "off",
            keep=keep,
        )
        return jpeg
    raise ValueError(f"unsupported thumbnail format {spec.format!r}")


def _write_atomically(path: Path, data: bytes) -> None:
    _write_all_or_none([(path, data)])


def _write_all_or_none(outputs: list[tuple[Path, bytes]]) -> None:
    """Every output written to its temporary name first, and renamed into place only once all are written: a full
    disk (or any error) on the preview leaves no new thumbnail behind, and no temporary file."""
    with contextlib.ExitStack() as stack:
        for path, data in outputs:
            path.parent.mkdir(parents=True, exist_ok=True)
            # clear_stale: one worker runs per asset at a time, so no other is writing these outputs now.
            stack.enter_context(fs.write_then_replace(path, clear_stale=True)).write_bytes(data)


def _largest_short_side(specs: tuple[ThumbnailSpec, ...]) -> int | None:
    if any(spec.kind == "fullsize" or spec.size <= 0 for spec in specs):
        return None
    return max(spec.size for spec in specs)


def _render(
    base: pyvips.Image,
    profile: bytes | None,
    outputs: dict[str, Path],
    specs: tuple[ThumbnailSpec, ...],
    source_used: str,
    warnings: list[str],
    *,
    chroma_halved: bool = False,
) -> ThumbnailResult:
    encoded, sizes, smallest = [], {}, base
    for spec in specs:
        image = base if spec.kind == "fullsize" or spec.size <= 0 else _shrink(base, spec.size).copy_memory()
        encoded.append((outputs[spec.kind], _encode(image, spec, profile, chroma_halved=chroma_halved)))
        sizes[spec.kind] = (image.width, image.height)
        smallest = min(smallest, image, key=lambda candidate: candidate.width * candidate.height)
    # Shrinking the 250 px thumbnail into 100x100 costs a fraction of shrinking the preview, for the same hash
    # content (a thumbhash keeps only the lowest frequencies).
    small = smallest.thumbnail_image(_THUMBHASH_BOX, height=_THUMBHASH_BOX, size="down")
    if not small.hasalpha():
        small = small.bandjoin(255)
    digest = rgba_to_thumbhash(small.width, small.height, small.write_to_memory())
    _write_all_or_none([(Path(path), data) for path, data in encoded])
    width, height = sizes.get("preview") or max(sizes.values(), key=lambda size: size[0] * size[1])
    return ThumbnailResult(digest, source_used, width, height, tuple(warnings))


def _check(outputs: dict[str, Path], specs: tuple[ThumbnailSpec, ...]) -> None:
    if not specs:
        raise ValueError("no thumbnail specs given")
    missing = [spec.kind for spec in specs if spec.kind not in outputs]
    if missing:
        raise ValueError(f"no output path for {', '.join(missing)}")


def generate_image_thumbnails(
    source: Path,
    outputs: dict[str, Path],
    specs: tuple[ThumbnailSpec, ...],
    *,
    max_pixels: int = 100_000_000,
    decode_limit: int = budget.DEFAULT_DECODE_LIMIT,
    colorspace: str = "p3",
    orientation: int | None = None,
) -> ThumbnailResult:
    """Write one file per spec to outputs[spec.kind]; `orientation` (1-8) replaces the file's own if given (e.g.
    from a sidecar). Raises UnreadableMedia with a readable reason for files that cannot be used, and for images
    whose decoding would need more than `decode_limit` bytes (workers.media.budget)."""
    _check(outputs, specs)
    source = Path(source)
    header = read_image_header(source, max_pixels=max_pixels, check_structure=False)
    warnings = []
    try:
        image, used = _decode(source, header, _largest_short_side(specs), orientation, decode_limit=decode_limit)
        image, profile = _settle_colour(image, colorspace)
        if image.hasalpha() and any(spec.format == "jpeg" for spec in specs):
            warnings.append("transparent image: JPEG outputs are flattened onto white")
        base = image.copy_memory()  # the one decode; errors in the file surface here (fail_on="error")
        return _render(base, profile, outputs, specs, used, warnings)
    except pyvips.Error as error:
        raise UnreadableMedia(f"cannot decode the image: {libvips_reason(error)}") from error


def generate_video_thumbnails(
    source: Path,
    outputs: dict[str, Path],
    specs: tuple[ThumbnailSpec, ...],
    *,
    seek_seconds: float = 3.0,
    max_pixels: int = 100_000_000,
) -> ThumbnailResult:
    """The same outputs from a representative, upright frame of the video's first `seek_seconds`."""
    _check(outputs, specs)
    image, warnings = video.grab_still(
        Path(source), target_short_side=_largest_short_side(specs), seek_seconds=seek_seconds, max_pixels=max_pixels
    )
    try:
        return _render(image.copy_memory(), None, outputs, specs, "video-frame", warnings, chroma_halved=True)
    except pyvips.Error as error:
        raise UnreadableMedia(f"cannot make the video still: {libvips_reason(error)}") from error
