"""Colours of the procedural faces.

Skin tones and hair colours are the exact RGB values of the real CartoonSet release (each of the 11
skin tones and 10 hair colours is one exact value in the original images, see the data README). Eye,
glasses and line colours cannot be read off one exact value in the real set; they are chosen by eye
to resemble it (e.g. glasses colour 1 is a white frame, 2 blue, 4 grey, 6 pink, as in the sample images).
"""

from __future__ import annotations

from typing import Final

import numpy as np


def _hex(values: tuple[int, ...]) -> np.ndarray:
    return np.array([[(v >> 16) & 255, (v >> 8) & 255, v & 255] for v in values], dtype=np.float32)


SKIN: Final[np.ndarray] = _hex(
    (0x603D30, 0x88594B, 0xAA7454, 0xC78B5D, 0xD9A16E, 0xE3B47E, 0xEEAF94, 0xF0C092, 0xF6D8C1, 0xFBCDB6, 0xFBDBD1)
)
"""face_color 0..10: float32 [11, 3], the real set's exact skin tones."""

HAIR: Final[np.ndarray] = _hex(
    (0x7A6A42, 0xFFBB4D, 0xED6F2F, 0xC04A2A, 0xD89A32, 0xA15332, 0x5B331C, 0x1E1514, 0x90A4AE, 0xE0E0E0)
)
"""hair_color 0..9: float32 [10, 3], the real set's exact hair colours."""

EYES: Final[np.ndarray] = _hex((0x3D2B1F, 0x8B5A2B, 0x4E8A3E, 0x7FA3B5, 0x3F6FB5))
"""eye_color 0..4: dark brown, brown, green, grey-blue, blue."""

GLASSES: Final[np.ndarray] = _hex((0x222222, 0xF2F2F2, 0x2F86C8, 0xC62828, 0x8E8E8E, 0xA8742C, 0xF090A4))
"""glasses_color 0..6: black, white, blue, red, grey, tortoise brown, pink."""

EYEBROW_SKIN_MIX: Final[tuple[float, float]] = (0.4, 0.0)
"""eyebrow_weight 0..1: share of skin colour mixed into the eyebrow colour (light vs heavy brows)."""
EYEBROW_DARKEN: Final[tuple[float, float]] = (0.85, 0.55)
"""eyebrow_weight 0..1: factor applied to the hair colour in the eyebrow colour."""

LINE: Final[float] = 30.0
"""Grey level of outlines (the real set draws near-black outlines)."""
WHITE: Final[float] = 255.0
