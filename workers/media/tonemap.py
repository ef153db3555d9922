"""HDR (PQ or HLG, BT.2020) to SDR (BT.709) as a 3D lookup table that libavfilter's `lut3d` applies inside the
filter graph: this PyAV build has neither zscale nor a linearising filter, and a per-frame numpy pass would be
far slower. The table does what the reference's `zscale=t=linear:npl=100, zscale=p=bt709, tonemap, zscale=t=bt709`
chain does: decode the transfer to linear light (100 nits = 1.0), convert the primaries, compress the highlights
with the chosen curve (hable, mobius or reinhard, as ffmpeg's `tonemap` filter defines them, applied to the
brightest channel so hues stay), then encode with the BT.709 transfer. Pure: numpy in, text out."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from workers.media import fs

LUT_SIZE = 33
REFERENCE_WHITE_NITS = 100.0
ASSUMED_PEAK_NITS = 1000.0  # without mastering metadata, as ffmpeg assumes for HLG and most PQ content is graded
_VERSION = 1

# Linear-light BT.2020 -> BT.709 (ITU-R BT.2087).
BT2020_TO_BT709 = np.array(
    [
        [1.660491, -0.587641, -0.072850],
        [-0.124550, 1.132900, -0.008349],
        [-0.018151, -0.100579, 1.118730],
    ]
)


def pq_to_nits(encoded: np.ndarray) -> np.ndarray:
    """SMPTE ST 2084 EOTF."""
    m1, m2 = 2610 / 16384, 2523 / 4096 * 128
    c1, c2, c3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    power = np.power(np.clip(encoded, 0, 1), 1 / m2)
    nits: np.ndarray = 10000 * np.power(np.maximum(power - c1, 0) / (c2 - c3 * power), 1 / m1)
    return nits


def hlg_to_nits(encoded: np.ndarray, peak_nits: float = ASSUMED_PEAK_NITS) -> np.ndarray:
    """ARIB STD-B67 inverse OETF, then the BT.2100 OOTF for a display of `peak_nits` (gamma 1.2 at 1000 nits)."""
    a = 0.17883277
    b = 1 - 4 * a
    c = 0.5 - a * np.log(4 * a)
    encoded = np.clip(encoded, 0, 1)
    scene = np.where(encoded <= 0.5, encoded**2 / 3, (np.exp((encoded - c) / a) + b) / 12)
    gamma = 1.2 + 0.42 * np.log10(peak_nits / 1000)
    luminance = scene @ np.array([0.2627, 0.6780, 0.0593])
    nits: np.ndarray = peak_nits * scene * np.power(np.maximum(luminance, 1e-9), gamma - 1)[..., None]
    return nits


def _hable_curve(x: np.ndarray) -> np.ndarray:
    a, b, c, d, e, f = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30
    return (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f


def tone_curve(signal: np.ndarray, algorithm: str, peak: float) -> np.ndarray:
    """ffmpeg `tonemap` curves over linear light in units of reference white; `peak` in the same units."""
    if algorithm == "hable":
        curve: np.ndarray = _hable_curve(signal) / _hable_curve(np.asarray(peak, dtype=np.float64))
        return curve
    if algorithm == "reinhard":
        offset = (1 - 0.5) / 0.5
        return signal / (signal + offset) * (peak + offset) / peak
    if algorithm == "mobius":
        j = 0.3
        a = -j * j * (peak - 1) / (j * j - 2 * j + peak)
        b = (j * j - 2 * j * peak + peak) / max(peak - 1, 1e-6)
        return np.where(signal <= j, signal, (b * b + 2 * b * j + j * j) / (b - a) * (signal + a) / (signal + b))
    raise ValueError(f"unknown tone mapping {algorithm}")


def bt709_oetf(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0, 1)
    return np.where(linear < 0.018, 4.5 * linear, 1.099 * np.power(linear, 0.45) - 0.099)


def hdr_to_sdr(rgb: np.ndarray, *, transfer: str, algorithm: str) -> np.ndarray:
    """Map non-linear BT.2020 R'G'B' (0..1, last axis) coded with `transfer` ("PQ" or "HLG") to BT.709 R'G'B'."""
    nits = pq_to_nits(rgb) if transfer == "PQ" else hlg_to_nits(rgb)
    linear = (nits / REFERENCE_WHITE_NITS) @ BT2020_TO_BT709.T
    linear = np.maximum(linear, 0)
    peak = ASSUMED_PEAK_NITS / REFERENCE_WHITE_NITS
    brightest = np.maximum(linear.max(axis=-1, keepdims=True), 1e-6)
    mapped = linear * (tone_curve(np.minimum(brightest, peak), algorithm, peak) / brightest)
    return bt709_oetf(mapped)


def cube_text(*, transfer: str, algorithm: str, size: int = LUT_SIZE) -> str:
    """An Adobe .cube table (red varies fastest) for `lut3d`."""
    axis = np.linspace(0.0, 1.0, size)
    blue, green, red = np.meshgrid(axis, axis, axis, indexing="ij")
    grid = np.stack([red, green, blue], axis=-1).reshape(-1, 3)
    table = hdr_to_sdr(grid, transfer=transfer, algorithm=algorithm)
    lines = "\n".join(f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in table)
    return f'TITLE "{transfer} to SDR BT.709 ({algorithm})"\nLUT_3D_SIZE {size}\n{lines}\n'


def cube_file(*, transfer: str, algorithm: str, folder: Path | None = None) -> Path:
    """The table on disk (lut3d reads a file), written once per process user and reused; written to a temporary
    name and renamed so concurrent workers never read half a table."""
    folder = folder or Path(tempfile.gettempdir()) / "immich-tonemap"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{transfer.lower()}-{algorithm}-{LUT_SIZE}-v{_VERSION}.cube"
    if not path.exists():
        with fs.write_then_replace(path, token=str(os.getpid())) as partial:
            partial.write_text(cube_text(transfer=transfer, algorithm=algorithm))
    return path
