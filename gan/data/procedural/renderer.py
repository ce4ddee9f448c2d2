"""Batched compositing of the face layers: one gather and one blend per layer for a whole batch.

Every layer variant is painted once per output size as a supersampled, area-averaged sprite (see
:mod:`.canvas`) and cached; rendering a batch is then, per layer, a gather of each face's sprite and
``out = out * (1 - alpha) + tint * rgb + grey`` inside the layer's box, all in numpy over the batch.
The sprites are antialiased coverage, so compositing them is the usual vector-graphics approximation of
rendering the whole face supersampled (it differs only where two edges fall inside the same pixel).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import torch

from gan.data.procedural import face as F
from gan.data.procedural import palette
from gan.data.procedural.canvas import Box, Painter
from gan.data.procedural.hair import paint_hair
from gan.data.images import check_crop
from gan.data.schema import ATTRIBUTE_INDEX, NUM_VARIANTS, validate_attributes

logger = logging.getLogger(__name__)

MIN_SIZE: Final[int] = 8
FINE_GRID: Final[int] = 256
"""Sprites are painted on a grid of at least this many samples across the canvas (then area-averaged)."""
CHUNK: Final[int] = 512
"""Faces composited at a time (bounds the float32 working memory to CHUNK * size**2 * 12 bytes)."""

_A = ATTRIBUTE_INDEX


def _col(attrs: np.ndarray, name: str) -> np.ndarray:
    return attrs[:, _A[name]]


def _brow_rgb(attrs: np.ndarray) -> np.ndarray:
    w = _col(attrs, "eyebrow_weight")
    mix = np.asarray(palette.EYEBROW_SKIN_MIX, dtype=np.float32)[w][:, None]
    dark = np.asarray(palette.EYEBROW_DARKEN, dtype=np.float32)[w][:, None]
    hair = palette.HAIR[_col(attrs, "hair_color")]
    skin = palette.SKIN[_col(attrs, "face_color")]
    return (1.0 - mix) * dark * hair + mix * skin


@dataclass(frozen=True)
class Layer:
    """One face layer: its canvas box, sprite count and painter, and how a face picks sprite and colour."""

    name: str
    box: Box
    count: int
    paint: Callable[[Painter, int], None]
    index: Callable[[np.ndarray], np.ndarray]
    rgb: Callable[[np.ndarray], np.ndarray]


LAYERS: Final[tuple[Layer, ...]] = (
    Layer("hair_back", Box(0.08, 0.08, 0.92, 0.94), NUM_VARIANTS[_A["hair"]],
          lambda p, i: paint_hair(p, i, front=False),
          lambda a: _col(a, "hair"), lambda a: palette.HAIR[_col(a, "hair_color")]),
    Layer("head", Box(0.25, 0.24, 0.75, 0.82), 7 * 3,
          lambda p, i: F.paint_head(p, i // 3, i % 3),
          lambda a: _col(a, "face_shape") * 3 + _col(a, "chin_length"),
          lambda a: palette.SKIN[_col(a, "face_color")]),
    Layer("facial_hair", Box(0.27, 0.45, 0.73, 0.9), 15 * 7 * 3, F.paint_facial_hair,
          lambda a: F.facial_hair_index(_col(a, "facial_hair"), _col(a, "face_shape"), _col(a, "chin_length")),
          lambda a: palette.HAIR[_col(a, "hair_color")]),
    Layer("eyes", Box(0.36, 0.46, 0.64, 0.58), 36, F.paint_eyes,
          lambda a: F.eye_index(_col(a, "eye_angle"), _col(a, "eye_slant"), _col(a, "eye_lid"), _col(a, "eye_lashes")),
          lambda a: palette.EYES[_col(a, "eye_color")]),
    Layer("eyebrows", Box(0.33, 0.37, 0.67, 0.5), 14 * 4 * 3 * 3, F.paint_brows,
          lambda a: F.brow_index(_col(a, "eyebrow_shape"), _col(a, "eyebrow_thickness"), _col(a, "eyebrow_width"),
                                 _col(a, "eye_eyebrow_distance")),
          _brow_rgb),
    Layer("hair_front", Box(0.1, 0.08, 0.9, 0.7), NUM_VARIANTS[_A["hair"]],
          lambda p, i: paint_hair(p, i, front=True),
          lambda a: _col(a, "hair"), lambda a: palette.HAIR[_col(a, "hair_color")]),
    Layer("glasses", Box(0.26, 0.44, 0.74, 0.61), NUM_VARIANTS[_A["glasses"]], F.paint_glasses,
          lambda a: _col(a, "glasses"), lambda a: palette.GLASSES[_col(a, "glasses_color")]),
)
"""The layers, back to front."""


@dataclass(frozen=True)
class SpriteTable:
    """All variants of one layer at one size, float32 ``[count, h, w]`` planes over ``pixel_box``.

    ``keep`` is ``1 - alpha``; the box is the tightest one holding every variant's non-zero coverage.
    """

    pixel_box: tuple[int, int, int, int]
    keep: np.ndarray
    tint: np.ndarray
    grey: np.ndarray


def supersampling(size: int, crop: float = 1.0) -> int:
    """Supersampling factor per axis for an output ``size`` (at least 2; fine grid >= FINE_GRID per canvas)."""
    return max(2, -(-int(np.ceil(FINE_GRID * crop)) // size))


@functools.lru_cache(maxsize=8)
def sprite_tables(size: int, crop: float = 1.0) -> tuple[SpriteTable, ...]:
    """The sprites of every layer for a ``size`` image of the canvas' centre ``crop``.

    Painted on first use (about 3 s of CPU), then cached per (size, crop); the arrays are read-only.
    """
    ss = supersampling(size, crop)
    tables = []
    for layer in LAYERS:
        planes = []
        box = (0, 0, 0, 0)
        for i in range(layer.count):
            p = Painter(layer.box, size, ss, crop)
            layer.paint(p, i)
            planes.append(p.planes())
            box = p.pixel_box
        stack = np.stack(planes)
        x0, y0, _, _ = box
        covered = stack[:, 0].max(axis=0) > 0
        if covered.any():  # crop to the tightest box holding every variant
            rows = np.flatnonzero(covered.any(axis=1))
            cols = np.flatnonzero(covered.any(axis=0))
            stack = stack[:, :, rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
            tight = (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1)
        else:  # the layer lies outside a small crop
            stack = stack[:, :, :0, :0]
            tight = (x0, y0, x0, y0)
        arrays = [np.ascontiguousarray(1.0 - stack[:, 0]), np.ascontiguousarray(stack[:, 1]),
                  np.ascontiguousarray(stack[:, 2])]
        for arr in arrays:
            arr.setflags(write=False)
        tables.append(SpriteTable(tight, *arrays))
    logger.debug("painted procedural face sprites at %d px (supersampling %d)", size, ss)
    return tuple(tables)


def check_size(size: int) -> int:
    """Return ``size`` as an int or raise ``ValueError`` unless it is an integer >= MIN_SIZE."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_SIZE:
        raise ValueError(f"size must be an integer >= {MIN_SIZE} (pixels), got {size!r}")
    return int(size)


def _as_attribute_array(attributes: np.ndarray) -> np.ndarray:
    """Validate ``[N, 18]`` integer attributes (numpy or torch, any device) and return them as int64 numpy."""
    if isinstance(attributes, torch.Tensor):
        attributes = attributes.detach().cpu().numpy()
    attrs = np.asarray(attributes)
    validate_attributes(attrs)
    if attrs.ndim != 2:
        raise ValueError(f"attributes must have shape [N, 18], got {attrs.shape}")
    return attrs.astype(np.int64, copy=False)


def render_faces(attributes: np.ndarray, size: int = 64, crop: float = 1.0) -> np.ndarray:
    """Draw one cartoon face per attribute vector on a white background.

    The canvas is framed like a real CartoonSet image (face centred, about the central 60-70%).

    :param attributes: integer array ``[N, 18]`` of variant indices in schema order (numpy or torch).
    :param size: output side in pixels (>= 8).
    :param crop: fraction of the canvas side shown, centred: 1 (default) is the whole canvas, like a real
        CartoonSet file; :data:`gan.data.images.DEFAULT_CROP` frames faces like the real set loaded with
        its default crop. The crop is rendered directly (no resampling).
    :returns: uint8 ``[N, size, size, 3]``; the same attributes always give the same pixels.
    :raises ValueError: on a bad shape, dtype, out-of-range index, size or crop.
    """
    size = check_size(size)
    crop = check_crop(crop)
    attrs = _as_attribute_array(attributes)
    tables = sprite_tables(size, crop)
    out = np.empty((len(attrs), size, size, 3), dtype=np.uint8)
    for start in range(0, len(attrs), CHUNK):
        out[start:start + CHUNK] = _composite(attrs[start:start + CHUNK], size, tables)
    return out


def _composite(attrs: np.ndarray, size: int, tables: tuple[SpriteTable, ...]) -> np.ndarray:
    canvas = np.full((len(attrs), size, size, 3), palette.WHITE, dtype=np.float32)
    for layer, table in zip(LAYERS, tables):
        idx = layer.index(attrs)
        rgb = layer.rgb(attrs).astype(np.float32)[:, None, None, :]
        x0, y0, x1, y1 = table.pixel_box
        region = canvas[:, y0:y1, x0:x1, :]
        region *= table.keep[idx][..., None]
        region += table.tint[idx][..., None] * rgb
        region += table.grey[idx][..., None]
    # compositing convex combinations of values in [0, 255] stays in range up to float rounding
    return np.clip(np.rint(canvas), 0.0, 255.0).astype(np.uint8)


def render_faces_supersampled(attributes: np.ndarray, size: int = 64, crop: float = 1.0) -> np.ndarray:
    """Reference renderer: each face painted whole on the fine grid, composited there, then area-averaged.

    Same output contract as :func:`render_faces`, but one face at a time with no sprite cache (about
    100x slower). It is the exact supersampled render that :func:`render_faces` approximates by
    compositing per-layer coverage; tests and ``benchmarks/procedural_speed.py`` compare the two.
    """
    size = check_size(size)
    crop = check_crop(crop)
    attrs = _as_attribute_array(attributes)
    ss = supersampling(size, crop)
    out = np.empty((len(attrs), size, size, 3), dtype=np.uint8)
    for n in range(len(attrs)):
        row = attrs[n : n + 1]
        fine = np.full((size * ss, size * ss, 3), palette.WHITE, dtype=np.float64)
        for layer in LAYERS:
            p = Painter(layer.box, size, ss, crop)
            layer.paint(p, int(layer.index(row)[0]))
            x0, y0, x1, y1 = p.pixel_box
            region = fine[y0 * ss : y1 * ss, x0 * ss : x1 * ss]
            rgb = layer.rgb(row)[0].astype(np.float64)
            region *= (1.0 - p.alpha)[..., None]
            region += p.tint[..., None] * rgb + p.grey[..., None]
        pixels = fine.reshape(size, ss, size, ss, 3).mean(axis=(1, 3))
        out[n] = np.clip(np.rint(pixels), 0.0, 255.0).astype(np.uint8)
    return out
