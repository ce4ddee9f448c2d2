"""FID Inception plumbing with random weights saved to a temporary file; clear errors without weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan.metrics import inception
from gan.metrics.weights import WeightsNotFoundError


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    """A randomly initialised FID Inception state dict saved like the real .pth file (torch.save)."""
    torch.manual_seed(0)  # test-only: the architecture uses torch's default init
    path = tmp_path_factory.mktemp("weights") / "random_inception.pth"
    torch.save(inception.fid_inception_v3_architecture().state_dict(), path)
    return path


@pytest.fixture
def no_hub(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.delenv(inception.INCEPTION_WEIGHTS_ENV, raising=False)
    return tmp_path / "torch_home" / "hub" / "checkpoints" / inception.FID_WEIGHTS_FILENAME


def test_missing_weights_error_says_where_and_how(no_hub):
    with pytest.raises(WeightsNotFoundError) as info:
        inception.build_fid_inception()
    message = str(info.value)
    assert str(no_hub) in message
    assert inception.FID_WEIGHTS_URL in message
    assert "--inception-weights" in message and inception.INCEPTION_WEIGHTS_ENV in message


def test_missing_explicit_path_is_named(no_hub, tmp_path):
    missing = tmp_path / "nope.pth"
    with pytest.raises(WeightsNotFoundError, match="nope.pth"):
        inception.build_fid_inception(missing)


def test_wrong_state_dict_is_rejected(no_hub, tmp_path):
    bad = tmp_path / "bad.pth"
    torch.save({"conv.weight": torch.zeros(3)}, bad)
    with pytest.raises(ValueError, match="do not match"):
        inception.build_fid_inception(bad)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read"):
        inception.build_fid_inception(garbage)


def test_hub_cache_and_env_var_are_found(no_hub, random_weights, monkeypatch):
    monkeypatch.setenv(inception.INCEPTION_WEIGHTS_ENV, str(random_weights))
    assert inception.resolve_inception_weights() == random_weights
    monkeypatch.delenv(inception.INCEPTION_WEIGHTS_ENV)
    no_hub.parent.mkdir(parents=True)
    no_hub.symlink_to(random_weights)
    assert inception.resolve_inception_weights() == no_hub


def test_features_and_cache_with_random_weights(no_hub, random_weights, tmp_path, monkeypatch):
    model = inception.build_fid_inception(random_weights)
    assert model.weights_sha256 == inception.file_sha256(random_weights)
    gen = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, (5, 3, 32, 32), dtype=torch.uint8, generator=gen)
    feats = inception.inception_features(model, real, batch_size=4)
    assert feats.shape == (5, inception.FEATURE_DIM) and np.isfinite(feats).all()
    # batching does not change the features; float input in [-1, 1] is quantised to the same uint8 images
    np.testing.assert_allclose(inception.inception_features(model, real, batch_size=2), feats, rtol=1e-4, atol=1e-6)
    as_float = real.float() / 127.5 - 1
    np.testing.assert_allclose(inception.inception_features(model, as_float, batch_size=5), feats, rtol=1e-4, atol=1e-6)

    cache = tmp_path / "cache"
    first, (mu, sigma) = inception.cached_real_features(model, real, cache)
    np.testing.assert_array_equal(first, feats)
    assert mu.shape == (inception.FEATURE_DIM,) and sigma.shape == (inception.FEATURE_DIM,) * 2
    files = list(cache.glob("inception_real_*.npz"))
    assert len(files) == 1
    with np.load(files[0], allow_pickle=False) as data:
        assert set(data.files) >= {"features", "mu", "sigma", "fingerprint"}

    # an unreadable cache file is recomputed and rewritten
    files[0].write_bytes(b"garbage")
    rebuilt, _ = inception.cached_real_features(model, real, cache)
    np.testing.assert_array_equal(rebuilt, first)
    with np.load(files[0], allow_pickle=False) as data:
        np.testing.assert_array_equal(data["features"], first)

    def fail(*args, **kwargs):
        raise AssertionError("features recomputed although they are cached")

    monkeypatch.setattr(inception, "inception_features", fail)
    again, (mu2, sigma2) = inception.cached_real_features(model, real, cache)
    np.testing.assert_array_equal(again, first)
    np.testing.assert_array_equal(mu2, mu)
    np.testing.assert_array_equal(sigma2, sigma)
    other = real.clone()
    other[0, 0, 0, 0] ^= 1
    with pytest.raises(AssertionError, match="recomputed"):
        inception.cached_real_features(model, other, cache)


@pytest.mark.slow
def test_fid_kid_with_random_weights(no_hub, random_weights, tmp_path):
    model = inception.build_fid_inception(random_weights)
    gen = torch.Generator().manual_seed(1)
    real = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=gen)
    fake = torch.rand(5, 3, 32, 32, generator=gen) * 2 - 1
    fid, kid, (mu, sigma) = inception.fid_kid(model, real, fake, cache_dir=tmp_path, kid_subsets=3)
    assert np.isfinite(fid) and fid > 0 and np.isfinite(kid.mean)
    assert mu.shape == (inception.FEATURE_DIM,) and sigma.shape == (inception.FEATURE_DIM,) * 2
