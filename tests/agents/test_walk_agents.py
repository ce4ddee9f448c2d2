"""Tabular Q and the online Q-network learn the known best move of a stub LatentWalk; the gradient-walk
and greedy-walk oracles take it without learning."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from walk_stub import BOUND, Z_DIM, StubWalk, stub_score

from agents.base import Agent, run_episode
from agents.gradient_walk import GradientWalkOracle
from agents.greedy_walk import GreedyWalkOracle
from agents.qnetwork import QNetworkAgent
from agents.tabular import TabularQAgent


def greedy_return(agent, env, seed):
    obs, info = env.reset(seed=seed)
    agent.begin_episode(obs, info)
    total, done = 0.0, False
    while not done:
        obs, r, term, trunc, info = env.step(agent.greedy(obs))
        total += r
        done = term or trunc
    return total


def train(agent, episodes):
    env = StubWalk()
    for ep in range(episodes):
        run_episode(env, agent, seed=ep)
    return env


def test_tabular_q_learns_the_best_direction():
    agent = TabularQAgent(z_dim=Z_DIM, delta=0.25, epsilon=0.2, seed=0)
    env = train(agent, 300)
    optimal = 100 * 0.25 * 8  # eight +delta moves on the w = 1 coordinate
    returns = [greedy_return(agent, env, 1000 + s) for s in range(5)]
    assert np.mean(returns) >= 0.75 * optimal  # the deepest lattice states are rarely visited
    obs, info = env.reset(seed=5)
    agent.begin_episode(obs, info)
    q = agent.q_values(obs)
    assert q[0] > q[Z_DIM]  # +delta beats -delta on the score's direction
    assert agent.key(obs) == ()


def test_tabular_key_is_the_lattice_offset():
    agent = TabularQAgent(z_dim=3, delta=0.5)
    agent.begin_episode(np.array([0.1, 0.2, 0.3]), {})
    assert agent.key(np.array([0.6, 0.2, -0.7])) == ((0, 1), (2, -2))


def test_qnetwork_learns_the_best_direction():
    agent = QNetworkAgent(z_dim=Z_DIM, hidden=32, learning_rate=3e-3, seed=0)
    env = train(agent, 150)
    returns = [greedy_return(agent, env, 1000 + s) for s in range(5)]
    assert np.mean(returns) >= 0.9 * 100 * 0.25 * 8


def test_qnetwork_original_shape():
    agent = QNetworkAgent()
    assert [tuple(p.shape) for p in agent.net.parameters()] == [(128, 100), (128,), (200, 128), (200,)]
    assert (agent.epsilon, agent.gamma) == (0.1, 0.9)


@pytest.mark.parametrize("cls", [TabularQAgent, QNetworkAgent])
def test_seeded_and_save_load_continue_identically(cls, tmp_path):
    a, b = cls(z_dim=Z_DIM, seed=4), cls(z_dim=Z_DIM, seed=4)
    env_a, _ = train(a, 5), train(b, 5)
    c = Agent.load(a.save(tmp_path / "agent"))
    for agent in (a, b, c):
        run_episode(StubWalk(), agent, seed=77)
    obs, _ = env_a.reset(seed=3)
    for agent in (b, c):
        agent.begin_episode(obs, {})
    a.begin_episode(obs, {})
    np.testing.assert_allclose(a.q_values(obs), b.q_values(obs))
    np.testing.assert_allclose(a.q_values(obs), c.q_values(obs), rtol=1e-6)


@pytest.mark.parametrize("cls", [TabularQAgent, QNetworkAgent])
def test_save_mid_episode_and_continue_the_same_walk(cls, tmp_path):
    """Saved halfway through a walk, the loaded agent finishes it exactly as the original does."""
    agent = cls(z_dim=Z_DIM, seed=2)
    train(agent, 3)
    env = StubWalk()
    obs, info = env.reset(seed=9)
    agent.begin_episode(obs, info)
    for _ in range(3):
        action = agent.act(obs, info)
        next_obs, reward, term, trunc, info = env.step(action)
        agent.update(obs, action, reward, next_obs, term, trunc, info)
        obs = next_obs
    loaded = Agent.load(agent.save(tmp_path / "mid"))
    assert loaded.act(obs, info) == agent.act(obs, info)
    np.testing.assert_allclose(loaded.q_values(obs), agent.q_values(obs), rtol=1e-6)
    if isinstance(agent, QNetworkAgent):
        assert loaded.losses == agent.losses


def test_bad_observation():
    agent = QNetworkAgent(z_dim=Z_DIM)
    with pytest.raises(ValueError, match="z_dim"):
        agent.act(np.zeros(2))
    with pytest.raises(ValueError, match="delta"):
        TabularQAgent(delta=0)


class _StubScorer(torch.nn.Module):
    """The stub problem's score as a differentiable ``LatentScorer`` stand-in (targets ignored)."""

    z_dim, device = Z_DIM, torch.device("cpu")

    def forward(self, z, target):
        return SimpleNamespace(score=stub_score(z))


def test_gradient_walk_oracle_takes_the_best_move_until_the_bound():
    """Score w . z with w = e_0: the oracle moves +delta on z[0]; at the bound every move it can make is worth
    nothing or less, and it never takes the losing one (-delta on z[0])."""
    oracle = GradientWalkOracle(_StubScorer(), delta=0.25, z_bound=BOUND)
    target = np.zeros(3, dtype=np.float32)
    assert oracle.act(np.concatenate([np.zeros(Z_DIM, np.float32), target])) == 0
    at_bound = np.concatenate([np.array([BOUND, 0, 0, 0], np.float32), target])
    assert oracle.act(at_bound) != Z_DIM
    env = StubWalk(delta=0.25, max_steps=8)
    obs, info = env.reset(seed=3)
    start = info["score"]
    done = False
    while not done:
        obs, _, term, trunc, info = env.step(oracle.act(np.concatenate([obs, target])))
        done = term or trunc
    assert info["score"] == pytest.approx(min(BOUND, start + 8 * 0.25))


def test_gradient_walk_oracle_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="delta"):
        GradientWalkOracle(_StubScorer(), delta=0.0, z_bound=BOUND)
    oracle = GradientWalkOracle(_StubScorer(), delta=0.25, z_bound=BOUND)
    with pytest.raises(ValueError, match="latent_target"):
        oracle.act(np.zeros(Z_DIM, np.float32))
    with pytest.raises(TypeError, match="nothing to save"):
        oracle.save(tmp_path / "oracle")


class _CurvedScorer(torch.nn.Module):
    """score(z) = -10 (z0 - 0.1)^2 - (z1 - 0.5)^2: at z = 0 the gradient favours +delta on z0, which overshoots
    (exact gain -0.125), while +delta on z1 gains 0.1875."""

    z_dim, device = Z_DIM, torch.device("cpu")

    def forward(self, z, target):
        return SimpleNamespace(score=-10 * (z[:, 0] - 0.1) ** 2 - (z[:, 1] - 0.5) ** 2)


def test_greedy_walk_oracle_scores_every_move_exactly():
    target = np.zeros(3, dtype=np.float32)
    start = np.concatenate([np.zeros(Z_DIM, np.float32), target])
    greedy = GreedyWalkOracle(_CurvedScorer(), delta=0.25, z_bound=BOUND)
    assert greedy.act(start) == 1 and greedy.calls == 2 * Z_DIM
    # where the first-order rule is fooled by curvature, the exact lookahead is not
    assert GradientWalkOracle(_CurvedScorer(), delta=0.25, z_bound=BOUND).act(start) == 0
    # at the bound the clipped +delta move on z[0] is worth nothing; the losing -delta move is never taken
    on_linear = GreedyWalkOracle(_StubScorer(), delta=0.25, z_bound=BOUND)
    assert on_linear.act(np.concatenate([np.array([BOUND, 0, 0, 0], np.float32), target])) != Z_DIM
    env = StubWalk(delta=0.25, max_steps=8)
    obs, info = env.reset(seed=3)
    start_score, done = info["score"], False
    while not done:
        obs, _, term, trunc, info = env.step(on_linear.act(np.concatenate([obs, target])))
        done = term or trunc
    assert info["score"] == pytest.approx(min(BOUND, start_score + 8 * 0.25))
    assert on_linear.calls == (1 + 8) * 2 * Z_DIM


def test_greedy_walk_oracle_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="z_bound"):
        GreedyWalkOracle(_StubScorer(), delta=0.25, z_bound=0.0)
    oracle = GreedyWalkOracle(_StubScorer(), delta=0.25, z_bound=BOUND)
    with pytest.raises(ValueError, match="latent_target"):
        oracle.act(np.zeros(Z_DIM, np.float32))
    with pytest.raises(TypeError, match="nothing to save"):
        oracle.save(tmp_path / "oracle")
