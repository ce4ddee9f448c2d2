"""DiffAugment (Zhao et al. 2020): differentiable augmentation for data-efficient GAN training.

The same random, differentiable transformation family is applied to every input of D, real and fake
alike (in both the D and the G step), so D cannot memorise the small training set and G's gradients flow
through the augmentation. Policies, as in the paper's reference code:

* ``color``: random brightness (+-0.5), saturation (x0..2) and contrast (x0.5..1.5) per image;
* ``translation``: random integer shift of up to 1/8 of the side per image, the gap filled with ``fill``;
* ``cutout``: one random square of 1/2 the side per image set to 0.

Images are float ``[N, C, H, W]`` in ``[-1, 1]``. All randomness comes from an explicit ``torch.Generator``
on the images' device, so augmentation is reproducible and its state can be checkpointed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import torch
import torch.nn.functional as F

POLICIES: Final[tuple[str, ...]] = ("color", "translation", "cutout")
TRANSLATION_RATIO: Final[float] = 0.125
CUTOUT_RATIO: Final[float] = 0.5


def parse_policy(policy: str | Sequence[str] | None) -> tuple[str, ...]:
    """Parse ``"color,translation,cutout"`` (or ``""`` / ``"none"`` / ``None``) into a tuple of policies.

    :raises ValueError: on an unknown or repeated policy name.
    """
    if policy is None:
        return ()
    parts = [p.strip() for p in policy.split(",")] if isinstance(policy, str) else [str(p) for p in policy]
    parts = [p for p in parts if p and p != "none"]
    for p in parts:
        if p not in POLICIES:
            raise ValueError(f"unknown DiffAugment policy {p!r} (known: {', '.join(POLICIES)}, or 'none')")
    if len(set(parts)) != len(parts):
        raise ValueError(f"repeated DiffAugment policy in {policy!r}")
    return tuple(parts)


def _rand(shape: tuple[int, ...], x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(shape, generator=generator, device=x.device, dtype=torch.float32).to(x.dtype)


def rand_color(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random brightness, saturation and contrast per image (differentiable)."""
    n = x.shape[0]
    x = x + (_rand((n, 1, 1, 1), x, generator) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_rand((n, 1, 1, 1), x, generator) * 2.0) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * (_rand((n, 1, 1, 1), x, generator) + 0.5) + mean
    return x


def translate(x: torch.Tensor, max_shift: int, generator: torch.Generator, fill: float = 0.0) -> torch.Tensor:
    """Shift each image by a random integer offset in ``[-max_shift, max_shift]`` on each axis.

    Pixels shifted in from outside take the value ``fill``. Differentiable in ``x``.
    """
    if max_shift < 0:
        raise ValueError(f"max_shift must be >= 0, got {max_shift}")
    if max_shift == 0:
        return x
    n, _, h, w = x.shape
    shift = torch.randint(-max_shift, max_shift + 1, (2, n, 1, 1), generator=generator, device=x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1) + shift[0] + max_shift
    cols = torch.arange(w, device=x.device).view(1, 1, w) + shift[1] + max_shift
    padded = F.pad(x, [max_shift] * 4, value=fill)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)


def rand_translation(x: torch.Tensor, generator: torch.Generator, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """DiffAugment translation: shift by up to ``ratio`` of the side, zero (mid-grey) fill."""
    return translate(x, int(x.shape[2] * ratio + 0.5), generator, fill=0.0)


def rand_cutout(x: torch.Tensor, generator: torch.Generator, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """DiffAugment cutout: zero one random square of ``ratio`` of the side per image (may be clipped)."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=generator, device=x.device) - ch // 2
    ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=generator, device=x.device) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (rows >= oy) & (rows < oy + ch) & (cols >= ox) & (cols < ox + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_OPS = {"color": rand_color, "translation": rand_translation, "cutout": rand_cutout}


class DiffAugment:
    """Apply a DiffAugment policy to a batch; an empty policy is the identity.

    :param policy: e.g. ``"color,translation,cutout"`` (see :func:`parse_policy`).
    """

    def __init__(self, policy: str | Sequence[str] | None) -> None:
        self.policy = parse_policy(policy)

    def __bool__(self) -> bool:
        return bool(self.policy)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Augment ``x [N, C, H, W]`` with fresh random draws from ``generator``."""
        for name in self.policy:
            x = _OPS[name](x, generator)
        return x.contiguous(memory_format=torch.channels_last) if x.is_cuda else x.contiguous()

    def __repr__(self) -> str:
        return f"DiffAugment({','.join(self.policy) or 'none'})"
