"""LatentCodebook-v0 benchmark tasks: the four bandit agents.

One run = one agent on one bandit instance for ``horizon`` pulls. The instance (codebook, arm means) is drawn
from the run seed, so every agent faces the same instance for the same seed (paired comparison); the agent's
own RNG is seeded with the run seed too. All pending seeds of one agent run together in the native vector env
(one batched G/D forward per pull for all seeds).

Metrics: ``final_regret`` (cumulative regret after the horizon), ``best_arm_rate`` (fraction of the last 10%
of pulls on the best arm), ``mean_reward``, ``final_entropy`` (policy entropy at the last pull, nats).
Curves (``n_points`` points on a log grid): ``cumulative_regret`` and ``entropy`` against the pull index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.benchmark.runner import RunOutput


@dataclass(frozen=True)
class CodebookSettings:
    """LatentCodebook benchmark budget (``num_arms``, ``arm_radius``, ``mc_samples`` are env kwargs)."""

    horizon: int = 5_000
    num_arms: int = 100
    arm_radius: float = 0.5
    mc_samples: int = 64
    n_points: int = 100


@dataclass
class CodebookContext:
    settings: CodebookSettings
    env_kwargs: dict[str, Any]


def _grid(horizon: int, n: int) -> np.ndarray:
    return np.unique(np.geomspace(1, horizon, num=min(n, horizon)).astype(int))


def bandit_task(agent_name: str) -> Any:
    """The task running bandit ``agent_name`` (a key of :data:`agents.bandits.BANDITS`)."""

    def task(ctx: CodebookContext, seeds: Sequence[int]) -> dict[int, RunOutput]:
        import gymnasium as gym

        import gan_latent_env  # noqa: F401
        from agents.bandits import BANDITS

        s = ctx.settings
        seeds = list(seeds)
        env = gym.make_vec("gan_latent_env:LatentCodebook-v0", num_envs=len(seeds),
                           vectorization_mode="vector_entry_point", num_arms=s.num_arms, arm_radius=s.arm_radius,
                           mc_samples=s.mc_samples, horizon=s.horizon, **ctx.env_kwargs)
        _, info = env.reset(seed=seeds)
        best_arm = np.asarray(info["best_arm"])
        agents = [BANDITS[agent_name](n_arms=s.num_arms, seed=seed) for seed in seeds]
        arms = np.zeros((s.horizon, len(seeds)), dtype=np.int64)
        rewards = np.zeros((s.horizon, len(seeds)))
        for t in range(s.horizon):
            actions = np.array([a.act(None) for a in agents], dtype=np.int64)
            _, reward, _, _, info = env.step(actions)
            for i, agent in enumerate(agents):
                agent.update(None, int(actions[i]), float(reward[i]), None, False, False,
                             {"regret": float(info["regret"][i])})
            arms[t], rewards[t] = actions, reward
        env.close()
        grid = _grid(s.horizon, s.n_points)
        tail = max(1, s.horizon // 10)
        out = {}
        for i, (seed, agent) in enumerate(zip(seeds, agents)):
            cr = agent.cumulative_regret
            ent = np.asarray(agent.entropies)
            out[seed] = RunOutput(
                metrics={"final_regret": float(cr[-1]), "best_arm_rate": float(np.mean(arms[-tail:, i] == best_arm[i])),
                         "mean_reward": float(rewards[:, i].mean()), "final_entropy": float(ent[-1])},
                curves={"cumulative_regret": [(int(g), float(cr[g - 1])) for g in grid],
                        "entropy": [(int(g), float(ent[g - 1])) for g in grid]},
                # the pulls, and the arm means: mc_samples latents per arm (one when the arms are points)
                generator_calls=s.horizon + s.num_arms * (s.mc_samples if s.arm_radius > 0 else 1),
            )
        return out

    task.batched_seeds = True
    task.agent_name = agent_name
    return task


def codebook_tasks() -> dict[str, Any]:
    """Benchmark name -> task for LatentCodebook-v0."""
    from agents.bandits import BANDITS

    return {name: bandit_task(name) for name in BANDITS}
