"""Head, eyes, eyebrows, facial hair and glasses: the sprite painters of every non-hair layer.

All geometry is in canvas fractions (see :mod:`.canvas`). The head is centred horizontally; its top is at
:data:`HEAD_TOP` and its chin at :data:`CHIN_Y` (by chin_length), so with hair the face fills about the
central 60-70% of the canvas, as in the real set.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from gan.data.procedural.canvas import (
    Painter,
    circle,
    ellipse,
    intersect,
    mask_sdf,
    polyline,
    rounded_box,
    segment,
    subtract,
    union,
)
from gan.data.procedural.palette import LINE, WHITE

CX: Final[float] = 0.5
HEAD_TOP: Final[float] = 0.265
CHIN_Y: Final[tuple[float, ...]] = (0.735, 0.765, 0.795)
"""Chin bottom by chin_length (short, medium, long)."""
HALF_WIDTH: Final[float] = 0.2
EYE_Y: Final[float] = 0.525
EYE_DX: Final[float] = 0.09
MOUTH_Y: Final[float] = 0.66
LINE_W: Final[float] = 0.013
"""Outline width (about 5 px on the 500 px originals, as in the real set)."""

# face_shape: (width scale, cheek position along the face, forehead exponent, jaw exponent, chin width)
FACE_SHAPES: Final[tuple[tuple[float, float, float, float, float], ...]] = (
    (0.95, 0.42, 2.0, 2.0, 0.00),  # oval
    (1.06, 0.50, 2.0, 2.3, 0.00),  # round
    (1.00, 0.45, 3.0, 4.0, 0.45),  # square
    (1.02, 0.33, 2.2, 1.25, 0.06),  # heart, pointed chin
    (0.87, 0.45, 2.0, 2.6, 0.25),  # long and narrow
    (0.97, 0.58, 3.0, 3.0, 0.32),  # rectangle
    (0.97, 0.64, 2.0, 2.0, 0.36),  # pear: narrow forehead, wide jaw
)


def face_half_width(y: np.ndarray, shape: int, chin: int) -> np.ndarray:
    """Half width of the face at height ``y`` (0 outside the face's vertical extent)."""
    sw, tc, k, p, cw = FACE_SHAPES[shape]
    t = np.clip((y - HEAD_TOP) / (CHIN_Y[chin] - HEAD_TOP), 0.0, 1.0)
    up = np.clip((tc - t) / tc, 0.0, 1.0)
    down = np.clip((t - tc) / (1.0 - tc), 0.0, 1.0)
    f_up = (1.0 - up**k) ** (1.0 / k)
    f_down = cw + (1.0 - cw) * (1.0 - down**p) ** (1.0 / p)
    return HALF_WIDTH * sw * np.where(t < tc, f_up, f_down)


def face_sdf(x: np.ndarray, y: np.ndarray, shape: int, chin: int) -> np.ndarray:
    """Signed distance to the face outline on the painter grid ``x, y`` (exact distance transform)."""
    inside = (np.abs(x - CX) < face_half_width(y, shape, chin)) & (y > HEAD_TOP) & (y < CHIN_Y[chin])
    return mask_sdf(inside, float(x[0, 1] - x[0, 0]))


def paint_head(p: Painter, shape: int, chin: int) -> None:
    """Ears, face, nose and mouth; tinted with the skin colour."""
    x, y = p.x, p.y
    ear_y = 0.525
    ear_x = float(face_half_width(np.array(ear_y), shape, chin)) + 0.006
    for side in (-1.0, 1.0):
        ex = CX + side * ear_x
        d_ear = ellipse(x, y, ex, ear_y, 0.034, 0.05)
        p.fill_and_outline(d_ear, LINE_W)
        inner = ellipse(x, y, ex + side * 0.004, ear_y, 0.016, 0.03)
        p.stroke(intersect(inner, -(side * (x - ex))), 0.008, tint=0.78, grey=0.0)
    d_face = face_sdf(x, y, shape, chin)
    p.fill_and_outline(d_face, LINE_W)
    # nose: a small shaded hook
    nose = intersect(circle(x, y, CX + 0.004, 0.598, 0.016), -(y - 0.592))
    p.stroke(nose, 0.008, tint=0.72, grey=0.0)
    # mouth: an open smile, white teeth with a dark outline
    d_mouth = intersect(ellipse(x, y, CX, MOUTH_Y, 0.06, 0.04), MOUTH_Y - y)
    p.fill_and_outline(d_mouth, 0.008, tint=0.0, grey=WHITE)


# ---- eyes ------------------------------------------------------------------------------------------

EYE_ANGLES: Final[tuple[float, ...]] = (-0.22, 0.0, 0.22)
"""eye_angle: tilt of the eye axis in radians (outer corner down, level, up)."""
EYE_HEIGHTS: Final[tuple[float, ...]] = (0.021, 0.028, 0.035)
"""eye_slant: half height of the eye opening (narrow, medium, round)."""
EYE_RX: Final[float] = 0.043


def eye_index(angle: np.ndarray, slant: np.ndarray, lid: np.ndarray, lashes: np.ndarray) -> np.ndarray:
    """Sprite index of an eye combination (36 in all)."""
    return ((angle * 3 + slant) * 2 + lid) * 2 + lashes


def paint_eyes(p: Painter, index: int) -> None:
    """Both eyes; the iris is tinted with the eye colour."""
    lashes = index % 2
    lid = (index // 2) % 2
    slant = (index // 4) % 3
    angle = index // 12
    x, y = p.x, p.y
    ry = EYE_HEIGHTS[slant]
    for side in (-1.0, 1.0):
        ex = CX + side * EYE_DX
        a = -side * EYE_ANGLES[angle]  # mirrored: both outer corners move the same way
        d_eye = ellipse(x, y, ex, EYE_Y, EYE_RX, ry, angle=a)
        inside = d_eye < 0
        p.paint(d_eye < LINE_W * 0.35, tint=0.0, grey=LINE)
        p.paint(d_eye < -LINE_W * 0.35, tint=0.0, grey=WHITE)
        p.paint(inside & (circle(x, y, ex, EYE_Y + 0.002, 0.021) < 0), tint=1.0, grey=0.0)
        p.paint(inside & (circle(x, y, ex, EYE_Y + 0.002, 0.0105) < 0), tint=0.0, grey=15.0)
        p.paint(inside & (circle(x, y, ex + 0.008, EYE_Y - 0.006, 0.005) < 0), tint=0.0, grey=WHITE)
        # upper lid line, heavier with lashes
        u_cos, u_sin = np.cos(a), np.sin(a)
        v = -(x - ex) * u_sin + (y - EYE_Y) * u_cos  # coordinate across the eye axis
        upper = v < 0
        p.paint(upper & (np.abs(d_eye) < (0.011 if lashes else 0.006)), tint=0.0, grey=LINE)
        if lid:  # a crease above the eye
            crease = ellipse(x, y, ex, EYE_Y + 0.004, EYE_RX * 0.95, ry + 0.016, angle=a)
            p.paint(upper & (np.abs(crease) < 0.0045) & (np.abs(x - ex) < EYE_RX * 0.8), tint=0.0, grey=LINE)
        if lashes:  # three lashes at the outer upper corner
            for k, t in enumerate((0.35, 0.62, 0.85)):
                bx = ex + side * (EYE_RX * t) * u_cos - 0.0 * u_sin
                by = EYE_Y - ry * np.sqrt(max(1.0 - t * t, 0.05)) + side * (EYE_RX * t) * np.sin(a)
                tx = bx + side * (0.006 + 0.004 * k)
                ty = by - 0.012
                p.paint(segment(x, y, bx, by, tx, ty) < 0.0035, tint=0.0, grey=LINE)


# ---- eyebrows -------------------------------------------------------------------------------------

# eyebrow_shape: (arch height, arch kind, tilt, inner/outer thickness ratio)
#   arch kind: 0 round, 1 angular peak two thirds out, 2 S-wave
BROW_SHAPES: Final[tuple[tuple[float, int, float, float], ...]] = (
    (0.000, 0, 0.000, 1.0),   # straight
    (0.000, 0, -0.012, 1.0),  # straight, rising outwards
    (0.000, 0, 0.012, 1.0),   # straight, falling outwards
    (0.008, 0, 0.000, 1.0),   # soft arch
    (0.016, 0, 0.000, 1.0),   # high arch
    (0.009, 1, 0.000, 1.0),   # soft peak
    (0.018, 1, 0.000, 1.0),   # high peak
    (0.010, 0, -0.010, 1.0),  # arch, rising
    (0.012, 1, 0.010, 1.0),   # peak, falling
    (0.000, 0, 0.000, 0.45),  # straight, tapering outwards
    (0.012, 0, 0.000, 0.45),  # arch, tapering outwards
    (0.008, 2, 0.000, 1.0),   # S-wave
    (0.000, 0, 0.000, 1.8),   # club: thick outer end
    (-0.010, 0, 0.000, 1.0),  # sagging (inverted arch)
)
BROW_THICKNESS: Final[tuple[float, ...]] = (0.008, 0.012, 0.016, 0.021)
BROW_HALF_LENGTH: Final[tuple[float, ...]] = (0.032, 0.041, 0.05)
"""eyebrow_width: half length of each brow."""
BROW_GAP: Final[tuple[float, ...]] = (0.062, 0.075, 0.088)
"""eye_eyebrow_distance: height of the brow centre above the eye centre."""


def brow_index(shape: np.ndarray, thickness: np.ndarray, width: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Sprite index of an eyebrow combination (14 * 4 * 3 * 3 = 504)."""
    return ((shape * 4 + thickness) * 3 + width) * 3 + distance


def paint_brows(p: Painter, index: int) -> None:
    """Both eyebrows; tinted with the eyebrow colour (derived from hair colour and eyebrow_weight)."""
    distance = index % 3
    width = (index // 3) % 3
    thickness = (index // 9) % 4
    shape = index // 36
    arch, kind, tilt, taper = BROW_SHAPES[shape]
    half = BROW_HALF_LENGTH[width]
    r0 = BROW_THICKNESS[thickness] / 2
    s = np.linspace(-1.0, 1.0, 17)  # inner end -1 .. outer end +1
    if kind == 0:
        bump = 1.0 - s**2
    elif kind == 1:
        bump = np.where(s < 0.35, (s + 1.0) / 1.35, 1.0 - (s - 0.35) / 0.65)
    else:
        bump = np.sin(np.pi * (s + 1.0)) * 0.6
    yc = EYE_Y - BROW_GAP[distance] - arch * bump + tilt * s
    radii = r0 * np.interp(s, [-1.0, 1.0], [1.0, taper]) if taper <= 1.0 else r0 * np.interp(s, [-1, 1], [1, taper])
    for side in (-1.0, 1.0):
        xc = CX + side * (EYE_DX - 0.004 + half * s * 0.98)
        d = polyline(p.x, p.y, np.stack([xc, yc], axis=1), radii)
        p.paint(d < 0)


# ---- facial hair ----------------------------------------------------------------------------------


def facial_hair_index(style: np.ndarray, shape: np.ndarray, chin: np.ndarray) -> np.ndarray:
    """Sprite index of facial hair on a given jaw (15 * 7 * 3 = 315)."""
    return (style * 7 + shape) * 3 + chin


def _moustache(x: np.ndarray, y: np.ndarray, kind: str) -> np.ndarray:
    if kind == "thin":
        pts = np.array([[-0.05, 0.652], [-0.025, 0.634], [0.0, 0.636], [0.025, 0.634], [0.05, 0.652]])
        return polyline(x, y, pts + [CX, 0.0], 0.006)
    if kind == "thick":
        return rounded_box(x, y, CX, 0.637, 0.055, 0.014, 0.012)
    if kind == "handlebar":
        pts = np.array([[-0.075, 0.62], [-0.062, 0.64], [-0.035, 0.642], [0.0, 0.634],
                        [0.035, 0.642], [0.062, 0.64], [0.075, 0.62]])
        return polyline(x, y, pts + [CX, 0.0], np.array([0.004, 0.007, 0.01, 0.01, 0.01, 0.007, 0.004]))
    raise ValueError(kind)


# facial_hair 0..13: (beard kind, moustache kind or "", stubble)
FACIAL_HAIR: Final[tuple[tuple[str, str], ...]] = (
    ("full", ""),
    ("full", "thick"),
    ("goatee", ""),
    ("goatee", "thin"),
    ("chinstrap", ""),
    ("chinstrap", "thin"),
    ("", "thin"),
    ("", "thick"),
    ("", "handlebar"),
    ("stubble", ""),
    ("stubble", "thick"),
    ("soulpatch", ""),
    ("long", "thick"),
    ("chops", ""),
)


def paint_facial_hair(p: Painter, index: int) -> None:
    """Beard and/or moustache for style ``index // 21`` on the jaw ``index % 21``; tinted with the hair colour."""
    chin = index % 3
    shape = (index // 3) % 7
    style = index // 21
    if style >= len(FACIAL_HAIR):  # facial_hair 14: none
        return
    beard, moustache = FACIAL_HAIR[style]
    x, y = p.x, p.y
    face = face_sdf(x, y, shape, chin)
    mouth = intersect(ellipse(x, y, CX, MOUTH_Y, 0.066, 0.046), MOUTH_Y - 0.006 - y)
    chin_y = CHIN_Y[chin]
    d = None
    if beard in ("full", "stubble", "long"):
        bottom = chin_y + (0.07 if beard == "long" else 0.012)
        lower = y - 0.585 if beard != "stubble" else y - 0.6
        d = subtract(intersect(face - 0.012, -lower), ellipse(x, y, CX, 0.592, 0.125, 0.042))  # cheeks free
        if beard == "long":
            d = union(d, intersect(ellipse(x, y, CX, chin_y - 0.02, 0.1, bottom - chin_y + 0.02), -(y - 0.62)))
        d = subtract(d, mouth)
    elif beard == "goatee":
        d = subtract(intersect(ellipse(x, y, CX, chin_y - 0.045, 0.055, 0.06), face - 0.012), mouth)
    elif beard == "chinstrap":
        d = intersect(face - 0.01, -(face + 0.018), -(y - 0.6))
    elif beard == "soulpatch":
        d = ellipse(x, y, CX, MOUTH_Y + 0.058, 0.013, 0.017)
    elif beard == "chops":
        d = intersect(face - 0.012, -(face + 0.045), -(y - 0.5), y - 0.7)
    if d is not None:
        if beard == "stubble":
            p.paint(d < 0, tint=0.85, grey=0.0, opacity=0.55)
        else:
            p.fill_and_outline(d, 0.006, line_tint=0.55, line_grey=0.0)
    if moustache:
        p.fill_and_outline(_moustache(x, y, moustache), 0.006, line_tint=0.55, line_grey=0.0)


# ---- glasses --------------------------------------------------------------------------------------

# glasses 0..10: (lens kind, frame width, dark lenses)
GLASSES_STYLES: Final[tuple[tuple[str, float, bool], ...]] = (
    ("round", 0.007, False),
    ("aviator", 0.006, True),
    ("rect", 0.006, False),
    ("rect", 0.013, False),
    ("oval", 0.008, False),
    ("cateye", 0.01, False),
    ("square", 0.009, False),
    ("halfrim", 0.01, False),
    ("small_round", 0.006, True),
    ("round", 0.014, True),
    ("heart", 0.01, True),
)


LENS_SCALE: Final[float] = 1.12


def _lens(x: np.ndarray, y: np.ndarray, kind: str, ex: float, side: float) -> np.ndarray:
    """Signed distance to one lens, drawn at LENS_SCALE times the sizes below."""
    x = ex + (x - ex) / LENS_SCALE
    y = EYE_Y + (y - EYE_Y) / LENS_SCALE
    return LENS_SCALE * _lens_unit(x, y, kind, ex, side)


def _lens_unit(x: np.ndarray, y: np.ndarray, kind: str, ex: float, side: float) -> np.ndarray:
    ey = EYE_Y
    if kind == "round":
        return circle(x, y, ex, ey, 0.048)
    if kind == "small_round":
        return circle(x, y, ex, ey, 0.036)
    if kind == "aviator":
        return union(ellipse(x, y, ex, ey + 0.006, 0.052, 0.04), intersect(
            ellipse(x, y, ex, ey - 0.004, 0.056, 0.03), y - ey))
    if kind == "rect":
        return rounded_box(x, y, ex, ey, 0.056, 0.033, 0.008)
    if kind == "square":
        return rounded_box(x, y, ex, ey, 0.05, 0.045, 0.014)
    if kind == "oval":
        return ellipse(x, y, ex, ey, 0.058, 0.036)
    if kind == "cateye":
        return union(ellipse(x, y, ex, ey, 0.054, 0.034),
                     ellipse(x, y, ex + side * 0.03, ey - 0.018, 0.03, 0.018, angle=-side * 0.5))
    if kind == "halfrim":
        return rounded_box(x, y, ex, ey, 0.054, 0.032, 0.012)
    if kind == "heart":
        u = (x - ex) / 0.05
        v = -(y - ey - 0.008) / 0.05
        f = (u**2 + v**2 - 1.0) ** 3 - u**2 * v**3
        return np.where(f < 0, -1.0, 1.0) * 0.01 * np.minimum(np.abs(f), 1.0) ** (1 / 3)
    raise ValueError(kind)


def paint_glasses(p: Painter, index: int) -> None:
    """Glasses style ``index`` (11 = none); the frame is tinted with the glasses colour."""
    if index >= len(GLASSES_STYLES):
        return
    kind, width, dark = GLASSES_STYLES[index]
    x, y = p.x, p.y
    lens_ds = []
    for side in (-1.0, 1.0):
        ex = CX + side * EYE_DX
        lens_ds.append((_lens(x, y, kind, ex, side), ex, side))
    for d, ex, side in lens_ds:
        p.paint(d < 0, tint=0.0, grey=25.0 if dark else WHITE, opacity=0.88 if dark else 0.22)
    frame = np.zeros(x.shape, dtype=bool)
    for d, ex, side in lens_ds:
        ring = np.abs(d) < width / 2
        if kind == "halfrim":
            ring &= y < EYE_Y
        frame |= ring
        outer_x = ex + side * LENS_SCALE * (0.056 if kind not in ("round", "small_round") else 0.045)
        frame |= segment(x, y, outer_x, EYE_Y - 0.012, CX + side * 0.215, EYE_Y - 0.02) < 0.0045
    frame |= segment(x, y, CX - 0.04, EYE_Y - 0.008, CX + 0.04, EYE_Y - 0.008) < 0.0045
    p.paint(frame)
