"""SB3 helpers: YAML hyperparameters, learning on the stub walk, safetensors save/load."""

from __future__ import annotations

import numpy as np
import pytest
from stable_baselines3.common.env_util import make_vec_env
from walk_stub import StubWalk

from agents.base import Agent
from agents.sb3 import SB3Agent, load_hyperparams


def test_yaml_entries():
    assert load_hyperparams("dqn", "gan_latent_env:LatentWalk-v0")["gamma"] == 0.9
    assert load_hyperparams("ppo", "HyperparamTune-v0")["policy"] == "MlpPolicy"
    with pytest.raises(ValueError, match="no entry"):
        load_hyperparams("dqn", "HyperparamTune-v0")
    with pytest.raises(ValueError, match="algo"):
        load_hyperparams("sac", "LatentWalk-v0")


def greedy_returns(agent, n=4):
    env, out = StubWalk(), []
    for s in range(n):
        obs, _ = env.reset(seed=500 + s)
        total, done = 0.0, False
        while not done:
            obs, r, term, trunc, _ = env.step(agent.act(obs))
            total += r
            done = term or trunc
        out.append(total)
    return np.mean(out)


def test_dqn_learns_the_stub_walk_and_round_trips(tmp_path):
    agent = SB3Agent("dqn", "LatentWalk-v0", hyperparams={
        "n_timesteps": 3000, "learning_starts": 200, "buffer_size": 5000, "target_update_interval": 200,
        "exploration_fraction": 0.5, "policy_kwargs": {"net_arch": [32]}}, seed=0)
    agent.setup(make_vec_env(StubWalk, n_envs=4, seed=0), tensorboard_log=tmp_path / "tb")
    agent.learn()
    assert greedy_returns(agent) >= 0.75 * 200  # random policy: about 0
    assert agent.episode_log and agent.episode_log[-1][0] <= 3000 + 8
    assert any((tmp_path / "tb").rglob("events.out.tfevents*"))
    loaded = Agent.load(agent.save(tmp_path / "dqn"))
    obs, _ = StubWalk().reset(seed=3)
    np.testing.assert_allclose(loaded.model.policy.q_net(loaded.model.policy.obs_to_tensor(obs)[0]).detach(),
                               agent.model.policy.q_net(agent.model.policy.obs_to_tensor(obs)[0]).detach())
    assert loaded.act(obs) == agent.act(obs)


@pytest.mark.parametrize("env_seed, expected_seeds", [(None, [7, 8]), (100, [100, 101])])
def test_setup_env_seed_sets_the_training_episodes(env_seed, expected_seeds):
    """SB3 re-seeds the env with the model seed (7 here) when the model is built; ``env_seed`` overrides it."""
    agent = SB3Agent("ppo", "LatentWalk-v0", hyperparams={"n_steps": 64, "batch_size": 64}, seed=7)
    agent.setup(make_vec_env(StubWalk, n_envs=2, seed=0), env_seed=env_seed)
    first = agent.model.get_env().reset()
    np.testing.assert_array_equal(first, np.stack([StubWalk().reset(seed=s)[0] for s in expected_seeds]))


def test_ppo_runs_and_round_trips(tmp_path):
    agent = SB3Agent("ppo", "LatentWalk-v0", hyperparams={"n_timesteps": 256, "n_steps": 64, "batch_size": 64},
                     seed=1)
    agent.setup(make_vec_env(StubWalk, n_envs=2, seed=1))
    agent.learn()
    loaded = Agent.load(agent.save(tmp_path / "ppo"))
    for s in range(3):
        obs, _ = StubWalk().reset(seed=s)
        assert loaded.act(obs) == agent.act(obs)


def test_make_vec_env_on_latent_codebook_uses_dummy_vec_env():
    """LatentCodebook's native vector env has next-step autoreset, which SB3 cannot use: DummyVecEnv it is."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    from agents.benchmark.suite import tiny_models
    from agents.sb3 import make_vec_env as agents_make_vec_env

    models = tiny_models()
    vec = agents_make_vec_env("LatentCodebook-v0", 2, 0, {"generator": models["generator"],
                                                         "discriminator": models["discriminator"], "num_arms": 4})
    assert isinstance(vec, DummyVecEnv)
    obs = vec.reset()
    _, reward, _, _ = vec.step(np.array([0, 3]))
    assert obs.shape[0] == 2 and reward.shape == (2,)
    vec.close()
