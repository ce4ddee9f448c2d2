"""A LatentWalk-shaped stub problem whose answer is known: the score is linear in z.

score(z) = w . z with w = e_0: one clearly best direction, so the best move is always action 0
(+delta on z[0]) and gradient ascent goes straight along e_0.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

Z_DIM = 4
W = np.array([1.0, 0.0, 0.0, 0.0])
BOUND = 3.0


def stub_score(z: torch.Tensor) -> torch.Tensor:
    """Differentiable score ``[N]`` of latents ``[N, Z_DIM]``."""
    return z @ torch.as_tensor(W, dtype=z.dtype)


class StubWalk(gym.Env):
    """Discrete(2 * Z_DIM) +-delta moves on z, reward = 100 * score difference, ``max_steps`` steps."""

    def __init__(self, delta: float = 0.25, max_steps: int = 8) -> None:
        self.delta, self.max_steps = delta, max_steps
        self.action_space = gym.spaces.Discrete(2 * Z_DIM)
        self.observation_space = gym.spaces.Box(-BOUND, BOUND, (Z_DIM,), np.float32)

    def _score(self) -> float:
        return float(W @ self.z)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.z = np.clip(self.np_random.normal(0, 0.5, Z_DIM), -BOUND, BOUND)
        self.t = 0
        return self.z.astype(np.float32), {"score": self._score()}

    def step(self, action):
        before = self._score()
        i, sign = (action, 1.0) if action < Z_DIM else (action - Z_DIM, -1.0)
        self.z[i] = np.clip(self.z[i] + sign * self.delta, -BOUND, BOUND)
        self.t += 1
        after = self._score()
        return self.z.astype(np.float32), 100 * (after - before), False, self.t >= self.max_steps, {"score": after}
