"""Exact one-step lookahead in LatentWalk's action space: how far a greedy walk policy can get.

:class:`agents.gradient_walk.GradientWalkOracle` chooses each move from the score's gradient (first order,
one generator call per step). :class:`GreedyWalkOracle` instead scores every one of the ``2 * z_dim`` moves
``z +- delta e_i`` exactly (after the env's clip to ``[-z_bound, z_bound]``), in one batch, and takes the
best. It needs no gradients but ``2 * z_dim`` generator calls per step (4,000 over a 20-step walk with the
bundled ``z_dim = 100``), so it is not a competitor at the RL agents' budget: it measures what the walk's
action space allows a policy that always takes the best next move, the headroom any walk policy has.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from agents.base import Agent
from agents.gradient_walk import split_latent_target


class GreedyWalkOracle(Agent):
    """Best next move by exact scoring of all ``2 * z_dim`` moves (observation mode ``"latent_target"``).

    Ties go to the lowest action index. ``calls`` counts the generator calls spent on lookahead.

    :param scorer: the env's ``LatentScorer`` (``env.unwrapped.scorer``).
    :param delta: the env's step (``env.unwrapped.config.delta``).
    :param z_bound: the env's latent box half-width (``env.unwrapped.config.z_bound``).
    :param seed: unused (the oracle is deterministic); kept for the shared interface.
    :raises ValueError: if ``delta`` or ``z_bound`` is not positive.
    """

    name: ClassVar[str] = "greedy_walk"

    def __init__(self, scorer: torch.nn.Module, delta: float, z_bound: float, seed: int | None = 0) -> None:
        super().__init__(seed)
        if delta <= 0 or z_bound <= 0:
            raise ValueError(f"delta and z_bound must be > 0, got delta={delta}, z_bound={z_bound}")
        self.scorer, self.delta, self.z_bound = scorer, float(delta), float(z_bound)
        self.calls = 0

    def save(self, path: Any) -> Any:
        """Refused: the oracle learns nothing and holds the env's models; rebuild it from the env."""
        raise TypeError("GreedyWalkOracle has nothing to save: build it from the env's scorer, delta and z_bound")

    def act(self, observation: Any, info: dict[str, Any] | None = None) -> int:
        """The action ``a`` (``a < z_dim``: ``+delta`` on ``z[a]``, else ``-delta`` on ``z[a - z_dim]``)."""
        z, target = split_latent_target(observation, self.scorer)
        moves = self.delta * torch.eye(z.shape[1], dtype=z.dtype, device=z.device)
        neighbours = torch.cat([z + moves, z - moves]).clamp(-self.z_bound, self.z_bound)
        with torch.inference_mode():
            scores = self.scorer(neighbours, target.expand(neighbours.shape[0], -1)).score
        self.calls += int(neighbours.shape[0])
        return int(torch.argmax(scores))

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to learn."""
