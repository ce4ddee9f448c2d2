"""HyperparamTune-v0 benchmark tasks: PPO vs the constant default schedule vs random actions vs
budget-matched random search over constant ``(lr, beta1)``.

Protocol (DACBench style: explicit instance sets). Learning and selection use training instances; every
method is then scored on the same held-out test instances (the first ``eval_instances`` of the env's test
set). A method's budget is counted in env steps (each step trains the GAN for the preset's batches):

* ``ppo``: trains for ``ppo_timesteps`` env steps, then runs its deterministic policy.
* ``random_search``: the same ``ppo_timesteps`` env steps spent on ``ppo_timesteps // max_steps`` training
  episodes, each with one random constant ``(lr, beta1)``; the setting with the lowest final Fréchet distance
  is then run on the test instances. ``search_candidates`` caps the number of candidates.
* ``constant_default``: lr 2e-4, beta1 0.5 at every step (the DCGAN paper's setting); no training budget.
* ``random_actions``: a uniformly random action at every step; no training budget.

Metrics: ``final_fd`` (the Fréchet distance in the bundled classifier's feature space after the last step,
mean over test instances; lower is better), ``train_steps``; curve ``fd`` per step (mean over test
instances). A diverged episode (terminated) keeps its last measured distance.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.benchmark.runner import RunOutput

logger = logging.getLogger(__name__)

DEFAULT_LR = 2e-4
DEFAULT_BETA1 = 0.5
ENV_ID = "gan_latent_env:HyperparamTune-v0"


@dataclass(frozen=True)
class TuneSettings:
    """HyperparamTune benchmark budget.

    :param preset: the env preset (``"tiny"`` by default).
    :param max_steps: env steps per episode (``None``: the preset's).
    :param ppo_timesteps: PPO's training budget in env steps; random search gets the same.
    :param search_candidates: the most constant settings random search tries.
    :param eval_instances: how many test instances every method is scored on.
    """

    preset: str = "tiny"
    max_steps: int | None = None
    ppo_timesteps: int = 400
    search_candidates: int = 40
    eval_instances: int = 4


@dataclass
class TuneContext:
    """Settings, env kwargs, and the two envs (training and test instances), built once and reused: an env
    build generates the procedural data and its real-image statistics, and every episode is fully
    determined by its instance seed, so reuse changes no result."""

    settings: TuneSettings
    env_kwargs: dict[str, Any]
    tiny: bool = False
    _envs: dict[str, Any] = field(default_factory=dict)

    def env(self, split: str) -> Any:
        """The cached env on the ``"train"`` instances or on the first ``eval_instances`` test instances."""
        if split not in self._envs:
            instances = _train_instances() if split == "train" else _test_instances(self)
            self._envs[split] = _make_env(self, instances)
        return self._envs[split]


def _make_env(ctx: TuneContext, instance_set: Any) -> Any:
    import gymnasium as gym

    import gan_latent_env  # noqa: F401

    kwargs = {"preset": ctx.settings.preset, "instance_set": instance_set, **ctx.env_kwargs}
    if ctx.settings.max_steps is not None:
        kwargs["max_steps"] = ctx.settings.max_steps
    return gym.make(ENV_ID, **kwargs)


def _test_instances(ctx: TuneContext) -> list[int]:
    from gan_latent_env.envs.hyperparam_presets import TEST_INSTANCES

    return list(TEST_INSTANCES.seeds[: ctx.settings.eval_instances])


def _train_instances() -> list[int]:
    from gan_latent_env.envs.hyperparam_presets import TRAIN_INSTANCES

    return list(TRAIN_INSTANCES.seeds)


def action_for(env: Any, lr: float, beta1: float) -> np.ndarray:
    """The action that sets ``lr`` and ``beta1`` (the inverse of the env's ``action_to_hyperparams``)."""
    lo, hi = env.unwrapped.lr_range
    blo, bhi = env.unwrapped.beta1_range
    a_lr = 2 * (math.log(lr) - math.log(lo)) / (math.log(hi) - math.log(lo)) - 1
    a_b1 = 2 * (beta1 - blo) / (bhi - blo) - 1
    return np.array([a_lr, a_b1], dtype=np.float32)


def _episode(env: Any, policy: Any, seed: int | None = None, options: dict[str, Any] | None = None) -> list[float]:
    """Run one episode; the Fréchet distance after reset and after every step. A diverged step (NaN or
    blown-up distance) counts as ``fd_blowup x`` the initial distance, or its own value if larger."""
    obs, info = env.reset(seed=seed, options=options)
    fds = [float(info["fd"])]
    ceiling = float(env.unwrapped.fd_blowup) * float(info["fd_initial"])
    done = False
    while not done:
        obs, _, term, trunc, info = env.step(policy(obs))
        fd = float(info.get("fd", math.nan))
        fds.append(max(ceiling, fd if math.isfinite(fd) else ceiling) if info.get("divergence") else fd)
        done = term or trunc
    return fds


def _evaluate(ctx: TuneContext, policy: Any) -> tuple[float, list[tuple[int, float]]]:
    env = ctx.env("test")
    curves = [_episode(env, policy, options={"instance_index": i}) for i in range(len(_test_instances(ctx)))]
    length = max(len(c) for c in curves)
    padded = np.array([c + [c[-1]] * (length - len(c)) for c in curves])  # a diverged run keeps its last value
    mean = padded.mean(axis=0)
    return float(padded[:, -1].mean()), [(t, float(v)) for t, v in enumerate(mean)]


def _constant(ctx: TuneContext, lr: float, beta1: float) -> Any:
    a = action_for(ctx.env("test"), lr, beta1)
    return lambda obs: a


def _task_constant_default(ctx: TuneContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
    out = {}
    for seed in seeds:
        final, curve = _evaluate(ctx, _constant(ctx, DEFAULT_LR, DEFAULT_BETA1))
        out[seed] = RunOutput({"final_fd": final, "train_steps": 0.0}, {"fd": curve})
    return out


def _task_random_actions(ctx: TuneContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
    out = {}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        final, curve = _evaluate(ctx, lambda obs: rng.uniform(-1, 1, 2).astype(np.float32))
        out[seed] = RunOutput({"final_fd": final, "train_steps": 0.0}, {"fd": curve})
    return out


def search_plan(settings: TuneSettings, episode_steps: int) -> int:
    """Number of random-search candidates whose training steps match PPO's budget."""
    return max(1, min(settings.search_candidates, settings.ppo_timesteps // episode_steps))


def _task_random_search(ctx: TuneContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
    out = {}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        env = ctx.env("train")
        steps = int(env.unwrapped.preset.max_steps)
        n = search_plan(ctx.settings, steps)
        best, used = (DEFAULT_LR, DEFAULT_BETA1, math.inf), 0
        for k in range(n):
            lr = float(math.exp(rng.uniform(math.log(1e-4), math.log(3e-4))))
            beta1 = float(rng.uniform(0.3, 0.7))
            fds = _episode(env, _constant(ctx, lr, beta1), seed=int(rng.integers(2**31)))
            used += len(fds) - 1
            if math.isfinite(fds[-1]) and fds[-1] < best[2]:
                best = (lr, beta1, fds[-1])
        final, curve = _evaluate(ctx, _constant(ctx, best[0], best[1]))
        out[seed] = RunOutput({"final_fd": final, "train_steps": float(used), "chosen_lr": best[0],
                               "chosen_beta1": best[1]}, {"fd": curve})
    return out


def _task_ppo(ctx: TuneContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    from agents.sb3 import SB3Agent

    out = {}
    for seed in seeds:
        agent = SB3Agent("ppo", "HyperparamTune-v0", hyperparams={"n_timesteps": ctx.settings.ppo_timesteps}, seed=seed)
        n_steps = min(int(agent.hyperparams["n_steps"]), ctx.settings.ppo_timesteps)
        agent.hyperparams.update(n_steps=n_steps, batch_size=min(int(agent.hyperparams["batch_size"]), n_steps))
        train_env = ctx.env("train")
        vec = DummyVecEnv([lambda: Monitor(train_env)])  # the cached env; not closed here
        vec.seed(seed)
        agent.setup(vec)
        agent.learn()
        final, curve = _evaluate(ctx, agent.act)
        out[seed] = RunOutput({"final_fd": final, "train_steps": float(agent.model.num_timesteps)},
                              {"fd": curve, "train_return": list(agent.episode_log)})
    return out


def tune_tasks() -> dict[str, Any]:
    """Benchmark name -> task for HyperparamTune-v0."""
    return {"constant_default": _task_constant_default, "random_actions": _task_random_actions,
            "random_search": _task_random_search, "ppo": _task_ppo}
