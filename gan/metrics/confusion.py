"""Confusion matrices, and the discriminator's real-vs-generated accuracy in eval mode.

The environments read ``sigmoid(D(x))`` of single images in eval mode, so every discriminator number here is
measured that way: the model is put in eval mode and each image's score must not depend on the other images
in its batch. Batching is used only for speed and is verified: the first images are also scored one at a
time and, if the two disagree (a layer that mixes the batch even in eval mode), everything is rescored one
image at a time, with a warning.

Convention: "positive" means real. An image is called real when ``sigmoid(D(x)) >= 0.5`` (logit >= 0).
TP = real called real, FN = real called fake, TN = generated called fake, FP = generated called real.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import torch
from torch import nn

from gan.data.images import to_float
from gan.metrics.figures import save_confusion_png, save_image_grid

logger = logging.getLogger(__name__)

THRESHOLD: Final[float] = 0.5
"""sigmoid(D(x)) at or above which an image is called real."""
PER_IMAGE_CHECK: Final[int] = 4
"""How many images are also scored one at a time to verify that batching changes nothing."""
PER_IMAGE_TOLERANCE: Final[float] = 1e-4
CASES: Final[tuple[str, ...]] = ("TN", "FP", "FN", "TP")


def confusion_matrix(true: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``[n_classes, n_classes]`` (int64): rows are true classes, columns predicted classes.

    :raises ValueError: on different lengths or labels outside ``0..n_classes-1``.
    """
    true = np.asarray(true, dtype=np.int64).reshape(-1)
    pred = np.asarray(pred, dtype=np.int64).reshape(-1)
    if true.shape != pred.shape:
        raise ValueError(f"true and pred must have the same length, got {true.size} and {pred.size}")
    for name, values in (("true", true), ("pred", pred)):
        if values.size and (values.min() < 0 or values.max() >= n_classes):
            raise ValueError(f"{name} labels must be in 0..{n_classes - 1}, got {values.min()}..{values.max()}")
    return np.bincount(true * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode for the block, then restore its previous mode."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def _device_of(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def model_input(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch as the models take it: float in ``[-1, 1]`` on ``device`` (uint8 is converted with ``to_float``)."""
    batch = batch.to(device)
    return to_float(batch) if batch.dtype == torch.uint8 else batch


@torch.no_grad()
def _logits(model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    device = _device_of(model)
    out = [
        model(model_input(images[s : s + batch_size], device)).reshape(-1).float().cpu()
        for s in range(0, len(images), batch_size)
    ]
    return torch.cat(out) if out else torch.zeros(0)


def discriminator_probabilities(discriminator: nn.Module, images: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """``sigmoid(D(x))`` per image, float64 ``[N]``, in eval mode with one-image-at-a-time semantics.

    :param images: ``[N, 3, S, S]``, float in ``[-1, 1]`` or uint8 (converted batch by batch).
    :raises ValueError: on a bad shape, dtype or batch size.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if images.ndim != 4:
        raise ValueError(f"images must have shape [N, 3, S, S], got {tuple(images.shape)}")
    if not (images.dtype.is_floating_point or images.dtype == torch.uint8):
        raise ValueError(f"images must be float in [-1, 1] or uint8, got {images.dtype}")
    with eval_mode(discriminator):
        logits = _logits(discriminator, images, batch_size)
        k = min(PER_IMAGE_CHECK, len(images))
        if k and batch_size > 1:
            single = _logits(discriminator, images[:k], 1)
            if not torch.allclose(single, logits[:k], atol=PER_IMAGE_TOLERANCE, rtol=PER_IMAGE_TOLERANCE):
                logger.warning("discriminator output depends on the batch in eval mode; scoring one image at a time")
                logits = _logits(discriminator, images, 1)
    return torch.sigmoid(logits.double()).numpy()


@dataclass(frozen=True)
class DiscriminatorConfusion:
    """Real-vs-generated confusion of a discriminator (positive = real, threshold ``sigmoid(D) >= 0.5``).

    ``real_probs`` / ``fake_probs`` hold ``sigmoid(D(x))`` of each image, in input order.
    """

    tn: int
    fp: int
    fn: int
    tp: int
    real_probs: np.ndarray = field(repr=False)
    fake_probs: np.ndarray = field(repr=False)

    @property
    def accuracy(self) -> float:
        """(TP + TN) / all images."""
        return (self.tp + self.tn) / max(1, self.tp + self.tn + self.fp + self.fn)

    @property
    def real_accuracy(self) -> float:
        """Fraction of real images called real."""
        return self.tp / max(1, self.tp + self.fn)

    @property
    def fake_accuracy(self) -> float:
        """Fraction of generated images called fake."""
        return self.tn / max(1, self.tn + self.fp)

    @property
    def matrix(self) -> np.ndarray:
        """``[[TN, FP], [FN, TP]]`` (rows: true fake/real; columns: called fake/real)."""
        return np.array([[self.tn, self.fp], [self.fn, self.tp]], dtype=np.int64)

    def summary(self) -> dict[str, float | int]:
        """JSON-ready numbers."""
        return {
            "accuracy": self.accuracy,
            "real_accuracy": self.real_accuracy,
            "fake_accuracy": self.fake_accuracy,
            "TN": self.tn,
            "FP": self.fp,
            "FN": self.fn,
            "TP": self.tp,
            "n_real": int(self.real_probs.size),
            "n_fake": int(self.fake_probs.size),
            "mean_sigmoid_real": float(self.real_probs.mean()) if self.real_probs.size else float("nan"),
            "mean_sigmoid_fake": float(self.fake_probs.mean()) if self.fake_probs.size else float("nan"),
            "threshold": THRESHOLD,
        }

    def case_indices(self, case: str) -> np.ndarray:
        """Indices (into the real set for TP/FN, the generated set for TN/FP), most confident first."""
        if case == "TP":
            idx, key = np.flatnonzero(self.real_probs >= THRESHOLD), -self.real_probs
        elif case == "FN":
            idx, key = np.flatnonzero(self.real_probs < THRESHOLD), self.real_probs
        elif case == "TN":
            idx, key = np.flatnonzero(self.fake_probs < THRESHOLD), self.fake_probs
        elif case == "FP":
            idx, key = np.flatnonzero(self.fake_probs >= THRESHOLD), -self.fake_probs
        else:
            raise ValueError(f"case must be one of {CASES}, got {case!r}")
        return idx[np.argsort(key[idx], kind="stable")]


def confusion_from_probabilities(real_probs: np.ndarray, fake_probs: np.ndarray) -> DiscriminatorConfusion:
    """Count TN/FP/FN/TP from ``sigmoid(D(x))`` of real and of generated images."""
    real_probs = np.asarray(real_probs, dtype=np.float64).reshape(-1)
    fake_probs = np.asarray(fake_probs, dtype=np.float64).reshape(-1)
    for name, probs in (("real_probs", real_probs), ("fake_probs", fake_probs)):
        if not np.isfinite(probs).all():
            raise ValueError(f"{name} contains non-finite discriminator outputs")
    tp = int((real_probs >= THRESHOLD).sum())
    fp = int((fake_probs >= THRESHOLD).sum())
    return DiscriminatorConfusion(
        tn=int(fake_probs.size - fp), fp=fp, fn=int(real_probs.size - tp), tp=tp,
        real_probs=real_probs, fake_probs=fake_probs,
    )


def discriminator_confusion(
    discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, batch_size: int = 256
) -> DiscriminatorConfusion:
    """Confusion of ``discriminator`` on real and generated images (``[N, 3, S, S]``, float or uint8)."""
    return confusion_from_probabilities(
        discriminator_probabilities(discriminator, real, batch_size),
        discriminator_probabilities(discriminator, fake, batch_size),
    )


def real_accuracy(discriminator: nn.Module, real: torch.Tensor, batch_size: int = 256) -> float:
    """Fraction of real images called real (``sigmoid(D) >= 0.5``), eval mode, per image."""
    probs = discriminator_probabilities(discriminator, real, batch_size)
    return float((probs >= THRESHOLD).mean())


def save_discriminator_figures(
    result: DiscriminatorConfusion,
    real: torch.Tensor,
    fake: torch.Tensor,
    out_dir: str | os.PathLike[str],
    per_case: int = 16,
) -> dict[str, Path | None]:
    """Write ``d_confusion.png`` and one grid per case (``d_case_TP.png`` ...; most confident first).

    :returns: ``{"confusion": path, "TN": path or None (no such images), ...}``.
    """
    out = Path(out_dir)
    paths: dict[str, Path | None] = {
        "confusion": save_confusion_png(
            result.matrix, ["generated", "real"], out / "d_confusion.png",
            title=f"Discriminator (eval mode, one image at a time)\naccuracy {result.accuracy:.3f}",
            xlabel="called", ylabel="true", cell_names=[["TN", "FP"], ["FN", "TP"]],
        )
    }
    for case in CASES:
        source = real if case in ("TP", "FN") else fake
        idx = result.case_indices(case)[:per_case]
        paths[case] = save_image_grid(source[torch.from_numpy(idx)], out / f"d_case_{case}.png", nrow=8)
    return paths
