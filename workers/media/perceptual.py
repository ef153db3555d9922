"""A perceptual hash of an image: 64 bits that stay close (few differing bits) when the picture is resized,
recompressed, re-encoded or slightly cropped or edited, and differ in about half their bits between unrelated
pictures. Made from the small thumbnail the thumbnail step already wrote (oriented, a few hundred pixels): nothing
here decodes an original.

The hash is the classic DCT one ("pHash"): the picture in grey at 32x32, its 2-D discrete cosine transform, and of
the 8x8 lowest frequencies (the constant term left out, its place taken by the next one) one bit each: above their
median or not. Low frequencies are the picture's coarse layout, which survives everything that keeps the picture the
same picture; the median makes the bits balanced whatever the exposure. A few lines of numpy, no other dependency.

The 64 bits are also cut into BANDS chunks of BAND_BITS bits for the multi-index search (duplicates app): two hashes
within a distance d have at least one chunk within that chunk's radius of `band_radii(d)` (pigeonhole)."""

from __future__ import annotations

from functools import cache
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from workers.media.errors import UnreadableMedia

HASH_VERSION = "dct64-1"  # a change of the function below must change this: stored hashes are then made again
_SIDE = 32
_KEEP = 8
BANDS = 4
BAND_BITS = 64 // BANDS
_BAND_MASK = (1 << BAND_BITS) - 1


@cache
def _dct_matrix() -> np.ndarray:
    """The orthonormal DCT-II matrix of size _SIDE (rows: frequencies), for `m @ x @ m.T`."""
    n = np.arange(_SIDE)
    matrix = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / (2 * _SIDE)) * np.sqrt(2 / _SIDE)
    matrix[0] /= np.sqrt(2)
    # Only the lowest _KEEP + 1 frequencies are ever read: the rest of the product is not computed.
    return np.ascontiguousarray(matrix[: _KEEP + 1])


def grey_pixels(path: Path) -> np.ndarray:
    """The picture at `path` in grey, _SIDE x _SIDE, as floats. JPEGs are decoded at a reduced scale (DCT scaling)."""
    try:
        with Image.open(path) as image:
            image.draft("L", (_SIDE * 2, _SIDE * 2))
            small = image.convert("L").resize((_SIDE, _SIDE), Image.Resampling.BOX, reducing_gap=2.0)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise UnreadableMedia(f"the thumbnail cannot be read to compare it: {error}") from error
    return np.asarray(small, dtype=np.float32)


def hash_of_pixels(pixels: np.ndarray) -> int:
    """The 64-bit hash (unsigned) of a _SIDE x _SIDE grey picture."""
    matrix = _dct_matrix()
    low = (matrix @ pixels @ matrix.T)[: _KEEP + 1, : _KEEP + 1].ravel()[1 : _KEEP * _KEEP + 1]
    bits = low > np.median(low)
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def perceptual_hash(path: Path) -> int:
    """The hash of the picture at `path` (a thumbnail: any format Pillow reads); UnreadableMedia if it is not one."""
    return hash_of_pixels(grey_pixels(path))


def distance(first: int, second: int) -> int:
    """How many bits two hashes differ in: 0 for the same picture, about 32 for unrelated ones."""
    return (first ^ second).bit_count()


def bands(value: int) -> tuple[int, ...]:
    """The hash's BANDS chunks of BAND_BITS bits, highest first."""
    return tuple((value >> (BAND_BITS * (BANDS - 1 - index))) & _BAND_MASK for index in range(BANDS))


def band_radii(max_distance: int) -> tuple[int, ...]:
    """For each chunk, how many bits it may differ by in the search (-1: the chunk is not looked up). Two hashes
    within `max_distance` bits have at least one chunk within its radius: were every chunk farther (radius + 1 bits
    or more), they would differ by sum(radius + 1) = max_distance + 1 bits or more. So with d = BANDS * r + a, the
    first a + 1 chunks get r and the others r - 1 (Norouzi, Punjani and Fleet's multi-index hashing): at the largest
    distance, 12, one chunk is searched 3 bits wide (697 keys) and three 2 bits wide (137 keys each), where a radius
    of d // BANDS for every chunk would look up 4 x 697 keys for twice the candidates."""
    widest, wider = divmod(max_distance, BANDS)
    return tuple(widest if index <= wider else widest - 1 for index in range(BANDS))


@cache
def band_masks(radius: int) -> tuple[int, ...]:
    """Every chunk value with at most `radius` bits set (none for a negative radius): a chunk XOR each of them gives
    the chunk values within `radius` bits of it, the index keys to look up. Made once per radius (697 at the widest,
    3): building the keys bit by bit for each search cost more than the lookup of the widest chunk."""
    return tuple(
        sum(1 << bit for bit in bits) for count in range(radius + 1) for bits in combinations(range(BAND_BITS), count)
    )


def band_neighbours(band: int, radius: int) -> list[int]:
    """Every chunk value within `radius` differing bits of `band` (itself included; none for a negative radius)."""
    return [band ^ mask for mask in band_masks(radius)]


def to_signed(value: int) -> int:
    """The unsigned 64-bit hash as the signed integer a database's BIGINT holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value
