"""Resolve the envs' ``generator=`` / ``discriminator=`` / ``classifier=`` and ``device=`` arguments."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
from torch import nn

from gan.device import resolve_device
from gan_latent_env.scoring import as_eval_module

logger = logging.getLogger(__name__)

__all__ = ["ModelArg", "resolve_device", "resolve_models"]

ModelArg = str | os.PathLike | nn.Module | None
"""A model argument: a path to a ``.safetensors`` file written by ``gan.models.save_model``, a module, or
``None`` for the bundled pretrained model."""

_ROLES = ("generator", "discriminator", "classifier")



def _load_one(role: str, value: ModelArg, device: torch.device) -> nn.Module:
    if isinstance(value, nn.Module):
        return as_eval_module(value, device)  # the caller's module is never moved or switched to eval
    if isinstance(value, (str, os.PathLike)):
        from gan.models.io import load_model  # lazy: keep `import gan_latent_env` light

        path = Path(value)
        if not path.is_file():
            raise FileNotFoundError(f"{role}={str(value)!r}: model file not found")
        return load_model(path, device=device, expected_kind=role)
    raise ValueError(
        f"{role} must be a path to a .safetensors model file, a torch.nn.Module or None, got {type(value).__name__}"
    )


def resolve_models(
    generator: ModelArg,
    discriminator: ModelArg,
    classifier: ModelArg,
    device: torch.device,
    *,
    need_classifier: bool = True,
) -> tuple[nn.Module, nn.Module, nn.Module | None]:
    """Return ``(generator, discriminator, classifier)`` on ``device``.

    Paths are loaded with ``gan.models.load_model`` (checked to hold the right kind of model); a module is
    used as-is when it is in eval mode and on ``device``, else copied to ``device`` in eval mode
    (:func:`gan_latent_env.scoring.as_eval_module`: the caller's module is never changed); every ``None`` is filled from the bundled weights
    (``gan.pretrained.load``), which are loaded only when at least one argument is ``None``. With
    ``need_classifier=False`` a ``None`` classifier stays ``None``.

    :raises FileNotFoundError: if a path does not exist, or the bundled weights are needed but absent.
    :raises ValueError: if an argument has the wrong type or a file holds the wrong kind of model.
    """
    given = {"generator": generator, "discriminator": discriminator, "classifier": classifier}
    needed = [r for r in _ROLES if given[r] is None and (r != "classifier" or need_classifier)]
    out: dict[str, nn.Module | None] = {}
    if needed:
        from gan.pretrained import load  # lazy: the bundled weights are only read when needed

        bundled = load(device=device)
        for role in needed:
            out[role] = getattr(bundled, role)
        logger.debug("using the bundled %s", ", ".join(needed))
    for role in _ROLES:
        if role not in out:
            out[role] = None if given[role] is None else _load_one(role, given[role], device)
    return out["generator"], out["discriminator"], out["classifier"]
