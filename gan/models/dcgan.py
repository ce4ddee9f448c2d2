"""DCGAN generator and discriminator (Radford et al. 2016), sized for 32, 64 or 128 pixel images.

The layer recipe follows pytorch/examples ``dcgan/main.py``: the generator is a stack of 4x4 transposed
convolutions with BatchNorm and ReLU ending in Tanh; the discriminator mirrors it with strided 4x4
convolutions and LeakyReLU(0.2) and ends in a single logit. The discriminator has two normalisations:

* ``batchnorm``: BatchNorm after every hidden conv but the first (the classic DCGAN). Its output for one
  image depends on the rest of the batch in train mode and on running statistics in eval mode.
* ``spectral``: spectral normalisation (Miyato et al. 2018) on every conv and no BatchNorm, so in eval
  mode ``D(x)`` of an image is a fixed function of that image alone, whatever else is in the batch.

Weights are initialised as in DCGAN (conv weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases 0)
from a seed, without touching the global RNG.
"""

from __future__ import annotations

import contextlib
import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gan.models.config import DiscriminatorConfig, GeneratorConfig

INIT_STD = 0.02
"""Standard deviation of the DCGAN weight initialisation."""
LEAKY_SLOPE = 0.2
"""Negative slope of the discriminator's LeakyReLU."""


def _num_doublings(image_size: int) -> int:
    """Number of 2x resolution changes between 4x4 and ``image_size``."""
    return int(math.log2(image_size // 4))


def dcgan_init_(module: nn.Module, generator: torch.Generator) -> None:
    """DCGAN initialisation in place, drawing from ``generator`` only.

    Conv / transposed-conv weights ~ N(0, 0.02); BatchNorm weights ~ N(1, 0.02); all biases 0.
    """
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                m.weight.normal_(0.0, INIT_STD, generator=generator)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.normal_(1.0, INIT_STD, generator=generator)
                m.bias.zero_()


def isolated_global_rng() -> contextlib.AbstractContextManager:
    """Context in which torch's default CPU RNG may be consumed (layer constructors draw their default
    init from it) without changing the caller's RNG state: the state is restored on exit."""
    return torch.random.fork_rng(devices=[])


def _seeded_generator(seed: int) -> torch.Generator:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    return torch.Generator().manual_seed(seed)


class Generator(nn.Module):
    """DCGAN generator: ``z [N, z_dim] -> images [N, channels, S, S]`` in ``[-1, 1]``.

    :param config: the architecture.
    :param seed: seed of the weight initialisation (a private ``torch.Generator``; no global RNG).
    """

    def __init__(self, config: GeneratorConfig, *, seed: int = 0) -> None:
        super().__init__()
        if not isinstance(config, GeneratorConfig):
            raise TypeError(f"Generator expects a GeneratorConfig, got {type(config).__name__}")
        self.config = config
        with isolated_global_rng():
            self._build(config)
        dcgan_init_(self, _seeded_generator(seed))

    def _build(self, config: GeneratorConfig) -> None:
        n = _num_doublings(config.image_size)
        ch = config.ngf * 2 ** (n - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(config.z_dim, ch, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ch),
            nn.ReLU(inplace=True),
        ]
        for _ in range(n - 1):
            layers += [
                nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ch // 2),
                nn.ReLU(inplace=True),
            ]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, config.channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map latents ``[N, z_dim]`` (or ``[N, z_dim, 1, 1]``) to images ``[N, C, S, S]``."""
        if z.ndim == 2:
            z = z[:, :, None, None]
        if z.ndim != 4 or z.shape[1] != self.config.z_dim or z.shape[2:] != (1, 1):
            raise ValueError(f"Generator expects z of shape [N, {self.config.z_dim}], got {tuple(z.shape)}")
        return self.main(z)


class Discriminator(nn.Module):
    """DCGAN discriminator: ``images [N, C, S, S] -> logits [N]`` (``sigmoid`` gives P(real)).

    :param config: the architecture; ``config.norm`` selects BatchNorm or spectral normalisation.
    :param seed: seed of the weight initialisation and of the spectral-norm power-iteration vectors.
    """

    def __init__(self, config: DiscriminatorConfig, *, seed: int = 0) -> None:
        super().__init__()
        if not isinstance(config, DiscriminatorConfig):
            raise TypeError(f"Discriminator expects a DiscriminatorConfig, got {type(config).__name__}")
        self.config = config
        with isolated_global_rng():
            self._build(config, seed)

    def _build(self, config: DiscriminatorConfig, seed: int) -> None:
        spectral = config.norm == "spectral"
        n = _num_doublings(config.image_size)
        ch = config.ndf
        layers: list[nn.Module] = [
            nn.Conv2d(config.channels, ch, 4, 2, 1, bias=spectral),
            nn.LeakyReLU(LEAKY_SLOPE, inplace=True),
        ]
        for _ in range(n - 1):
            layers.append(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=spectral))
            if not spectral:
                layers.append(nn.BatchNorm2d(ch * 2))
            layers.append(nn.LeakyReLU(LEAKY_SLOPE, inplace=True))
            ch *= 2
        layers.append(nn.Conv2d(ch, 1, 4, 1, 0, bias=spectral))
        self.main = nn.Sequential(*layers)
        gen = _seeded_generator(seed)
        dcgan_init_(self, gen)
        if spectral:
            # torch draws the power-iteration vectors u, v from the default RNG (isolated here by the
            # caller); seed it from our generator so the init is reproducible.
            torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=gen)))
            for i, m in enumerate(self.main):
                if isinstance(m, nn.Conv2d):
                    self.main[i] = spectral_norm(m)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[N]`` for images ``[N, C, S, S]`` in ``[-1, 1]``."""
        c, s = self.config.channels, self.config.image_size
        if x.ndim != 4 or tuple(x.shape[1:]) != (c, s, s):
            raise ValueError(f"Discriminator expects images of shape [N, {c}, {s}, {s}], got {tuple(x.shape)}")
        return self.main(x).reshape(x.shape[0])
