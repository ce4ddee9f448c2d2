"""Bandit agents on a synthetic Gaussian bandit with one clearly best arm."""

from __future__ import annotations

import numpy as np
import pytest

from agents.bandits import BANDITS, EpsilonGreedyEMA, GaussianThompson, Softmax, UCB1
from agents.base import Agent

MEANS = np.array([0.2, 0.3, 0.8, 0.4, 0.25])
BEST = 2


def play(agent, horizon: int, seed: int = 0, noise: float = 0.1):
    rng = np.random.default_rng(seed)
    arms = []
    for _ in range(horizon):
        a = agent.act(None, {})
        r = rng.normal(MEANS[a], noise)
        agent.update(None, a, r, None, False, False, {"regret": MEANS.max() - MEANS[a]})
        arms.append(a)
    return np.array(arms)


@pytest.mark.parametrize("name", sorted(BANDITS))
def test_each_bandit_finds_the_best_arm(name):
    agent = BANDITS[name](n_arms=len(MEANS), seed=1)
    arms = play(agent, 2000)
    assert (arms[-500:] == BEST).mean() > 0.8
    assert agent.cumulative_regret.shape == (2000,)
    # sublinear regret: the second half adds less than the first
    cr = agent.cumulative_regret
    assert cr[-1] - cr[999] < cr[999]
    assert len(agent.entropies) == 2000 and np.isfinite(agent.entropies).all()
    assert max(agent.entropies) <= np.log(len(MEANS)) + 1e-9


def test_ucb_and_thompson_beat_eps_greedy_ema_on_regret():
    finals = {}
    for name in ("eps_greedy_ema", "ucb1", "thompson"):
        vals = []
        for s in range(4):
            agent = BANDITS[name](n_arms=5, seed=s)
            play(agent, 3000, seed=100 + s)
            vals.append(agent.cumulative_regret[-1])
        finals[name] = np.mean(vals)
    assert min(finals["ucb1"], finals["thompson"]) < finals["eps_greedy_ema"]


def test_same_seed_same_actions_and_save_load_continues(tmp_path):
    for cls in (EpsilonGreedyEMA, UCB1, GaussianThompson, Softmax):
        a, b = cls(n_arms=5, seed=3), cls(n_arms=5, seed=3)
        assert (play(a, 200) == play(b, 200)).all()
        path = a.save(tmp_path / cls.name)
        c = Agent.load(path)
        assert type(c) is cls and c.config() == a.config()
        assert (play(a, 100, seed=9) == play(c, 100, seed=9)).all()
        np.testing.assert_allclose(a.cumulative_regret, c.cumulative_regret)


def test_epsilon_anneals_and_entropy_follows():
    agent = EpsilonGreedyEMA(n_arms=5, eps_decay=0.99, eps_end=0.05, seed=0)
    assert agent.epsilon == 1.0
    play(agent, 500)
    assert agent.epsilon == pytest.approx(0.05)
    assert agent.entropies[0] == pytest.approx(np.log(5))
    assert agent.entropies[-1] < 0.5


def test_ema_update_rule():
    agent = EpsilonGreedyEMA(n_arms=2, alpha=0.5, seed=0)
    agent.update(None, 1, 1.0, None, False, False, {})
    agent.update(None, 1, 0.0, None, False, False, {})
    assert agent.q[1] == pytest.approx(0.25)


@pytest.mark.parametrize(
    "kwargs", [{"n_arms": 0}, {"n_arms": 3, "alpha": 0.0}, {"n_arms": 3, "eps_decay": 1.5}]
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        EpsilonGreedyEMA(**kwargs)


def test_bad_action_and_reward():
    agent = UCB1(n_arms=3)
    with pytest.raises(ValueError, match="action"):
        agent.update(None, 3, 1.0, None, False, False, {})
    with pytest.raises(ValueError, match="finite"):
        agent.update(None, 0, float("nan"), None, False, False, {})
