"""The white-box oracle restricted to LatentWalk's own actions.

:func:`agents.baselines.gradient_ascent` moves ``z`` along the full score gradient, which no LatentWalk
policy can do: an action moves one coordinate by ``+-delta``. :class:`GradientWalkOracle` is the matching
bound for walk policies. At every step it reads the score gradient at the current ``z`` (one forward and
backward pass through G, D and C) and takes the move ``+-delta e_i`` with the largest first-order gain
(steepest coordinate ascent, the Gauss-Southwell rule), counting the clip to ``[-z_bound, z_bound]``. Over a
``max_steps`` walk it uses ``max_steps + 1`` generator calls, as an RL agent's walk does; unlike an RL agent it
needs the models' gradients, so it is an oracle, not a learner.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from agents.base import Agent


def split_latent_target(observation: Any, scorer: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """``z [1, z_dim]`` and ``target [1, n]`` (float32, on the scorer's device) from a ``"latent_target"``
    observation; :class:`ValueError` if the observation is not such a vector."""
    obs = np.asarray(observation)
    z_dim = int(scorer.z_dim)
    if obs.ndim != 1 or obs.shape[0] <= z_dim:
        raise ValueError(f"observation must be the 'latent_target' vector (z then the target one-hot) of "
                         f"length > {z_dim}, got shape {obs.shape}")
    device = scorer.device
    z = torch.as_tensor(obs[:z_dim], dtype=torch.float32, device=device).unsqueeze(0)
    target = torch.as_tensor(obs[z_dim:], dtype=torch.float32, device=device).unsqueeze(0)
    return z, target


class WalkOracle(Agent):
    """Base of the LatentWalk oracles: built from the env's scorer, deterministic, nothing to learn or save.

    :param scorer: the env's ``LatentScorer`` (``env.unwrapped.scorer``).
    :param delta: the env's step (``env.unwrapped.config.delta``).
    :param z_bound: the env's latent box half-width (``env.unwrapped.config.z_bound``).
    :param seed: unused (the oracles are deterministic); kept for the shared interface.
    :raises ValueError: if ``delta`` or ``z_bound`` is not positive.
    """

    def __init__(self, scorer: torch.nn.Module, delta: float, z_bound: float, seed: int | None = 0) -> None:
        super().__init__(seed)
        if delta <= 0 or z_bound <= 0:
            raise ValueError(f"delta and z_bound must be > 0, got delta={delta}, z_bound={z_bound}")
        self.scorer, self.delta, self.z_bound = scorer, float(delta), float(z_bound)

    def save(self, path: Any) -> Any:
        """Refused: the oracle learns nothing and holds the env's models; rebuild it from the env."""
        raise TypeError(f"{type(self).__name__} has nothing to save: build it from the env's scorer, delta and z_bound")

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to learn."""


class GradientWalkOracle(WalkOracle):
    """Steepest first-order coordinate move on LatentWalk (observation mode ``"latent_target"``); the scorer
    must be differentiable in ``z``. Parameters: see :class:`WalkOracle`."""

    name: ClassVar[str] = "gradient_walk"

    def act(self, observation: Any, info: dict[str, Any] | None = None) -> int:
        """The action ``a`` (``a < z_dim``: ``+delta`` on ``z[a]``, else ``-delta`` on ``z[a - z_dim]``)."""
        z, target = split_latent_target(observation, self.scorer)
        z.requires_grad_(True)
        with torch.enable_grad():
            self.scorer(z, target).score.sum().backward()
        grad = z.grad[0].double().cpu().numpy()
        zc = z.detach()[0].double().cpu().numpy()
        up = np.minimum(self.delta, self.z_bound - zc)  # the move that survives the clip
        down = np.minimum(self.delta, zc + self.z_bound)
        gains = np.concatenate([grad * up, -grad * down])
        return int(np.argmax(gains))
