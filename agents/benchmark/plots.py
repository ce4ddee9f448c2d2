"""Figures of the benchmark report (matplotlib, Agg backend). Every function takes the tidy results table,
writes one PNG and returns its path, or ``None`` when the table has nothing to plot for it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from agents.benchmark.runner import FINAL  # noqa: E402

logger = logging.getLogger(__name__)

WALK, CODEBOOK, TUNE = "LatentWalk-v0", "LatentCodebook-v0", "HyperparamTune-v0"


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _curve(df: pd.DataFrame, env: str, metric: str) -> pd.DataFrame:
    return df[(df["env"] == env) & (df["metric"] == metric) & (df["step"] != FINAL)]


def _final(df: pd.DataFrame, env: str, metric: str) -> pd.DataFrame:
    return df[(df["env"] == env) & (df["metric"] == metric) & (df["step"] == FINAL)]


def curve_plot(df: pd.DataFrame, env: str, metric: str, path: Path, title: str, xlabel: str, ylabel: str,
               logx: bool = False, bins: int | None = None,
               markers: dict[str, tuple[float, float]] | None = None) -> Path | None:
    """Mean over seeds of a per-step curve, one line per agent, with a min-max band over seeds.

    With ``bins``, steps are first averaged within equal-width bins (for curves whose x differs by seed,
    e.g. SB3 episode ends). ``markers`` adds labelled single points ``{label: (x, y)}`` (agents without a
    curve, e.g. walk policies at their generator calls)."""
    sel = _curve(df, env, metric)
    if sel.empty:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    for agent, g in sel.groupby("agent"):
        g = g.copy()
        if bins:
            edges = np.linspace(g["step"].min(), g["step"].max() + 1, bins + 1)
            g["step"] = edges[np.clip(np.digitize(g["step"], edges) - 1, 0, bins - 1)]
            g = g.groupby(["seed", "step"], as_index=False)["value"].mean()
        stats = g.groupby("step")["value"].agg(["mean", "min", "max"])
        ax.plot(stats.index, stats["mean"], label=agent)
        ax.fill_between(stats.index, stats["min"], stats["max"], alpha=0.15)
    for (label, (x, y)), shape in zip(sorted((markers or {}).items()), "os^vDPX*<>"):
        ax.scatter([x], [y], marker=shape, s=36, zorder=3, label=label)
    if logx:
        ax.set_xscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=8)
    return _save(fig, path)


def before_after_plot(df: pd.DataFrame, env: str, before: str, after: str, path: Path, title: str,
                      ylabel: str) -> Path | None:
    """Per agent: mean over seeds of ``before`` and ``after`` side by side, seed values as dots."""
    b, a = _final(df, env, before), _final(df, env, after)
    if b.empty or a.empty:
        return None
    agents = sorted(set(a["agent"]))
    x = np.arange(len(agents))
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(agents)), 4))
    for offset, frame, label in ((-0.2, b, "start"), (0.2, a, "end")):
        means = [frame[frame["agent"] == ag]["value"].mean() for ag in agents]
        ax.bar(x + offset, means, width=0.4, label=label)
        for i, ag in enumerate(agents):
            vals = frame[frame["agent"] == ag]["value"].to_numpy()
            ax.scatter(np.full(len(vals), x[i] + offset), vals, color="k", s=8, zorder=3)
    ax.set_xticks(x, agents, rotation=30, ha="right")
    ax.set(title=title, ylabel=ylabel)
    ax.legend()
    return _save(fig, path)


def interval_plot(agg: pd.DataFrame, path: Path, title: str, xlabel: str) -> Path | None:
    """IQM and mean with their 95% CIs, one row per agent (an ``aggregate`` table)."""
    if agg.empty:
        return None
    agg = agg.sort_values("mean")
    y = np.arange(len(agg))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(agg) + 1.5))
    for offset, stat, color in ((-0.15, "iqm", "C0"), (0.15, "mean", "C1")):
        val = agg[stat].to_numpy()
        err = np.vstack([val - agg[f"{stat}_lo"].to_numpy(), agg[f"{stat}_hi"].to_numpy() - val])
        ax.errorbar(val, y + offset, xerr=np.maximum(err, 0), fmt="o", color=color, label=stat.upper(), capsize=3)
    ax.set_yticks(y, agg["agent"])
    ax.set(title=title, xlabel=xlabel)
    ax.legend(fontsize=8)
    return _save(fig, path)


def profile_plot(point: dict[str, np.ndarray], ci: dict[str, np.ndarray], taus: np.ndarray, path: Path,
                 title: str, xlabel: str, higher_is_better: bool = True) -> Path:
    """Performance profiles (fraction of runs beyond each threshold) with CI bands."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for agent in point:
        ax.plot(taus, point[agent], label=agent)
        lo, hi = np.asarray(ci[agent]).reshape(2, -1)
        ax.fill_between(taus, lo, hi, alpha=0.15)
    ylabel = "fraction of runs with score > tau" if higher_is_better else "fraction of runs with value < tau"
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, ylim=(-0.02, 1.02))
    ax.legend(fontsize=8)
    return _save(fig, path)


def face_grid(rows: list[tuple[str, np.ndarray]], path: Path, title: str) -> Path | None:
    """A grid of uint8 faces: one labelled row per ``(label, images [F, H, W, 3])``."""
    rows = [(label, imgs) for label, imgs in rows if imgs is not None and len(imgs)]
    if not rows:
        return None
    cols = max(len(imgs) for _, imgs in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(1.3 * cols + 1.2, 1.4 * len(rows)), squeeze=False)
    for r, (label, imgs) in enumerate(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.axis("off")
            if c < len(imgs):
                ax.imshow(imgs[c])
        axes[r, 0].set_title(label, fontsize=8, loc="left")
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)
