"""Confusion counts on hand-made cases; eval-mode, per-image discriminator semantics."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch import nn

from gan.metrics.confusion import (
    confusion_from_probabilities,
    confusion_matrix,
    discriminator_confusion,
    discriminator_probabilities,
    real_accuracy,
    save_discriminator_figures,
)
from gan.models import Discriminator, DiscriminatorConfig


class MeanPixelD(nn.Module):
    """logit = 10 * mean pixel value: bright images are 'real'."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x.mean(dim=(1, 2, 3))


class BatchCentredD(MeanPixelD):
    """Depends on the batch even in eval mode (subtracts the batch mean): must be caught."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = super().forward(x)
        return logits - logits.mean() if x.shape[0] > 1 else logits


def _images(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)[:, None, None, None].expand(-1, 3, 8, 8).contiguous()


def test_confusion_matrix_counts():
    true = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 2, 0])
    np.testing.assert_array_equal(confusion_matrix(true, pred, 3), [[1, 1, 0], [0, 2, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix(np.array([3]), np.array([0]), 3)


def test_discriminator_confusion_hand_made_case(tmp_path):
    real = _images([0.5, 0.5, 0.5, -0.5, -0.5])  # 3 called real (TP), 2 called fake (FN)
    fake = _images([-0.5, -0.5, -0.5, -0.5, 0.5])  # 4 called fake (TN), 1 called real (FP)
    d = MeanPixelD()
    result = discriminator_confusion(d, real, fake, batch_size=3)
    assert (result.tn, result.fp, result.fn, result.tp) == (4, 1, 2, 3)
    assert result.accuracy == pytest.approx(0.7)
    assert result.real_accuracy == pytest.approx(0.6) and result.fake_accuracy == pytest.approx(0.8)
    np.testing.assert_array_equal(result.matrix, [[4, 1], [2, 3]])
    np.testing.assert_array_equal(result.case_indices("FN"), [3, 4])
    np.testing.assert_array_equal(result.case_indices("FP"), [4])
    assert result.summary()["TP"] == 3
    assert real_accuracy(d, real) == pytest.approx(0.6)

    paths = save_discriminator_figures(result, real, fake, tmp_path)
    assert all(paths[k].is_file() for k in ("confusion", "TN", "FP", "FN", "TP"))
    none_fp = confusion_from_probabilities(np.array([0.9]), np.array([0.1]))
    assert save_discriminator_figures(none_fp, real[:1], fake[:1], tmp_path / "b")["FP"] is None


def test_uint8_images_are_converted_like_to_float():
    d = MeanPixelD()
    images = torch.randint(0, 256, (5, 3, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(
        discriminator_probabilities(d, images, batch_size=2),
        discriminator_probabilities(d, images.float() / 127.5 - 1, batch_size=2),
        rtol=1e-6,
    )


def test_threshold_is_inclusive_at_one_half():
    result = confusion_from_probabilities(np.array([0.5, 0.4999]), np.array([0.5]))
    assert (result.tp, result.fn, result.fp, result.tn) == (1, 1, 1, 0)


def test_batch_dependent_discriminator_is_rescored_per_image(caplog):
    images = _images([0.3, -0.1, 0.2, -0.4, 0.05, 0.1])
    d = BatchCentredD()
    with caplog.at_level(logging.WARNING):
        probs = discriminator_probabilities(d, images, batch_size=6)
    assert "one image at a time" in caplog.text
    expected = torch.sigmoid(10 * torch.tensor([0.3, -0.1, 0.2, -0.4, 0.05, 0.1], dtype=torch.float64)).numpy()
    np.testing.assert_allclose(probs, expected, rtol=1e-5)


@pytest.mark.parametrize("norm", ["batchnorm", "spectral"])
def test_dcgan_discriminator_is_scored_in_eval_mode_and_mode_is_restored(norm):
    d = Discriminator(DiscriminatorConfig(image_size=32, ndf=8, norm=norm))
    d.train()
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(5, 3, 32, 32, generator=gen) * 2 - 1
    before = {k: v.clone() for k, v in d.state_dict().items()}
    p_batch = discriminator_probabilities(d, images, batch_size=5)
    p_single = np.array([discriminator_probabilities(d, images[i : i + 1], batch_size=1)[0] for i in range(5)])
    np.testing.assert_allclose(p_batch, p_single, rtol=1e-5, atol=1e-7)
    assert d.training  # restored
    for k, v in d.state_dict().items():  # no running-stat or power-iteration update
        torch.testing.assert_close(v, before[k])


def test_bad_inputs():
    d = MeanPixelD()
    with pytest.raises(ValueError, match="int32"):
        discriminator_probabilities(d, torch.zeros(2, 3, 8, 8, dtype=torch.int32))
    with pytest.raises(ValueError, match="non-finite"):
        confusion_from_probabilities(np.array([np.nan]), np.array([0.1]))
