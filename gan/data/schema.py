"""The CartoonSet attribute schema: 18 attributes, 217 variants in all.

The order is the order of the lines in every CartoonSet CSV file. Attribute vectors are int64
``[..., 18]`` of 0-based variant indices; their one-hot form is float32 ``[..., 217]`` made of the 18
per-attribute one-hot blocks concatenated in schema order.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import torch

ATTRIBUTES: Final[tuple[tuple[str, int], ...]] = (
    ("eye_angle", 3),
    ("eye_lashes", 2),
    ("eye_lid", 2),
    ("chin_length", 3),
    ("eyebrow_weight", 2),
    ("eyebrow_shape", 14),
    ("eyebrow_thickness", 4),
    ("face_shape", 7),
    ("facial_hair", 15),
    ("hair", 111),
    ("eye_color", 5),
    ("face_color", 11),
    ("hair_color", 10),
    ("glasses", 12),
    ("glasses_color", 7),
    ("eye_slant", 3),
    ("eyebrow_width", 3),
    ("eye_eyebrow_distance", 3),
)
"""(name, number of variants) of each attribute, in CSV file order."""

ATTRIBUTE_NAMES: Final[tuple[str, ...]] = tuple(name for name, _ in ATTRIBUTES)
NUM_VARIANTS: Final[tuple[int, ...]] = tuple(count for _, count in ATTRIBUTES)
NUM_ATTRIBUTES: Final[int] = len(ATTRIBUTES)  # 18
ONE_HOT_DIM: Final[int] = sum(NUM_VARIANTS)  # 217
OFFSETS: Final[tuple[int, ...]] = tuple(int(x) for x in np.concatenate([[0], np.cumsum(NUM_VARIANTS)[:-1]]))
"""Start of each attribute's block in the 217-dim one-hot vector."""

ATTRIBUTE_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(ATTRIBUTE_NAMES)}

FACIAL_HAIR_NONE: Final[int] = 14
"""facial_hair variant that means "no facial hair"."""
GLASSES_NONE: Final[int] = 11
"""glasses variant that means "no glasses" (glasses_color is then set but invisible)."""


def _as_tensor(x: torch.Tensor | np.ndarray) -> tuple[torch.Tensor, bool]:
    if isinstance(x, np.ndarray):
        return torch.from_numpy(x), True
    if isinstance(x, torch.Tensor):
        return x, False
    raise TypeError(f"expected a torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def validate_attributes(attributes: torch.Tensor | np.ndarray, name: str = "attributes") -> None:
    """Raise ``ValueError`` unless ``attributes`` is an integer array [..., 18] of in-range indices."""
    t, _ = _as_tensor(attributes)
    if t.dtype.is_floating_point or t.dtype == torch.bool or t.is_complex():
        raise ValueError(f"{name} must be an integer array of variant indices, got dtype {t.dtype}")
    if t.ndim == 0 or t.shape[-1] != NUM_ATTRIBUTES:
        raise ValueError(f"{name} must have shape [..., {NUM_ATTRIBUTES}], got {tuple(t.shape)}")
    if t.numel() == 0:
        return
    counts = torch.tensor(NUM_VARIANTS, dtype=torch.int64)
    t64 = t.to(torch.int64)
    bad = (t64 < 0) | (t64 >= counts)
    if bool(bad.any()):
        flat = bad.reshape(-1, NUM_ATTRIBUTES)
        row, col = (int(v) for v in flat.nonzero()[0])
        value = int(t64.reshape(-1, NUM_ATTRIBUTES)[row, col])
        raise ValueError(
            f"{name}: {ATTRIBUTE_NAMES[col]} = {value} is out of range 0..{NUM_VARIANTS[col] - 1} "
            f"(row {row} of the flattened array)"
        )


def one_hot(attributes: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """Map int64 attribute vectors ``[..., 18]`` to float32 one-hot vectors ``[..., 217]``.

    Returns the same array type as given (numpy in, numpy out).

    :raises ValueError: on a wrong shape, a non-integer dtype or an out-of-range index.
    """
    validate_attributes(attributes)
    t, was_numpy = _as_tensor(attributes)
    offsets = torch.tensor(OFFSETS, dtype=torch.int64, device=t.device)
    out = torch.zeros(*t.shape[:-1], ONE_HOT_DIM, dtype=torch.float32, device=t.device)
    out.scatter_(-1, t.to(torch.int64) + offsets, 1.0)
    return out.numpy() if was_numpy else out


def split_blocks(vectors: torch.Tensor) -> list[torch.Tensor]:
    """Split ``[..., 217]`` into the 18 per-attribute blocks ``[..., n_variants]``."""
    if vectors.shape[-1] != ONE_HOT_DIM:
        raise ValueError(f"expected shape [..., {ONE_HOT_DIM}], got {tuple(vectors.shape)}")
    return list(torch.split(vectors, list(NUM_VARIANTS), dim=-1))


def from_one_hot(vectors: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """Inverse of :func:`one_hot`: argmax within each attribute's block, int64 ``[..., 18]``.

    Works on probability vectors and logits as well as exact one-hot vectors.
    """
    t, was_numpy = _as_tensor(vectors)
    out = torch.stack([block.argmax(dim=-1) for block in split_blocks(t)], dim=-1).to(torch.int64)
    return out.numpy() if was_numpy else out
