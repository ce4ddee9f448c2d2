"""Kernel Inception Distance: the unbiased MMD^2 estimate with the cubic polynomial kernel.

Following Binkowski et al. 2018 ("Demystifying MMD GANs") and their reference code: the kernel is
``k(x, y) = (x . y / d + 1) ** 3`` (degree 3, gamma ``1/d``, coef 1); the estimate is averaged over
``n_subsets`` random subsets of ``subset_size`` samples drawn without replacement from each set, and the
mean and standard deviation over the subsets are reported. The within-set kernel sums exclude the
diagonal, so the estimate is unbiased: its expectation is 0 when both sets come from one distribution
(individual values can be negative).

Feature-agnostic like :mod:`gan.metrics.frechet`: with Inception-v3 features it is the KID; with the
attribute classifier's features it is the "KID (classifier features)".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Final

import numpy as np
import torch

from gan.metrics.frechet import as_feature_matrix

DEFAULT_SUBSETS: Final[int] = 100
DEFAULT_SUBSET_SIZE: Final[int] = 1000


@dataclass(frozen=True)
class KIDResult:
    """KID estimate: mean and standard deviation of the unbiased MMD^2 over ``n_subsets`` subsets."""

    mean: float
    std: float
    n_subsets: int
    subset_size: int

    def to_dict(self) -> dict[str, float | int]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3, coef: float = 1.0) -> np.ndarray:
    """``(x @ y.T / d + coef) ** degree`` for ``x [n, d]``, ``y [m, d]``; returns ``[n, m]`` float64."""
    d = x.shape[1]
    return (x @ y.T / d + coef) ** degree


def mmd2_unbiased(x: np.ndarray, y: np.ndarray, degree: int = 3, coef: float = 1.0) -> float:
    """Unbiased MMD^2 between two equal-size samples ``[m, d]`` under the polynomial kernel.

    :raises ValueError: unless both samples have the same size m >= 2 and the same dimension.
    """
    m = x.shape[0]
    if y.shape[0] != m or m < 2:
        raise ValueError(f"mmd2_unbiased needs two samples of equal size >= 2, got {x.shape[0]} and {y.shape[0]}")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature dimensions differ: {x.shape[1]} vs {y.shape[1]}")
    k_xx = polynomial_kernel(x, x, degree, coef)
    k_yy = polynomial_kernel(y, y, degree, coef)
    k_xy = polynomial_kernel(x, y, degree, coef)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / (m * m))


def kernel_inception_distance(
    a: np.ndarray | torch.Tensor,
    b: np.ndarray | torch.Tensor,
    *,
    n_subsets: int = DEFAULT_SUBSETS,
    subset_size: int = DEFAULT_SUBSET_SIZE,
    rng: np.random.Generator | int = 0,
    names: tuple[str, str] = ("a", "b"),
) -> KIDResult:
    """KID between feature sets ``a [N_a, D]`` and ``b [N_b, D]``.

    :param n_subsets: number of random subset pairs averaged over.
    :param subset_size: samples per subset; reduced to ``min(N_a, N_b)`` when the sets are smaller.
    :param rng: a numpy ``Generator`` or an integer seed for one; the only source of randomness.
    :param names: what ``a`` and ``b`` are called in error messages.
    :raises ValueError: on bad shapes/values, fewer than 2 samples, or non-positive subset settings.
    """
    x = as_feature_matrix(a, names[0])
    y = as_feature_matrix(b, names[1])
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature dimensions differ: {names[0]} has {x.shape[1]}, {names[1]} has {y.shape[1]}")
    if isinstance(n_subsets, bool) or not isinstance(n_subsets, (int, np.integer)) or n_subsets < 1:
        raise ValueError(f"n_subsets must be a positive integer, got {n_subsets!r}")
    if isinstance(subset_size, bool) or not isinstance(subset_size, (int, np.integer)) or subset_size < 2:
        raise ValueError(f"subset_size must be an integer >= 2, got {subset_size!r}")
    m = min(int(subset_size), x.shape[0], y.shape[0])
    if m < 2:
        raise ValueError(f"KID needs at least 2 samples in each set, got {x.shape[0]} ({names[0]}) and {y.shape[0]} ({names[1]})")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    values = np.empty(int(n_subsets), dtype=np.float64)
    for i in range(int(n_subsets)):
        xs = x[generator.choice(x.shape[0], m, replace=False)]
        ys = y[generator.choice(y.shape[0], m, replace=False)]
        values[i] = mmd2_unbiased(xs, ys)
    return KIDResult(mean=float(values.mean()), std=float(values.std()), n_subsets=int(n_subsets), subset_size=m)
