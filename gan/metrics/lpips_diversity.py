"""Sample diversity: LPIPS (AlexNet) over random pairs, and the offline classifier-feature alternative.

LPIPS (Zhang et al. 2018) uses the ``lpips`` package with the AlexNet trunk. ``lpips.LPIPS(pretrained=True)``
would fetch the AlexNet ImageNet weights from torchvision's URL, so the trunk is built randomly
(``pnet_rand=True``) and its weights, torchvision's ``alexnet-owt-7be5be79.pth``, are loaded from a given
path, ``$GAN_LATENT_ENV_LPIPS_WEIGHTS`` or the torch hub cache (see :mod:`gan.metrics.weights`). The learned
linear layers ship inside the ``lpips`` package. Without the trunk weights,
:class:`~gan.metrics.weights.WeightsNotFoundError` says where to get them; nothing else is substituted.

The offline alternative, :func:`feature_diversity`, is the mean pairwise distance (Euclidean by default,
or cosine) between attribute-classifier features of random pairs; it is always labelled
``"diversity (classifier features)"``, never LPIPS.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import torch

from gan.metrics.figures import save_pairs_figure
from gan.metrics.frechet import as_feature_matrix
from gan.metrics.weights import file_sha256, load_into, load_state_dict_file, resolve_weights

logger = logging.getLogger(__name__)

ALEXNET_FILENAME: Final[str] = "alexnet-owt-7be5be79.pth"
ALEXNET_URL: Final[str] = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"
LPIPS_WEIGHTS_ENV: Final[str] = "GAN_LATENT_ENV_LPIPS_WEIGHTS"
LPIPS_LABEL: Final[str] = "LPIPS (AlexNet)"
FEATURE_DIVERSITY_LABEL: Final[str] = "diversity (classifier features)"
FEATURE_METRICS: Final[tuple[str, ...]] = ("euclidean", "cosine")


@dataclass(frozen=True)
class DiversityResult:
    """Distances of ``n_pairs`` random pairs of distinct images: summary plus the pairs themselves.

    :param label: what the distance is (``LPIPS (AlexNet)`` or ``diversity (classifier features)``).
    :param pairs: int64 ``[n_pairs, 2]`` image indices; ``distances`` float64 ``[n_pairs]``.
    """

    label: str
    mean: float
    std: float
    min: float
    max: float
    n_pairs: int
    pairs: np.ndarray = field(repr=False)
    distances: np.ndarray = field(repr=False)

    def summary(self) -> dict[str, float | int | str]:
        """JSON-ready summary (no per-pair arrays)."""
        return {"label": self.label, "mean": self.mean, "std": self.std, "min": self.min, "max": self.max,
                "n_pairs": self.n_pairs}

    def extreme_pairs(self, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Row indices (into ``pairs``) of the ``k`` most similar and the ``k`` most different pairs."""
        order = np.argsort(self.distances, kind="stable")
        return order[:k], order[::-1][:k]


def _result(label: str, pairs: np.ndarray, distances: np.ndarray) -> DiversityResult:
    return DiversityResult(
        label=label,
        mean=float(distances.mean()),
        std=float(distances.std(ddof=1)) if distances.size > 1 else 0.0,
        min=float(distances.min()),
        max=float(distances.max()),
        n_pairs=int(distances.size),
        pairs=pairs,
        distances=distances,
    )


def sample_pairs(n_items: int, n_pairs: int, rng: np.random.Generator | int = 0) -> np.ndarray:
    """``n_pairs`` random pairs ``(i, j)`` with ``i != j`` drawn uniformly (with replacement across pairs).

    :raises ValueError: if there are fewer than 2 items or ``n_pairs < 1``.
    """
    if n_items < 2:
        raise ValueError(f"need at least 2 images to form pairs, got {n_items}")
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, (int, np.integer)) or n_pairs < 1:
        raise ValueError(f"n_pairs must be a positive integer, got {n_pairs!r}")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    first = generator.integers(0, n_items, size=n_pairs)
    offset = generator.integers(1, n_items, size=n_pairs)  # j = i + offset (mod n) is never i
    return np.stack([first, (first + offset) % n_items], axis=1).astype(np.int64)


def resolve_alexnet_weights(path: str | os.PathLike[str] | None = None) -> Path:
    """The AlexNet trunk weight file for LPIPS (explicit path, then env var, then torch hub cache).

    :raises WeightsNotFoundError: when it is not on disk (the message says where to get it).
    """
    return resolve_weights(
        what="LPIPS AlexNet trunk (torchvision ImageNet)",
        path=path,
        env_var=LPIPS_WEIGHTS_ENV,
        filename=ALEXNET_FILENAME,
        url=ALEXNET_URL,
        option="--lpips-weights",
    )


def _alexnet_trunk_state(lpips_net: torch.nn.Module, alexnet_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map torchvision AlexNet keys (``features.<i>.<p>``) to the lpips trunk (``slice<k>.<i>.<p>``)."""
    slice_of = {}
    for slice_name, block in lpips_net.named_children():
        for index, _ in block.named_children():
            slice_of[index] = slice_name
    state = {}
    for key, value in alexnet_state.items():
        if not key.startswith("features."):
            continue  # the classifier head is not part of the LPIPS trunk
        _, index, param = key.split(".", 2)
        if index in slice_of:
            state[f"{slice_of[index]}.{index}.{param}"] = value
    return state


def build_lpips(weights: str | os.PathLike[str] | None = None, device: str | torch.device = "cpu") -> torch.nn.Module:
    """``lpips.LPIPS(net="alex")`` with the AlexNet trunk loaded from disk (never downloaded), eval mode.

    :param weights: path to ``alexnet-owt-7be5be79.pth`` (or a ``.safetensors`` copy of its state dict);
        default: ``$GAN_LATENT_ENV_LPIPS_WEIGHTS``, then the torch hub cache.
    :raises WeightsNotFoundError: when the file is not found (says where to get it).
    :raises ValueError: when the file is not an AlexNet state dict.
    """
    import lpips

    path = resolve_alexnet_weights(weights)
    alexnet_state = load_state_dict_file(path, "AlexNet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchvision's "pretrained is deprecated" notice
        model = lpips.LPIPS(net="alex", pretrained=True, pnet_rand=True, verbose=False)
    load_into(model.net, _alexnet_trunk_state(model.net, alexnet_state), path, "AlexNet")
    model.weights_sha256 = file_sha256(path)
    logger.info("LPIPS AlexNet trunk weights: %s (sha256 %s)", path, model.weights_sha256)
    model = model.to(device).eval()
    model.requires_grad_(False)
    return model


@torch.no_grad()
def lpips_diversity(
    model: torch.nn.Module,
    images: torch.Tensor,
    n_pairs: int = 100,
    rng: np.random.Generator | int = 0,
    batch_size: int = 50,
) -> DiversityResult:
    """LPIPS distance over ``n_pairs`` random pairs of distinct images ``[N, 3, H, W]`` (float in [-1, 1] or uint8).

    :raises ValueError: on a bad shape or fewer than 2 images.
    """
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape [N, 3, H, W], got {tuple(images.shape)}")
    if images.dtype == torch.uint8:
        images = images.to(torch.float32) / 127.5 - 1.0
    pairs = sample_pairs(images.shape[0], n_pairs, rng)
    device = next(model.parameters()).device
    model.eval()
    out = []
    for start in range(0, len(pairs), batch_size):
        chunk = torch.from_numpy(pairs[start : start + batch_size])
        a = images[chunk[:, 0]].to(device, torch.float32)
        b = images[chunk[:, 1]].to(device, torch.float32)
        out.append(model(a, b).reshape(-1).to("cpu", torch.float64).numpy())
    return _result(LPIPS_LABEL, pairs, np.concatenate(out))


def feature_diversity(
    features: np.ndarray | torch.Tensor,
    n_pairs: int = 10_000,
    rng: np.random.Generator | int = 0,
    metric: str = "euclidean",
) -> DiversityResult:
    """Distance between the features ``[N, F]`` of ``n_pairs`` random pairs of distinct images.

    :param metric: ``"euclidean"`` (L2) or ``"cosine"`` (``1 - cos``).
    :raises ValueError: on an unknown metric, a bad shape or fewer than 2 rows.
    """
    if metric not in FEATURE_METRICS:
        raise ValueError(f"metric must be one of {FEATURE_METRICS}, got {metric!r}")
    x = as_feature_matrix(features)
    pairs = sample_pairs(x.shape[0], n_pairs, rng)
    a, b = x[pairs[:, 0]], x[pairs[:, 1]]
    if metric == "euclidean":
        distances = np.linalg.norm(a - b, axis=1)
    else:
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        if np.any(norms == 0):
            raise ValueError("cosine distance is undefined for all-zero feature vectors")
        distances = 1.0 - np.sum(a * b, axis=1) / norms
    return _result(f"{FEATURE_DIVERSITY_LABEL}, {metric}", pairs, distances)


def save_extreme_pairs_figure(
    images: torch.Tensor, result: DiversityResult, path: str | os.PathLike[str], k: int = 3
) -> Path:
    """Figure of the ``k`` most similar and ``k`` most different pairs of ``result`` (images it was run on)."""
    similar, different = result.extreme_pairs(k)

    def row(indices: np.ndarray) -> list[tuple[torch.Tensor, torch.Tensor, float]]:
        return [(images[int(result.pairs[i, 0])], images[int(result.pairs[i, 1])], float(result.distances[i]))
                for i in indices]

    return save_pairs_figure(
        [("most similar", row(similar)), ("most different", row(different))],
        path,
        title=f"{result.label}: {result.mean:.3f} +/- {result.std:.3f} over {result.n_pairs} pairs",
    )
