"""Figures for the evaluation report: image grids (PNG) drawn without a display (matplotlib Agg)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from gan.data.images import to_uint8

logger = logging.getLogger(__name__)


def _as_uint8(images: torch.Tensor) -> torch.Tensor:
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape [N, 3, H, W], got {tuple(images.shape)}")
    return images if images.dtype == torch.uint8 else to_uint8(images)


def save_image_grid(
    images: torch.Tensor, path: str | os.PathLike[str], nrow: int = 8, padding: int = 2
) -> Path | None:
    """Save ``images [N, 3, H, W]`` (uint8, or float in ``[-1, 1]``) as one PNG grid on a white background.

    :returns: the path written, or ``None`` when ``images`` is empty (nothing is written).
    """
    images = _as_uint8(images)
    if images.shape[0] == 0:
        return None
    grid = make_grid(images, nrow=max(1, min(nrow, images.shape[0])), padding=padding, pad_value=255)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid.permute(1, 2, 0).numpy()).save(path)
    return path


def save_pairs_figure(
    rows: Sequence[tuple[str, Sequence[tuple[torch.Tensor, torch.Tensor, float]]]],
    path: str | os.PathLike[str],
    title: str,
) -> Path:
    """A figure with one row per group of image pairs, each pair labelled with its distance.

    :param rows: ``(row label, [(image_a [3, H, W], image_b [3, H, W], distance), ...])`` per row.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    ncols = max((len(pairs) for _, pairs in rows), default=1)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(2.6 * ncols, 1.8 * len(rows) + 0.4), squeeze=False)
    for r, (label, pairs) in enumerate(rows):
        for c in range(ncols):
            ax = axes[r][c]
            ax.axis("off")
            if c >= len(pairs):
                continue
            a, b, dist = pairs[c]
            pair = _as_uint8(torch.stack([a, b]))
            gap = torch.full((3, pair.shape[2], 4), 255, dtype=torch.uint8)
            strip = torch.cat([pair[0], gap, pair[1]], dim=2).permute(1, 2, 0).numpy()
            ax.imshow(np.ascontiguousarray(strip))
            ax.set_title(f"{label}\n{dist:.3f}" if c == 0 else f"{dist:.3f}", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def save_confusion_png(
    matrix: np.ndarray,
    labels: Sequence[str],
    path: str | os.PathLike[str],
    title: str,
    xlabel: str = "predicted",
    ylabel: str = "true",
    cell_names: Sequence[Sequence[str]] | None = None,
) -> Path:
    """Draw a confusion matrix ``[K, K]`` (rows: true, columns: predicted) with the counts in the cells.

    :param cell_names: optional ``[K][K]`` names written above the counts (e.g. TN/FP/FN/TP).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    k = matrix.shape[0]
    size = min(12.0, max(4.5, 2.0 + 0.45 * k))
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), labels=list(labels), rotation=90 if k > 4 else 0, fontsize=7 if k > 8 else 9)
    ax.set_yticks(range(k), labels=list(labels), fontsize=7 if k > 8 else 9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if k <= 20:
        top = matrix.max() if matrix.size else 0
        for i in range(k):
            for j in range(k):
                colour = "white" if top and matrix[i, j] > top / 2 else "black"
                text = str(int(matrix[i, j])) if cell_names is None else f"{cell_names[i][j]}\n{int(matrix[i, j])}"
                ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=8 if cell_names is None else 11)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
