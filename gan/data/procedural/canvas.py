"""Supersampled sprite painting: shapes as signed distances on a fine grid, area-averaged to pixels.

A *sprite* is one variant of one face layer (e.g. one hair style, one pair of glasses) over a fixed
box of the canvas. It is stored as three float32 planes at the output resolution:

``alpha``
    coverage in [0, 1];
``tint``
    premultiplied weight of the layer's per-face colour (skin, hair colour, eye colour ...);
``grey``
    premultiplied fixed grey level (outlines, whites, highlights), in 0..255.

So the layer's premultiplied colour at a pixel is ``tint * rgb_of_the_face + grey`` and compositing is
``out = out * (1 - alpha) + tint * rgb + grey``. The planes are painted with the "over" operator on a grid
``ss`` times finer than the output and then averaged over each ``ss x ss`` block (area downsampling).

Coordinates are fractions of the canvas side: x to the right, y down, (0.5, 0.5) the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage


@dataclass(frozen=True)
class Box:
    """A canvas region in canvas fractions ``[x0, x1) x [y0, y1)``."""

    x0: float
    y0: float
    x1: float
    y1: float

    def pixels(self, size: int, crop: float = 1.0) -> tuple[int, int, int, int]:
        """The covering pixel box ``(px0, py0, px1, py1)`` of a ``size`` image showing the centre ``crop``
        of the canvas, clipped to the image (it may be empty)."""
        origin, scale = 0.5 - crop / 2.0, crop / size

        def lo(v: float) -> int:
            return min(size, max(0, int(np.floor((v - origin) / scale))))

        def hi(v: float) -> int:
            return min(size, max(0, int(np.ceil((v - origin) / scale))))

        return lo(self.x0), lo(self.y0), hi(self.x1), hi(self.y1)


class Painter:
    """Paints one sprite on a supersampled grid over ``box``, for a ``size`` image of the canvas' centre ``crop``.

    :param box: the sprite's canvas region.
    :param size: output image side in pixels.
    :param ss: supersampling factor per axis.
    :param crop: fraction of the canvas side the output image shows, centred (1 = the whole canvas).
    """

    def __init__(self, box: Box, size: int, ss: int, crop: float = 1.0) -> None:
        self.size = size
        self.ss = ss
        px0, py0, px1, py1 = box.pixels(size, crop)
        self.pixel_box = (px0, py0, px1, py1)
        step = crop / (size * ss)
        origin = 0.5 - crop / 2.0
        xs = origin + (np.arange(px0 * ss, px1 * ss, dtype=np.float64) + 0.5) * step
        ys = origin + (np.arange(py0 * ss, py1 * ss, dtype=np.float64) + 0.5) * step
        self.x, self.y = np.meshgrid(xs, ys)
        shape = self.x.shape
        self.alpha = np.zeros(shape)
        self.tint = np.zeros(shape)
        self.grey = np.zeros(shape)

    def paint(self, mask: np.ndarray, tint: float = 1.0, grey: float = 0.0, opacity: float = 1.0) -> None:
        """Composite a shape ``mask`` (bool or [0, 1] coverage on the fine grid) over the sprite.

        The shape's colour is ``tint * face_rgb + grey``; ``opacity`` scales its coverage.
        """
        m = mask.astype(np.float64) * opacity
        keep = 1.0 - m
        self.alpha = self.alpha * keep + m
        self.tint = self.tint * keep + m * tint
        self.grey = self.grey * keep + m * grey

    def fill_and_outline(self, d: np.ndarray, width: float, tint: float = 1.0, grey: float = 0.0,
                         line_tint: float = 0.0, line_grey: float = 30.0) -> None:
        """Paint the shape ``d < 0`` with an outline of total ``width`` centred on its edge."""
        self.paint(d < width / 2, tint=line_tint, grey=line_grey)
        self.paint(d < -width / 2, tint=tint, grey=grey)

    def stroke(self, d: np.ndarray, width: float, tint: float = 0.0, grey: float = 30.0) -> None:
        """Paint a line of ``width`` along the zero set of ``d``."""
        self.paint(np.abs(d) < width / 2, tint=tint, grey=grey)

    def planes(self) -> np.ndarray:
        """The sprite at output resolution: float32 ``[3, h, w]`` (alpha, tint, grey), area-averaged."""
        h, w = self.x.shape[0] // self.ss, self.x.shape[1] // self.ss
        stack = np.stack([self.alpha, self.tint, self.grey])
        return stack.reshape(3, h, self.ss, w, self.ss).mean(axis=(2, 4)).astype(np.float32)


# ---- signed distances (negative inside), in canvas fractions -----------------------------------------


def rotate(x: np.ndarray, y: np.ndarray, cx: float, cy: float, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates relative to (cx, cy) in a frame rotated by ``angle`` radians."""
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = x - cx, y - cy
    return c * dx + s * dy, -s * dx + c * dy


def circle(x: np.ndarray, y: np.ndarray, cx: float, cy: float, r: float) -> np.ndarray:
    return np.hypot(x - cx, y - cy) - r


def ellipse(x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float, ry: float,
            angle: float = 0.0) -> np.ndarray:
    """Approximate signed distance to an ellipse (exact on the axes, good for thin outlines)."""
    u, v = rotate(x, y, cx, cy, angle)
    k = np.hypot(u / rx, v / ry)
    grad = np.hypot(u / rx**2, v / ry**2) / np.maximum(k, 1e-9)
    return (k - 1.0) / np.maximum(grad, 1e-9)


def rounded_box(x: np.ndarray, y: np.ndarray, cx: float, cy: float, hw: float, hh: float, r: float,
                angle: float = 0.0) -> np.ndarray:
    """Exact signed distance to a box of half sizes (hw, hh) with corner radius ``r``."""
    u, v = rotate(x, y, cx, cy, angle)
    qx = np.abs(u) - hw + r
    qy = np.abs(v) - hh + r
    outside = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    return outside + np.minimum(np.maximum(qx, qy), 0.0) - r


def segment(x: np.ndarray, y: np.ndarray, ax: float, ay: float, bx: float, by: float) -> np.ndarray:
    """Distance to the segment a-b (unsigned)."""
    px, py = x - ax, y - ay
    dx, dy = bx - ax, by - ay
    t = np.clip((px * dx + py * dy) / max(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
    return np.hypot(px - t * dx, py - t * dy)


def polyline(x: np.ndarray, y: np.ndarray, pts: np.ndarray, radii: np.ndarray | float = 0.0) -> np.ndarray:
    """Signed distance to a variable-width stroke along the points ``pts`` [K, 2] (radius per point)."""
    r = np.broadcast_to(np.asarray(radii, dtype=np.float64), (len(pts),))
    d = np.full(x.shape, np.inf)
    for k in range(len(pts) - 1):
        (ax, ay), (bx, by) = pts[k], pts[k + 1]
        dx, dy = bx - ax, by - ay
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / max(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
        dist = np.hypot(x - ax - t * dx, y - ay - t * dy) - (r[k] + t * (r[k + 1] - r[k]))
        np.minimum(d, dist, out=d)
    return d


def mask_sdf(inside: np.ndarray, step: float) -> np.ndarray:
    """Signed distance (canvas fractions) to the edge of a boolean shape sampled on a grid of ``step``.

    Exact Euclidean distance transform of the mask (``scipy.ndimage``), for shapes whose inside test is
    easy but whose distance is not; the shape must lie inside the grid.
    """
    out = ndimage.distance_transform_edt(~inside) * step
    inn = ndimage.distance_transform_edt(inside) * step
    return np.where(inside, -inn, out) + np.where(inside, step / 2, -step / 2)


def union(*ds: np.ndarray) -> np.ndarray:
    out = ds[0]
    for d in ds[1:]:
        out = np.minimum(out, d)
    return out


def intersect(*ds: np.ndarray) -> np.ndarray:
    out = ds[0]
    for d in ds[1:]:
        out = np.maximum(out, d)
    return out


def subtract(d: np.ndarray, cut: np.ndarray) -> np.ndarray:
    return np.maximum(d, -cut)
