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

from agents.gradient_walk import WalkOracle, split_latent_target


class GreedyWalkOracle(WalkOracle):
    """Best next move by exact scoring of all ``2 * z_dim`` moves (observation mode ``"latent_target"``).

    Ties go to the lowest action index. ``calls`` counts the generator calls spent on lookahead. Parameters:
    see :class:`agents.gradient_walk.WalkOracle`.
    """

    name: ClassVar[str] = "greedy_walk"

    def __init__(self, scorer: torch.nn.Module, delta: float, z_bound: float, seed: int | None = 0) -> None:
        super().__init__(scorer, delta, z_bound, seed)
        self.calls = 0

    def act(self, observation: Any, info: dict[str, Any] | None = None) -> int:
        """The action ``a`` (``a < z_dim``: ``+delta`` on ``z[a]``, else ``-delta`` on ``z[a - z_dim]``)."""
        z, target = split_latent_target(observation, self.scorer)
        moves = self.delta * torch.eye(z.shape[1], dtype=z.dtype, device=z.device)
        neighbours = torch.cat([z + moves, z - moves]).clamp(-self.z_bound, self.z_bound)
        with torch.inference_mode():
            scores = self.scorer(neighbours, target.expand(neighbours.shape[0], -1)).score
        self.calls += int(neighbours.shape[0])
        return int(torch.argmax(scores))
