"""Generated photographs for the duplicate tests: a scene (sky, sun, hills, a lake) drawn with Pillow and numpy,
with objects placed in it, and the copies a library collects of one photo (recompressed, resized, cropped, edited)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

SIZE = (1600, 1200)


def scene(*, seed: int = 0, objects: int = 0, size: tuple[int, int] = SIZE) -> Image.Image:
    """A landscape drawn from `seed`; `objects` (a different seed) places houses and trees in it: the same scene
    with other content."""
    rng = np.random.default_rng(seed)
    width, height = size
    rows = np.linspace(0, 1, height)[:, None, None]
    top, bottom = rng.uniform(40, 140, 3), rng.uniform(150, 255, 3)
    pixels = np.broadcast_to(top + (bottom - top) * rows, (height, width, 3)).copy()
    pixels += rng.normal(0, 6, (height, width, 3))  # sensor noise
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    sun_x, sun_y = rng.uniform(0.1, 0.9) * width, rng.uniform(0.05, 0.3) * height
    draw.ellipse((sun_x - 90, sun_y - 90, sun_x + 90, sun_y + 90), fill=(255, 230, 120))
    for layer in range(3):
        xs = np.linspace(0, width, 12)
        ys = height * (0.45 + 0.12 * layer) + rng.normal(0, height * 0.06, 12)
        shade = tuple(int(c) for c in rng.uniform(20, 120, 3))
        draw.polygon([(0, height), *zip(xs.tolist(), ys.tolist(), strict=True), (width, height)], fill=shade)
    draw.rectangle((0, int(height * 0.82), width, height), fill=(40, 70, int(rng.uniform(120, 200))))
    if objects:
        _place_objects(draw, np.random.default_rng(10_000 + objects), size)
    return image.filter(ImageFilter.GaussianBlur(1))


def _place_objects(draw: ImageDraw.ImageDraw, rng: np.random.Generator, size: tuple[int, int]) -> None:
    width, height = size
    for _ in range(6):
        x, y = rng.uniform(0.05, 0.85) * width, rng.uniform(0.35, 0.75) * height
        w, h = rng.uniform(0.08, 0.2) * width, rng.uniform(0.1, 0.25) * height
        colour = tuple(int(c) for c in rng.uniform(0, 255, 3))
        if rng.uniform() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
            draw.polygon([(x - 10, y), (x + w / 2, y - h / 2), (x + w + 10, y)], fill=(150, 30, 30))
        else:
            draw.ellipse((x, y - h, x + w, y + h / 3), fill=colour)
            draw.rectangle((x + w * 0.45, y, x + w * 0.55, y + h), fill=(80, 50, 20))


def jpeg_bytes(image: Image.Image, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def recompressed(image: Image.Image) -> Image.Image:
    return Image.open(io.BytesIO(jpeg_bytes(image, quality=35)))


def resized(image: Image.Image, factor: float = 0.4) -> Image.Image:
    return image.resize((int(image.width * factor), int(image.height * factor)), Image.Resampling.LANCZOS)


def cropped(image: Image.Image, share: float = 0.04) -> Image.Image:
    """A crop of `share` of each side's length, taken from its left and top."""
    return image.crop((int(image.width * share), int(image.height * share), image.width, image.height))


def edited(image: Image.Image) -> Image.Image:
    """A small edit: brighter, a little more contrast."""
    return ImageEnhance.Contrast(ImageEnhance.Brightness(image).enhance(1.1)).enhance(1.1)


def save(image: Image.Image, path: Path, quality: int = 92) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes(image, quality))
    return path
