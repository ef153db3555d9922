"""The vectorised ThumbHash encoder gives the reference's bytes, image for image."""

from __future__ import annotations

import math
import random

import pytest
import thumbhash as reference_package
from PIL import Image, ImageDraw, ImageFilter

from workers.media.thumbhash import rgba_to_thumbhash


def _js_round(value: float) -> int:
    return math.floor(value + 0.5)


def reference_rgba_to_thumbhash(w: int, h: int, rgba: bytes) -> bytes:
    """A plain-loop copy of the JavaScript reference (evanw/thumbhash, what Immich runs): float64 throughout,
    Math.round rounding, and the alpha channel encoded (the PyPI port crashes there, a tuple precedence slip)."""
    avg_r = avg_g = avg_b = avg_a = 0.0
    for i in range(w * h):
        alpha = rgba[i * 4 + 3] / 255
        avg_r += alpha / 255 * rgba[i * 4]
        avg_g += alpha / 255 * rgba[i * 4 + 1]
        avg_b += alpha / 255 * rgba[i * 4 + 2]
        avg_a += alpha
    if avg_a:
        avg_r /= avg_a
        avg_g /= avg_a
        avg_b /= avg_a
    has_alpha = avg_a < w * h
    l_limit = 5 if has_alpha else 7
    lx = max(1, _js_round(l_limit * w / max(w, h)))
    ly = max(1, _js_round(l_limit * h / max(w, h)))
    l, p, q, a = [], [], [], []  # noqa: E741 (the reference's names for the L, P, Q and alpha channels)
    for i in range(w * h):
        alpha = rgba[i * 4 + 3] / 255
        r = avg_r * (1 - alpha) + alpha / 255 * rgba[i * 4]
        g = avg_g * (1 - alpha) + alpha / 255 * rgba[i * 4 + 1]
        b = avg_b * (1 - alpha) + alpha / 255 * rgba[i * 4 + 2]
        l.append((r + g + b) / 3)
        p.append((r + g) / 2 - b)
        q.append(r - g)
        a.append(alpha)

    def encode(channel, nx, ny):
        dc, ac, scale, fx = 0.0, [], 0.0, [0.0] * w
        for cy in range(ny):
            cx = 0
            while cx * ny < nx * (ny - cy):
                f = 0.0
                for x in range(w):
                    fx[x] = math.cos(math.pi / w * cx * (x + 0.5))
                for y in range(h):
                    fy = math.cos(math.pi / h * cy * (y + 0.5))
                    for x in range(w):
                        f += channel[x + y * w] * fx[x] * fy
                f /= w * h
                if cx or cy:
                    ac.append(f)
                    scale = max(scale, abs(f))
                else:
                    dc = f
                cx += 1
        if scale:
            ac = [0.5 + 0.5 / scale * value for value in ac]
        return dc, ac, scale

    l_dc, l_ac, l_scale = encode(l, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = encode(p, 3, 3)
    q_dc, q_ac, q_scale = encode(q, 3, 3)
    a_dc, a_ac, a_scale = encode(a, 5, 5) if has_alpha else (1.0, [], 1.0)
    landscape = w > h
    header24 = (
        _js_round(63 * l_dc)
        | (_js_round(31.5 + 31.5 * p_dc) << 6)
        | (_js_round(31.5 + 31.5 * q_dc) << 12)
        | (_js_round(31 * l_scale) << 18)
        | (has_alpha << 23)
    )
    header16 = (
        (ly if landscape else lx) | (_js_round(63 * p_scale) << 3) | (_js_round(63 * q_scale) << 9) | (landscape << 15)
    )
    out = [header24 & 255, (header24 >> 8) & 255, header24 >> 16, header16 & 255, header16 >> 8]
    if has_alpha:
        out.append(_js_round(15 * a_dc) | (_js_round(15 * a_scale) << 4))
    start, index = len(out), 0
    for channel_ac in (l_ac, p_ac, q_ac, a_ac) if has_alpha else (l_ac, p_ac, q_ac):
        for value in channel_ac:
            if start + (index >> 1) == len(out):
                out.append(0)
            out[start + (index >> 1)] |= _js_round(15 * value) << ((index & 1) << 2)
            index += 1
    return bytes(out)


def _picture(seed: int, *, alpha: bool) -> Image.Image:
    """Sizes from 1 px to 100 px, landscape and portrait, flat colours (the numerically hard case), shapes,
    noise and blur; with alpha: fully transparent areas, soft edges and a fully transparent image."""
    rng = random.Random(seed)
    width, height = rng.choice([(100, 75), (75, 100), (100, 100), (1, 1), (1, 100), (100, 1), (33, 77), (64, 48)])
    if seed % 5 == 4:
        width, height = rng.randint(1, 100), rng.randint(1, 100)
    colour = tuple(rng.randrange(256) for _ in range(3))
    picture = Image.new("RGBA", (width, height), colour + ((rng.choice([0, 128, 255]),) if alpha else (255,)))
    draw = ImageDraw.Draw(picture)
    for _ in range(seed % 4 * 3):
        x, y = rng.randrange(width), rng.randrange(height)
        fill = tuple(rng.randrange(256) for _ in range(3)) + ((rng.randrange(256),) if alpha else (255,))
        draw.ellipse([x, y, x + rng.randint(1, 60), y + rng.randint(1, 60)], fill=fill)
    if seed % 3 == 1:
        noise = Image.effect_noise((width, height), 30).convert("RGB")
        rgb = Image.blend(picture.convert("RGB"), noise, 0.4)
        rgb.putalpha(picture.getchannel("A"))
        picture = rgb
    if seed % 7 == 2:
        picture = picture.filter(ImageFilter.GaussianBlur(2))
    return picture


@pytest.mark.parametrize("seed", range(40))
def test_opaque_images_match_the_pypi_reference_package(seed):
    picture = _picture(seed, alpha=False)
    rgba = picture.tobytes()
    expected = bytes(reference_package.rgba_to_thumb_hash(picture.width, picture.height, list(rgba)))
    assert rgba_to_thumbhash(picture.width, picture.height, rgba) == expected


@pytest.mark.parametrize("seed", range(40))
def test_images_with_alpha_match_the_reference_algorithm(seed):
    picture = _picture(seed, alpha=True)
    rgba = picture.tobytes()
    assert rgba_to_thumbhash(picture.width, picture.height, rgba) == reference_rgba_to_thumbhash(
        picture.width, picture.height, rgba
    )


def test_the_reference_copy_agrees_with_the_pypi_package_on_opaque_images():
    for seed in range(6):
        picture = _picture(seed, alpha=False)
        rgba = picture.tobytes()
        assert reference_rgba_to_thumbhash(picture.width, picture.height, rgba) == bytes(
            reference_package.rgba_to_thumb_hash(picture.width, picture.height, list(rgba))
        )


def test_half_way_rounding_follows_javascript_not_python():
    # 5x14: the luminance grid is round(7 * 5 / 14) = round(2.5); JavaScript says 3, Python's round() says 2.
    picture = Image.linear_gradient("L").resize((5, 14)).convert("RGBA")
    digest = rgba_to_thumbhash(5, 14, picture.tobytes())
    assert digest == reference_rgba_to_thumbhash(5, 14, picture.tobytes())
    assert digest[3] & 7 == 3  # lx, stored for portrait images in the low bits of header16


def test_refuses_images_over_100_pixels():
    with pytest.raises(ValueError):
        rgba_to_thumbhash(101, 10, bytes(101 * 10 * 4))
