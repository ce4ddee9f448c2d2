"""LatentWalk-v0 benchmark tasks: RL agents (tabular Q, the online Q-network, SB3 DQN / PPO, random
actions), the search baselines (random search, hill climbing, CMA-ES, the gradient-ascent oracle), and the
gradient oracle restricted to the walk's actions (``gradient_walk``, walked like an RL agent) and the exact
one-step lookahead over all the walk's moves (``greedy_walk``, ``2 * z_dim`` extra calls per step).

Protocol. Every agent is evaluated on the same ``eval_faces`` start faces and targets:
``env.reset(seed=EVAL_SEED + i)``. An RL agent first trains for its budget on episodes seeded by
:func:`training_seed` (never an evaluation seed, never another run seed's), then walks each evaluation face
greedily for ``max_steps`` steps (``max_steps + 1`` generator calls: the start and one per step). A search baseline gets ``search_budget`` generator calls per face (the start
included) and its best-so-far curve, so its result at the RL agents' ``max_steps + 1`` calls is also read.

Metrics (means over the evaluation faces): ``realism_start`` / ``realism_end`` (sigma(D) of the start face and
of the face delivered), ``score_start`` / ``score_end`` / ``score_gain``, ``match_rate_start`` /
``match_rate_end`` (fraction of the 18 target attributes the classifier reads), ``eval_calls`` and
``train_calls`` (generator calls: one per env step and one per episode start, as the agent really used them;
SB3 finishes its last rollout, so PPO can step past ``sb3_timesteps``); search baselines also report ``score_gain_at_walk`` (the gain after
``max_steps + 1`` calls). Curves: ``train_return`` per training episode (RL), ``gain_vs_calls`` (search).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.base import Agent, run_episode
from agents.benchmark.runner import RunOutput

logger = logging.getLogger(__name__)

EVAL_SEED = 1_000_000
"""Evaluation faces are ``env.reset(seed=EVAL_SEED + i)``: the same for every agent and run seed."""

TRAIN_SEED_BASE = 2**32
TRAIN_SEEDS_PER_RUN = 2**20


def training_seed(run_seed: int, index: int) -> int:
    """Env seed of training episode ``index`` of run ``run_seed`` (for SB3, the seed of the first of its
    parallel walks; walk ``i`` gets ``+ i``): ``TRAIN_SEED_BASE + run_seed * TRAIN_SEEDS_PER_RUN + index``.

    The block of each run seed lies above every evaluation seed and apart from every other run seed's block,
    so no agent trains on an evaluation face and no two run seeds share training episodes.

    :raises ValueError: if ``run_seed < 0`` or ``index`` is outside ``[0, TRAIN_SEEDS_PER_RUN)``.
    """
    if run_seed < 0:
        raise ValueError(f"run_seed must be >= 0, got {run_seed}")
    if not 0 <= index < TRAIN_SEEDS_PER_RUN:
        raise ValueError(f"training episode index must be in [0, {TRAIN_SEEDS_PER_RUN}), got {index}")
    return TRAIN_SEED_BASE + run_seed * TRAIN_SEEDS_PER_RUN + index


@dataclass(frozen=True)
class WalkSettings:
    """LatentWalk benchmark budget.

    :param max_steps: walk length (the env's ``max_steps``).
    :param eval_faces: evaluation start faces.
    :param train_episodes: training episodes of the tabular and Q-network agents.
    :param sb3_timesteps: training env steps of SB3 DQN / PPO.
    :param sb3_envs: parallel walks for SB3 training.
    :param search_budget: generator calls per face of each search baseline.
    """

    max_steps: int = 20
    eval_faces: int = 8
    train_episodes: int = 200
    sb3_timesteps: int = 20_000
    sb3_envs: int = 8
    search_budget: int = 2_000


@dataclass
class WalkContext:
    """What the tasks share: settings, env kwargs (models or paths, device), and output folders."""

    settings: WalkSettings
    env_kwargs: dict[str, Any]
    artifacts: Path
    tensorboard: Path | None = None

    def make_env(self) -> Any:
        import gymnasium as gym

        import gan_latent_env  # noqa: F401

        return gym.make("gan_latent_env:LatentWalk-v0", max_steps=self.settings.max_steps, **self.env_kwargs)


def _save_faces(ctx: WalkContext, agent: str, seed: int, start_z: np.ndarray, end_z: np.ndarray,
                scorer: Any) -> str:
    """Store uint8 start / end faces ``[F, H, W, 3]`` for the report's image grids."""
    with torch.inference_mode():
        dev = scorer.device
        faces = [scorer.generator(torch.as_tensor(z, device=dev)) for z in (start_z, end_z)]
    imgs = [((f.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy() for f in faces]
    path = ctx.artifacts / "LatentWalk-v0" / agent / f"seed{seed}_faces.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, start=imgs[0], end=imgs[1], start_z=start_z, end_z=end_z)
    return str(path.relative_to(ctx.artifacts.parent))


def _walk_eval_faces(ctx: WalkContext, env: Any, policy: Any) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Walk every evaluation face with ``policy(obs) -> action``: final-face metrics, start and end latents."""
    s = ctx.settings
    rows, start_z, end_z = [], [], []
    for i in range(s.eval_faces):
        obs, info = env.reset(seed=EVAL_SEED + i)
        start = dict(info)
        start_z.append(env.unwrapped.z)
        if hasattr(policy, "begin_episode"):
            policy.begin_episode(obs, info)
        done = False
        while not done:
            obs, _, term, trunc, info = env.step(policy_action(policy, obs))
            done = term or trunc
        end_z.append(env.unwrapped.z)
        rows.append((start["realism"], info["realism"], start["score"], info["score"],
                     start["matched_count"] / 18, info["matched_count"] / 18))
    r = np.asarray(rows)
    metrics = {"realism_start": r[:, 0].mean(), "realism_end": r[:, 1].mean(), "score_start": r[:, 2].mean(),
               "score_end": r[:, 3].mean(), "score_gain": (r[:, 3] - r[:, 2]).mean(),
               "match_rate_start": r[:, 4].mean(), "match_rate_end": r[:, 5].mean(),
               "eval_calls": float(s.eval_faces * (s.max_steps + 1))}
    return metrics, np.stack(start_z), np.stack(end_z)


def _evaluate_policy(ctx: WalkContext, env: Any, policy: Any, agent_name: str, seed: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Walk every evaluation face with ``policy(obs) -> action``; final-face metrics and saved faces."""
    metrics, start_z, end_z = _walk_eval_faces(ctx, env, policy)
    faces = _save_faces(ctx, agent_name, seed, start_z, end_z, env.unwrapped.scorer)
    return metrics, {"faces": faces}


def policy_action(policy: Any, obs: Any) -> Any:
    """Greedy action of an agent with ``greedy`` (tabular, Q-network), else ``act``."""
    greedy = getattr(policy, "greedy", None)
    return greedy(obs) if greedy is not None else policy.act(obs)


class _RandomActions(Agent):
    name = "random_actions"

    def __init__(self, n_actions: int, seed: int | None = 0) -> None:
        super().__init__(seed)
        self.n_actions = n_actions

    def act(self, observation: Any, info: dict[str, Any] | None = None) -> int:
        return int(self.rng.integers(self.n_actions))

    def update(self, *args: Any, **kwargs: Any) -> None:
        pass


def _episodic_task(make_agent: Any) -> Any:
    def task(ctx: WalkContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
        out = {}
        for seed in seeds:
            env = ctx.make_env()
            z_dim = env.unwrapped.scorer.z_dim
            agent = make_agent(z_dim, float(env.unwrapped.config.delta), seed)
            curve = []
            episodes = ctx.settings.train_episodes if not isinstance(agent, _RandomActions) else 0
            for ep in range(episodes):
                result = run_episode(env, agent, seed=training_seed(seed, ep))
                curve.append((ep, result["return"]))
            metrics, extra = _evaluate_policy(ctx, env, agent, task.agent_name, seed)
            metrics["train_calls"] = float(episodes * (ctx.settings.max_steps + 1))
            out[seed] = RunOutput(metrics, {"train_return": curve} if curve else {},
                                  int(metrics["train_calls"] + metrics["eval_calls"]), extra)
            env.close()
        return out

    return task


def _oracle_walk_task(module: str, cls: str) -> Any:
    """A walk oracle built from the env's scorer. It is deterministic (the same walk for every seed), so the
    walks run once per call and are recorded for every pending seed. ``eval_calls`` add the oracle's own
    lookahead calls, if it counts any (``calls``), to the walk's."""

    def task(ctx: WalkContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
        import importlib

        env = ctx.make_env()
        cfg = env.unwrapped.config
        oracle = getattr(importlib.import_module(module), cls)(env.unwrapped.scorer, cfg.delta, cfg.z_bound)
        metrics, start_z, end_z = _walk_eval_faces(ctx, env, oracle)
        metrics["eval_calls"] += float(getattr(oracle, "calls", 0))
        metrics["train_calls"] = 0.0
        out = {}
        for seed in seeds:
            extra = {"faces": _save_faces(ctx, task.agent_name, seed, start_z, end_z, env.unwrapped.scorer)}
            out[seed] = RunOutput(dict(metrics), {}, int(metrics["eval_calls"]), extra)
        env.close()
        return out

    task.batched_seeds = True
    return task


def _sb3_task(algo: str) -> Any:
    def task(ctx: WalkContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
        from agents.sb3 import SB3Agent, make_vec_env

        s = ctx.settings
        out = {}
        for seed in seeds:
            agent = SB3Agent(algo, "LatentWalk-v0", hyperparams={"n_timesteps": s.sb3_timesteps, "n_envs": s.sb3_envs},
                             device="cpu", seed=seed)
            kwargs = {"max_steps": s.max_steps, **ctx.env_kwargs}
            env_seed = training_seed(seed, 0)
            vec = make_vec_env("LatentWalk-v0", s.sb3_envs, env_seed, kwargs)  # native batched env
            tb = None if ctx.tensorboard is None else ctx.tensorboard / "LatentWalk-v0"
            agent.setup(vec, tensorboard_log=tb, env_seed=env_seed)
            agent.learn(tb_log_name=f"{algo}_seed{seed}")
            vec.close()
            # one call per step, one per episode start: the first of each walk and each finished one's next
            train_calls = agent.model.num_timesteps + s.sb3_envs + len(agent.episode_log)
            env = ctx.make_env()
            metrics, extra = _evaluate_policy(ctx, env, agent, task.agent_name, seed)
            env.close()
            metrics["train_calls"] = float(train_calls)
            out[seed] = RunOutput(metrics, {"train_return": [(t, r) for t, r in agent.episode_log]},
                                  int(metrics["train_calls"] + metrics["eval_calls"]), extra)
        return out

    return task


def _search_task(method: str) -> Any:
    """A search baseline with ``search_budget`` generator calls per evaluation face. Gradient ascent is
    deterministic (no seed enters it), so it runs once per call, all faces in one batch, and is recorded for
    every pending seed, like the walk oracles."""
    deterministic = method == "gradient_ascent"

    def task(ctx: WalkContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
        from agents.baselines import gradient_ascent_batch, run_search, scorer_objective

        s = ctx.settings
        walk_calls = s.max_steps + 1
        out = {}
        env = ctx.make_env()
        scorer = env.unwrapped.scorer
        starts = []
        for i in range(s.eval_faces):
            env.reset(seed=EVAL_SEED + i)
            z0 = torch.as_tensor(env.unwrapped.z, device=scorer.device)
            target = torch.as_tensor(env.unwrapped.target_one_hot if hasattr(env.unwrapped, "target_one_hot")
                                     else _one_hot(env.unwrapped.target), device=scorer.device)
            starts.append((z0, target))
        bound = env.unwrapped.config.z_bound
        if deterministic:  # all faces in one batch, once for every seed
            z0s, targets = (torch.stack(t) for t in zip(*starts))
            shared = gradient_ascent_batch(lambda z: scorer(z, targets), z0s, s.search_budget, bound=bound)
        for seed in seeds:
            results = shared if deterministic else [
                run_search(method, scorer_objective(scorer, target), z0, s.search_budget, seed=seed * 1_000_003 + i,
                           bound=bound)
                for i, (z0, target) in enumerate(starts)]
            rows, curves, start_z, end_z = [], [], [], []
            for (z0, _), res in zip(starts, results):
                st, be = res.start_extra, res.best_extra
                rows.append((st["realism"], be["realism"], res.start_score, res.best_score,
                             st["match_rate"], be["match_rate"], res.score_at(walk_calls) - res.start_score))
                curves.append(np.asarray(res.curve) - res.start_score)
                start_z.append(z0.cpu().numpy())
                end_z.append(res.best_z)
            r = np.asarray(rows)
            metrics = {"realism_start": r[:, 0].mean(), "realism_end": r[:, 1].mean(), "score_start": r[:, 2].mean(),
                       "score_end": r[:, 3].mean(), "score_gain": (r[:, 3] - r[:, 2]).mean(),
                       "match_rate_start": r[:, 4].mean(), "match_rate_end": r[:, 5].mean(),
                       "score_gain_at_walk": r[:, 6].mean(), "eval_calls": float(s.eval_faces * s.search_budget),
                       "train_calls": 0.0}
            length = min(len(c) for c in curves)
            mean_curve = np.mean([c[:length] for c in curves], axis=0)
            points = np.unique(np.geomspace(1, length, num=min(60, length)).astype(int))
            extra = {"faces": _save_faces(ctx, task.agent_name, seed, np.stack(start_z), np.stack(end_z), scorer)}
            out[seed] = RunOutput(metrics, {"gain_vs_calls": [(int(p), float(mean_curve[p - 1])) for p in points]},
                                  int(metrics["eval_calls"]), extra)
        env.close()
        return out

    task.batched_seeds = deterministic
    return task


def _one_hot(target: np.ndarray) -> np.ndarray:
    from gan.data.schema import one_hot

    return one_hot(np.asarray(target, dtype=np.int64))


def _tabular(z_dim: int, delta: float, seed: int) -> Agent:
    from agents.tabular import TabularQAgent

    return TabularQAgent(z_dim=z_dim, delta=delta, seed=seed)


def _qnetwork(z_dim: int, delta: float, seed: int) -> Agent:
    from agents.qnetwork import QNetworkAgent

    return QNetworkAgent(z_dim=z_dim, seed=seed)


def _random(z_dim: int, delta: float, seed: int) -> Agent:
    return _RandomActions(2 * z_dim, seed=seed)


def walk_tasks() -> dict[str, Any]:
    """Benchmark name -> task for LatentWalk-v0."""
    tasks = {
        "random_actions": _episodic_task(_random),
        "tabular_q": _episodic_task(_tabular),
        "qnetwork": _episodic_task(_qnetwork),
        "dqn": _sb3_task("dqn"),
        "ppo": _sb3_task("ppo"),
        "random_search": _search_task("random_search"),
        "hill_climb": _search_task("hill_climb"),
        "cma_es": _search_task("cma_es"),
        "gradient_ascent": _search_task("gradient_ascent"),
        "gradient_walk": _oracle_walk_task("agents.gradient_walk", "GradientWalkOracle"),
        "greedy_walk": _oracle_walk_task("agents.greedy_walk", "GreedyWalkOracle"),
    }
    for name, task in tasks.items():
        task.agent_name = name
    for name in RL_AGENTS:  # 2: training seeds from training_seed (were run_seed * 1_000_003 + k)
        tasks[name].protocol = 2
    return tasks


RL_AGENTS: tuple[str, ...] = ("tabular_q", "qnetwork", "dqn", "ppo")
SEARCH_AGENTS: tuple[str, ...] = ("random_search", "hill_climb", "cma_es", "gradient_ascent")
ORACLE_WALKERS: tuple[str, ...] = ("gradient_walk", "greedy_walk")
"""Walk policies that read the models (gradients, or exact scores of every move): bounds for the RL agents,
not RL agents."""
