"""Aggregate benchmark results with rliable: IQM and mean with 95% stratified bootstrap CIs, and
performance profiles.

Input is the tidy results table (:data:`agents.benchmark.runner.RESULT_COLUMNS`). A final metric of one env
becomes, per agent, an rliable score matrix ``[n_seeds, 1]`` (one run per seed, one task).

Reproducibility: rliable 1.2's ``StratifiedBootstrap.update_indices`` draws from NumPy's global RNG whatever
``random_state`` says, so :class:`SeededStratifiedBootstrap` overrides just that method to draw from the
bootstrap's own generator (seeded explicitly); everything else is rliable's.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rliable import library, metrics

from agents.benchmark.runner import FINAL


class SeededStratifiedBootstrap(library.StratifiedBootstrap):
    """rliable's stratified bootstrap, resampling runs with its own seeded generator."""

    def update_indices(self) -> tuple[np.ndarray, ...]:
        indices = self.generator.choice(self._num_items, self._args_shape, replace=True)
        if self._task_bootstrap:
            task_indices = self.generator.choice(self._num_tasks, self._strata_indices[0].shape, replace=True)
            return (indices, task_indices, *self._strata_indices[1:])
        return (indices, *self._strata_indices)


def interval_estimates(scores: dict[str, np.ndarray], func, reps: int = 2000, seed: int = 0,
                       size: float = 0.95) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Point estimates ``func(scores[k])`` and percentile bootstrap CIs ``[2, ...]`` (rliable's
    ``get_interval_estimates`` with a seeded stratified bootstrap). Each key's generator is seeded from
    ``seed`` and the key itself, so a key's interval does not depend on which other keys are in ``scores``."""
    point, interval = {}, {}
    for key, s in scores.items():
        bs = SeededStratifiedBootstrap(s, seed=np.random.default_rng([seed, zlib.crc32(key.encode())]))
        point[key] = func(s)
        interval[key] = bs.conf_int(func, reps=reps, size=size, method="percentile")
    return point, interval

AGGREGATE_COLUMNS: tuple[str, ...] = ("env", "metric", "agent", "n_seeds", "iqm", "iqm_lo", "iqm_hi",
                                      "mean", "mean_lo", "mean_hi")


def score_matrices(df: pd.DataFrame, env: str, metric: str) -> dict[str, np.ndarray]:
    """Per agent, the final ``metric`` of ``env`` as an rliable matrix float64 ``[n_seeds, 1]``.

    :raises ValueError: if a seed has the metric more than once, or no agent has it.
    """
    sel = df[(df["env"] == env) & (df["metric"] == metric) & (df["step"] == FINAL)]
    if sel.empty:
        raise ValueError(f"no final values of metric {metric!r} for env {env!r} in the results")
    dup = sel.duplicated(["agent", "seed"])
    if dup.any():
        row = sel[dup].iloc[0]
        raise ValueError(f"{env}/{row['agent']} seed {row['seed']} has metric {metric!r} more than once")
    return {agent: g.sort_values("seed")["value"].to_numpy(dtype=np.float64).reshape(-1, 1)
            for agent, g in sel.groupby("agent", sort=True)}


def _iqm(scores: np.ndarray) -> float:
    """rliable's ``aggregate_iqm`` (scipy ``trim_mean(x, 0.25)`` over all runs), computed directly: scipy's
    per-call overhead dominated the bootstrap (thousands of calls); a test checks both agree."""
    flat = np.sort(np.asarray(scores, dtype=np.float64).reshape(-1))
    cut = int(0.25 * flat.size)
    return float(flat[cut: flat.size - cut].mean())


def _mean(scores: np.ndarray) -> float:
    return float(metrics.aggregate_mean(scores))


def aggregate(df: pd.DataFrame, env: str, metric: str, reps: int = 2000, seed: int = 0) -> pd.DataFrame:
    """IQM and mean of a final metric per agent, each with a 95% stratified bootstrap CI.

    With a single seed the interval collapses to the point estimate.
    """
    scores = score_matrices(df, env, metric)
    funcs = lambda s: np.array([_iqm(s), _mean(s)])  # noqa: E731
    point, interval = interval_estimates(scores, funcs, reps=reps, seed=seed)
    rows = []
    for agent in scores:
        rows.append(dict(env=env, metric=metric, agent=agent, n_seeds=scores[agent].shape[0],
                         iqm=point[agent][0], iqm_lo=interval[agent][0, 0], iqm_hi=interval[agent][1, 0],
                         mean=point[agent][1], mean_lo=interval[agent][0, 1], mean_hi=interval[agent][1, 1]))
    return pd.DataFrame(rows, columns=list(AGGREGATE_COLUMNS))


def performance_profile(df: pd.DataFrame, env: str, metric: str, taus: Sequence[float] | np.ndarray,
                        higher_is_better: bool = True, reps: int = 2000, seed: int = 0
                        ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Run-score distributions: per agent the fraction of runs with score > tau (or < tau when lower is
    better) for each tau, and its 95% stratified bootstrap CI ``[2, len(taus)]``."""
    taus = np.asarray(taus, dtype=np.float64)
    scores = score_matrices(df, env, metric)

    def profile(s: np.ndarray) -> np.ndarray:
        flat = s.reshape(-1, 1)
        return ((flat > taus) if higher_is_better else (flat < taus)).mean(axis=0)

    return interval_estimates(scores, profile, reps=reps, seed=seed)


def paired_difference(df: pd.DataFrame, env: str, metric: str, agent_a: str, agent_b: str, reps: int = 2000,
                      seed: int = 0) -> tuple[float, float, float]:
    """Mean over seeds of ``metric(a) - metric(b)`` (paired by seed) with a 95% bootstrap CI.

    :raises ValueError: if the two agents do not share at least one seed.
    """
    sel = df[(df["env"] == env) & (df["metric"] == metric) & (df["step"] == FINAL)]
    a = sel[sel["agent"] == agent_a].set_index("seed")["value"]
    b = sel[sel["agent"] == agent_b].set_index("seed")["value"]
    seeds = a.index.intersection(b.index)
    if len(seeds) == 0:
        raise ValueError(f"{agent_a} and {agent_b} share no seeds on {env}/{metric}")
    diff = (a.loc[seeds] - b.loc[seeds]).to_numpy(dtype=np.float64).reshape(-1, 1)
    point, interval = interval_estimates({"d": diff}, _mean_array, reps=reps, seed=seed)
    return float(point["d"]), float(interval["d"].reshape(-1)[0]), float(interval["d"].reshape(-1)[1])


def _mean_array(s: np.ndarray) -> float:
    return float(np.mean(s))
