"""LatentWalk-v0: spaces, dynamics, rewards, episodes, validation, vector env equivalence, SB3."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import gan_latent_env  # noqa: F401  (registers the ids)
from gan.data.schema import NUM_VARIANTS, ONE_HOT_DIM, one_hot
from gan_latent_env.envs.latent_walk import LatentWalkEnv, LatentWalkVectorEnv

TINY_Z_DIM = 16  # the tiny generator's z_dim (tests/envs/conftest.py)


def make(tiny_models, **kwargs) -> LatentWalkEnv:
    return LatentWalkEnv(**{**tiny_models.kwargs(), **kwargs})


def make_vec(tiny_models, n, **kwargs) -> LatentWalkVectorEnv:
    return gym.make_vec("LatentWalk-v0", num_envs=n, vectorization_mode="vector_entry_point", **tiny_models.kwargs(), **kwargs)


# -- spaces and API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("obs_mode", ["latent_target", "latent", "image", "dict"])
def test_spaces_and_checkers(tiny_models, obs_mode):
    kwargs = {"obs_mode": obs_mode, "render_size": 32, "render_target": False}
    env = gym.make("LatentWalk-v0", **kwargs, **tiny_models.kwargs()).unwrapped
    assert env.action_space == gym.spaces.Discrete(2 * TINY_Z_DIM)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, skip_render_check=False)
        from stable_baselines3.common.env_checker import check_env as sb3_check_env

        sb3_check_env(env, warn=True)
    obs, info = env.reset(seed=0)
    assert obs in env.observation_space
    space = env.observation_space
    if obs_mode == "latent_target":
        assert space.shape == (TINY_Z_DIM + ONE_HOT_DIM,) and space.dtype == np.float32 and obs.dtype == np.float32
        np.testing.assert_array_equal(obs[:TINY_Z_DIM], env.z)
        np.testing.assert_array_equal(obs[TINY_Z_DIM:], one_hot(env.target))
    elif obs_mode == "latent":
        assert space.shape == (TINY_Z_DIM,) and obs.dtype == np.float32
    elif obs_mode == "image":
        assert space.shape == (64, 64, 3) and space.dtype == np.uint8 and obs.dtype == np.uint8
    else:
        assert set(obs) == {"latent", "target", "image"} and obs["image"].shape == (64, 64, 3)
    _, reward, terminated, truncated, info = env.step(0)
    assert type(reward) is float and type(terminated) is bool and type(truncated) is bool
    assert set(info) == {"realism", "cosine", "score", "matched_count", "matched"}
    assert info["matched"].shape == (18,) and info["matched"].dtype == bool
    assert info["matched_count"] == int(info["matched"].sum())


def test_render(tiny_models):
    env = make(tiny_models, render_mode="rgb_array", render_size=32)
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.shape == (32, 64, 3)
    env2 = make(tiny_models, render_mode="rgb_array", render_size=32, render_target=False)
    env2.reset(seed=0)
    assert env2.render().shape == (32, 32, 3)
    np.testing.assert_array_equal(env2.render(), frame[:, :32])


def test_record_video(tiny_models, tmp_path):
    """gymnasium's RecordVideo writes an episode of rgb_array frames to an mp4 (moviepy is a test extra)."""
    from moviepy import VideoFileClip

    env = gym.make("LatentWalk-v0", render_mode="rgb_array", render_size=32, max_steps=5, **tiny_models.kwargs())
    env = gym.wrappers.RecordVideo(env, str(tmp_path / "videos"), episode_trigger=lambda episode: True, disable_logger=True)
    env.reset(seed=0)
    done = False
    while not done:
        _, _, terminated, truncated, _ = env.step(0)
        done = terminated or truncated
    env.close()
    (video,) = (tmp_path / "videos").glob("*.mp4")
    with VideoFileClip(str(video)) as clip:
        assert tuple(clip.size) == (64, 32)  # width, height: the face beside its target
        frames = list(clip.iter_frames())
    assert len(frames) == 6  # the reset frame and 5 steps
    assert clip.fps == env.metadata["render_fps"]


# -- dynamics ---------------------------------------------------------------------------------------


def test_action_semantics_and_clipping(tiny_models):
    env = make(tiny_models, delta=0.5, max_steps=100)
    env.reset(seed=3)
    d = TINY_Z_DIM
    for action, coord, sign in [(2, 2, 1.0), (d + 5, 5, -1.0), (0, 0, 1.0), (2 * d - 1, d - 1, -1.0)]:
        before = env.z
        env.step(action)
        after = env.z
        expected = before.copy()
        expected[coord] = np.clip(np.float32(before[coord]) + np.float32(sign * 0.5), -3, 3)
        np.testing.assert_array_equal(after, expected)
    for _ in range(14):  # 14 * 0.5 > 6: from anywhere in [-3, 3] to the upper bound
        env.step(1)
    assert env.z[1] == np.float32(3.0)
    env.step(1)
    assert env.z[1] == np.float32(3.0)
    for _ in range(14):
        env.step(d + 1)
    assert env.z[1] == np.float32(-3.0)


def test_start_state_is_clipped_normal(tiny_models):
    env = make(tiny_models, z_bound=0.5)
    obs, _ = env.reset(seed=0)
    z = env.z
    assert np.all(np.abs(z) <= 0.5) and np.any(np.abs(z) == 0.5)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(0)))
    np.testing.assert_array_equal(z, np.clip(rng.standard_normal(TINY_Z_DIM), -0.5, 0.5).astype(np.float32))


def test_relative_reward_is_score_difference(tiny_models):
    env = make(tiny_models, max_steps=10)
    _, info = env.reset(seed=5)
    prev = info["score"]
    rng = np.random.default_rng(0)
    rewards = []
    for _ in range(10):
        _, reward, _, _, info = env.step(int(rng.integers(2 * TINY_Z_DIM)))
        assert reward == (info["score"] - prev) * 100
        assert info["score"] == pytest.approx(0.7 * info["realism"] + 0.3 * info["cosine"], abs=1e-6)
        prev = info["score"]
        rewards.append(reward)
    assert np.any(np.abs(rewards) > 1e-3)  # the tiny models' scores really move


def test_absolute_reward_and_weights(tiny_models):
    env = make(tiny_models, reward_mode="absolute", reward_scale=1.0, w_real=1.0, w_attr=0.0)
    env.reset(seed=5)
    _, reward, _, _, info = env.step(0)
    assert reward == info["score"] == pytest.approx(info["realism"], abs=1e-7)


def test_truncation_after_max_steps(tiny_models):
    env = make(tiny_models, max_steps=4)
    env.reset(seed=0)
    flags = [env.step(0)[3] for _ in range(4)]
    assert flags == [False, False, False, True]


def test_termination_bonus_when_all_attributes_match(tiny_models):
    env = make(tiny_models, terminate_on_match=True, match_bonus=5.0, delta=0.01)
    env.reset(seed=2)
    with torch.no_grad():
        predicted = env.scorer(torch.from_numpy(env.z)[None], torch.zeros(1, ONE_HOT_DIM)).predicted[0].numpy()
    _, info = env.reset(seed=2, options={"target": predicted})
    assert info["matched_count"] == 18
    prev = info["score"]
    _, reward, terminated, _, info = env.step(0)
    assert info["matched_count"] == 18 and terminated is True
    assert reward == (info["score"] - prev) * 100 + 5.0
    other = make(tiny_models, delta=0.01)  # without terminate_on_match: no termination, no bonus
    other.reset(seed=2, options={"target": predicted})
    _, reward2, terminated2, _, _ = other.step(0)
    assert terminated2 is False and reward2 == reward - 5.0


def test_options_and_fixed_target(tiny_models):
    target = np.array([n - 1 for n in NUM_VARIANTS])
    env = make(tiny_models)
    obs, _ = env.reset(seed=0, options={"target": target})
    np.testing.assert_array_equal(env.target, target)
    np.testing.assert_array_equal(obs[TINY_Z_DIM:], one_hot(target))
    _, _ = env.reset()
    assert not np.array_equal(env.target, target)  # the option holds for one episode
    fixed = make(tiny_models, target=target.tolist())
    for seed in (0, 1):
        fixed.reset(seed=seed)
        np.testing.assert_array_equal(fixed.target, target)


def test_seeded_determinism(tiny_models):
    a, b = make(tiny_models, max_steps=5), make(tiny_models, max_steps=5)
    actions = np.random.default_rng(1).integers(0, 2 * TINY_Z_DIM, size=12)
    for env in (a, b):
        env.reset(seed=42)
    for t, act in enumerate(actions):
        ra, rb = a.step(int(act)), b.step(int(act))
        np.testing.assert_array_equal(ra[0], rb[0])
        assert ra[1:4] == rb[1:4]
        if ra[3]:  # continue with unseeded resets: still reproducible
            np.testing.assert_array_equal(a.reset()[0], b.reset()[0])
    o1, _ = a.reset(seed=7)
    o2, _ = a.reset(seed=8)
    assert not np.array_equal(o1, o2)


# -- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"delta": 0}, "delta"),
        ({"delta": -0.25}, "delta"),
        ({"z_bound": 0}, "z_bound"),
        ({"max_steps": 0}, "max_steps"),
        ({"w_real": -0.1}, "w_real"),
        ({"w_attr": -1}, "w_attr"),
        ({"w_real": 0, "w_attr": 0}, "w_real and w_attr"),
        ({"obs_mode": "pixels"}, "obs_mode"),
        ({"reward_mode": "log"}, "reward_mode"),
        ({"reward_scale": 0}, "reward_scale"),
        ({"target": [0] * 17}, "target"),
        ({"target": [0] * 17 + [3]}, "target"),
        ({"target": [0.5] * 18}, r"target must be 18 integer variant indices \(schema order\), got a list of 18 float items"),
        ({"target": np.zeros(18)}, r"target must be 18 integer variant indices .*got a numpy array of dtype float64 and shape \(18,\)"),
        ({"target": torch.zeros(18)}, r"target must be 18 integer variant indices .*got a torch.Tensor of dtype torch.float32"),
        ({"target": [True] * 18}, r"target must be 18 integer variant indices .*got a list of 18 bool items"),
        ({"target": "0" * 18}, r"target must be 18 integer variant indices .*got '0+' \(str\)"),
        ({"target": [0] * 17}, r"target must have shape \(18,\), got \(17,\): a list of 17 int items"),
        ({"z_dim": TINY_Z_DIM + 1}, "z_dim"),
        ({"device": "tpu"}, "device"),
        ({"render_mode": "human"}, "render_mode"),
        ({"terminate_on_match": "yes"}, "terminate_on_match"),
        ({"image_obs_size": 0}, "image_obs_size"),
    ],
)
def test_bad_arguments(tiny_models, kwargs, name):
    with pytest.raises(ValueError, match=name):
        make(tiny_models, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"z_bound": 1e39}, r"z_bound must be finite in float32 .*got 1e\+39"),
        ({"delta": 1e39, "z_bound": 1e39}, r"delta must be finite in float32"),
        ({"delta": 1e-50}, r"delta must be > 0 in float32 \(it rounds to 0"),
        ({"z_bound": 1e-50, "delta": 1e-50}, r"delta must be > 0 in float32"),
        ({"reward_scale": 1e308}, r"reward_scale must be finite in float32"),
        ({"match_bonus": -1e39}, r"match_bonus must be finite in float32"),
        ({"w_real": 1e39}, r"w_real must be finite in float32"),
        ({"z_bound": float("inf")}, r"z_bound must be a number > 0 \(finite\), got inf"),
        ({"z_bound": 10**400}, r"z_bound must be a number > 0 \(finite\)"),
        ({"delta": "0.5"}, r"delta must be a number > 0, got '0.5' \(str\)"),
        ({"max_steps": 5.0}, r"max_steps must be an integer >= 1, got 5.0"),
    ],
)
def test_bad_float32_and_number_arguments_say_what_is_wrong(tiny_models, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(tiny_models, **kwargs)


def test_numpy_scalar_arguments_give_a_json_ready_config(tiny_models):
    """Numpy scalars are accepted and stored as Python values, so config.to_dict() is JSON-serialisable."""
    import json

    kwargs = {
        "max_steps": np.int64(5), "delta": np.float32(0.5), "z_bound": np.float64(3.0), "w_real": np.float32(0.5),
        "w_attr": np.int32(1), "reward_scale": np.float32(10), "match_bonus": np.float16(2), "image_obs_size": np.int16(32),
        "terminate_on_match": np.bool_(True), "render_target": np.bool_(False),
    }  # fmt: skip
    env = make(tiny_models, **kwargs)
    d = env.config.to_dict()
    json.dumps(d)
    for key, value in kwargs.items():
        assert type(d[key]) in (int, float, bool) and d[key] == value.item(), key
    env.reset(seed=0)
    assert env.step(0)[3] is False
    vec = make_vec(tiny_models, 2, **kwargs)
    json.dumps(vec.unwrapped.config.to_dict())


def test_envs_never_change_the_modules_they_are_given(tiny_models):
    """Train-mode modules are copied (the user's keep their mode, gradients, weights and BatchNorm statistics);
    eval-mode modules on the env's device are used as-is, shared with the user."""
    from conftest import assert_unchanged, make_train_mode_models, snapshot

    user = make_train_mode_models()
    before = snapshot(user)
    for env, action in ((LatentWalkEnv(**user.kwargs()), 0), (make_vec(user, 2), np.zeros(2, dtype=np.int64))):
        env.reset(seed=0)
        env.step(action)
        scorer = env.unwrapped.scorer
        assert scorer.generator is not user.generator and scorer.classifier is not user.classifier
        assert not any(m.training for m in scorer.generator.modules())
    assert_unchanged(user, before)
    shared = make(tiny_models).scorer
    assert shared.generator is tiny_models.generator and shared.discriminator is tiny_models.discriminator


def test_bad_models_and_options(tiny_models, tmp_path):
    with pytest.raises(ValueError, match="generator"):
        LatentWalkEnv(generator=3, discriminator=tiny_models.discriminator, classifier=tiny_models.classifier, device="cpu")
    with pytest.raises(FileNotFoundError, match="discriminator"):
        LatentWalkEnv(
            generator=tiny_models.generator, discriminator=tmp_path / "nope.safetensors", classifier=tiny_models.classifier, device="cpu"
        )
    env = make(tiny_models)
    with pytest.raises(RuntimeError, match="before reset"):
        env.step(0)
    with pytest.raises(ValueError, match=r"options\['target'\]"):
        env.reset(options={"target": [99] * 18})
    with pytest.raises(ValueError, match="unknown key"):
        env.reset(options={"goal": 1})


@pytest.mark.parametrize("action", [2 * TINY_Z_DIM, -1, 1.5, "0", None])
def test_invalid_action(tiny_models, action):
    env = make(tiny_models)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(action)


def test_models_from_paths(tiny_models, tmp_path):
    from gan.models import save_model

    paths = {}
    for role in ("generator", "discriminator", "classifier"):
        paths[role] = str(save_model(getattr(tiny_models, role), tmp_path / f"{role}.safetensors"))
    env = gym.make("LatentWalk-v0", device="cpu", **paths)
    ref = make(tiny_models)
    np.testing.assert_array_equal(env.reset(seed=1)[0], ref.reset(seed=1)[0])
    assert env.step(3)[1] == ref.step(3)[1]
    env.spec.to_json()  # path arguments keep the spec JSON-serialisable
    with pytest.raises(ValueError, match="classifier"):
        LatentWalkEnv(generator=paths["generator"], discriminator=paths["discriminator"], classifier=paths["generator"], device="cpu")


# -- vector env ----------------------------------------------------------------------------------------


def _sync(tiny_models, n, mode=AutoresetMode.NEXT_STEP, **kwargs):
    return gym.vector.SyncVectorEnv(
        [lambda: make(tiny_models, **kwargs) for _ in range(n)], autoreset_mode=mode
    )


def _assert_same_info(native, sync, keys):
    for key in keys:
        np.testing.assert_array_equal(native[key], sync[key], err_msg=key)
        np.testing.assert_array_equal(native[f"_{key}"], sync[f"_{key}"], err_msg=key)
        assert native[key].dtype == sync[key].dtype, key


@pytest.mark.parametrize("obs_mode", ["latent_target", "dict"])
def test_vector_env_is_bit_identical_to_single_envs(tiny_models, obs_mode):
    """Native vector env == SyncVectorEnv of single envs (seeds s+i), across next-step autoresets."""
    n, kwargs = 3, {"max_steps": 4, "obs_mode": obs_mode, "terminate_on_match": True}
    native, sync = make_vec(tiny_models, n, **kwargs), _sync(tiny_models, n, **kwargs)
    assert native.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    keys = ("realism", "cosine", "score", "matched_count", "matched")
    o1, i1 = native.reset(seed=10)
    o2, i2 = sync.reset(seed=10)
    assert gym.utils.env_checker.data_equivalence(o1, o2, exact=True)
    _assert_same_info(i1, i2, keys)
    rng = np.random.default_rng(0)
    for _ in range(11):
        actions = rng.integers(0, 2 * TINY_Z_DIM, size=n)
        r1, r2 = native.step(actions), sync.step(actions)
        assert gym.utils.env_checker.data_equivalence(r1[0], r2[0], exact=True)
        for a, b in zip(r1[1:4], r2[1:4]):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
        _assert_same_info(r1[4], r2[4], keys)
        assert r1[0] in native.observation_space


def _target_matched_at(tiny_models, seed):
    """The classifier's reading of the start latent of a walk seeded ``seed``: a target it matches at once."""
    probe = make(tiny_models)
    probe.reset(seed=seed)
    with torch.no_grad():
        return probe.scorer(torch.from_numpy(probe.z)[None], torch.zeros(1, ONE_HOT_DIM)).predicted[0].numpy()


@pytest.mark.parametrize("case", ["all_truncate", "some_terminate"])
def test_vector_env_same_step_autoreset(tiny_models, case):
    """Same-step autoreset == SyncVectorEnv(SAME_STEP) exactly: observations, rewards, flags and the whole
    info, final_obs and final_info included (zeros / None in the rows that did not finish)."""
    from gymnasium.utils.env_checker import data_equivalence

    n, seed = 3, 3
    if case == "all_truncate":
        kwargs = {"max_steps": 3}
    else:  # sub-env 0 starts on its target, so it alone terminates at the first step; the others go on
        kwargs = {"max_steps": 4, "terminate_on_match": True, "delta": 1e-6, "target": _target_matched_at(tiny_models, seed).tolist()}
    native = make_vec(tiny_models, n, autoreset_mode="same_step", **kwargs)
    sync = _sync(tiny_models, n, AutoresetMode.SAME_STEP, **kwargs)
    assert native.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert data_equivalence(native.reset(seed=seed), sync.reset(seed=seed), exact=True)
    partial = 0
    for t in range(7):
        actions = np.array([t, 2 * TINY_Z_DIM - 1 - t, t % TINY_Z_DIM])
        r1, r2 = native.step(actions), sync.step(actions)
        assert data_equivalence(r1, r2, exact=True), (t, r1[4], r2[4])
        done = r1[2] | r1[3]
        if done.any():
            assert "final_info" in r1[4]
            np.testing.assert_array_equal(r1[4]["_final_info"], done)
        if done.any() and not done.all():
            partial += 1
            for key in ("realism", "score", "matched_count", "matched"):
                assert not r1[4]["final_info"][key][~done].any(), key
        for key in ("score", "matched"):
            assert r1[4][key].dtype == r2[4][key].dtype
    assert partial >= (1 if case == "some_terminate" else 0)


def test_vector_env_api_and_validation(tiny_models):
    env = make_vec(tiny_models, 4)
    assert env.observation_space.shape == (4, TINY_Z_DIM + ONE_HOT_DIM)
    assert env.action_space == gym.spaces.MultiDiscrete([2 * TINY_Z_DIM] * 4)
    obs, info = env.reset(seed=0, options={"target": [0] * 18})
    np.testing.assert_array_equal(env.target, np.zeros((4, 18)))
    obs, reward, terminated, truncated, info = env.step(np.zeros(4, dtype=np.int64))
    assert obs.dtype == np.float32 and reward.dtype == np.float64 and terminated.dtype == bool
    with pytest.raises(ValueError, match="invalid action"):
        env.step(np.array([0, 0, 0, 2 * TINY_Z_DIM]))
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="num_envs"):
        make_vec(tiny_models, 0)
    with pytest.raises(ValueError, match="unknown LatentWalk argument"):
        make_vec(tiny_models, 2, deltaa=0.1)
    with pytest.raises(ValueError, match="delta"):
        make_vec(tiny_models, 2, delta=-1)
    with pytest.raises(ValueError, match="autoreset_mode"):
        make_vec(tiny_models, 2, autoreset_mode="sometimes")
    frames = gym.make_vec(
        "LatentWalk-v0", num_envs=2, vectorization_mode="vector_entry_point", render_mode="rgb_array", render_size=32, **tiny_models.kwargs()
    )
    frames.reset(seed=0)
    out = frames.render()
    assert len(out) == 2 and out[0].shape == (32, 64, 3) and out[0].dtype == np.uint8


# -- Stable-Baselines3 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algo", ["DQN", "PPO"])
def test_sb3_trains_on_single_env(tiny_models, algo):
    import stable_baselines3 as sb3

    env = gym.make("LatentWalk-v0", **tiny_models.kwargs())
    if algo == "DQN":
        model = sb3.DQN("MlpPolicy", env, learning_starts=50, buffer_size=500, batch_size=16, policy_kwargs={"net_arch": [16]}, seed=0, device="cpu")
    else:
        model = sb3.PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, policy_kwargs={"net_arch": [16]}, seed=0, device="cpu")
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256


def test_sb3_ppo_on_native_vector_env(tiny_models):
    import stable_baselines3 as sb3
    from stable_baselines3.common.vec_env import VecMonitor

    from gan_latent_env.wrappers import SB3VecEnv, make_sb3_vec_env

    venv = VecMonitor(make_sb3_vec_env("LatentWalk-v0", 4, max_steps=5, **tiny_models.kwargs()))
    model = sb3.PPO("MlpPolicy", venv, n_steps=16, batch_size=32, n_epochs=1, policy_kwargs={"net_arch": [16]}, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    assert model.num_timesteps >= 128 and len(model.ep_info_buffer) > 0
    assert all(ep["l"] == 5 for ep in model.ep_info_buffer)
    with pytest.raises(ValueError, match="same_step"):
        SB3VecEnv(make_vec(tiny_models, 2))


@pytest.mark.parametrize("env_id", ["LatentCodebook-v0", "gan_latent_env:LatentCodebook-v0", "HyperparamTune-v0"])
def test_sb3_adapter_says_which_envs_it_takes(env_id):
    from gan_latent_env.wrappers import make_sb3_vec_env

    short = env_id.split(":")[-1]
    what = "has no native vector env" if short == "HyperparamTune-v0" else "has a native vector env with next-step autoreset only"
    with pytest.raises(ValueError, match=rf"env_id: make_sb3_vec_env needs a native vector env with same-step autoreset "
                                         rf"\(LatentWalk-v0 has one.*{env_id} {what}.*make_vec_env\('{short}'"):
        make_sb3_vec_env(env_id, 2)
