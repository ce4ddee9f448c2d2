"""Multi-armed bandit agents for ``LatentCodebook-v0``.

Four agents over ``K`` arms, all following :class:`agents.base.Agent`:

* :class:`EpsilonGreedyEMA` - the codebook report's agent: ``Q(a) <- (1 - alpha) Q(a) + alpha r`` with an
  exponentially annealed epsilon ``eps_t = max(eps_end, eps_start * eps_decay ** t)``.
* :class:`UCB1` - pull every arm once, then ``argmax_a mean(a) + c sqrt(2 ln t / n(a))`` (Auer et al. 2002).
* :class:`GaussianThompson` - Gaussian prior ``N(prior_mean, prior_std^2)`` on each arm's mean and known
  reward noise ``noise_std``; samples the posterior and plays the argmax.
* :class:`Softmax` - Boltzmann exploration over the sample means with temperature ``tau``.

Each agent records, per pull, the entropy (nats) of the distribution it drew the arm from and, when the
env's ``info`` carries ``"regret"`` (the pulled arm's regret, as LatentCodebook reports), the cumulative
regret. Ties in an argmax are broken uniformly at random with the agent's RNG.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from agents.base import Agent, check_discrete_action


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def _argmax_probs(values: np.ndarray) -> np.ndarray:
    """Uniform distribution over the maximisers of ``values``."""
    best = values == values.max()
    return best / best.sum()


class BanditAgent(Agent):
    """Shared bookkeeping: counts, sample means, entropy and regret histories.

    :param n_arms: number of arms ``K`` (the env's ``action_space.n``).
    :param seed: the agent's RNG seed.
    :raises ValueError: if ``n_arms < 1``.
    """

    name: ClassVar[str] = "bandit"

    def __init__(self, n_arms: int, seed: int | None = 0) -> None:
        super().__init__(seed)
        if not isinstance(n_arms, (int, np.integer)) or n_arms < 1:
            raise ValueError(f"n_arms must be an int >= 1, got {n_arms!r}")
        self.n_arms = int(n_arms)
        self.counts = np.zeros(self.n_arms, dtype=np.int64)
        self.means = np.zeros(self.n_arms, dtype=np.float64)
        self.entropies: list[float] = []
        self.regrets: list[float] = []
        self._pending_entropy: float | None = None

    @property
    def t(self) -> int:
        """Number of pulls learned from so far."""
        return int(self.counts.sum())

    @property
    def cumulative_regret(self) -> np.ndarray:
        """Cumulative regret after each pull (float64 ``[t]``; empty if the env reports no regret)."""
        return np.cumsum(np.asarray(self.regrets, dtype=np.float64))

    def policy(self) -> np.ndarray:
        """The distribution the next arm is drawn from (float64 ``[K]``)."""
        raise NotImplementedError

    def act(self, observation: Any = None, info: dict[str, Any] | None = None) -> int:
        p = self.policy()
        self._pending_entropy = _entropy(p)
        return int(self.rng.choice(self.n_arms, p=p))

    def _learn(self, arm: int, reward: float) -> None:
        """Family-specific update after the shared counters have been updated."""

    def update(self, observation: Any, action: Any, reward: float, next_observation: Any = None,
               terminated: bool = False, truncated: bool = False, info: dict[str, Any] | None = None) -> None:
        arm = check_discrete_action(action, self.n_arms, type(self).__name__)
        reward = float(reward)
        if not math.isfinite(reward):
            raise ValueError(f"{type(self).__name__}: reward must be finite, got {reward}")
        self.counts[arm] += 1
        self.means[arm] += (reward - self.means[arm]) / self.counts[arm]
        self._learn(arm, reward)
        self.entropies.append(self._pending_entropy if self._pending_entropy is not None else float("nan"))
        self._pending_entropy = None
        if info is not None and "regret" in info:
            self.regrets.append(float(info["regret"]))

    def config(self) -> dict[str, Any]:
        return {"n_arms": self.n_arms, "seed": self.seed}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"counts": self.counts, "means": self.means,
                "entropies": np.asarray(self.entropies, dtype=np.float64),
                "regrets": np.asarray(self.regrets, dtype=np.float64)}

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.counts = arrays["counts"].astype(np.int64)
        self.means = arrays["means"].astype(np.float64)
        self.entropies = [float(x) for x in arrays["entropies"]]
        self.regrets = [float(x) for x in arrays["regrets"]]


class EpsilonGreedyEMA(BanditAgent):
    """Epsilon-greedy with an exponential-moving-average value estimate and annealed epsilon.

    :param alpha: EMA step size in (0, 1].
    :param eps_start, eps_end: epsilon at t = 0 and its floor, in [0, 1].
    :param eps_decay: multiplicative decay per pull, in (0, 1].
    :param initial_value: starting Q for every arm.
    """

    name: ClassVar[str] = "eps_greedy_ema"

    def __init__(self, n_arms: int, alpha: float = 0.1, eps_start: float = 1.0, eps_end: float = 0.01,
                 eps_decay: float = 0.999, initial_value: float = 0.0, seed: int | None = 0) -> None:
        super().__init__(n_arms, seed)
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        if not (0 <= eps_end <= 1 and 0 <= eps_start <= 1):
            raise ValueError(f"eps_start and eps_end must be in [0, 1], got {eps_start}, {eps_end}")
        if not 0 < eps_decay <= 1:
            raise ValueError(f"eps_decay must be in (0, 1], got {eps_decay}")
        self.alpha, self.eps_start, self.eps_end, self.eps_decay = alpha, eps_start, eps_end, eps_decay
        self.initial_value = initial_value
        self.q = np.full(self.n_arms, float(initial_value))

    @property
    def epsilon(self) -> float:
        return max(self.eps_end, self.eps_start * self.eps_decay ** self.t)

    def policy(self) -> np.ndarray:
        eps = self.epsilon
        return (1 - eps) * _argmax_probs(self.q) + eps / self.n_arms

    def _learn(self, arm: int, reward: float) -> None:
        self.q[arm] = (1 - self.alpha) * self.q[arm] + self.alpha * reward

    def config(self) -> dict[str, Any]:
        return {**super().config(), "alpha": self.alpha, "eps_start": self.eps_start, "eps_end": self.eps_end,
                "eps_decay": self.eps_decay, "initial_value": self.initial_value}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {**super()._arrays(), "q": self.q}

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        super()._load_arrays(arrays)
        self.q = arrays["q"].astype(np.float64)


class UCB1(BanditAgent):
    """UCB1: each arm once, then the upper confidence bound ``mean + c sqrt(2 ln t / n)``.

    :param c: exploration scale (1 is Auer et al.'s UCB1 for rewards in [0, 1]).
    """

    name: ClassVar[str] = "ucb1"

    def __init__(self, n_arms: int, c: float = 1.0, seed: int | None = 0) -> None:
        super().__init__(n_arms, seed)
        if c < 0:
            raise ValueError(f"c must be >= 0, got {c}")
        self.c = c

    def policy(self) -> np.ndarray:
        untried = self.counts == 0
        if untried.any():
            return untried / untried.sum()
        bonus = self.c * np.sqrt(2.0 * math.log(self.t) / self.counts)
        return _argmax_probs(self.means + bonus)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "c": self.c}


class GaussianThompson(BanditAgent):
    """Thompson sampling with a Gaussian prior on each arm's mean and known Gaussian reward noise.

    Posterior of arm a after n pulls with sum S: precision ``1/prior_std^2 + n/noise_std^2``, mean
    ``(prior_mean/prior_std^2 + S/noise_std^2) / precision``. The reported policy entropy is that of the
    arm-choice distribution, estimated from ``entropy_samples`` posterior draws of a separate RNG (so
    measuring it does not change the agent's actions).

    :param prior_mean, prior_std: the prior on every arm's mean reward.
    :param noise_std: the assumed standard deviation of one reward.
    """

    name: ClassVar[str] = "thompson"

    def __init__(self, n_arms: int, prior_mean: float = 0.5, prior_std: float = 1.0, noise_std: float = 0.1,
                 entropy_samples: int = 64, seed: int | None = 0) -> None:
        super().__init__(n_arms, seed)
        if prior_std <= 0 or noise_std <= 0:
            raise ValueError(f"prior_std and noise_std must be > 0, got {prior_std}, {noise_std}")
        if entropy_samples < 1:
            raise ValueError(f"entropy_samples must be >= 1, got {entropy_samples}")
        self.prior_mean, self.prior_std, self.noise_std = prior_mean, prior_std, noise_std
        self.entropy_samples = entropy_samples
        self._entropy_rng = np.random.default_rng(None if seed is None else [seed, 1])

    def posterior(self) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and std of every arm's mean reward (float64 ``[K]`` each)."""
        precision = 1.0 / self.prior_std**2 + self.counts / self.noise_std**2
        sums = self.means * self.counts
        mean = (self.prior_mean / self.prior_std**2 + sums / self.noise_std**2) / precision
        return mean, 1.0 / np.sqrt(precision)

    def act(self, observation: Any = None, info: dict[str, Any] | None = None) -> int:
        mean, std = self.posterior()
        draws = self._entropy_rng.normal(mean, std, size=(self.entropy_samples, self.n_arms))
        p = np.bincount(draws.argmax(axis=1), minlength=self.n_arms) / self.entropy_samples
        self._pending_entropy = _entropy(p)
        sample = self.rng.normal(mean, std)
        return int(self.rng.choice(np.flatnonzero(sample == sample.max())))

    def config(self) -> dict[str, Any]:
        return {**super().config(), "prior_mean": self.prior_mean, "prior_std": self.prior_std,
                "noise_std": self.noise_std, "entropy_samples": self.entropy_samples}

    def _state(self) -> dict[str, Any]:
        return {"entropy_rng": self._entropy_rng.bit_generator.state}

    def _load_state(self, state: dict[str, Any]) -> None:
        self._entropy_rng.bit_generator.state = state["entropy_rng"]


class Softmax(BanditAgent):
    """Boltzmann exploration: ``p(a) ∝ exp(mean(a) / tau)``; untried arms are played first.

    :param tau: temperature (> 0), in reward units.
    """

    name: ClassVar[str] = "softmax"

    def __init__(self, n_arms: int, tau: float = 0.02, seed: int | None = 0) -> None:
        super().__init__(n_arms, seed)
        if tau <= 0:
            raise ValueError(f"tau must be > 0, got {tau}")
        self.tau = tau

    def policy(self) -> np.ndarray:
        untried = self.counts == 0
        if untried.any():
            return untried / untried.sum()
        logits = self.means / self.tau
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def config(self) -> dict[str, Any]:
        return {**super().config(), "tau": self.tau}


BANDITS: dict[str, type[BanditAgent]] = {
    cls.name: cls for cls in (EpsilonGreedyEMA, UCB1, GaussianThompson, Softmax)
}
"""Bandit agents by benchmark name."""
