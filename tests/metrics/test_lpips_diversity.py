"""LPIPS diversity with a random AlexNet trunk loaded from a file; clear error without it; feature diversity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torchvision

from gan.metrics import lpips_diversity as ld
from gan.metrics.weights import WeightsNotFoundError


@pytest.fixture(scope="module")
def random_alexnet(tmp_path_factory):
    """Random AlexNet conv weights saved as torchvision names them (the head is left out to keep it small)."""
    torch.manual_seed(0)  # test-only: torchvision's default init
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = torchvision.models.alexnet(weights=None).features.state_dict()
    path = tmp_path_factory.mktemp("weights") / "random_alexnet.pth"
    torch.save({f"features.{k}": v for k, v in state.items()}, path)
    return path


@pytest.fixture
def no_hub(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.delenv(ld.LPIPS_WEIGHTS_ENV, raising=False)
    return tmp_path / "torch_home" / "hub" / "checkpoints" / ld.ALEXNET_FILENAME


def test_missing_weights_error_says_where_and_how(no_hub):
    with pytest.raises(WeightsNotFoundError) as info:
        ld.build_lpips()
    message = str(info.value)
    assert str(no_hub) in message and ld.ALEXNET_URL in message and "--lpips-weights" in message


def test_env_var_path_that_does_not_exist_is_named(no_hub, monkeypatch, tmp_path):
    monkeypatch.setenv(ld.LPIPS_WEIGHTS_ENV, str(tmp_path / "absent.pth"))
    with pytest.raises(WeightsNotFoundError, match=r"absent\.pth.*GAN_LATENT_ENV_LPIPS_WEIGHTS"):
        ld.build_lpips()


def test_lpips_diversity_with_random_trunk(no_hub, random_alexnet, tmp_path):
    model = ld.build_lpips(random_alexnet)
    assert not model.training
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(6, 3, 32, 32, generator=gen) * 2 - 1
    # the trunk weights really came from the file
    loaded = torch.load(random_alexnet, weights_only=True)["features.0.weight"]
    torch.testing.assert_close(model.net.slice1[0].weight, loaded)

    result = ld.lpips_diversity(model, images, n_pairs=12, rng=0, batch_size=5)
    assert result.label == "LPIPS (AlexNet)" and result.n_pairs == 12
    assert np.all(result.pairs[:, 0] != result.pairs[:, 1])
    assert 0 < result.min <= result.mean <= result.max
    again = ld.lpips_diversity(model, images, n_pairs=12, rng=0, batch_size=12)
    np.testing.assert_allclose(again.distances, result.distances, rtol=1e-5)

    # identical images are at distance 0
    same = ld.lpips_diversity(model, images[:1].repeat(3, 1, 1, 1), n_pairs=4)
    assert same.max < 1e-6

    path = ld.save_extreme_pairs_figure(images, result, tmp_path / "pairs.png")
    assert path.is_file() and path.stat().st_size > 0


def test_sample_pairs_are_distinct_and_seeded():
    pairs = ld.sample_pairs(3, 500, rng=1)
    assert pairs.shape == (500, 2) and np.all(pairs[:, 0] != pairs[:, 1])
    assert set(map(tuple, pairs.tolist())) == {(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)}
    np.testing.assert_array_equal(pairs, ld.sample_pairs(3, 500, rng=1))
    with pytest.raises(ValueError, match="at least 2"):
        ld.sample_pairs(1, 5)


def test_feature_diversity_detects_collapse_and_is_labelled():
    rng = np.random.default_rng(0)
    varied = rng.normal(size=(200, 16))
    collapsed = np.repeat(varied[:1], 200, axis=0) + 1e-3 * rng.normal(size=(200, 16))
    d_varied = ld.feature_diversity(varied, n_pairs=500)
    d_collapsed = ld.feature_diversity(collapsed, n_pairs=500)
    assert d_varied.label.startswith("diversity (classifier features)") and "LPIPS" not in d_varied.label
    assert d_collapsed.mean < 0.01 * d_varied.mean
    # Euclidean distance of independent standard normals in 16-d: E|x - y| ~ sqrt(2 * 16)
    assert d_varied.mean == pytest.approx(np.sqrt(32), rel=0.1)
    cosine = ld.feature_diversity(varied, n_pairs=500, metric="cosine")
    assert 0 <= cosine.min and cosine.max <= 2
    with pytest.raises(ValueError, match="metric"):
        ld.feature_diversity(varied, metric="manhattan")
