"""Attribute vectors with the real CartoonSet's frequencies."""

from __future__ import annotations

from typing import Final

import numpy as np

from gan.data.schema import ATTRIBUTE_INDEX, FACIAL_HAIR_NONE, GLASSES_NONE, NUM_ATTRIBUTES, NUM_VARIANTS

P_NO_FACIAL_HAIR: Final[float] = 0.5
"""Probability of facial_hair "none" (256 of 500 real samples)."""
P_NO_GLASSES: Final[float] = 0.5
"""Probability of glasses "none" (248 of 500 real samples)."""


def _probabilities(count: int, none_index: int, p_none: float) -> np.ndarray:
    p = np.full(count, (1.0 - p_none) / (count - 1))
    p[none_index] = p_none
    return p


def sample_attributes(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` attribute vectors, int64 ``[n, 18]`` in schema order.

    Every attribute is uniform over its variants, except facial_hair and glasses, whose "none" variant
    (14 and 11) comes up with probability 1/2 (the rest uniform), as in the real set.

    :raises ValueError: if ``n`` is not a non-negative integer.
    :raises TypeError: if ``rng`` is not a ``numpy.random.Generator``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n = int(n)
    out = np.empty((n, NUM_ATTRIBUTES), dtype=np.int64)
    special = {
        ATTRIBUTE_INDEX["facial_hair"]: _probabilities(NUM_VARIANTS[ATTRIBUTE_INDEX["facial_hair"]], FACIAL_HAIR_NONE, P_NO_FACIAL_HAIR),
        ATTRIBUTE_INDEX["glasses"]: _probabilities(NUM_VARIANTS[ATTRIBUTE_INDEX["glasses"]], GLASSES_NONE, P_NO_GLASSES),
    }
    for j, count in enumerate(NUM_VARIANTS):
        if j in special:
            out[:, j] = rng.choice(count, size=n, p=special[j])
        else:
            out[:, j] = rng.integers(0, count, size=n)
    return out
