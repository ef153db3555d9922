"""The decode memory budget (issue 26, item 5): costed from the header by format, refused with the figure before
anything is decoded, and JPEG 2000 decoded at a reduced resolution where the wanted size allows."""

from __future__ import annotations

import pytest

from tests.decode_bombs import interlaced_png16, jp2_declaring, progressive_jpeg
from tests.media_factories import make_jpeg
from workers.media import budget, thumbnails
from workers.media.errors import UnreadableMedia
from workers.media.header import read_image_header

SPECS = (thumbnails.ThumbnailSpec("thumbnail", "webp", 250, 80), thumbnails.ThumbnailSpec("preview", "jpeg", 1440, 80))


def written(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def outputs(tmp_path):
    return {spec.kind: tmp_path / "out" / f"{spec.kind}.{spec.format}" for spec in SPECS}


def test_a_progressive_jpeg_costs_all_its_coefficients_a_baseline_one_only_what_it_makes(tmp_path):
    progressive = read_image_header(written(tmp_path, "p.jpg", progressive_jpeg(8000, 6000)))
    baseline = read_image_header(make_jpeg(tmp_path / "b.jpg", size=(64, 48)))
    assert progressive.interlaced and progressive.chroma_subsampling == "4:2:0"
    # 48 million pixels, 1.5 samples each (4:2:0), 2 bytes a coefficient
    assert budget.decode_plan(progressive, 1440).needed >= 8000 * 6000 * 3
    assert budget.decode_plan(baseline, 1440).needed < 1024 * 1024


def test_an_image_over_the_limit_is_refused_with_the_figure_and_nothing_written(tmp_path):
    source = written(tmp_path, "bomb.png", interlaced_png16(9999, 9999))
    with pytest.raises(UnreadableMedia) as refused:
        thumbnails.generate_image_thumbnails(source, outputs(tmp_path), SPECS)
    assert str(refused.value) == (
        "image too large to decode safely: this 9999x9999 interlaced 16-bit PNG would need 0.6 GB to decode, "
        "the limit is 0.5 GB"
    )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_limit_is_the_callers(tmp_path):
    source = written(tmp_path, "p.jpg", progressive_jpeg(4000, 3000))
    with pytest.raises(UnreadableMedia, match=r"would need \d\d MB to decode, the limit is 32 MB"):
        thumbnails.generate_image_thumbnails(source, outputs(tmp_path), SPECS, decode_limit=32 * 1024 * 1024)
    assert thumbnails.generate_image_thumbnails(source, outputs(tmp_path), SPECS).width == 1920


def test_jpeg_2000_is_decoded_at_the_smallest_resolution_level_that_still_gives_the_wanted_size(tmp_path):
    header = read_image_header(written(tmp_path, "big.jp2", jp2_declaring(9999, 9999)))
    assert header.resolution_levels == 5
    assert budget.decode_plan(header, 1440).reduce == 2  # 2500 x 2500, not 9999 x 9999 (2.4 GB)
    assert budget.decode_plan(header, 250).reduce == 5  # as far as its levels go
    assert budget.decode_plan(header, None).reduce == 0  # a full-size output needs it whole: over the limit
    with pytest.raises(UnreadableMedia, match="would need 4.1 GB to decode"):
        budget.checked_plan(header, None, budget.DEFAULT_DECODE_LIMIT)
    result = thumbnails.generate_image_thumbnails(tmp_path / "big.jp2", outputs(tmp_path), SPECS)
    assert (result.width, result.height) == (1440, 1440)
