"""The bundled weights: they load offline, have the documented architecture, and the classifier is accurate."""

from pathlib import Path

import pytest
import torch

from gan.data.loading import load_faces
from gan.data.splits import holdout_split
from gan.metrics.classifier_metrics import attribute_accuracy
from gan.presets import get_classifier_preset, get_gan_preset
from gan.pretrained import WEIGHTS_DIR, available, load

pytestmark = pytest.mark.skipif(not available(), reason="bundled weights not present in gan/pretrained/weights")


@pytest.fixture(scope="module")
def bundled():
    return load("cpu")


def test_bundled_weights_load_offline_with_the_documented_architecture(bundled):
    g, d, c = bundled.generator.config, bundled.discriminator.config, bundled.classifier.config
    assert (g.z_dim, g.image_size, g.ngf) == (100, 64, 64)
    assert (d.image_size, d.ndf, d.norm) == (64, 64, "spectral")
    assert c.image_size == 64
    # a per-image realism score: no batch-dependent layers in the discriminator
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in bundled.discriminator.modules())
    size = sum(p.stat().st_size for p in Path(WEIGHTS_DIR).glob("*.safetensors"))
    assert size <= 30 * 2**20
    with torch.no_grad():
        x = bundled.generator(torch.zeros(2, 100))
        assert x.shape == (2, 3, 64, 64) and x.min() >= -1 and x.max() <= 1
        single = bundled.discriminator(x[:1])
        assert torch.allclose(single, bundled.discriminator(x)[:1], atol=1e-5)


def _accuracy(classifier, faces) -> float:
    with torch.no_grad():
        pred = torch.cat([classifier.predict(faces.float_images(range(i, min(i + 100, len(faces)))))
                          for i in range(0, len(faces), 100)])
    return attribute_accuracy(pred, faces.attributes).mean


def test_classifier_beats_the_target_on_the_24_originals(bundled, real_sample_dir):
    """The 500x500 originals framed by the default crop (22 of the 24 were training images at 128x128)."""
    faces = load_faces(real_sample_dir, image_size=64, cache=False, progress=False)
    assert _accuracy(bundled.classifier, faces) >= 0.90


def test_classifier_beats_the_target_on_the_held_out_split(bundled, real_128_dir):
    """The issue's target on the 500 held-out faces (0.909 measured in float16, see MODEL_CARD.md)."""
    faces = load_faces(real_128_dir, image_size=64, progress=False)
    _, holdout = holdout_split(faces.names, n_holdout=500, seed=0)
    assert _accuracy(bundled.classifier, faces.subset(holdout)) >= 0.90


def test_the_cartoon64_presets_describe_the_bundled_models(bundled):
    """`train-gan/train-classifier --preset cartoon64` are the documented recipes: same architectures."""
    assert get_gan_preset("cartoon64").config.generator == bundled.generator.config
    assert get_gan_preset("cartoon64").config.discriminator == bundled.discriminator.config
    recipe = get_classifier_preset("cartoon64").config
    assert recipe.model == bundled.classifier.config
    trained = bundled.card["classifier_training"]
    assert trained["epochs"] == recipe.epochs and trained["train_config"]["lr"] == recipe.lr
