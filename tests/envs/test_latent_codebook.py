"""LatentCodebook-v0: the bandit over a latent codebook (arm means, regret, seeding, vector env)."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env, data_equivalence
from gymnasium.vector import AutoresetMode

import gan_latent_env  # noqa: F401  (registers the ids)
from gan.data.schema import NUM_VARIANTS, one_hot
from gan_latent_env.envs.latent_codebook import LatentCodebookEnv

SMALL = {"num_arms": 6, "mc_samples": 16, "horizon": 30}


def make(tiny_models, **kwargs) -> LatentCodebookEnv:
    return LatentCodebookEnv(**{**tiny_models.kwargs(), **SMALL, **kwargs})


def test_checkers_spaces_and_types(tiny_models):
    env = gym.make("LatentCodebook-v0", render_size=32, **tiny_models.kwargs(), **SMALL).unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)
        from stable_baselines3.common.env_checker import check_env as sb3_check_env

        sb3_check_env(env, warn=True)
    assert env.action_space == gym.spaces.Discrete(6)
    obs, info = env.reset(seed=0)
    assert obs.dtype == np.float32 and obs.shape == (1,) and obs in env.observation_space
    assert set(info) == {"best_arm", "best_mean"}
    obs2, reward, terminated, truncated, info = env.step(1)
    np.testing.assert_array_equal(obs, obs2)  # one constant observation
    assert type(reward) is float and terminated is False and type(truncated) is bool
    assert set(info) == {"realism", "arm_mean", "best_arm", "best_mean", "regret"}


def test_deterministic_arms_reward_is_the_arm_mean(tiny_models):
    """With r = 0 each arm is one latent: the reward is exactly its (exact) mean and regret is exact."""
    env = make(tiny_models, arm_radius=0.0)
    env.reset(seed=1)
    means = env.arm_means
    assert len(np.unique(means)) == len(means)  # the tiny models tell the arms apart
    best = int(np.argmax(means))
    for arm in range(6):
        _, reward, _, _, info = env.step(arm)
        assert reward == info["realism"] == pytest.approx(means[arm], abs=1e-7)
        assert info["regret"] == means[best] - means[arm] and info["best_arm"] == best
    assert env.step(best)[4]["regret"] == 0.0
    with torch.no_grad():
        direct = env.scorer(torch.from_numpy(env.codebook)).realism.numpy()
    np.testing.assert_allclose(means, direct, atol=1e-7)


def test_stochastic_arms_average_to_their_means(tiny_models):
    env = make(tiny_models, arm_radius=0.5, mc_samples=256, horizon=2000)
    env.reset(seed=4)
    means = env.arm_means
    for arm in (int(np.argmax(means)), int(np.argmin(means))):
        rewards = np.array([env.step(arm)[1] for _ in range(300)])
        assert rewards.std() > 0  # rewards are stochastic
        stderr = np.hypot(rewards.std() / np.sqrt(300), rewards.std() / np.sqrt(256))
        assert abs(rewards.mean() - means[arm]) < 4 * stderr + 1e-6


def test_attribute_term(tiny_models):
    target = [n - 1 for n in NUM_VARIANTS]
    env = make(tiny_models, arm_radius=0.0, w_real=0.5, w_attr=0.5, target=target)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(2)
    with torch.no_grad():
        z = torch.from_numpy(env.codebook[2:3])
        out = env.scorer(z, torch.from_numpy(one_hot(np.array(target))))
    assert reward == pytest.approx(float(0.5 * out.realism[0] + 0.5 * out.cosine[0]), abs=1e-7)
    assert reward != pytest.approx(info["realism"], abs=1e-4)


def test_instances_and_seeding(tiny_models):
    env = make(tiny_models)
    env.reset(seed=1)
    book1, means1 = env.codebook, env.arm_means
    rewards = [env.step(0)[1] for _ in range(5)]
    env.reset()  # unseeded: same instance, new episode
    np.testing.assert_array_equal(env.codebook, book1)
    env.reset(seed=1)  # same seed: same instance and same pulls
    np.testing.assert_array_equal(env.arm_means, means1)
    assert [env.step(0)[1] for _ in range(5)] == rewards
    env.reset(seed=2)
    assert not np.array_equal(env.codebook, book1)
    fixed = make(tiny_models, codebook_seed=7)
    fixed.reset(seed=1)
    book7 = fixed.codebook
    fixed.reset(seed=2)
    np.testing.assert_array_equal(fixed.codebook, book7)
    other = make(tiny_models, codebook_seed=7)
    other.reset(seed=99)
    np.testing.assert_array_equal(other.codebook, book7)
    np.testing.assert_array_equal(other.arm_means, fixed.arm_means)


def test_horizon(tiny_models):
    env = make(tiny_models, horizon=3)
    env.reset(seed=0)
    assert [env.step(0)[3] for _ in range(3)] == [False, False, True]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"num_arms": 0}, "num_arms"),
        ({"arm_radius": -0.1}, "arm_radius"),
        ({"horizon": 0}, "horizon"),
        ({"mc_samples": 0}, "mc_samples"),
        ({"w_real": -1.0}, "w_real"),
        ({"w_real": 0.0, "w_attr": 0.0}, "w_real and w_attr"),
        ({"codebook_seed": -1}, "codebook_seed"),
        ({"target": [1] * 5, "w_attr": 0.5}, r"target must have shape .*got \(5,\)"),
        ({"z_dim": 100}, "z_dim"),
        ({"device": "gpu0"}, "device"),
    ],
)
def test_bad_arguments(tiny_models, kwargs, name):
    with pytest.raises(ValueError, match=name):
        make(tiny_models, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arm_radius": 1e300}, r"arm_radius must be finite in float32 .*got 1e\+300"),
        ({"arm_radius": float("nan")}, r"arm_radius must be a number >= 0 \(finite\), got nan"),
        ({"w_attr": 1e39, "target": [0] * 18}, r"w_attr must be finite in float32"),
        ({"codebook_seed": -1}, r"codebook_seed must be None or an integer >= 0, got -1"),
        ({"codebook_seed": 2.0}, r"codebook_seed must be None or an integer >= 0, got 2.0"),
        ({"codebook_seed": True}, r"codebook_seed must be None or an integer >= 0, got True"),
        ({"target": [0] * 18}, r"target is given but w_attr=0"),
        ({"target": [0] * 18, "w_attr": 0.0, "w_real": 1.0}, r"target is given but w_attr=0.*pass w_attr > 0"),
    ],
)
def test_bad_arguments_say_what_is_wrong(tiny_models, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(tiny_models, **kwargs)


def test_numpy_scalar_arguments(tiny_models):
    """A numpy codebook_seed works at reset (gymnasium's seeding wants a Python int) and every numpy scalar
    is stored as a Python value, so config.to_dict() is JSON-serialisable."""
    import json

    kwargs = {"codebook_seed": np.int64(3), "num_arms": np.int64(4), "arm_radius": np.float32(0.25),
              "horizon": np.int32(7), "w_real": np.float32(1.0), "mc_samples": np.int64(4)}  # fmt: skip
    env = make(tiny_models, **kwargs)
    env.reset(seed=0)
    ref = make(tiny_models, **{k: v.item() for k, v in kwargs.items()})
    ref.reset(seed=0)
    np.testing.assert_array_equal(env.codebook, ref.codebook)
    assert env.step(1)[1] == ref.step(1)[1]
    d = env.config.to_dict()
    json.dumps(d)
    for key, value in kwargs.items():
        assert type(d[key]) in (int, float, bool) and d[key] == value.item(), key
    vec = gym.make_vec("LatentCodebook-v0", num_envs=2, vectorization_mode="vector_entry_point", **tiny_models.kwargs(), **kwargs)
    vec.reset(seed=0)
    np.testing.assert_array_equal(vec.unwrapped.arm_means[0], env.arm_means)


def test_every_env_has_its_own_observation_space(tiny_models):
    a, b = make(tiny_models), make(tiny_models)
    assert a.observation_space is not b.observation_space and a.observation_space == b.observation_space
    a.observation_space.seed(0)  # seeding one env's space leaves the other's alone
    vec = [gym.make_vec("LatentCodebook-v0", num_envs=2, vectorization_mode="vector_entry_point", **tiny_models.kwargs(), **SMALL)
           for _ in range(2)]  # fmt: skip
    spaces_ = [a.observation_space, b.observation_space] + [v.single_observation_space for v in vec]
    assert len({id(s) for s in spaces_}) == 4


def test_envs_never_change_the_modules_they_are_given(tiny_models):
    from conftest import assert_unchanged, make_train_mode_models, snapshot

    user = make_train_mode_models()
    before = snapshot(user)
    env = make(user, w_attr=0.5)
    env.reset(seed=0)
    env.step(0)
    vec = gym.make_vec("LatentCodebook-v0", num_envs=2, vectorization_mode="vector_entry_point", **user.kwargs(), **SMALL)
    vec.reset(seed=0)
    vec.step(np.array([0, 1]))
    assert env.scorer.generator is not user.generator and vec.unwrapped.scorer.discriminator is not user.discriminator
    assert_unchanged(user, before)
    assert make(tiny_models).scorer.generator is tiny_models.generator  # eval mode, same device: shared


@pytest.mark.parametrize("action", [6, -1, 0.5, None])
def test_invalid_action(tiny_models, action):
    env = make(tiny_models)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(action)
    with pytest.raises(ValueError, match="options"):
        env.reset(options={"target": [0] * 18})


@pytest.mark.parametrize("codebook_seed", [None, 3])
def test_vector_env_is_bit_identical_to_single_envs(tiny_models, codebook_seed):
    n, kwargs = 3, {**SMALL, "horizon": 4, "codebook_seed": codebook_seed}
    native = gym.make_vec("LatentCodebook-v0", num_envs=n, vectorization_mode="vector_entry_point", **tiny_models.kwargs(), **kwargs)
    sync = gym.vector.SyncVectorEnv([lambda: LatentCodebookEnv(**tiny_models.kwargs(), **kwargs) for _ in range(n)])
    assert native.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    o1, i1 = native.reset(seed=20)
    o2, i2 = sync.reset(seed=20)
    assert data_equivalence(o1, o2, exact=True) and data_equivalence(i1, i2, exact=True)
    rng = np.random.default_rng(0)
    for _ in range(10):  # crosses two next-step autoresets
        actions = rng.integers(0, SMALL["num_arms"], size=n)
        r1, r2 = native.step(actions), sync.step(actions)
        for a, b in zip(r1, r2):
            assert data_equivalence(a, b, exact=True), (a, b)
    np.testing.assert_array_equal(native.unwrapped.arm_means[1], sync.envs[1].unwrapped.arm_means)


def test_vector_env_render_and_validation(tiny_models):
    env = gym.make_vec(
        "LatentCodebook-v0", num_envs=2, vectorization_mode="vector_entry_point", render_mode="rgb_array",
        render_size=32, **tiny_models.kwargs(), **SMALL,
    )  # fmt: skip
    env.reset(seed=0)
    env.step(np.array([0, 1]))
    frames = env.render()
    assert len(frames) == 2 and frames[0].shape == (32, 32, 3) and frames[0].dtype == np.uint8
    with pytest.raises(ValueError, match="invalid action"):
        env.step(np.array([0, 6]))
    with pytest.raises(ValueError, match="unknown LatentCodebook argument"):
        gym.make_vec("LatentCodebook-v0", num_envs=2, vectorization_mode="vector_entry_point", arms=3, **tiny_models.kwargs())


@pytest.mark.parametrize("algo", ["DQN", "PPO"])
def test_sb3_runs(tiny_models, algo):
    import stable_baselines3 as sb3

    env = gym.make("LatentCodebook-v0", **tiny_models.kwargs(), **SMALL)
    kwargs = {"policy_kwargs": {"net_arch": [8]}, "seed": 0, "device": "cpu"}
    if algo == "DQN":
        model = sb3.DQN("MlpPolicy", env, learning_starts=50, buffer_size=500, batch_size=16, **kwargs)
    else:
        model = sb3.PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, **kwargs)
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256
