"""``report.md`` and a static ``report.html``: tables with 95% CIs, the target checks, figures, the exact
command, seeds, package versions and hardware. Numbers are read from ``results.csv``; nothing is typed in."""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agents.benchmark import plots
from agents.benchmark.aggregate import aggregate, paired_difference, performance_profile
from agents.benchmark.runner import FINAL, ResultStore, read_results_csv

logger = logging.getLogger(__name__)

WALK, CODEBOOK, TUNE = plots.WALK, plots.CODEBOOK, plots.TUNE
RL_AGENTS = ("tabular_q", "qnetwork", "dqn", "ppo")
PACKAGES = ("gan-latent-env", "torch", "numpy", "gymnasium", "stable-baselines3", "rliable", "cma", "pandas",
            "scipy", "matplotlib")

# (env, metric, label, higher is better)
TABLES: tuple[tuple[str, str, str, bool], ...] = (
    (WALK, "score_gain", "score gain over the start face (eval walk / search budget)", True),
    (WALK, "realism_end", "sigma(D) of the delivered face", True),
    (WALK, "match_rate_end", "attribute-match rate of the delivered face", True),
    (WALK, "score_gain_at_walk", "search: score gain after max_steps + 1 generator calls", True),
    (CODEBOOK, "final_regret", "cumulative regret at the horizon", False),
    (CODEBOOK, "best_arm_rate", "best-arm rate over the last 10% of pulls", True),
    (TUNE, "final_fd", "final Fréchet distance (classifier features)", False),
)


def _fmt(x: float) -> str:
    return "nan" if not np.isfinite(x) else (f"{x:.4g}" if abs(x) < 1e4 else f"{x:.3e}")


def _table(agg: pd.DataFrame, higher: bool) -> str:
    agg = agg.sort_values("mean", ascending=not higher)
    lines = ["| agent | seeds | IQM [95% CI] | mean [95% CI] |", "|---|---|---|---|"]
    for _, r in agg.iterrows():
        lines.append(f"| {r['agent']} | {r['n_seeds']} | {_fmt(r['iqm'])} [{_fmt(r['iqm_lo'])}, {_fmt(r['iqm_hi'])}] "
                     f"| {_fmt(r['mean'])} [{_fmt(r['mean_lo'])}, {_fmt(r['mean_hi'])}] |")
    return "\n".join(lines)


def _mean(df: pd.DataFrame, env: str, agent: str, metric: str) -> float:
    sel = df[(df["env"] == env) & (df["agent"] == agent) & (df["metric"] == metric) & (df["step"] == FINAL)]
    return float(sel["value"].mean()) if len(sel) else float("nan")


def walk_targets(df: pd.DataFrame, reps: int = 2000) -> list[str]:
    """The LatentWalk target checks, as report lines."""
    present = [a for a in RL_AGENTS if np.isfinite(_mean(df, WALK, a, "score_gain"))]
    if not present:
        return []
    best = max(present, key=lambda a: _mean(df, WALK, a, "score_gain"))
    r0, r1 = _mean(df, WALK, best, "realism_start"), _mean(df, WALK, best, "realism_end")
    gain = _mean(df, WALK, best, "score_gain")
    oracle = _mean(df, WALK, "gradient_ascent", "score_gain_at_walk")
    lines = [f"- Best RL agent by score gain: **{best}** (gain {_fmt(gain)}).",
             f"- Mean sigma(D): start faces {_fmt(r0)} -> delivered faces {_fmt(r1)} "
             f"(x{_fmt(r1 / r0) if r0 > 0 else 'nan'}; target >= x2: **{'met' if r0 > 0 and r1 >= 2 * r0 else 'not met'}**)."]
    if np.isfinite(oracle):
        frac = gain / oracle if oracle > 0 else float("nan")
        lines.append(f"- Gradient-ascent oracle's gain at the same {_fmt(_calls(df))} generator calls per face: {_fmt(oracle)}; "
                     f"best RL agent reaches {_fmt(100 * frac)}% of it (target >= 80%: "
                     f"**{'met' if np.isfinite(frac) and frac >= 0.8 else 'not met'}**).")
    walk_bound = _mean(df, WALK, "gradient_walk", "score_gain")
    if np.isfinite(walk_bound):
        share = f"{_fmt(100 * gain / walk_bound)}%" if walk_bound > 0 else "n/a"
        lines.append(f"- The gradient oracle restricted to the walk's own +-delta moves (`gradient_walk`, same calls) gains "
                     f"{_fmt(walk_bound)}: the best RL agent reaches {share} of it (context, not a target).")
    greedy = _mean(df, WALK, "greedy_walk", "score_gain")
    if np.isfinite(greedy):
        faces = df.attrs.get("walk_eval_faces")
        calls = _mean(df, WALK, "greedy_walk", "eval_calls") / faces if faces else float("nan")
        lines.append(f"- Always taking the best next move, scored exactly over all the walk's moves (`greedy_walk`, "
                     f"{_fmt(calls)} generator calls per face), gains {_fmt(greedy)}"
                     + (f" ({_fmt(100 * greedy / oracle)}% of the gradient-ascent oracle at the RL agents' calls)"
                        if np.isfinite(oracle) and oracle > 0 else "")
                     + ": the headroom of a greedy walk policy in this action space (context, not a target).")
    m0, m1 = _mean(df, WALK, best, "match_rate_start"), _mean(df, WALK, best, "match_rate_end")
    lines.append(f"- Attribute-match rate of {best}: {_fmt(m0)} at the start -> {_fmt(m1)} at the end.")
    return lines


def _calls(df: pd.DataFrame) -> float:
    """Generator calls of one evaluation walk (``max_steps + 1``), from the settings in ``df.attrs``."""
    steps = df.attrs.get("walk_max_steps")
    return float(steps + 1) if steps else float("nan")


def codebook_targets(df: pd.DataFrame, reps: int = 2000) -> list[str]:
    agents = set(df[df["env"] == CODEBOOK]["agent"])
    if "eps_greedy_ema" not in agents:
        return []
    lines = []
    for other in ("ucb1", "thompson"):
        if other in agents:
            d, lo, hi = paired_difference(df, CODEBOOK, "final_regret", other, "eps_greedy_ema", reps=reps)
            verdict = "lower" if hi < 0 else ("higher" if lo > 0 else "not distinguishable")
            lines.append(f"- {other} minus eps_greedy_ema final regret (paired by seed): {_fmt(d)} "
                         f"[{_fmt(lo)}, {_fmt(hi)}] -> {other} is **{verdict}**.")
    return lines


def tune_targets(df: pd.DataFrame, reps: int = 2000) -> list[str]:
    agents = set(df[df["env"] == TUNE]["agent"])
    lines = []
    for other in ("constant_default", "random_search"):
        if "ppo" in agents and other in agents:
            d, lo, hi = paired_difference(df, TUNE, "final_fd", "ppo", other, reps=reps)
            verdict = "lower (better)" if hi < 0 else ("higher (worse)" if lo > 0 else "not distinguishable")
            lines.append(f"- PPO minus {other} final Fréchet distance (paired by seed): {_fmt(d)} [{_fmt(lo)}, {_fmt(hi)}]"
                         f" -> PPO is **{verdict}**.")
    return lines


def environment_info(device: str) -> list[str]:
    """Package versions and hardware, as report lines."""
    import torch

    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return [f"- Python {sys.version.split()[0]} on {platform.platform()}",
            f"- CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores visible, "
            f"torch threads {torch.get_num_threads()}; GPU: {gpu}; device used: {device}",
            "- Packages: " + ", ".join(versions)]


def _faces(out_dir: Path, df: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    rows: list[tuple[str, np.ndarray]] = []
    runs = out_dir / "artifacts" / WALK
    if not runs.is_dir():
        return rows
    first = sorted(runs.glob("*/seed*_faces.npz"))
    if not first:
        return rows
    rows.append(("start faces (random z)", np.load(first[0])["start"][:8]))
    ranked = sorted({p.parent.name for p in first}, key=lambda a: -_mean(df, WALK, a, "score_end"))
    shown = ranked[:3]
    rl = [a for a in ranked if a in RL_AGENTS]
    if rl and rl[0] not in shown:
        shown.append(rl[0])  # always show the best RL agent's faces too
    for agent in shown:
        path = sorted((runs / agent).glob("seed*_faces.npz"))[0]
        seed = path.name.removesuffix("_faces.npz").removeprefix("seed")
        rows.append((f"{agent}: delivered faces (seed {seed})", np.load(path)["end"][:8]))
    return rows


def write_report(out_dir: str | Path, meta: dict[str, Any], models: Any = None, device: str = "cpu",
                 reps: int = 2000) -> Path:
    """Aggregate ``out_dir/results.csv`` and write ``report.md`` and ``report.html``; returns the .md path.

    :param reps: bootstrap resamples per confidence interval.
    """
    out_dir = Path(out_dir)
    df = read_results_csv(out_dir / "results.csv")
    df.attrs["walk_max_steps"] = meta.get("settings", {}).get(WALK, {}).get("max_steps")
    df.attrs["walk_eval_faces"] = meta.get("settings", {}).get(WALK, {}).get("eval_faces")
    figs = out_dir / "figures"
    md: list[str] = ["# gan-latent-env benchmark report", ""]
    md += [f"Profile **{meta['profile']}**, models: {meta.get('models', 'bundled')}"
           f"{' (tiny random models: a smoke run, not a result)' if meta.get('tiny') else ''}. "
           "Every number below is computed from `results.csv` in this folder; intervals are 95% stratified "
           "bootstrap CIs over seeds (rliable), IQM = interquartile mean.", ""]
    md += ["## Command", "", f"```\n{meta.get('command') or '(library call)'}\n```", "",
           f"Seeds run by this invocation, per env: {json.dumps(meta['seeds'])} (a count N: seeds 0 .. N-1). "
           "The tables use every finished run in this folder. Settings: see `benchmark.json`.", ""]
    records = ResultStore(out_dir).run_records()
    if len(records):
        total = records["wall_s"].sum()
        md += [f"Compute: {len(records)} runs, {total:.0f} s of run time in all "
               f"({', '.join(f'{e}: {g.wall_s.sum():.0f} s' for e, g in records.groupby('env'))}); "
               f"this invocation took {meta.get('wall_s_this_invocation', float('nan')):.0f} s.", ""]
    checks = {WALK: walk_targets, CODEBOOK: codebook_targets, TUNE: tune_targets}
    for env in (WALK, CODEBOOK, TUNE):
        if env not in set(df["env"]):
            continue
        md += [f"## {env}", ""]
        try:
            lines = checks[env](df, reps)
        except ValueError as err:
            lines = [f"- (target check unavailable: {err})"]
        if lines:
            md += ["**Targets**", ""] + lines + [""]
        for e, metric, label, higher in TABLES:
            if e != env or _final(df, env, metric).empty:
                continue
            agg = aggregate(df, env, metric, reps=reps)
            md += [f"**{label}** (`{metric}`, {'higher' if higher else 'lower'} is better)", "", _table(agg, higher), ""]
            fig = plots.interval_plot(agg, figs / f"{env}_{metric}_ci.png", f"{env}: {metric}", metric)
            if fig is not None:
                md += [f"![{metric}](figures/{fig.name})", ""]
        md += _env_figures(df, env, figs, out_dir, reps)
    md += ["## Environment", ""] + environment_info(device) + [""]
    text = "\n".join(md)
    path = out_dir / "report.md"
    path.write_text(text)
    _write_html(text, out_dir / "report.html")
    return path


def _final(df: pd.DataFrame, env: str, metric: str) -> pd.DataFrame:
    return df[(df["env"] == env) & (df["metric"] == metric) & (df["step"] == FINAL)]


def _walk_points(df: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Walk agents (no search curve): mean score gain at their evaluation generator calls per face
    (``max_steps + 1``, plus an oracle's lookahead calls)."""
    faces = df.attrs.get("walk_eval_faces")
    if not faces:
        return {}
    searched = set(df[(df["env"] == WALK) & (df["metric"] == "gain_vs_calls")]["agent"])
    gains, calls = _final(df, WALK, "score_gain"), _final(df, WALK, "eval_calls")
    return {a: (float(calls[calls["agent"] == a]["value"].mean()) / faces, float(g["value"].mean()))
            for a, g in gains.groupby("agent") if a not in searched}


def _env_figures(df: pd.DataFrame, env: str, figs: Path, out_dir: Path, reps: int) -> list[str]:
    made: list[Path | None] = []
    if env == WALK:
        made.append(plots.curve_plot(df, env, "train_return", figs / "walk_learning_curves.png",
                                     "LatentWalk: training episode return (RL agents)", "episode (or env step for SB3)",
                                     "return (score gain x 100)", bins=None))
        made.append(plots.curve_plot(df, env, "gain_vs_calls", figs / "walk_gain_vs_calls.png",
                                     "LatentWalk: best score gain vs generator calls (walk agents: points)",
                                     "generator calls per face", "score gain", logx=True, markers=_walk_points(df)))
        made.append(plots.before_after_plot(df, env, "realism_start", "realism_end", figs / "walk_realism.png",
                                            "sigma(D): start face vs delivered face", "mean sigma(D)"))
        made.append(plots.before_after_plot(df, env, "match_rate_start", "match_rate_end", figs / "walk_match.png",
                                            "attribute-match rate: start vs delivered", "fraction of 18 attributes"))
        made.append(plots.face_grid(_faces(out_dir, df), figs / "walk_faces.png",
                                    "Random start faces vs the best faces found"))
        made.append(_profile(df, env, "score_gain", figs / "walk_profile.png", True, reps))
    elif env == CODEBOOK:
        made.append(plots.curve_plot(df, env, "cumulative_regret", figs / "codebook_regret.png",
                                     "LatentCodebook: cumulative regret", "pull", "cumulative regret", logx=True))
        made.append(plots.curve_plot(df, env, "entropy", figs / "codebook_entropy.png",
                                     "LatentCodebook: policy entropy", "pull", "entropy (nats)", logx=True))
        made.append(_profile(df, env, "final_regret", figs / "codebook_profile.png", False, reps))
    elif env == TUNE:
        made.append(plots.curve_plot(df, env, "fd", figs / "tune_fd.png",
                                     "HyperparamTune: Fréchet distance (classifier features) on test instances",
                                     "env step", "Fréchet distance"))
        made.append(_profile(df, env, "final_fd", figs / "tune_profile.png", False, reps))
    return [line for p in made if p is not None for line in (f"![{p.stem}](figures/{p.name})", "")]


def _profile(df: pd.DataFrame, env: str, metric: str, path: Path, higher: bool, reps: int) -> Path | None:
    sel = _final(df, env, metric)
    if sel.empty:
        return None
    lo, hi = float(sel["value"].min()), float(sel["value"].max())
    taus = np.linspace(lo, hi if hi > lo else lo + 1e-9, 50)
    point, ci = performance_profile(df, env, metric, taus, higher_is_better=higher, reps=reps)
    return plots.profile_plot(point, ci, taus, path, f"{env}: performance profile of {metric}", metric, higher)


def _write_html(markdown_text: str, path: Path) -> None:
    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables", "fenced_code"])
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}")
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>gan-latent-env benchmark</title>"
                    f"<style>{style}</style></head><body>{body}</body></html>")
