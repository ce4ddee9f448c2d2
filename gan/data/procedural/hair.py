"""The 111 hair styles, composed from length, fringe (parting), volume and texture plus special styles.

Each style paints two sprites: the *back* layer (behind the head: the hair mass and long hair falling
behind the shoulders) and the *front* layer (over the forehead and temples: fringe, parting, side locks).
Both are tinted with the hair colour, with a darker outline and a lighter highlight streak.

Styles 0..10 are special: 0 bald (no hair at all, so hair_color is visible only in the eyebrows and
facial hair), 1 bald crown with a fringe of hair around the back, 2 buzz cut, 3 mohawk, 4 spiky, 5 top
bun, 6 ponytail, 7 pigtails, 8 afro, 9 side-shaved asymmetric, 10 big curls. Styles 11..110 are the
100 combinations of length (5) x fringe (5) x volume (2) x texture (2), see :func:`hair_params`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from gan.data.procedural.canvas import (
    Painter,
    circle,
    ellipse,
    intersect,
    polyline,
    rounded_box,
    union,
)
from gan.data.procedural.face import CX

NUM_SPECIAL: Final[int] = 11
LENGTHS: Final[tuple[float, ...]] = (0.45, 0.57, 0.72, 0.81, 0.87)
"""Bottom of the hair by length: short (temples), ear, chin, shoulder, long."""
FRINGES: Final[tuple[str, ...]] = ("back", "centre", "left", "right", "bangs")
"""Hairline: swept back (high), centre parting, parting on the left / right, straight bangs."""
SCALP_Y: Final[float] = 0.42
LINE_W: Final[float] = 0.008
SHADE: Final[float] = 0.6  # outline: hair colour darkened


@dataclass(frozen=True)
class HairParams:
    """A composed hair style (styles 11..110)."""

    length: int
    fringe: str
    volume: int
    wavy: bool


def hair_params(style: int) -> HairParams | None:
    """The composition of ``style``, or ``None`` for the special styles 0..10."""
    if style < NUM_SPECIAL:
        return None
    k = style - NUM_SPECIAL
    wavy, k = k % 2, k // 2
    volume, k = k % 2, k // 2
    fringe, length = k % 5, k // 5
    return HairParams(length=length, fringe=FRINGES[fringe], volume=volume, wavy=bool(wavy))


def _scalp(x: np.ndarray, y: np.ndarray, volume: float, wavy: bool) -> np.ndarray:
    d = ellipse(x, y, CX, SCALP_Y, 0.222 + volume, 0.198 + volume)
    if wavy:
        theta = np.arctan2(y - SCALP_Y, x - CX)
        d = d + 0.007 * np.sin(theta * 18.0)
    return d


def _curtain(x: np.ndarray, y: np.ndarray, bottom: float, volume: float, wavy: bool) -> np.ndarray:
    """Hair falling down both sides and behind the head to ``bottom``, ending in rounded strand tips."""
    flare = 0.025 * max(bottom - 0.6, 0.0) / 0.3
    half = 0.222 + volume + flare * np.clip((y - SCALP_Y) / 0.4, 0.0, 1.0)
    tips = bottom - 0.025 * np.abs(np.sin((x - CX) * 38.0)) - 0.03 * ((x - CX) / 0.25) ** 2
    d = union(intersect(np.abs(x - CX) - half, y - tips, SCALP_Y - y),
              rounded_box(x, y, CX, (SCALP_Y + bottom) / 2 - 0.02, 0.222 + volume + flare,
                          (bottom - SCALP_Y) / 2 - 0.02, 0.07))
    if wavy:
        d = d + 0.008 * np.sin(y * 70.0)
    return d


def _hairline(x: np.ndarray, fringe: str) -> np.ndarray:
    """Lower edge of the front hair over the forehead, as y of x."""
    u = np.clip((x - CX) / 0.2, -1.0, 1.0)
    if fringe == "back":
        return 0.315 + 0.035 * u**2
    if fringe == "centre":
        return 0.305 + 0.1 * np.abs(u) ** 0.7
    if fringe == "left":
        return 0.355 + 0.06 * u - 0.02 * u**2
    if fringe == "right":
        return 0.355 - 0.06 * u - 0.02 * u**2
    if fringe == "bangs":
        return 0.405 + 0.008 * np.cos(u * np.pi * 5.0)
    raise ValueError(fringe)


def _paint(p: Painter, d: np.ndarray, highlight: np.ndarray | None = None) -> None:
    p.fill_and_outline(d, LINE_W, line_tint=SHADE, line_grey=0.0)
    if highlight is not None:
        p.paint((d < -LINE_W) & (highlight < 0), tint=0.72, grey=255.0 * 0.28)


def _highlight(x: np.ndarray, y: np.ndarray, top: float) -> np.ndarray:
    """A lighter comma-shaped streak on the crown, like the real set's hair highlights."""
    pts = np.array([[CX - 0.07, top + 0.045], [CX - 0.02, top + 0.03], [CX + 0.02, top + 0.04],
                    [CX + 0.06, top + 0.028]])
    return polyline(x, y, pts, np.array([0.003, 0.006, 0.006, 0.003]))


def paint_hair(p: Painter, style: int, front: bool) -> None:
    """Paint the back (``front=False``) or front layer of hair ``style`` (0..110)."""
    x, y = p.x, p.y
    params = hair_params(style)
    if params is not None:
        vol = 0.025 * params.volume
        scalp = _scalp(x, y, vol, params.wavy)
        if not front:
            d = union(scalp, _curtain(x, y, LENGTHS[params.length], vol, params.wavy))
            if params.length == 0:
                d = intersect(scalp, y - 0.5)
            _paint(p, d)
            return
        top = SCALP_Y - 0.198 - vol
        d = intersect(scalp, y - _hairline(x, params.fringe))
        if params.length >= 1:  # side locks over the temples, tapering down to a point
            lock_end = min(LENGTHS[params.length], 0.62)
            t = np.clip((y - 0.3) / (lock_end - 0.3), 0.0, 1.0)
            inner = 0.15 + 0.075 * t**1.5
            side = intersect(union(scalp, _curtain(x, y, lock_end + 0.02, vol, params.wavy)),
                             inner - np.abs(x - CX), y - lock_end)
            d = union(d, side)
        _paint(p, d, _highlight(x, y, top))
        if params.fringe in ("centre", "left", "right"):
            px = {"centre": CX, "left": CX - 0.07, "right": CX + 0.07}[params.fringe]
            part = polyline(x, y, np.array([[px, top + 0.01], [px, _hairline(np.array(px), params.fringe) - 0.01]]), 0.002)
            p.paint((part < 0) & (d < 0), tint=SHADE, grey=0.0)
        return
    _paint_special(p, style, front)


def _paint_special(p: Painter, style: int, front: bool) -> None:
    x, y = p.x, p.y
    scalp = _scalp(x, y, 0.0, False)
    top = SCALP_Y - 0.198
    if style == 0:  # bald
        return
    if style == 1:  # bald crown, hair round the back and sides
        if not front:
            _paint(p, intersect(_scalp(x, y, 0.008, False), -(y - 0.36), y - 0.53))
        return
    if style == 2:  # buzz cut: a thin cap hugging the skull
        d = intersect(ellipse(x, y, CX, SCALP_Y + 0.02, 0.2, 0.17), y - (0.48 if not front else 0.31 + 0.02 * ((x - CX) / 0.2) ** 2))
        p.fill_and_outline(d, LINE_W * 0.6, tint=0.9, line_tint=SHADE, line_grey=0.0)
        return
    if style == 3:  # mohawk
        d = rounded_box(x, y, CX, 0.24, 0.032, 0.095, 0.03)
        if front:
            _paint(p, intersect(d, y - 0.31), _highlight(x, y, 0.13))
        else:
            _paint(p, d)
        return
    if style == 4:  # spiky short
        d = intersect(scalp, y - 0.47)
        for k, ang in enumerate(np.linspace(-1.0, 1.0, 6)):
            bx = CX + 0.15 * np.sin(ang)
            by = SCALP_Y - 0.16 * np.cos(ang)
            tipx = CX + 0.27 * np.sin(ang * 1.1) + 0.015
            tipy = SCALP_Y - 0.26 * np.cos(ang * 1.1) - 0.01 * (k % 2)
            d = union(d, polyline(x, y, np.array([[bx, by], [tipx, tipy]]), np.array([0.045, 0.002])))
        if front:
            _paint(p, intersect(d, y - 0.33 - 0.02 * np.abs(x - CX) / 0.2), _highlight(x, y, top))
        else:
            _paint(p, d)
        return
    if style == 5:  # top bun, hair pulled back
        d = union(intersect(scalp, y - 0.47), circle(x, y, CX, 0.17, 0.065))
        _paint(p, intersect(d, y - _hairline(x, "back")) if front else d, _highlight(x, y, top) if front else None)
        return
    if style == 6:  # ponytail swinging right, behind the head
        tail = polyline(x, y, np.array([[CX + 0.12, 0.28], [CX + 0.24, 0.4], [CX + 0.26, 0.58], [CX + 0.22, 0.74]]),
                        np.array([0.05, 0.055, 0.045, 0.015]))
        d = union(intersect(scalp, y - 0.48), tail)
        _paint(p, intersect(scalp, y - _hairline(x, "centre")) if front else d, _highlight(x, y, top) if front else None)
        return
    if style == 7:  # pigtails with short bangs
        puffs = union(*[polyline(x, y, np.array([[CX + s * 0.2, 0.36], [CX + s * 0.3, 0.42], [CX + s * 0.31, 0.58],
                                                   [CX + s * 0.28, 0.7]]), np.array([0.02, 0.04, 0.035, 0.02]))
                        for s in (-1.0, 1.0)])
        d = union(intersect(scalp, y - 0.5), puffs)
        _paint(p, intersect(scalp, y - _hairline(x, "bangs") + 0.03) if front else d,
               _highlight(x, y, top) if front else None)
        return
    if style == 8:  # afro
        theta = np.arctan2(y - 0.4, x - CX)
        d = circle(x, y, CX, 0.41, 0.275) + 0.012 * np.sin(theta * 22.0)
        d = intersect(d, y - 0.68)
        _paint(p, intersect(d, y - _hairline(x, "back") + 0.01) if front else d)
        return
    if style == 9:  # asymmetric: long on the left, shaved on the right
        long_side = intersect(_curtain(x, y, 0.8, 0.01, False), x - CX - 0.05)
        d = union(intersect(scalp, y - 0.45), long_side)
        front_d = intersect(scalp, y - _hairline(x, "left") - 0.03)
        _paint(p, union(front_d, intersect(long_side, y - 0.6, -(x - CX + 0.2))) if front else d,
               _highlight(x, y, top) if front else None)
        return
    if style == 10:  # big curls to the shoulders
        theta = np.arctan2(y - SCALP_Y, x - CX)
        d = union(_scalp(x, y, 0.04, True), _curtain(x, y, 0.86, 0.06, True)) + 0.006 * np.sin(theta * 30.0)
        front_d = intersect(_scalp(x, y, 0.04, True), y - _hairline(x, "centre"))
        _paint(p, front_d if front else d, _highlight(x, y, top - 0.04) if front else None)
        return
    raise ValueError(f"hair style {style} is not special")
