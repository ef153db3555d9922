"""ThumbHash (https://evanw.github.io/thumbhash/) encoder, vectorised with numpy, byte-identical to the reference.

Why not a package: `thumbhash` 0.1.2 on PyPI is pure Python (~25 ms per image) and raises TypeError on RGBA input;
the Rust bindings (`fast-thumbhash`, `thumbhash-rs`) compute in 32-bit floats and give different bytes for ~15% of
images (any near-uniform image, where the AC terms are rounding noise that the encoder then normalises).

Byte identity with the JavaScript reference (which Immich runs) needs the same float64 operations in the same order:
every product is formed as the reference forms it, sums run strictly in pixel order (column sums down the slow
axis, never numpy's pairwise summation), cosines come from `math.cos`, and rounding is JavaScript's `Math.round`
(half up), not Python's half-to-even (they differ for e.g. 5x14 images, whose luminance grid rounds 2.5).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


def _js_round(value: float) -> int:
    return math.floor(value + 0.5)


def _sequential_sum(values: np.ndarray) -> np.ndarray:
    """Column sums of a C-contiguous 2-D array, each added strictly top to bottom like `f += term` in a loop.

    numpy only uses pairwise summation along the fast (contiguous) axis; summing along axis 0 of a C-ordered
    array is a plain running sum per column (documented under numpy.sum), and vectorises across the columns.
    """
    sums: np.ndarray = np.add.reduce(np.ascontiguousarray(values), axis=0)
    return sums


@lru_cache(maxsize=256)
def _basis(w: int, h: int, nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    """For the reference's coefficient order, per pixel n = x + y*w and coefficient k:
    fx[n, k] = cos(pi / w * cx_k * (x + 0.5)) and fy[n, k] = cos(pi / h * cy_k * (y + 0.5))."""
    pairs = [(cx, cy) for cy in range(ny) for cx in range(nx) if cx * ny < nx * (ny - cy)]
    cos_x = np.array([[math.cos(math.pi / w * cx * (x + 0.5)) for cx, _ in pairs] for x in range(w)])
    cos_y = np.array([[math.cos(math.pi / h * cy * (y + 0.5)) for _, cy in pairs] for y in range(h)])
    fx = np.ascontiguousarray(np.tile(cos_x, (h, 1)))
    fy = np.ascontiguousarray(np.repeat(cos_y, w, axis=0))
    fx.setflags(write=False)
    fy.setflags(write=False)
    return fx, fy


def _encode_channel(channel: np.ndarray, nx: int, ny: int, w: int, h: int) -> tuple[float, list[float], float]:
    fx, fy = _basis(w, h, nx, ny)
    # (channel * fx) * fy per term, in the reference's multiplication order, then summed over pixels in order.
    totals = _sequential_sum((channel.reshape(-1, 1) * fx) * fy) / (w * h)
    dc, ac = float(totals[0]), [float(value) for value in totals[1:]]
    scale = 0.0
    for value in ac:
        scale = max(scale, abs(value))
    if scale:
        ac = [0.5 + 0.5 / scale * value for value in ac]
    return dc, ac, scale


def rgba_to_thumbhash(w: int, h: int, rgba: bytes) -> bytes:
    """Encode a w x h RGBA image (8 bits per channel, at most 100x100) to its ThumbHash bytes."""
    if w > 100 or h > 100:
        raise ValueError(f"{w}x{h} doesn't fit in 100x100")
    if w < 1 or h < 1 or len(rgba) != w * h * 4:
        raise ValueError(f"expected {w}x{h} RGBA pixels, got {len(rgba)} bytes")
    pixels = np.frombuffer(rgba, dtype=np.uint8).reshape(h, w, 4).astype(np.float64)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    alpha = pixels[..., 3] / 255
    weight = alpha / 255

    sums = _sequential_sum(
        np.stack([(weight * red).ravel(), (weight * green).ravel(), (weight * blue).ravel(), alpha.ravel()], axis=1)
    )
    avg_r, avg_g, avg_b, avg_a = (float(value) for value in sums)
    if avg_a:
        avg_r, avg_g, avg_b = avg_r / avg_a, avg_g / avg_a, avg_b / avg_a

    has_alpha = avg_a < w * h
    l_limit = 5 if has_alpha else 7
    lx = max(1, _js_round(l_limit * w / max(w, h)))
    ly = max(1, _js_round(l_limit * h / max(w, h)))

    # Composite atop the average colour, then RGB -> LPQ (luminance, yellow-blue, red-green).
    r = avg_r * (1 - alpha) + weight * red
    g = avg_g * (1 - alpha) + weight * green
    b = avg_b * (1 - alpha) + weight * blue
    l_dc, l_ac, l_scale = _encode_channel((r + g + b) / 3, max(3, lx), max(3, ly), w, h)
    p_dc, p_ac, p_scale = _encode_channel((r + g) / 2 - b, 3, 3, w, h)
    q_dc, q_ac, q_scale = _encode_channel(r - g, 3, 3, w, h)
    if has_alpha:
        a_dc, a_ac, a_scale = _encode_channel(alpha, 5, 5, w, h)

    is_landscape = w > h
    header24 = (
        _js_round(63 * l_dc)
        | (_js_round(31.5 + 31.5 * p_dc) << 6)
        | (_js_round(31.5 + 31.5 * q_dc) << 12)
        | (_js_round(31 * l_scale) << 18)
        | (int(has_alpha) << 23)
    )
    header16 = (
        (ly if is_landscape else lx)
        | (_js_round(63 * p_scale) << 3)
        | (_js_round(63 * q_scale) << 9)
        | (int(is_landscape) << 15)
    )
    out = [header24 & 255, (header24 >> 8) & 255, header24 >> 16, header16 & 255, header16 >> 8]
    if has_alpha:
        out.append(_js_round(15 * a_dc) | (_js_round(15 * a_scale) << 4))
    factors = l_ac + p_ac + q_ac + (a_ac if has_alpha else [])
    for index, factor in enumerate(factors):
        nibble = _js_round(15 * factor)
        if index % 2 == 0:
            out.append(nibble)
        else:
            out[-1] |= nibble << 4
    return bytes(out)
