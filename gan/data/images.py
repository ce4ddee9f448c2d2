"""Image conventions shared by every face set: decode, centre crop, antialiased resize, value ranges.

Decoding (:func:`load_image`)
    PNG in modes RGBA, RGB, P (palette, with or without a transparency entry), L, LA (and 1, PA); JPEG and
    other formats Pillow opens for image folders. Any transparency is composited on **white** (the original
    CartoonSet release is RGBA on a transparent background; re-encoded copies are RGB on white, so both
    give the same pixels). The result is always uint8 ``[H, W, 3]``.

Framing (:data:`DEFAULT_CROP`)
    The CartoonSet faces fill only the middle of the canvas. Measured on 3,000 real 128x128 images, the
    non-white content spans rows 11..117 and columns 12..114 (1st/99th percentiles), so a centre crop of
    0.8 of the canvas side (rows/columns 12.8..115.2 at 128 px) keeps about 99% of faces whole, while a
    64x64 face is then downsampled 1.6x instead of 2x, keeping more eyebrow and eye detail. The crop is a
    fraction of the canvas, not a pixel count, so the 500x500 originals and their 128x128 copies are framed
    alike. The crop box is passed to Pillow with sub-pixel (float) coordinates, so the framing is exact
    whatever the canvas size (0.8 x 128 = 102.4 px is not rounded to 102).

Resizing
    Pillow's ``LANCZOS`` filter with its ``reducing_gap`` off: an antialiased filter whose support widens
    with the downscale factor, so thin dark strokes (eyebrows, glasses, outlines) are averaged rather than
    aliased, and edges stay sharper than with a box (area) filter. When ``crop == 1`` and the image already
    has the requested size, the pixels pass through unchanged.

Value ranges
    Images for models are float32 ``[N, 3, H, W]`` in ``[-1, 1]`` (:func:`to_float`); images for people
    are uint8 (:func:`to_uint8`), ``[H, W, 3]`` for single images (:func:`chw_to_hwc`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Final

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

DEFAULT_CROP: Final[float] = 0.8
"""Default centre crop, as a fraction of the canvas side, applied before resizing (see module docstring)."""

RESAMPLE: Final[Image.Resampling] = Image.Resampling.LANCZOS
"""The antialiased resampling filter used for every resize."""

IMAGE_EXTENSIONS: Final[tuple[str, ...]] = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff")
"""File extensions (lower case) that image folders read."""

_WHITE: Final[tuple[int, int, int, int]] = (255, 255, 255, 255)
_DIRECT_MODES: Final[frozenset[str]] = frozenset({"RGB", "L", "1", "CMYK", "YCbCr"})
_ALPHA_MODES: Final[frozenset[str]] = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


class ImageReadError(ValueError):
    """An image file that cannot be read, decoded or converted; the message names the file."""


def check_crop(crop: float, name: str = "crop") -> float:
    """Return ``crop`` as a float, or raise ``ValueError`` unless ``0 < crop <= 1``."""
    try:
        value = float(crop)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in (0, 1], got {crop!r}") from None
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must be a fraction of the canvas side in (0, 1], got {crop!r}")
    return value


def check_image_size(image_size: int, name: str = "image_size") -> int:
    """Return ``image_size`` as an int, or raise ``ValueError`` unless it is a positive integer."""
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)) or image_size < 1:
        raise ValueError(f"{name} must be a positive integer (pixels), got {image_size!r}")
    return int(image_size)


def _to_rgb(img: Image.Image, path: Path) -> Image.Image:
    """Convert any supported mode to RGB, compositing transparency on white."""
    mode = img.mode
    if mode == "P":
        # A palette image may carry transparency (tRNS); RGBA keeps it so it is composited on white.
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
        mode = img.mode
    elif mode == "L" and "transparency" in img.info:
        img = img.convert("LA")
        mode = img.mode
    elif mode == "RGB" and "transparency" in img.info:
        img = img.convert("RGBA")
        mode = img.mode
    if mode in _ALPHA_MODES:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, _WHITE)
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode in _DIRECT_MODES:
        return img if mode == "RGB" else img.convert("RGB")
    raise ImageReadError(f"{path}: unsupported image mode {mode!r} (expected RGB, RGBA, P, L, LA or 1)")


def crop_and_resize(img: Image.Image, image_size: int, crop: float = DEFAULT_CROP) -> Image.Image:
    """Centre-crop ``crop`` of each side of an RGB image (sub-pixel exact) and resize to ``image_size``.

    Non-square images are first centre-cropped to a square of their shorter side.

    :raises ValueError: on a bad ``image_size`` or ``crop``.
    """
    image_size = check_image_size(image_size)
    crop = check_crop(crop)
    w, h = img.size
    if crop == 1.0 and w == h == image_size:
        return img
    side = min(w, h) * crop
    left = (w - side) / 2.0
    top = (h - side) / 2.0
    box = (left, top, left + side, top + side)
    return img.resize((image_size, image_size), resample=RESAMPLE, box=box, reducing_gap=None)


def load_image(path: str | os.PathLike[str], image_size: int, crop: float = DEFAULT_CROP) -> np.ndarray:
    """Read an image file as uint8 ``[image_size, image_size, 3]``.

    Transparency is composited on white; ``crop`` (a fraction of the canvas side in (0, 1]) is cut from
    the centre before the antialiased resize. With ``crop=1`` and an image already of ``image_size``, the
    pixels are returned unchanged.

    :raises ValueError: on a bad ``image_size`` or ``crop``.
    :raises ImageReadError: (a ``ValueError``) if the file is missing, unreadable, truncated, not an image
        or in an unsupported mode; the message names the file.
    """
    image_size = check_image_size(image_size)
    crop = check_crop(crop)
    p = Path(path)
    try:
        with Image.open(p) as img:
            img.load()
            rgb = _to_rgb(img, p)
            out = crop_and_resize(rgb, image_size, crop)
            arr = np.asarray(out, dtype=np.uint8)
    except ImageReadError:
        raise
    except FileNotFoundError:
        raise ImageReadError(f"{p}: image file not found") from None
    except UnidentifiedImageError:
        raise ImageReadError(f"{p}: not a readable image file (unknown or corrupt format)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise ImageReadError(f"{p}: cannot decode image ({type(err).__name__}: {err})") from None
    if arr.shape != (image_size, image_size, 3):  # pragma: no cover - guarded by the conversions above
        raise ImageReadError(f"{p}: decoded to shape {arr.shape}, expected {(image_size, image_size, 3)}")
    return np.ascontiguousarray(arr)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """Map uint8 images (any shape, e.g. ``[N, 3, H, W]``) to float32 in ``[-1, 1]``: ``x / 127.5 - 1``.

    :raises TypeError: if ``images`` is not a uint8 tensor.
    """
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8:
        got = images.dtype if isinstance(images, torch.Tensor) else type(images).__name__
        raise TypeError(f"to_float expects a uint8 torch.Tensor, got {got}")
    return images.to(torch.float32).div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Map float images in ``[-1, 1]`` (any shape) to uint8: ``round((x + 1) * 127.5)``.

    This is a conversion, not input validation: the clamp to ``[0, 255]`` only absorbs floating-point
    overshoot of values that are in range (e.g. a tanh output of 1.0000001). Exact inverse of
    :func:`to_float` on its outputs.

    :raises TypeError: if ``images`` is not a floating-point tensor.
    """
    if not isinstance(images, torch.Tensor) or not images.dtype.is_floating_point:
        got = images.dtype if isinstance(images, torch.Tensor) else type(images).__name__
        raise TypeError(f"to_uint8 expects a floating-point torch.Tensor, got {got}")
    return images.detach().to(torch.float32).add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)


def hwc_to_chw(image: np.ndarray | torch.Tensor) -> torch.Tensor:
    """``[..., H, W, 3]`` (numpy or torch) to a contiguous torch tensor ``[..., 3, H, W]`` (same dtype)."""
    t = torch.from_numpy(np.ascontiguousarray(image)) if isinstance(image, np.ndarray) else image
    if t.ndim < 3 or t.shape[-1] != 3:
        raise ValueError(f"expected an image of shape [..., H, W, 3], got {tuple(t.shape)}")
    return t.movedim(-1, -3).contiguous()


def chw_to_hwc(image: torch.Tensor) -> np.ndarray:
    """``[..., 3, H, W]`` torch tensor to a contiguous numpy array ``[..., H, W, 3]`` (same dtype)."""
    if image.ndim < 3 or image.shape[-3] != 3:
        raise ValueError(f"expected an image of shape [..., 3, H, W], got {tuple(image.shape)}")
    return np.ascontiguousarray(image.detach().cpu().movedim(-3, -1).numpy())
