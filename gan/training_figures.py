"""Figures of a training run: sample grids, loss / Fréchet-distance / overfitting curves, progress GIF."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from gan.atomic import atomic_write
from gan.data.images import to_uint8

logger = logging.getLogger(__name__)


def image_grid(images: torch.Tensor, nrow: int = 8, padding: int = 2) -> np.ndarray:
    """Tile float images ``[N, 3, H, W]`` in ``[-1, 1]`` into one uint8 ``[H', W', 3]`` grid (white gaps)."""
    from torchvision.utils import make_grid

    grid = make_grid(images.detach().float().cpu(), nrow=nrow, padding=padding, pad_value=1.0)
    return to_uint8(grid).permute(1, 2, 0).numpy()


def save_grid(images: torch.Tensor, path: str | os.PathLike[str], nrow: int = 8) -> Path:
    """Save :func:`image_grid` of ``images`` as a PNG."""
    from PIL import Image

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image_grid(images, nrow=nrow)).save(p)
    return p


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if len(values) < window or window <= 1:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def _finite(steps: Sequence[float], values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    s, v = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    keep = np.isfinite(v)
    return s[keep], v[keep]


def plot_curves(
    log: dict[str, list[float]],
    path: str | os.PathLike[str],
    columns: Sequence[str],
    title: str,
    ylabel: str,
    smooth: int = 1,
    hline: float | None = None,
) -> Path | None:
    """Plot ``columns`` of a run log against ``step`` into a PNG; returns None if nothing to plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    plotted = False
    for col in columns:
        if col not in log:
            continue
        s, v = _finite(log["step"], log[col])
        if len(v) == 0:
            continue
        w = max(1, min(smooth, len(v) // 5))
        vs = _smooth(v, w)
        ax.plot(s[len(s) - len(vs) :], vs, label=col, marker="o" if len(v) < 30 else None, markersize=3)
        plotted = True
    if not plotted:
        plt.close(fig)
        return None
    if hline is not None:
        ax.axhline(hline, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(title + (f" (moving average of {smooth} steps)" if smooth > 1 else ""))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    p = Path(path)
    fig.savefig(p)
    plt.close(fig)
    return p


def write_progress_gif(frames: Sequence[str | os.PathLike[str]], path: str | os.PathLike[str], fps: float = 4.0) -> Path | None:
    """Assemble PNG frames (same size) into a looping GIF with imageio; None if there are no frames."""
    if not frames:
        return None
    import imageio.v3 as iio

    images = [iio.imread(f) for f in frames]
    p = Path(path)
    stack = np.stack(images)
    return atomic_write(p, lambda tmp: iio.imwrite(tmp, stack, duration=int(math.ceil(1000 / fps)), loop=0), suffix=".tmp.gif")
