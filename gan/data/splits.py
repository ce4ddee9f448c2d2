"""Deterministic train / holdout split of a face set by name.

Recipe: sort the names, shuffle the sorted list with ``numpy.random.default_rng(seed).permutation``, take
the first ``n_holdout`` as the holdout set. Because the names are sorted first, the split depends only on
the set of names and the seed, never on the order in which files were listed. The bundled models hold out
500 of the 9,500 real CartoonSet pairs this way (``n_holdout=500, seed=0``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def holdout_split(names: Sequence[str], n_holdout: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split faces into train and holdout by a seeded shuffle of their sorted names.

    :param names: one unique name per face (e.g. ``FaceTensors.names``), in any order.
    :param n_holdout: how many faces to hold out, ``0 <= n_holdout <= len(names)``.
    :param seed: seed of ``numpy.random.default_rng``.
    :returns: ``(train, holdout)``: int64 indices into ``names`` (positions in the given order), each sorted
        ascending; together they cover every index exactly once.
    :raises ValueError: on duplicate names or an out-of-range ``n_holdout``.
    """
    names = list(names)
    n = len(names)
    if isinstance(n_holdout, bool) or not isinstance(n_holdout, (int, np.integer)) or not 0 <= n_holdout <= n:
        raise ValueError(f"n_holdout must be an integer in 0..{n} (the number of names), got {n_holdout!r}")
    if len(set(names)) != n:
        dupes = sorted(name for name, count in Counter(names).items() if count > 1)
        raise ValueError(f"holdout_split needs unique names; duplicated: {dupes[:5]}")
    order = np.argsort(np.asarray(names, dtype=object), kind="stable")  # input positions in name order
    perm = np.random.default_rng(seed).permutation(n)
    holdout = np.sort(order[perm[:n_holdout]]).astype(np.int64)
    train = np.sort(order[perm[n_holdout:]]).astype(np.int64)
    return train, holdout
