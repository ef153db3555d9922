"""Image thumbnails on real generated files: every format upright, the right sizes, clean outputs, originals intact."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips
from PIL import Image

from tests.media_factories import (
    builtin_profile,
    make_dng,
    make_exif_jpeg,
    make_heif,
    make_image,
    make_png16,
    make_raw_dng,
    make_xmp_packet,
    noisy_picture,
    sha1_of,
    upright_picture,
)
from workers.media.thumbnails import ThumbnailSpec, generate_image_thumbnails

SPECS = (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "jpeg", 1440, 80))


def produce(source: Path, folder: Path, specs=SPECS, **options):
    outputs = {spec.kind: folder / "out" / f"{spec.kind}.{spec.format}" for spec in specs}
    before = sha1_of(source)
    result = generate_image_thumbnails(source, outputs, specs, **options)
    assert sha1_of(source) == before, "the original was modified"
    return result, outputs


def load(path: Path) -> pyvips.Image:
    # From bytes, not the file name: nothing may come from a cache.
    return pyvips.Image.new_from_buffer(path.read_bytes(), "")


def assert_upright(image: pyvips.Image) -> None:
    """The red mark is top-left; the other corners are blue (within JPEG/WebP tolerance)."""

    def close(pixel, colour):
        return all(abs(a - b) < 60 for a, b in zip(pixel[:3], colour))

    inset = 2
    assert close(image(inset, inset), (255, 0, 0)), f"top-left is {image(inset, inset)}"
    for x, y in (
        (image.width - 1 - inset, inset),
        (inset, image.height - 1 - inset),
        (image.width - 1 - inset, image.height - 1 - inset),
    ):
        assert close(image(x, y), (0, 0, 255)), f"corner {x},{y} is {image(x, y)}"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_in_every_exif_orientation_comes_out_upright(tmp_path, orientation):
    source = make_exif_jpeg(tmp_path / "photo.jpg", picture=upright_picture((120, 80)), orientation=orientation)
    result, outputs = produce(source, tmp_path)
    for path in outputs.values():
        image = load(path)
        assert (image.width, image.height) == (120, 80)
        assert_upright(image)
    assert (result.width, result.height) == (120, 80)
    assert result.source_path_used == "decoded"


FORMATS = {
    "png": lambda folder: make_image(folder / "a.png", "PNG"),
    "png-alpha": lambda folder: make_image(folder / "a.png", "PNG", picture=upright_picture(mode="RGBA")),
    "png-16bit": None,
    "webp": lambda folder: make_image(folder / "a.webp", "WEBP", quality=95),
    "gif": lambda folder: make_image(folder / "a.gif", "GIF"),
    "tiff": lambda folder: make_image(folder / "a.tif", "TIFF", compression="tiff_deflate"),
    "bmp": lambda folder: make_image(folder / "a.bmp", "BMP"),
    "heic": lambda folder: make_heif(folder / "a.heic"),
    "heic-rotated-in-container": lambda folder: make_heif(folder / "a.heic", irot=1),
    "heic-exif-orientation-only": lambda folder: make_heif(folder / "a.heic", exif_orientation=6),
    "heic-container-and-exif": lambda folder: make_heif(folder / "a.heic", irot=3, exif_orientation=6),
    "avif": lambda folder: make_heif(folder / "a.avif", codec="av1"),
    "avif-rotated-in-container": lambda folder: make_heif(folder / "a.avif", codec="av1", irot=1),
    "avif-exif-orientation-only": lambda folder: make_heif(folder / "a.avif", codec="av1", exif_orientation=8),
    "png-named-jpg": lambda folder: make_image(folder / "actually-a-png.jpg", "PNG"),
    "jpeg-named-heic": lambda folder: make_exif_jpeg(folder / "a.heic", orientation=6),
}


@pytest.mark.parametrize("name", [name for name, factory in FORMATS.items() if factory])
def test_formats_come_out_upright_with_both_outputs(tmp_path, name):
    source = FORMATS[name](tmp_path)
    result, outputs = produce(source, tmp_path)
    thumbnail, preview = load(outputs["thumbnail"]), load(outputs["preview"])
    assert thumbnail.get("vips-loader").startswith("webpload")
    assert preview.get("vips-loader").startswith("jpegload")
    assert_upright(preview)
    assert_upright(thumbnail)
    assert (preview.width, preview.height) == (result.width, result.height)
    assert len(result.thumbhash) >= 5


def test_sixteen_bit_png_becomes_eight_bit_srgb(tmp_path):
    _, outputs = produce(make_png16(tmp_path / "deep.png"), tmp_path)
    preview = load(outputs["preview"])
    assert preview.format == "uchar" and preview.bands == 3
    assert [round(value) for value in preview(5, 5)] == pytest.approx([0, 117, 255], abs=3)


def test_dng_without_raw_decoder_uses_the_embedded_preview_upright(tmp_path):
    source = make_dng(tmp_path / "a.dng", orientation=6)
    result, outputs = produce(source, tmp_path)
    assert result.source_path_used == "embedded-preview"
    preview = load(outputs["preview"])
    assert (preview.width, preview.height) == (160, 120)
    assert_upright(preview)


def test_a_dng_without_any_preview_is_developed_by_libraw_upright(tmp_path):
    """Issue 24, item 17: sensor data only, which libvips' TIFF loader refused ("tile size out of range")."""
    source = make_raw_dng(tmp_path / "raw-only.dng", orientation=6)
    result, outputs = produce(source, tmp_path)
    assert result.source_path_used == "decoded-raw"
    preview = load(outputs["preview"])
    assert (preview.width, preview.height) == (160, 120)
    assert_upright(preview)
    assert_upright(load(outputs["thumbnail"]))


def test_a_large_raw_is_developed_at_half_size_for_a_small_thumbnail(tmp_path):
    source = make_raw_dng(tmp_path / "big.dng", picture=upright_picture(size=(1200, 800), mark=200))
    specs = (ThumbnailSpec("thumbnail", "webp", 250, 80),)
    result, outputs = produce(source, tmp_path, specs=specs)
    thumbnail = load(outputs["thumbnail"])
    assert (result.source_path_used, thumbnail.width, thumbnail.height) == ("decoded-raw", 375, 250)
    assert_upright(thumbnail)


def test_shorter_side_is_250_and_1440_for_large_images(tmp_path):
    landscape = make_exif_jpeg(tmp_path / "wide.jpg", picture=noisy_picture((3000, 2000)))
    result, outputs = produce(landscape, tmp_path)
    assert (result.width, result.height) == (2160, 1440)
    assert (load(outputs["thumbnail"]).width, load(outputs["thumbnail"]).height) == (375, 250)
    # Stored landscape, displayed portrait: the box must be computed on the displayed size.
    portrait = make_exif_jpeg(tmp_path / "tall.jpg", picture=noisy_picture((2000, 3000)), orientation=6)
    result, outputs = produce(portrait, tmp_path)
    assert (result.width, result.height) == (1440, 2160)
    assert (load(outputs["thumbnail"]).width, load(outputs["thumbnail"]).height) == (250, 375)


def test_a_pictures_jpeg_preview_keeps_full_chroma_as_immichs_does_from_quality_80(tmp_path):
    source = make_exif_jpeg(tmp_path / "a.jpg", picture=noisy_picture((600, 400)))
    _, outputs = produce(source, tmp_path)
    assert load(outputs["preview"]).get("jpeg-chroma-subsample") == "4:4:4"


def test_small_images_are_never_upscaled(tmp_path):
    result, outputs = produce(make_exif_jpeg(tmp_path / "small.jpg", picture=upright_picture((100, 80))), tmp_path)
    assert (result.width, result.height) == (100, 80)
    for path in outputs.values():
        assert (load(path).width, load(path).height) == (100, 80)


def test_specs_decide_sizes_formats_and_fullsize(tmp_path):
    specs = (
        ThumbnailSpec("thumbnail", "jpeg", 50, 70, progressive=True),
        ThumbnailSpec("preview", "webp", 100, 90),
        ThumbnailSpec("fullsize", "jpeg", 0, 80),
    )
    source = make_exif_jpeg(tmp_path / "a.jpg", picture=noisy_picture((600, 400)))
    result, outputs = produce(source, tmp_path, specs=specs)
    sizes = {kind: (load(path).width, load(path).height) for kind, path in outputs.items()}
    assert sizes == {"thumbnail": (75, 50), "preview": (150, 100), "fullsize": (600, 400)}
    assert load(outputs["thumbnail"]).get("interlaced") == 1
    assert (result.width, result.height) == (150, 100)


def test_outputs_carry_no_metadata(tmp_path):
    source = make_exif_jpeg(
        tmp_path / "a.jpg",
        picture=noisy_picture((400, 300)),
        orientation=1,
        exif={"0th": {271: b"Cam", 305: b"Editor"}},
        icc=builtin_profile("srgb"),
        xmp=make_xmp_packet(**{"dc:description": "secret place"}),
    )
    _, outputs = produce(source, tmp_path)
    for path in outputs.values():
        fields = load(path).get_fields()
        assert not {"exif-data", "xmp-data", "icc-profile-data", "iptc-data"} & set(fields), fields
        assert b"secret place" not in path.read_bytes()


def test_display_p3_source_keeps_its_pixels_and_is_tagged_p3(tmp_path):
    colour = (200, 60, 40)
    source = make_exif_jpeg(tmp_path / "p3.jpg", picture=Image.new("RGB", (64, 64), colour), icc=builtin_profile("p3"))
    _, outputs = produce(source, tmp_path, colorspace="p3")
    preview = load(outputs["preview"])
    assert preview(10, 10) == pytest.approx(list(colour), abs=3)
    assert preview.get("icc-profile-data") == builtin_profile("p3")


def test_display_p3_source_is_converted_when_srgb_is_configured(tmp_path):
    colour = (200, 60, 40)
    source = make_exif_jpeg(tmp_path / "p3.jpg", picture=Image.new("RGB", (64, 64), colour), icc=builtin_profile("p3"))
    _, outputs = produce(source, tmp_path, colorspace="srgb")
    preview = load(outputs["preview"])
    assert not preview.get_typeof("icc-profile-data")
    red, green, _ = preview(10, 10)
    assert red > colour[0] + 10 and green < colour[1]  # P3's red is more saturated than sRGB's: it spreads out


def test_transparent_png_keeps_alpha_in_webp_and_is_flattened_on_white_in_jpeg(tmp_path):
    picture = Image.new("RGBA", (60, 40), (0, 0, 0, 0))
    picture.paste((0, 200, 0, 255), (0, 0, 30, 40))
    result, outputs = produce(make_image(tmp_path / "a.png", "PNG", picture=picture), tmp_path)
    thumbnail, preview = load(outputs["thumbnail"]), load(outputs["preview"])
    assert thumbnail.hasalpha() and thumbnail(50, 20)[3] == 0
    assert preview.bands == 3 and min(preview(50, 20)) > 245
    assert result.thumbhash[2] & 0x80  # the thumbhash says "has alpha"
    assert any("flattened" in warning for warning in result.warnings)


def test_outputs_replace_old_files_and_leave_no_temporary_files(tmp_path):
    source = make_exif_jpeg(tmp_path / "a.jpg")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "preview.jpeg").write_bytes(b"old")
    produce(source, tmp_path)
    assert sorted(path.name for path in folder.iterdir()) == ["preview.jpeg", "thumbnail.webp"]
    assert (folder / "preview.jpeg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_what_a_worker_killed_mid_write_left_is_removed_by_the_next_run(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / ".preview.jpeg.0123456789ab.partial").write_bytes(b"half a preview")
    (folder / ".other-asset_preview.jpeg.0123456789ab.partial").write_bytes(b"another asset's, being written")
    produce(make_exif_jpeg(tmp_path / "a.jpg"), tmp_path)
    assert sorted(path.name for path in folder.iterdir()) == [
        ".other-asset_preview.jpeg.0123456789ab.partial",
        "preview.jpeg",
        "thumbnail.webp",
    ]


def test_a_failing_encode_leaves_nothing_half_written(tmp_path):
    specs = (ThumbnailSpec("thumbnail", "webp", 250, 80), ThumbnailSpec("preview", "png", 1440, 80))
    with pytest.raises(ValueError):
        produce(make_exif_jpeg(tmp_path / "a.jpg"), tmp_path, specs=specs)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_sidecar_orientation_can_override_the_files(tmp_path):
    # The file says nothing; a sidecar (passed by the caller as `orientation`) says rotate 90 clockwise.
    stored = upright_picture((120, 80)).transpose(Image.Transpose.ROTATE_90)
    source = make_exif_jpeg(tmp_path / "a.jpg", picture=stored)
    result, outputs = produce(source, tmp_path, orientation=6)
    assert (result.width, result.height) == (120, 80)
    assert_upright(load(outputs["preview"]))


def test_orientation_override_on_a_large_streamed_png(tmp_path):
    # PNG decodes sequentially; turning the result must not ask the decoder for lines out of order.
    stored = upright_picture((1500, 2400), mark=400).transpose(Image.Transpose.ROTATE_90)
    result, outputs = produce(make_image(tmp_path / "big.png", "PNG", picture=stored), tmp_path, orientation=6)
    assert (result.width, result.height) == (1440, 2304)
    assert_upright(load(outputs["preview"]))
