"""Fréchet distance and KID: exact values on known Gaussians, unbiasedness, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import special_ortho_group

from gan.metrics.frechet import frechet_distance, frechet_distance_features, gaussian_stats
from gan.metrics.kid import kernel_inception_distance, mmd2_unbiased


def test_gaussian_stats_float64_and_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype(np.float32)
    mu, sigma = gaussian_stats(torch.from_numpy(x))
    assert mu.dtype == np.float64 and sigma.dtype == np.float64
    np.testing.assert_allclose(mu, x.astype(np.float64).mean(0))
    np.testing.assert_allclose(sigma, np.cov(x.astype(np.float64), rowvar=False))


def test_frechet_of_a_set_with_itself_is_zero():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 16)) @ rng.normal(size=(16, 16))
    assert abs(frechet_distance_features(x, x)) < 1e-6


def test_frechet_matches_closed_form_for_commuting_covariances():
    rng = np.random.default_rng(2)
    d = 6
    q = special_ortho_group.rvs(d, random_state=3)
    var_a = rng.uniform(0.5, 3.0, size=d)
    var_b = rng.uniform(0.5, 3.0, size=d)
    mu_a, mu_b = rng.normal(size=d), rng.normal(size=d)
    sigma_a = q @ np.diag(var_a) @ q.T
    sigma_b = q @ np.diag(var_b) @ q.T
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum(var_a + var_b - 2 * np.sqrt(var_a * var_b))
    assert frechet_distance((mu_a, sigma_a), (mu_b, sigma_b)) == pytest.approx(expected, rel=1e-9)


def test_frechet_of_samples_approaches_closed_form():
    rng = np.random.default_rng(4)
    a = rng.normal(loc=0.0, scale=1.0, size=(200_000, 2))
    b = rng.normal(loc=[1.0, -2.0], scale=[2.0, 0.5], size=(200_000, 2))
    expected = 1.0 + 4.0 + (1 - 2) ** 2 + (1 - 0.5) ** 2
    assert frechet_distance_features(a, b) == pytest.approx(expected, rel=0.02)


def test_frechet_singular_covariance_is_handled():
    rng = np.random.default_rng(5)
    # 3 samples in 8 dimensions: rank-deficient covariances, as with tiny eval sets.
    a = rng.normal(size=(3, 8))
    b = rng.normal(size=(3, 8))
    value = frechet_distance_features(a, b)
    assert np.isfinite(value) and value > 0


def test_frechet_errors():
    with pytest.raises(ValueError, match="at least 2 samples"):
        gaussian_stats(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"shape \[N, D\]"):
        gaussian_stats(np.zeros(5))
    with pytest.raises(ValueError, match="non-finite"):
        gaussian_stats(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="dimensions differ"):
        frechet_distance_features(np.random.default_rng(0).normal(size=(5, 3)), np.ones((5, 4)))


def test_mmd2_unbiased_matches_brute_force():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)) + 0.5
    k = lambda u, v: (u @ v / 3 + 1) ** 3  # noqa: E731
    m = 7
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_unbiased_on_equal_distributions_and_positive_on_shifted():
    rng = np.random.default_rng(7)
    d = 16
    a = rng.normal(size=(2000, d))
    b = rng.normal(size=(2000, d))
    same = kernel_inception_distance(a, b, n_subsets=50, subset_size=200, rng=0)
    # Unbiased: the mean over subsets is zero up to its standard error.
    assert abs(same.mean) < 3 * same.std / np.sqrt(same.n_subsets) + 1e-4
    shifted = kernel_inception_distance(a, b + 0.5, n_subsets=50, subset_size=200, rng=0)
    assert shifted.mean > 10 * (abs(same.mean) + same.std / np.sqrt(same.n_subsets))
    assert shifted.subset_size == 200 and shifted.n_subsets == 50


def test_kid_is_seeded_and_shrinks_subsets_to_the_data():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(30, 4)), rng.normal(size=(20, 4))
    r1 = kernel_inception_distance(a, b, n_subsets=5, rng=np.random.default_rng(3))
    r2 = kernel_inception_distance(a, b, n_subsets=5, rng=np.random.default_rng(3))
    assert r1 == r2 and r1.subset_size == 20


def test_kid_errors():
    a = np.zeros((5, 3))
    with pytest.raises(ValueError, match="n_subsets"):
        kernel_inception_distance(a, a, n_subsets=0)
    with pytest.raises(ValueError, match="subset_size"):
        kernel_inception_distance(a, a, subset_size=1)
    with pytest.raises(ValueError, match="at least 2 samples"):
        kernel_inception_distance(a, a[:1])


def test_errors_name_the_bad_input():
    """Each input is named in the message, so a caller sees which of its sets is bad."""
    from gan.metrics.classifier_metrics import feature_space_quality

    good = np.random.default_rng(0).normal(size=(6, 3))
    bad = good.copy()
    bad[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"^real_b contains non-finite values \(in 1 of 6 rows\)"):
        feature_space_quality(good, good, bad, kid_subsets=2, kid_subset_size=4)
    with pytest.raises(ValueError, match=r"^generated contains non-finite values"):
        feature_space_quality(bad, good, good, kid_subsets=2, kid_subset_size=4)
    with pytest.raises(ValueError, match=r"^b: need at least 2 samples"):
        frechet_distance_features(good, good[:1])
    with pytest.raises(ValueError, match=r"^fake: need at least 2 samples"):
        gaussian_stats(good[:1], "fake")
    with pytest.raises(ValueError, match="dimensions differ: a has 3, b has 4"):
        frechet_distance_features(good, np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"^real must have shape \[N, D\]"):
        kernel_inception_distance(good, good[0], names=("generated", "real"))
