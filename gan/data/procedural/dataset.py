"""Procedural face sets as :class:`~gan.data.faces.FaceTensors`, whole or in bounded-memory chunks."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from gan.data.faces import FaceTensors
from gan.data.images import hwc_to_chw
from gan.data.procedural.renderer import check_size, render_faces
from gan.data.procedural.sampler import sample_attributes


def procedural_name(seed: int, index: int) -> str:
    """CartoonSet-style file stem of face ``index`` of the set with ``seed``: ``csproc{seed}_{index:07d}``."""
    return f"csproc{seed}_{index:07d}"


def _check_args(n: int, seed: int, size: int) -> tuple[int, int, int]:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(n), int(seed), check_size(size)


def iter_procedural_faces(n: int, seed: int = 0, size: int = 64, chunk: int = 1024) -> Iterator[FaceTensors]:
    """The set of :func:`make_procedural_faces` as consecutive chunks of at most ``chunk`` faces.

    The attributes of all ``n`` faces are drawn first (int64, 144 bytes a face), so the chunks joined are
    exactly ``make_procedural_faces(n, seed, size)`` whatever ``chunk`` is.

    :raises ValueError: on a negative ``n`` or ``seed``, a bad ``size`` or ``chunk < 1``.
    """
    n, seed, size = _check_args(n, seed, size)
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    attrs = sample_attributes(n, np.random.default_rng(seed))
    settings = {"source": "procedural", "seed": seed, "size": size}
    for start in range(0, n, chunk):
        part = attrs[start : start + chunk]
        yield FaceTensors(
            images=hwc_to_chw(render_faces(part, size=size)),
            attributes=torch.from_numpy(part.copy()),
            names=[procedural_name(seed, i) for i in range(start, start + len(part))],
            settings=dict(settings),
        )


def make_procedural_faces(n: int, seed: int = 0, size: int = 64) -> FaceTensors:
    """``n`` labelled procedural faces: attributes from ``numpy.random.default_rng(seed)``, then rendered.

    :returns: ``FaceTensors`` with uint8 images ``[n, 3, size, size]``, int64 attributes ``[n, 18]``,
        names ``csproc{seed}_{i:07d}`` and settings ``{"source": "procedural", "seed", "size"}``.
    :raises ValueError: on a negative ``n`` or ``seed`` or a bad ``size``.
    """
    n, seed, size = _check_args(n, seed, size)
    attrs = sample_attributes(n, np.random.default_rng(seed))
    return FaceTensors(
        images=hwc_to_chw(render_faces(attrs, size=size)),
        attributes=torch.from_numpy(attrs),
        names=[procedural_name(seed, i) for i in range(n)],
        settings={"source": "procedural", "seed": seed, "size": size},
    )
