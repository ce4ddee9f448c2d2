"""GAN losses: non-saturating BCE (with one-sided label smoothing and label flipping), WGAN-GP and hinge.

Every loss takes raw discriminator outputs (logits / critic values) ``[N]`` and returns a scalar. Any
randomness (label flips, gradient-penalty interpolation weights) comes from an explicit
``torch.Generator``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import torch
import torch.nn.functional as F

LOSSES: Final[tuple[str, ...]] = ("bce", "wgan-gp", "hinge")
"""``bce``: non-saturating GAN loss (Goodfellow et al. 2014) with BCE-with-logits.
``wgan-gp``: Wasserstein loss with gradient penalty (Gulrajani et al. 2017).
``hinge``: hinge loss (Lim & Ye 2017; Miyato et al. 2018)."""


def check_loss(name: str) -> str:
    """Return ``name`` or raise ``ValueError`` unless it is one of :data:`LOSSES`."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {name!r}")
    return name


def bce_discriminator_loss(
    real_logits: torch.Tensor,
    fake_logits: torch.Tensor,
    real_label: float = 0.9,
    flip_prob: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """BCE-with-logits D loss: reals toward ``real_label`` (one-sided smoothing), fakes toward 0.

    With ``flip_prob > 0`` each label is swapped (real <-> fake target) with that probability, drawn from
    ``generator`` (required then).
    """
    real_t = torch.full_like(real_logits, real_label, dtype=torch.float32)
    fake_t = torch.zeros_like(fake_logits, dtype=torch.float32)
    if flip_prob > 0.0:
        if generator is None:
            raise ValueError("label flipping needs an explicit torch.Generator")
        flip_r = torch.rand(real_t.shape, generator=generator, device=real_t.device) < flip_prob
        flip_f = torch.rand(fake_t.shape, generator=generator, device=fake_t.device) < flip_prob
        real_t = torch.where(flip_r, torch.zeros_like(real_t), real_t)
        fake_t = torch.where(flip_f, torch.full_like(fake_t, real_label), fake_t)
    return F.binary_cross_entropy_with_logits(
        real_logits.float(), real_t
    ) + F.binary_cross_entropy_with_logits(fake_logits.float(), fake_t)


def bce_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating G loss: ``-log sigmoid(D(G(z)))`` (BCE toward label 1)."""
    return F.binary_cross_entropy_with_logits(fake_logits.float(), torch.ones_like(fake_logits, dtype=torch.float32))


def hinge_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge D loss: ``mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))``."""
    return F.relu(1.0 - real_logits.float()).mean() + F.relu(1.0 + fake_logits.float()).mean()


def wasserstein_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Wasserstein critic loss without the penalty: ``mean(D(G(z))) - mean(D(x))``."""
    return fake_logits.float().mean() - real_logits.float().mean()


def mean_critic_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """G loss of hinge and WGAN: ``-mean(D(G(z)))``."""
    return -fake_logits.float().mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator,
) -> torch.Tensor:
    """WGAN-GP penalty ``mean((|grad_x D(x_hat)|_2 - 1)^2)`` at random interpolates of real and fake.

    :param critic: the discriminator (applied to ``x_hat``; may include differentiable augmentation).
    :param real: ``[N, C, H, W]``; ``fake``: same shape (detached from G).
    :param generator: draws the interpolation weights ``[N]`` (on the images' device).
    """
    eps = torch.rand((real.shape[0], 1, 1, 1), generator=generator, device=real.device, dtype=real.dtype)
    x_hat = (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(True)
    out = critic(x_hat)
    (grad,) = torch.autograd.grad(out.float().sum(), x_hat, create_graph=True)
    return ((grad.float().flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()
