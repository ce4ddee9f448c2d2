"""The bundled DCGAN generator, discriminator and attribute classifier, trained on the real CartoonSet.

The weights ship inside the package (``gan/pretrained/weights/*.safetensors``) and load with no network
access. ``MODEL_CARD.md`` beside this file and ``weights/model_card.json`` describe the data, the recipe and
the measured metrics.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

logger = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
"""Folder of the bundled weights."""

WEIGHT_FILES: dict[str, str] = {
    "generator": "generator.safetensors",
    "discriminator": "discriminator.safetensors",
    "classifier": "classifier.safetensors",
}
CARD_FILE = "model_card.json"


@dataclass(frozen=True)
class PretrainedModels:
    """The three bundled networks, in eval mode with gradients off for their parameters.

    ``generator(z [N, z_dim]) -> [N, 3, 64, 64]`` in [-1, 1]; ``discriminator(x) -> logits [N]``;
    ``classifier.predict_proba(x) -> [N, 217]``. Their configs are at ``model.config``.
    """

    generator: torch.nn.Module
    discriminator: torch.nn.Module
    classifier: torch.nn.Module
    card: dict[str, Any] = field(default_factory=dict)


def _missing(weights_dir: Path, roles: Sequence[str] = tuple(WEIGHT_FILES)) -> list[Path]:
    """The weight files of ``roles`` that are not in ``weights_dir``."""
    return [weights_dir / WEIGHT_FILES[r] for r in roles if not (weights_dir / WEIGHT_FILES[r]).is_file()]


def available(weights_dir: str | Path | None = None) -> bool:
    """Whether all three weight files are present."""
    return not _missing(Path(weights_dir) if weights_dir is not None else WEIGHTS_DIR)


def load(device: str | torch.device = "cpu", weights_dir: str | Path | None = None) -> PretrainedModels:
    """Load the bundled generator, discriminator and classifier (no network access).

    :param device: where to put the models (``"auto"`` picks CUDA when available).
    :param weights_dir: another folder with the same three files (default: the bundled weights).
    :raises FileNotFoundError: when a weight file is missing, naming it.
    """
    from gan.device import resolve_device
    from gan.models.io import load_model  # imported here to keep `import gan.pretrained` light

    folder = Path(weights_dir) if weights_dir is not None else WEIGHTS_DIR
    missing = _missing(folder)
    if missing:
        raise FileNotFoundError(
            "bundled model weights not found: "
            + ", ".join(str(p) for p in missing)
            + " (a source checkout needs them trained first: see gan/pretrained/MODEL_CARD.md)"
        )
    device = resolve_device(device)
    models = {}
    for role, filename in WEIGHT_FILES.items():
        model = load_model(folder / filename, device=device)
        model.eval()
        model.requires_grad_(False)
        models[role] = model
    card_path = folder / CARD_FILE
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    logger.debug("loaded bundled models from %s onto %s", folder, device)
    return PretrainedModels(card=card, **models)


def weights_fingerprint(weights_dir: str | Path | None = None, roles: Sequence[str] | None = None) -> str:
    """A short content hash (16 hex digits of SHA-256) of the models' kinds, configs and tensors.

    It names *which* weights produced a result: the benchmark keys its finished runs on it, so runs made with
    other weights (a retrained bundle, another folder) are never mistaken for finished ones. Free-form file
    metadata (where and when a file was bundled) does not enter it.

    :param roles: which of ``generator``, ``discriminator``, ``classifier`` to hash (default: all three).
    :raises FileNotFoundError: when a weight file is missing, naming it.
    :raises ValueError: on an unknown role.
    """
    from safetensors import safe_open

    from gan.models.config import config_to_json
    from gan.models.io import read_model_header

    roles = list(WEIGHT_FILES) if roles is None else list(roles)
    unknown = sorted(set(roles) - set(WEIGHT_FILES))
    if unknown:
        raise ValueError(f"roles: unknown {unknown}; choose from {list(WEIGHT_FILES)}")
    folder = Path(weights_dir) if weights_dir is not None else WEIGHTS_DIR
    missing = _missing(folder, roles)
    if missing:
        raise FileNotFoundError("model weights not found: " + ", ".join(str(p) for p in missing))
    digest = hashlib.sha256()
    for filename in (WEIGHT_FILES[r] for r in WEIGHT_FILES if r in roles):
        kind, config, _ = read_model_header(folder / filename)
        digest.update(f"{kind}:{config_to_json(config)}".encode())
        with safe_open(str(folder / filename), framework="pt") as f:
            for key in sorted(f.keys()):
                tensor = f.get_tensor(key).contiguous().reshape(-1)
                digest.update(f"{key}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
                digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()[:16]
