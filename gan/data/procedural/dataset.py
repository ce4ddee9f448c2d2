"""Procedural face sets as :class:`~gan.data.faces.FaceTensors`, whole or in bounded-memory chunks."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from gan.data.faces import FaceTensors
from gan.data.images import DEFAULT_CROP, check_crop, hwc_to_chw
from gan.data.procedural.renderer import check_size, render_faces
from gan.data.procedural.sampler import sample_attributes


def procedural_name(seed: int, index: int) -> str:
    """CartoonSet-style file stem of face ``index`` of the set with ``seed``: ``csproc{seed}_{index:07d}``."""
    return f"csproc{seed}_{index:07d}"


def _check_args(n: int, seed: int, size: int, crop: float) -> tuple[int, int, int, float]:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(n), int(seed), check_size(size), check_crop(crop)


def iter_procedural_faces(
    n: int, seed: int = 0, size: int = 64, crop: float = DEFAULT_CROP, chunk: int = 1024
) -> Iterator[FaceTensors]:
    """The set of :func:`make_procedural_faces` as consecutive chunks of at most ``chunk`` faces.

    The attributes of all ``n`` faces are drawn first (int64, 144 bytes a face), so the chunks joined are
    exactly ``make_procedural_faces(n, seed, size, crop)`` whatever ``chunk`` is.

    :raises ValueError: on a negative ``n`` or ``seed``, a bad ``size`` or ``crop``, or ``chunk < 1``.
    """
    n, seed, size, crop = _check_args(n, seed, size, crop)
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    attrs = sample_attributes(n, np.random.default_rng(seed))
    settings = {"source": "procedural", "seed": seed, "size": size, "crop": crop}
    for start in range(0, n, chunk):
        part = attrs[start : start + chunk]
        yield FaceTensors(
            images=hwc_to_chw(render_faces(part, size=size, crop=crop)),
            attributes=torch.from_numpy(part.copy()),
            names=[procedural_name(seed, i) for i in range(start, start + len(part))],
            settings=dict(settings),
        )


def make_procedural_faces(n: int, seed: int = 0, size: int = 64, crop: float = DEFAULT_CROP) -> FaceTensors:
    """``n`` labelled procedural faces: attributes from ``numpy.random.default_rng(seed)``, then rendered.

    :param crop: centre fraction of the CartoonSet-like canvas shown. The default,
        :data:`~gan.data.images.DEFAULT_CROP`, frames the faces like the real set loaded with its default
        crop, so models see both alike; ``1.0`` gives whole canvases, like the real files.
    :returns: ``FaceTensors`` with uint8 images ``[n, 3, size, size]``, int64 attributes ``[n, 18]``,
        names ``csproc{seed}_{i:07d}`` and settings ``{"source": "procedural", "seed", "size", "crop"}``.
    :raises ValueError: on a negative ``n`` or ``seed`` or a bad ``size`` or ``crop``.
    """
    n, seed, size, crop = _check_args(n, seed, size, crop)
    attrs = sample_attributes(n, np.random.default_rng(seed))
    return FaceTensors(
        images=hwc_to_chw(render_faces(attrs, size=size, crop=crop)),
        attributes=torch.from_numpy(attrs),
        names=[procedural_name(seed, i) for i in range(n)],
        settings={"source": "procedural", "seed": seed, "size": size, "crop": crop},
    )
