"""The original CartoonSet latent-walk agent: an online Q-network, the reproduction baseline.

An MLP ``z_dim -> 128 -> 2 * z_dim`` (100 -> 128 -> 200 for the bundled generator) reads the current
latent z (the first ``z_dim`` observation entries) and scores the 200 +-delta moves. Epsilon-greedy with
a fixed epsilon 0.1, discount 0.9, and one-step TD updates on each transition as it happens: no replay
buffer and no target network, as in the original report.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from agents.base import Agent, check_discrete_action


class QNetworkAgent(Agent):
    """Online Q-network agent.

    :param z_dim: latent size; the network maps ``z_dim -> hidden -> 2 * z_dim``.
    :param hidden: hidden units (128 in the original).
    :param learning_rate: Adam step size.
    :param gamma: discount in [0, 1] (0.9 in the original).
    :param epsilon: exploration probability in [0, 1] (0.1 in the original).
    :param device: torch device for the network.
    :raises ValueError: on out-of-range hyperparameters.
    """

    name: ClassVar[str] = "qnetwork"

    def __init__(self, z_dim: int = 100, hidden: int = 128, learning_rate: float = 1e-3, gamma: float = 0.9,
                 epsilon: float = 0.1, device: str = "cpu", seed: int | None = 0) -> None:
        super().__init__(seed)
        if z_dim < 1 or hidden < 1:
            raise ValueError(f"z_dim and hidden must be >= 1, got {z_dim}, {hidden}")
        if learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
        if not 0 <= gamma <= 1 or not 0 <= epsilon <= 1:
            raise ValueError(f"gamma and epsilon must be in [0, 1], got {gamma}, {epsilon}")
        self.z_dim, self.hidden, self.n_actions = int(z_dim), int(hidden), 2 * int(z_dim)
        self.learning_rate, self.gamma, self.epsilon, self.device = learning_rate, gamma, epsilon, device
        self.net = nn.Sequential(nn.Linear(self.z_dim, self.hidden), nn.ReLU(), nn.Linear(self.hidden, self.n_actions))
        gen = torch.Generator().manual_seed(int(self.rng.integers(2**63)))
        with torch.no_grad():  # PyTorch's default Linear init, drawn from our own generator
            for layer in (self.net[0], self.net[2]):
                bound = 1.0 / math.sqrt(layer.in_features)
                layer.weight.copy_(torch.empty_like(layer.weight).uniform_(-bound, bound, generator=gen))
                layer.bias.copy_(torch.empty_like(layer.bias).uniform_(-bound, bound, generator=gen))
        self.net.to(device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=learning_rate)
        self.losses: list[float] = []

    def _z(self, observation: Any) -> torch.Tensor:
        obs = np.asarray(observation, dtype=np.float32).reshape(-1)
        if obs.shape[0] < self.z_dim:
            raise ValueError(f"observation has {obs.shape[0]} entries, fewer than z_dim = {self.z_dim}")
        return torch.from_numpy(obs[: self.z_dim].copy()).to(self.device)

    def q_values(self, observation: Any) -> np.ndarray:
        """Q of every action (float32 ``[2 * z_dim]``)."""
        with torch.no_grad():
            return self.net(self._z(observation)).cpu().numpy()

    def act(self, observation: Any, info: dict[str, Any] | None = None) -> int:
        if self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.n_actions))
        return self.greedy(observation)

    def greedy(self, observation: Any) -> int:
        return int(np.argmax(self.q_values(observation)))

    def update(self, observation: Any, action: Any, reward: float, next_observation: Any,
               terminated: bool, truncated: bool, info: dict[str, Any] | None = None) -> None:
        a = check_discrete_action(action, self.n_actions, "QNetworkAgent")
        target = float(reward)
        if not terminated:
            with torch.no_grad():
                target += self.gamma * float(self.net(self._z(next_observation)).max())
        q = self.net(self._z(observation))[a]
        loss = (q - target) ** 2
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.losses.append(float(loss.detach()))

    def config(self) -> dict[str, Any]:
        return {"z_dim": self.z_dim, "hidden": self.hidden, "learning_rate": self.learning_rate,
                "gamma": self.gamma, "epsilon": self.epsilon, "device": self.device, "seed": self.seed}

    def _arrays(self) -> dict[str, np.ndarray]:
        arrays = {f"net.{k}": v.detach().cpu().numpy() for k, v in self.net.state_dict().items()}
        for idx, st in self.optimizer.state_dict()["state"].items():
            for k, v in st.items():
                arrays[f"opt.{idx}.{k}"] = torch.as_tensor(v).detach().cpu().numpy()
        arrays["losses"] = np.asarray(self.losses, dtype=np.float64)
        return arrays

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.losses = arrays["losses"].tolist() if "losses" in arrays else []
        self.net.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in arrays.items() if k.startswith("net.")})
        sd = self.optimizer.state_dict()
        state: dict[int, dict[str, torch.Tensor]] = {}
        for k, v in arrays.items():
            if k.startswith("opt."):
                _, idx, name = k.split(".", 2)
                state.setdefault(int(idx), {})[name] = torch.from_numpy(v).to(self.device)
        for st in state.values():
            st["step"] = st["step"].cpu().float()
        sd["state"] = state
        self.optimizer.load_state_dict(sd)
