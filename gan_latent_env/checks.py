"""Argument checks shared by the scorer and the envs: numbers (optionally bounded to float32), integers, seeds.

Each returns the checked value as a plain Python number or raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np

FLOAT32_MAX: Final[float] = float(np.finfo(np.float32).max)
"""The largest finite float32 (about 3.4e38): the bound of the arguments that the envs compute in float32."""


def _check_number(value: Any, name: str, what: str) -> float:
    """``value`` as a finite float; ``ValueError`` naming ``name`` for a non-number (bools included) or a
    non-finite value. ``what`` describes the expected value for the message."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    try:
        out = float(value)
    except OverflowError:  # an int beyond the float range
        out = math.inf
    if not math.isfinite(out):
        raise ValueError(f"{name} must be {what} (finite), got {value!r}")
    return out


def _check_float32(out: float, value: Any, name: str, positive: bool) -> None:
    if abs(out) > FLOAT32_MAX:
        raise ValueError(
            f"{name} must be finite in float32 (|{name}| <= {FLOAT32_MAX:.4g}; the env computes in float32), got {value!r}"
        )
    if positive and np.float32(out) == 0.0:
        raise ValueError(f"{name} must be > 0 in float32 (it rounds to 0 there; the env computes in float32), got {value!r}")


def check_positive(value: Any, name: str, *, float32: bool = False) -> float:
    """Return ``value`` as a Python float; raise ``ValueError`` naming ``name`` unless it is a finite
    number > 0 (with ``float32=True``: also finite and non-zero when rounded to float32)."""
    out = _check_number(value, name, "a number > 0")
    if out <= 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    if float32:
        _check_float32(out, value, name, positive=True)
    return out


def check_nonnegative(value: Any, name: str, *, float32: bool = False) -> float:
    """Return ``value`` as a Python float; raise ``ValueError`` naming ``name`` unless it is a finite
    number >= 0 (with ``float32=True``: also finite when rounded to float32)."""
    out = _check_number(value, name, "a number >= 0")
    if out < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if float32:
        _check_float32(out, value, name, positive=False)
    return out


def check_finite(value: Any, name: str, *, float32: bool = False) -> float:
    """Return ``value`` as a Python float; raise ``ValueError`` naming ``name`` unless it is a finite
    number (with ``float32=True``: also finite when rounded to float32)."""
    out = _check_number(value, name, "a finite number")
    if float32:
        _check_float32(out, value, name, positive=False)
    return out


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int; raise ``ValueError`` naming ``name`` unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def check_seed(value: Any, name: str) -> int | None:
    """Return ``None`` or ``value`` as a Python int (what ``gymnasium.utils.seeding`` accepts); raise
    ``ValueError`` naming ``name`` unless it is ``None`` or an integer >= 0 (numpy integers included)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be None or an integer >= 0, got {value!r}")
    return int(value)
