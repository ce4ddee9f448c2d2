"""Finding and reading third-party backbone weights offline (Inception-v3 for FID, AlexNet for LPIPS).

Nothing here downloads. A weight file is looked up, in order, at the path the caller gives, at the path in
an environment variable, and in the standard torch hub cache (``torch.hub.get_dir()/checkpoints/``) where
``torch.hub`` itself would have saved it. When none exists, :class:`WeightsNotFoundError` says where to
put the file and where to get it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import torch

logger = logging.getLogger(__name__)


class WeightsNotFoundError(FileNotFoundError):
    """Backbone weights that are not on disk; the message says where they were looked for and how to get them."""


def hub_checkpoint_path(filename: str) -> Path:
    """Where ``torch.hub`` keeps a downloaded checkpoint: ``torch.hub.get_dir()/checkpoints/filename``."""
    return Path(torch.hub.get_dir()) / "checkpoints" / filename


def resolve_weights(
    *,
    what: str,
    path: str | os.PathLike[str] | None,
    env_var: str,
    filename: str,
    url: str,
    option: str,
) -> Path:
    """Locate a weight file without any network access.

    :param what: a human name for the weights, used in messages.
    :param path: an explicit path (wins when given; it must exist).
    :param env_var: environment variable that may hold a path.
    :param filename: the standard file name in the torch hub cache.
    :param url: where to download the file on a machine with network access (only quoted in the error).
    :param option: the command-line option that passes a path (only quoted in the error).
    :raises WeightsNotFoundError: when the explicit path, the environment variable's path or (with neither
        given) the hub-cache file does not exist.
    """
    hub_path = hub_checkpoint_path(filename)
    how = (
        f"Download {url} on a machine with network access and put it at {hub_path} (the torch hub cache), "
        f"or pass {option} PATH, or set {env_var}=PATH. See docs/evaluation.md."
    )
    if path is not None:
        candidate = Path(path).expanduser()
        if not candidate.is_file():
            raise WeightsNotFoundError(f"{what} weights not found at {candidate} (given by {option}). {how}")
        return candidate
    from_env = os.environ.get(env_var)
    if from_env:
        candidate = Path(from_env).expanduser()
        if not candidate.is_file():
            raise WeightsNotFoundError(f"{what} weights not found at {candidate} (from ${env_var}). {how}")
        return candidate
    if hub_path.is_file():
        return hub_path
    raise WeightsNotFoundError(f"{what} weights not found at {hub_path}. {how}")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (identifies the weights in metrics JSON and cache keys)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_state_dict_file(path: str | os.PathLike[str], what: str) -> dict[str, torch.Tensor]:
    """Read a state dict from ``.safetensors`` or from a ``torch.save`` file with ``weights_only=True``.

    The third-party checkpoints (``.pth``) are torch zip/pickle files; ``weights_only=True`` restricts
    unpickling to tensors and plain containers, so no code from the file runs.

    :raises ValueError: if the file cannot be read as a state dict (names the file).
    """
    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path), device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any decode failure is a bad file; re-raised with its name
        raise ValueError(f"{what} weights at {path} cannot be read as a state dict: {err}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{what} weights at {path} are not a state dict of tensors")
    return state


def load_into(module: torch.nn.Module, state: dict[str, torch.Tensor], path: Path, what: str) -> None:
    """``module.load_state_dict(state, strict=True)`` with an error that names the file.

    :raises ValueError: on missing/unexpected keys or shape mismatches.
    """
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        message = str(err).splitlines()
        summary = " ".join(line.strip() for line in message[:4])
        raise ValueError(f"{what} weights at {path} do not match the network: {summary}") from None
