"""LatentScorer: the batched reward math shared by the latent envs and the agents."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan.data.procedural.sampler import sample_attributes
from gan.data.schema import one_hot
from gan.models.classifier import logits_to_proba
from gan_latent_env.scoring import LatentScorer, as_eval_module


@pytest.fixture()
def batch(tiny_models):
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(8, tiny_models.generator.config.z_dim, generator=gen)
    attrs = torch.from_numpy(sample_attributes(8, np.random.default_rng(0)))
    return z, attrs, one_hot(attrs)


def test_score_matches_definition(tiny_models, batch):
    z, attrs, target = batch
    g, d, c = tiny_models.generator, tiny_models.discriminator, tiny_models.classifier
    scorer = LatentScorer(g, d, c, w_real=0.7, w_attr=0.3)
    with torch.no_grad():
        out = scorer(z, target, return_images=True)
        images = g(z)
        realism = torch.sigmoid(d(images))
        cosine = torch.nn.functional.cosine_similarity(logits_to_proba(c(images)), target, dim=1)
        predicted = c.predict(images)
    torch.testing.assert_close(out.realism, realism)
    torch.testing.assert_close(out.cosine, cosine)
    torch.testing.assert_close(out.score, 0.7 * realism + 0.3 * cosine)
    assert torch.equal(out.predicted, predicted)
    assert torch.equal(out.matched, predicted == attrs)
    assert out.matched.dtype == torch.bool and out.matched.shape == (8, 18)
    torch.testing.assert_close(out.images, images)
    assert not scorer.training and not g.training


@pytest.mark.parametrize("chunk_rows", [None, 4, 16])
def test_batch_invariance(tiny_models, chunk_rows):
    """The score of a latent does not depend on the batch it is in (small batches and CPU row chunks included)."""
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(70, tiny_models.generator.config.z_dim, generator=gen)
    attrs = torch.from_numpy(sample_attributes(70, np.random.default_rng(1)))
    target = one_hot(attrs)
    scorer = LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier, cpu_chunk_rows=chunk_rows)
    with torch.inference_mode():
        full = scorer(z, target)
        for i in range(0, 70, 7):
            one = scorer(z[i : i + 1], target[i : i + 1])
            assert torch.equal(one.score, full.score[i : i + 1])
            assert torch.equal(one.cosine, full.cosine[i : i + 1])
            assert torch.equal(one.matched, full.matched[i : i + 1])
        for n in (2, 3, 17, 31, 32, 33, 64):
            part = scorer(z[:n], target[:n])
            assert torch.equal(part.score, full.score[:n]) and torch.equal(part.cosine, full.cosine[:n]), n
    assert not any(m._forward_hooks for m in tiny_models.classifier.modules())  # the padding hooks are gone


def test_differentiable_in_z(tiny_models, batch):
    z, _, target = batch
    scorer = LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier)
    z = z.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(scorer(z, target).score.sum(), z)
    assert grad.shape == z.shape and torch.isfinite(grad).all() and grad.abs().sum() > 0
    # the same gradient as autograd through the reference formula
    g, d, c = tiny_models.generator, tiny_models.discriminator, tiny_models.classifier
    z2 = z.detach().clone().requires_grad_(True)
    images = g(z2)
    ref = 0.7 * torch.sigmoid(d(images)) + 0.3 * torch.nn.functional.cosine_similarity(
        logits_to_proba(c(images)), target, dim=1
    )
    (ref_grad,) = torch.autograd.grad(ref.sum(), z2)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-4, atol=1e-9)


def test_target_attributes_and_broadcast(tiny_models, batch):
    z, attrs, target = batch
    scorer = LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier)
    with torch.no_grad():
        a = scorer(z, target)
        b = scorer(z, target, target_attributes=attrs)
        c = scorer(z, target[0])  # one target for every row
    assert torch.equal(a.matched, b.matched)
    assert torch.equal(scorer.target_attributes(target), attrs)
    assert torch.equal(c.matched, a.predicted == attrs[0])


def test_realism_only(tiny_models, batch):
    z, _, _ = batch
    scorer = LatentScorer(tiny_models.generator, tiny_models.discriminator, None, w_real=1.0, w_attr=0.0)
    with torch.no_grad():
        out = scorer(z)
    assert out.cosine is None and out.matched is None
    torch.testing.assert_close(out.score, out.realism)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"w_real": -0.1}, "w_real"),
        ({"w_attr": -1.0}, "w_attr"),
        ({"w_real": 0.0, "w_attr": 0.0}, "both 0"),
        ({"w_real": float("nan")}, "w_real"),
    ],
)
def test_bad_weights(tiny_models, kwargs, name):
    with pytest.raises(ValueError, match=name):
        LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier, **kwargs)


def test_weights_accept_numpy_scalars_and_name_what_is_wrong(tiny_models):
    g, d, c = tiny_models.generator, tiny_models.discriminator, tiny_models.classifier
    scorer = LatentScorer(g, d, c, w_real=np.float32(0.5), w_attr=np.int64(1))
    assert (scorer.w_real, scorer.w_attr) == (0.5, 1.0) and type(scorer.w_real) is float
    with pytest.raises(ValueError, match=r"w_real must be a number >= 0, got '0.5' \(str\)"):
        LatentScorer(g, d, c, w_real="0.5")
    with pytest.raises(ValueError, match=r"w_attr must be a number >= 0, got np.float32\(-0.5\)"):
        LatentScorer(g, d, c, w_attr=np.float32(-0.5))
    with pytest.raises(ValueError, match=r"w_attr must be finite in float32 .*got 1e\+39"):
        LatentScorer(g, d, c, w_attr=1e39)
    with pytest.raises(ValueError, match=r"w_real must be a number >= 0, got True \(bool\)"):
        LatentScorer(g, d, c, w_real=True)


def test_scorer_never_changes_the_modules_it_is_given(tiny_models, batch):
    """Eval-mode modules are used as-is (shared); train-mode ones are copied, and the caller's stay as they were."""
    from conftest import assert_unchanged, make_tiny_models, make_train_mode_models, snapshot

    z, _, target = batch
    shared = LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier)
    assert shared.generator is tiny_models.generator and shared.classifier is tiny_models.classifier
    user = make_train_mode_models(seed=5)
    before = snapshot(user)
    scorer = LatentScorer(user.generator, user.discriminator, user.classifier)
    scorer.train()  # a no-op: the scorer's models stay in eval mode
    assert scorer.generator is not user.generator and scorer.discriminator is not user.discriminator
    assert not any(m.training for model in (scorer.generator, scorer.discriminator, scorer.classifier) for m in model.modules())
    with torch.no_grad():
        out = scorer(z, target)
    assert_unchanged(user, before)  # mode, requires_grad, weights and BatchNorm statistics
    ref = make_tiny_models(seed=5)  # the same weights, built in eval mode
    with torch.no_grad():
        expected = LatentScorer(ref.generator, ref.discriminator, ref.classifier)(z, target)
    torch.testing.assert_close(out.score, expected.score, rtol=0, atol=0)


def test_as_eval_module_copies_only_when_needed(tiny_models):
    g = tiny_models.generator
    assert as_eval_module(g) is g and as_eval_module(g, torch.device("cpu")) is g
    moved = as_eval_module(g, torch.device("meta"))  # another device: a copy there, the original stays
    assert moved is not g and next(moved.parameters()).device.type == "meta"
    assert next(g.parameters()).device.type == "cpu"
    from gan.models.config import DiscriminatorConfig
    from gan.models.dcgan import Discriminator

    d = Discriminator(DiscriminatorConfig(image_size=32, ndf=8, norm="spectral"), seed=0)  # train mode
    copy_ = as_eval_module(d)
    assert copy_ is not d and d.training and not copy_.training
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(copy_(x), d.eval()(x), rtol=0, atol=0)


def test_cpu_chunks(tiny_models):
    scorer = LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier)
    assert scorer.cpu_chunk_rows == 64  # 16 faces of 64x64 in pixels, for the 32x32 tiny models
    for bad in (3, 0, 2.5, True):
        with pytest.raises(ValueError, match="cpu_chunk_rows"):
            LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier, cpu_chunk_rows=bad)


def test_bad_shapes(tiny_models, batch):
    z, _, target = batch
    scorer = LatentScorer(tiny_models.generator, tiny_models.discriminator, tiny_models.classifier)
    with pytest.raises(ValueError, match="z must have shape"):
        scorer(z[:, :3], target)
    with pytest.raises(ValueError, match="target_one_hot"):
        scorer(z, target[:, :10])
    with pytest.raises(ValueError, match="target_one_hot is required"):
        scorer(z)


def test_mismatched_image_sizes(tiny_models):
    from gan.models.config import DiscriminatorConfig
    from gan.models.dcgan import Discriminator

    d64 = Discriminator(DiscriminatorConfig(image_size=64, ndf=8))
    with pytest.raises(ValueError, match="image sizes disagree"):
        LatentScorer(tiny_models.generator, d64, tiny_models.classifier)


def test_batch_invariance_bundled_models():
    """The same at the bundled models' size, where the CPU path runs NHWC chunks of 16 rows."""
    from gan import pretrained

    models = pretrained.load(device="cpu")
    scorer = LatentScorer(models.generator, models.discriminator, models.classifier)
    assert scorer.cpu_chunk_rows == 16
    z = torch.randn(21, scorer.z_dim, generator=torch.Generator().manual_seed(2)).clamp(-3, 3)
    target = torch.from_numpy(one_hot(sample_attributes(21, np.random.default_rng(2))))
    with torch.inference_mode():
        full = scorer(z, target)
        for i in (0, 10, 20):
            one = scorer(z[i : i + 1], target[i : i + 1])
            assert torch.equal(one.score, full.score[i : i + 1]) and torch.equal(one.predicted, full.predicted[i : i + 1])
        part = scorer(z[:5], target[:5])
        assert torch.equal(part.score, full.score[:5])
