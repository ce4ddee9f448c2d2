"""A template for your own agent: subclass ``agents.Agent``, implement ``act`` and ``update`` (and, to
save what it learns, ``config`` / ``_arrays`` / ``_load_arrays``), then drive it with ``run_episode``.

The example agent is a coordinate-wise bandit for LatentWalk-v0: it keeps an average reward per action and
acts greedily with probability 1 - epsilon.

    python examples/custom_agent_template.py
    python examples/custom_agent_template.py --smoke --tiny
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from _common import model_kwargs, parser

from agents import Agent, run_episode


class ActionValueAgent(Agent):
    """Average reward per action, epsilon-greedy (ignores the state)."""

    name = "action_value"

    def __init__(self, n_actions: int, epsilon: float = 0.1, seed: int | None = 0) -> None:
        super().__init__(seed)  # gives self.rng, a seeded numpy Generator: use it for all randomness
        if not 0 <= epsilon <= 1:
            raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
        self.n_actions, self.epsilon = n_actions, epsilon
        self.sums = np.zeros(n_actions)
        self.counts = np.zeros(n_actions)

    def act(self, observation: Any, info: dict[str, Any] | None = None) -> int:
        if self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.n_actions))
        means = np.divide(self.sums, self.counts, out=np.full(self.n_actions, np.inf), where=self.counts > 0)
        return int(self.rng.choice(np.flatnonzero(means == means.max())))

    def update(self, observation, action, reward, next_observation, terminated, truncated, info) -> None:
        self.sums[action] += reward
        self.counts[action] += 1

    # persistence: constructor kwargs as JSON, learned arrays with safetensors
    def config(self) -> dict[str, Any]:
        return {"n_actions": self.n_actions, "epsilon": self.epsilon, "seed": self.seed}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"sums": self.sums, "counts": self.counts}

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.sums, self.counts = arrays["sums"], arrays["counts"]


def main() -> None:
    args = parser(__doc__).parse_args()
    env = gym.make("gan_latent_env:LatentWalk-v0", max_steps=5 if args.smoke else 20, **model_kwargs(args))
    agent = ActionValueAgent(env.action_space.n, seed=args.seed)
    episodes = 2 if args.smoke else 50
    for ep in range(episodes):
        result = run_episode(env, agent, seed=args.seed * 100_000 + ep)
    print(f"{episodes} episodes; last return {result['return']:.3f}, "
          f"realism {result['first_info']['realism']:.3f} -> {result['last_info']['realism']:.3f}")
    import tempfile

    path = agent.save(tempfile.mkdtemp() + "/agent")
    again = Agent.load(path)
    assert np.array_equal(again.counts, agent.counts)
    print(f"saved and reloaded {path}")


if __name__ == "__main__":
    main()
