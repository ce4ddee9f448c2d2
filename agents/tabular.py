"""Tabular Q-learning for ``LatentWalk-v0`` over the delta lattice.

Every LatentWalk action moves one coordinate of z by +-delta, so within an episode z stays on the lattice
``z_start + delta * k`` with an integer offset vector ``k`` (up to clipping at the latent bound). The
Q-table is a dict keyed by that offset vector (stored sparsely as the sorted ``(index, offset)`` pairs
of its non-zero entries), so the start of every episode is the same state and what was learned about the
first moves carries across episodes. The target attribute part of the observation is ignored.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from agents.base import Agent, check_discrete_action

Key = tuple[tuple[int, int], ...]


class TabularQAgent(Agent):
    """Epsilon-greedy one-step Q-learning with a dict-backed table.

    :param z_dim: latent size (the first ``z_dim`` observation entries are z); actions are ``2 * z_dim``.
    :param delta: the env's step size (``LatentWalk`` kwarg ``delta``) used to find the lattice offset.
    :param learning_rate: TD step size in (0, 1].
    :param gamma: discount in [0, 1].
    :param epsilon: exploration probability in [0, 1].
    :param initial_value: Q of unseen (state, action) pairs.
    :raises ValueError: on out-of-range hyperparameters.
    """

    name: ClassVar[str] = "tabular_q"

    def __init__(self, z_dim: int = 100, delta: float = 0.25, learning_rate: float = 0.5, gamma: float = 0.9,
                 epsilon: float = 0.1, initial_value: float = 0.0, seed: int | None = 0) -> None:
        super().__init__(seed)
        if z_dim < 1:
            raise ValueError(f"z_dim must be >= 1, got {z_dim}")
        if delta <= 0:
            raise ValueError(f"delta must be > 0, got {delta}")
        if not 0 < learning_rate <= 1:
            raise ValueError(f"learning_rate must be in (0, 1], got {learning_rate}")
        if not 0 <= gamma <= 1 or not 0 <= epsilon <= 1:
            raise ValueError(f"gamma and epsilon must be in [0, 1], got {gamma}, {epsilon}")
        self.z_dim, self.delta = int(z_dim), float(delta)
        self.n_actions = 2 * self.z_dim
        self.learning_rate, self.gamma, self.epsilon = learning_rate, gamma, epsilon
        self.initial_value = float(initial_value)
        self.table: dict[Key, np.ndarray] = {}
        self._z_start: np.ndarray | None = None

    # -- state ----------------------------------------------------------------------------------------
    def _z(self, observation: Any) -> np.ndarray:
        obs = np.asarray(observation, dtype=np.float64).reshape(-1)
        if obs.shape[0] < self.z_dim:
            raise ValueError(f"observation has {obs.shape[0]} entries, fewer than z_dim = {self.z_dim}")
        return obs[: self.z_dim]

    def key(self, observation: Any) -> Key:
        """The sparse integer offset of ``observation``'s z from the episode's start z."""
        if self._z_start is None:
            raise RuntimeError("call begin_episode(observation, info) after env.reset before act/update")
        offset = np.rint((self._z(observation) - self._z_start) / self.delta).astype(np.int64)
        nz = np.flatnonzero(offset)
        return tuple((int(i), int(offset[i])) for i in nz)

    def q_values(self, observation: Any) -> np.ndarray:
        """Q of every action at ``observation`` (float64 ``[2 * z_dim]``; a copy)."""
        row = self.table.get(self.key(observation))
        return np.full(self.n_actions, self.initial_value) if row is None else row.copy()

    def begin_episode(self, observation: Any, info: dict[str, Any] | None = None) -> None:
        self._z_start = self._z(observation).copy()

    # -- acting and learning --------------------------------------------------------------------------
    def act(self, observation: Any, info: dict[str, Any] | None = None) -> int:
        if self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.n_actions))
        return self.greedy(observation)

    def greedy(self, observation: Any) -> int:
        """The greedy action, ties broken at random."""
        q = self.q_values(observation)
        return int(self.rng.choice(np.flatnonzero(q == q.max())))

    def update(self, observation: Any, action: Any, reward: float, next_observation: Any,
               terminated: bool, truncated: bool, info: dict[str, Any] | None = None) -> None:
        a = check_discrete_action(action, self.n_actions, "TabularQAgent")
        key = self.key(observation)
        row = self.table.setdefault(key, np.full(self.n_actions, self.initial_value))
        target = float(reward)
        if not terminated:
            target += self.gamma * float(self.q_values(next_observation).max())
        row[a] += self.learning_rate * (target - row[a])

    # -- persistence ----------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {"z_dim": self.z_dim, "delta": self.delta, "learning_rate": self.learning_rate,
                "gamma": self.gamma, "epsilon": self.epsilon, "initial_value": self.initial_value,
                "seed": self.seed}

    def _arrays(self) -> dict[str, np.ndarray]:
        keys = np.zeros((len(self.table), self.z_dim), dtype=np.int32)
        values = np.zeros((len(self.table), self.n_actions), dtype=np.float64)
        for row, (key, q) in enumerate(self.table.items()):
            for i, k in key:
                keys[row, i] = k
            values[row] = q
        arrays = {"keys": keys, "values": values}
        if self._z_start is not None:  # saved mid-episode: the lattice origin of the walk in progress
            arrays["z_start"] = self._z_start
        return arrays

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        z_start = arrays.get("z_start")
        self._z_start = None if z_start is None else z_start.copy()
        self.table = {}
        for offset, q in zip(arrays["keys"], arrays["values"]):
            nz = np.flatnonzero(offset)
            self.table[tuple((int(i), int(offset[i])) for i in nz)] = q.astype(np.float64).copy()
