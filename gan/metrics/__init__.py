"""Evaluation metrics: Fréchet distance and KID (Inception-v3 FID/KID and classifier-feature variants),
LPIPS diversity, discriminator/classifier confusion matrices, and the ``evaluate`` report."""

from gan.metrics.frechet import GaussianStats, frechet_distance, frechet_distance_features, gaussian_stats
from gan.metrics.kid import KIDResult, kernel_inception_distance, mmd2_unbiased

__all__ = [
    "GaussianStats",
    "KIDResult",
    "frechet_distance",
    "frechet_distance_features",
    "gaussian_stats",
    "kernel_inception_distance",
    "mmd2_unbiased",
]
