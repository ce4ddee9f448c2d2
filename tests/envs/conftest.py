"""Tiny random models for the env tests (image 32, ngf/ndf 8, a 4-wide classifier)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from gan.models.classifier import AttributeClassifier
from gan.models.config import ClassifierConfig, DiscriminatorConfig, GeneratorConfig
from gan.models.dcgan import Discriminator, Generator

TINY_Z_DIM = 16


@dataclass(frozen=True)
class TinyModels:
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    classifier: torch.nn.Module

    def kwargs(self) -> dict:
        """Env keyword arguments that swap these models in (CPU)."""
        return {
            "generator": self.generator,
            "discriminator": self.discriminator,
            "classifier": self.classifier,
            "device": "cpu",
        }


def make_tiny_models(seed: int = 0, z_dim: int = TINY_Z_DIM) -> TinyModels:
    g = Generator(GeneratorConfig(z_dim=z_dim, image_size=32, ngf=8), seed=seed)
    d = Discriminator(DiscriminatorConfig(image_size=32, ndf=8), seed=seed + 1)
    c = AttributeClassifier(ClassifierConfig(image_size=32, width=4, stages=1, blocks_per_stage=1), seed=seed + 2)
    # A freshly initialised DCGAN has D(x) ~ 0 (realism ~ 0.5 everywhere); scale the weights up so that the
    # scores clearly vary across latents (realism spans about 0.1..0.95 on N(0, I) latents).
    with torch.no_grad():
        for model, factor in ((g, 3.0), (d, 20.0), (c, 3.0)):
            for p in model.parameters():
                if p.ndim > 1:
                    p.mul_(factor)
    for m in (g, d, c):
        m.eval()
        m.requires_grad_(False)
    return TinyModels(g, d, c)


@pytest.fixture(scope="session")
def tiny_models() -> TinyModels:
    return make_tiny_models()


def make_train_mode_models(seed: int = 5) -> TinyModels:
    """The tiny models as a user may hold them mid-training: train mode, gradients on."""
    models = make_tiny_models(seed)
    for m in (models.generator, models.discriminator, models.classifier):
        m.train()
        m.requires_grad_(True)
    return models


def snapshot(models: TinyModels) -> dict:
    """Everything an env must leave alone in a user's modules: weights and buffers, modes, gradient flags."""
    out = {}
    for role in ("generator", "discriminator", "classifier"):
        m = getattr(models, role)
        out[role] = (
            {k: v.clone() for k, v in m.state_dict().items()},
            [x.training for x in m.modules()],
            [p.requires_grad for p in m.parameters()],
            {t.device for t in m.state_dict().values()},
        )
    return out


def assert_unchanged(models: TinyModels, before: dict) -> None:
    after = snapshot(models)
    for role, (state, modes, grads, devices) in before.items():
        a_state, a_modes, a_grads, a_devices = after[role]
        assert a_modes == modes and a_grads == grads and a_devices == devices, role
        for k, v in state.items():
            assert torch.equal(a_state[k], v), (role, k)
