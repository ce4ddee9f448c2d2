"""Fréchet distance between Gaussians fitted to two feature sets.

The distance between ``N(mu_a, S_a)`` and ``N(mu_b, S_b)`` is::

    d^2 = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))

computed the standard way (Heusel et al. 2017; the pytorch-fid / TTUR code): ``scipy.linalg.sqrtm`` of
the product, a small ``eps * I`` added to both covariances when the product is near-singular, and the
tiny imaginary part that round-off leaves on the square root dropped when it is negligible.

The function is feature-agnostic. With Inception-v3 pool features it is the FID
(:mod:`gan.metrics.inception`); with the attribute classifier's penultimate features it is the
"Fréchet distance (classifier features)", which must never be called FID.
"""

from __future__ import annotations

import logging
import warnings
from typing import Final

import numpy as np
import torch
from scipy import linalg

logger = logging.getLogger(__name__)

GaussianStats = tuple[np.ndarray, np.ndarray]
"""(mean ``[D]``, covariance ``[D, D]``), both float64."""

DEFAULT_EPS: Final[float] = 1e-6
"""Diagonal offset added to both covariances when ``S_a S_b`` is near-singular."""

IMAGINARY_TOLERANCE: Final[float] = 1e-3
"""Largest imaginary part on the diagonal of the square root that is treated as round-off."""


def as_feature_matrix(features: np.ndarray | torch.Tensor, name: str = "features") -> np.ndarray:
    """Return ``features`` as a finite float64 numpy array ``[N, D]``.

    :raises TypeError: if ``features`` is neither a numpy array nor a torch tensor.
    :raises ValueError: on a shape other than ``[N, D]`` or non-finite values.
    """
    if isinstance(features, torch.Tensor):
        array = features.detach().to("cpu", torch.float64).numpy()
    elif isinstance(features, np.ndarray):
        array = np.asarray(features, dtype=np.float64)
    else:
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(features).__name__}")
    if array.ndim != 2:
        raise ValueError(f"{name} must have shape [N, D], got {tuple(array.shape)}")
    if array.shape[1] < 1:
        raise ValueError(f"{name} must have at least one feature column, got shape {tuple(array.shape)}")
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).any(axis=1).sum())
        raise ValueError(f"{name} contains non-finite values (in {bad} of {array.shape[0]} rows)")
    return array


def gaussian_stats(features: np.ndarray | torch.Tensor, name: str = "features") -> GaussianStats:
    """Mean and (unbiased, ``N - 1``) covariance of a feature set ``[N, D]``, both float64.

    :param name: what the input is called in error messages (e.g. ``generated``, ``real_a``).
    :raises ValueError: on a wrong shape, non-finite values or fewer than 2 samples; the message names ``name``.
    """
    array = as_feature_matrix(features, name)
    if array.shape[0] < 2:
        raise ValueError(f"{name}: need at least 2 samples to estimate a covariance, got {array.shape[0]}")
    mu = array.mean(axis=0)
    sigma = np.atleast_2d(np.cov(array, rowvar=False))
    return mu, sigma


def _check_stats(stats: GaussianStats, name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        mu, sigma = stats
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (mean, covariance) pair") from None
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    sigma = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise ValueError(
            f"{name}: mean must be [D] and covariance [D, D], got {tuple(mu.shape)} and {tuple(sigma.shape)}"
        )
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise ValueError(f"{name} contains non-finite values")
    return mu, sigma


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    # A singular product is handled below (offset, then a clear error); scipy's own warning is redundant.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        return np.asarray(linalg.sqrtm(matrix))


def frechet_distance(
    stats_a: GaussianStats, stats_b: GaussianStats, eps: float = DEFAULT_EPS, *, names: tuple[str, str] = ("stats_a", "stats_b")
) -> float:
    """Fréchet distance (squared, as FID reports it) between two Gaussians given as (mean, covariance).

    :param eps: diagonal offset used only when the covariance product is near-singular.
    :param names: what the two inputs are called in error messages.
    :raises ValueError: on mismatched or non-finite statistics, or when the matrix square root keeps a
        large imaginary part even after the offset (too few samples for the feature dimension).
    """
    mu_a, sigma_a = _check_stats(stats_a, names[0])
    mu_b, sigma_b = _check_stats(stats_b, names[1])
    if mu_a.shape != mu_b.shape:
        raise ValueError(f"feature dimensions differ: {names[0]} has {mu_a.shape[0]}, {names[1]} has {mu_b.shape[0]}")
    diff = mu_a - mu_b

    covmean = _sqrtm(sigma_a @ sigma_b)
    needs_offset = not np.isfinite(covmean).all() or (
        np.iscomplexobj(covmean) and not np.allclose(np.diagonal(covmean).imag, 0, atol=IMAGINARY_TOLERANCE)
    )
    if needs_offset:
        logger.warning("covariance product is near-singular; adding %g to the diagonals", eps)
        offset = np.eye(sigma_a.shape[0]) * eps
        covmean = _sqrtm((sigma_a + offset) @ (sigma_b + offset))
    if not np.isfinite(covmean).all():
        raise ValueError("matrix square root of the covariance product is not finite")
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=IMAGINARY_TOLERANCE):
            largest = float(np.max(np.abs(covmean.imag)))
            raise ValueError(
                f"matrix square root has an imaginary component of {largest:.3g}: too few samples for "
                f"{mu_a.shape[0]}-dimensional features"
            )
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * np.trace(covmean))


def frechet_distance_features(
    a: np.ndarray | torch.Tensor,
    b: np.ndarray | torch.Tensor,
    eps: float = DEFAULT_EPS,
    *,
    names: tuple[str, str] = ("a", "b"),
) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``[N_a, D]`` and ``[N_b, D]``.

    :param names: what ``a`` and ``b`` are called in error messages (e.g. ``("generated", "real_a")``).
    :raises ValueError: see :func:`gaussian_stats` and :func:`frechet_distance`; the message names the input.
    """
    return frechet_distance(gaussian_stats(a, names[0]), gaussian_stats(b, names[1]), eps=eps, names=names)
