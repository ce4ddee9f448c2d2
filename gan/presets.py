"""Named training recipes for ``gan-latent-env train-gan`` and ``train-classifier`` (``--preset NAME``).

``cartoon64`` is the recipe of the bundled models (real CartoonSet, 64x64); ``tiny`` is for tests.

cartoon64 GAN, and why:
    DCGAN G (z_dim 100, ngf 64) and a spectral-norm D (ndf 64, no BatchNorm), so that ``sigma(D(x))`` of
    a single image in eval mode is a per-image realism score (a BatchNorm D is batch-dependent and badly
    calibrated in eval mode). Non-saturating BCE loss with one-sided label smoothing (real target 0.9):
    its ``sigma(D)`` is a probability estimate, which the environments read (hinge logits are margins).
    DiffAugment ``color,translation,cutout`` on every D input (the policy the DiffAugment paper uses for
    its smallest data sets): 9,000 training images are few and D otherwise memorises them (the
    overfitting monitor in the run log shows it). Adam lr 2e-4, betas (0.5, 0.999), batch 64 on CPU and
    256 on CUDA. 500 faces held out by ``holdout_split(names, 500, seed=0)``: never trained on, used by
    the overfitting monitor and by ``evaluate``.

cartoon64 classifier, and why:
    A residual CNN whose stem keeps the full 64x64 resolution (stride 1) before three stride-2 residual
    stages (width 32 -> 256) and a stride-2 conv to a 4x4 map, flattened (not pooled: the faces are aligned
    and the attributes local) and projected to 256 features. A DCGAN-discriminator-shaped classifier (4x4
    stride-2 convs from the first layer) loses the 1-2 pixel eyebrow strokes and tops out near 84% mean
    accuracy, with eyebrow shape/thickness/weight/width weakest. Beside that trunk, a band branch (width
    32) reads the brow-and-eye band at full resolution (128 more features, 384 in all); the four eyebrow
    heads and eye_eyebrow_distance read only its features (``BAND_ONLY_ATTRIBUTES``), the other heads read
    both. Measured on the holdout: the
    trunk alone 0.865, + band branch 0.889, + band-only eyebrow heads 0.898 (20 epochs), 30 epochs 0.909
    (docs/training.md). AdamW with warmup + cosine decay over 30 epochs, random translations of up to
    1 px (white fill) and no flips (the attributes are asymmetric).
    Measured on the real CartoonSet holdout: shifts of up to 3 px with a 12-epoch schedule learned much
    more slowly (holdout mean accuracy 0.40/0.46/0.53/0.57/0.61 after epochs 1-5) than shifts of up to
    1 px with the 20-epoch schedule (0.48/0.59/0.65/0.69/0.74). The same 500-face holdout as the GAN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gan.classifier_trainer import ClassifierTrainConfig
from gan.models.config import ClassifierConfig, DiscriminatorConfig, GeneratorConfig
from gan.trainer import GANTrainConfig


BAND_ONLY_ATTRIBUTES: Final[tuple[str, ...]] = (
    "eyebrow_shape",
    "eyebrow_thickness",
    "eyebrow_weight",
    "eyebrow_width",
    "eye_eyebrow_distance",
)
"""The cartoon64 classifier's heads that read only the brow-and-eye band features."""


@dataclass(frozen=True)
class GANPreset:
    """A GAN recipe: the training config, the default number of steps and the data framing."""

    config: GANTrainConfig
    steps: int
    crop: float | None = None  # None: the data source's default framing (0.8 for CartoonSet folders)
    description: str = ""


GAN_PRESETS: Final[dict[str, GANPreset]] = {
    "cartoon64": GANPreset(
        config=GANTrainConfig(
            generator=GeneratorConfig(z_dim=100, image_size=64, ngf=64),
            discriminator=DiscriminatorConfig(image_size=64, ndf=64, norm="spectral"),
            loss="bce",
            real_label=0.9,
            diffaug="color,translation,cutout",
            lr=2e-4,
            beta1=0.5,
            seed=0,
            holdout=500,
            holdout_seed=0,
            checkpoint_every=250,
            sample_every=250,
            fd_every=500,
            monitor_every=250,
            fd_samples=1000,
            monitor_samples=500,
            grid_size=64,
        ),
        steps=8000,
        description="bundled-model recipe: 64x64 DCGAN, spectral-norm D, BCE + DiffAugment, 500-face holdout",
    ),
    "tiny": GANPreset(
        config=GANTrainConfig(
            generator=GeneratorConfig(z_dim=16, image_size=32, ngf=8),
            discriminator=DiscriminatorConfig(image_size=32, ndf=8, norm="spectral"),
            loss="bce",
            diffaug="translation",
            batch_size=16,
            holdout=8,
            checkpoint_every=10,
            sample_every=10,
            fd_every=10,
            monitor_every=10,
            fd_samples=32,
            monitor_samples=16,
            grid_size=16,
        ),
        steps=20,
        description="tiny models for tests and smoke runs (32x32, ngf/ndf 8)",
    ),
}


def get_gan_preset(name: str) -> GANPreset:
    """The GAN preset called ``name``.

    :raises ValueError: for an unknown name (the message lists the known ones).
    """
    if name not in GAN_PRESETS:
        raise ValueError(f"unknown GAN preset {name!r} (known: {', '.join(sorted(GAN_PRESETS))})")
    return GAN_PRESETS[name]


@dataclass(frozen=True)
class ClassifierPreset:
    """A classifier recipe: the training config and the data framing."""

    config: ClassifierTrainConfig
    crop: float | None = None
    description: str = ""


CLASSIFIER_PRESETS: Final[dict[str, ClassifierPreset]] = {
    "cartoon64": ClassifierPreset(
        config=ClassifierTrainConfig(
            model=ClassifierConfig(
                image_size=64,
                width=32,
                stages=3,
                blocks_per_stage=1,
                band_width=32,
                band_attributes=BAND_ONLY_ATTRIBUTES,
            ),
            epochs=30,
            lr=3e-3,
            weight_decay=5e-4,
            warmup=0.15,
            max_shift=1,
            seed=0,
            holdout=500,
            holdout_seed=0,
            checkpoint_every=100,
        ),
        description="bundled-classifier recipe: residual CNN with a full-resolution stem and a brow-and-eye band "
        "branch whose features alone feed the eyebrow heads, 30 epochs, 500-face holdout",
    ),
    "tiny": ClassifierPreset(
        config=ClassifierTrainConfig(
            model=ClassifierConfig(image_size=32, width=4, stages=2, blocks_per_stage=1, band_width=4,
                                   band_feature_dim=16),
            epochs=2,
            batch_size=16,
            max_shift=2,
            holdout=8,
            checkpoint_every=2,
        ),
        description="tiny classifier for tests and smoke runs (32x32)",
    ),
}


def get_classifier_preset(name: str) -> ClassifierPreset:
    """The classifier preset called ``name``.

    :raises ValueError: for an unknown name (the message lists the known ones).
    """
    if name not in CLASSIFIER_PRESETS:
        raise ValueError(f"unknown classifier preset {name!r} (known: {', '.join(sorted(CLASSIFIER_PRESETS))})")
    return CLASSIFIER_PRESETS[name]
