"""HyperparamTune-v0: spaces, checkers, determinism, reward, divergence, budget, instance sets, arguments."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from gan.metrics.frechet import frechet_distance, gaussian_stats
from gan.models import AttributeClassifier, ClassifierConfig, save_model
from gan_latent_env.envs.hyperparam_presets import (
    PRESETS,
    TEST_INSTANCES,
    TRAIN_INSTANCES,
    InstanceSet,
    get_instance_set,
)
from gan_latent_env.envs.hyperparam_tune import (
    OBSERVATION_NAMES,
    HyperparamTuneEnv,
    InvalidActionError,
    ReferenceFrechet,
)


def _classifier() -> AttributeClassifier:
    return AttributeClassifier(ClassifierConfig(image_size=32, width=4, stages=1, blocks_per_stage=1), seed=3)


# An even smaller configuration than the "tiny" preset: one env step is a few tiny batches.
MICRO: dict[str, Any] = {
    "z_dim": 8,
    "ngf": 4,
    "ndf": 4,
    "batch_size": 8,
    "batches_per_step": 2,
    "max_steps": 3,
    "fd_sample_size": 16,
    "num_faces": 32,
    "device": "cpu",
}


def make_env(**kwargs: Any) -> HyperparamTuneEnv:
    return HyperparamTuneEnv(**{**MICRO, "classifier": _classifier(), **kwargs})


def run_episode(env: HyperparamTuneEnv, seed: int, actions: list[np.ndarray]) -> tuple[list, list]:
    obs, _ = env.reset(seed=seed)
    observations, rewards = [obs], []
    for a in actions:
        obs, r, term, trunc, _ = env.step(a)
        observations.append(obs)
        rewards.append(r)
        if term or trunc:
            break
    return observations, rewards


ACTIONS = [np.array([0.3, -0.5], np.float32), np.array([-1.0, 1.0], np.float32), np.array([1.0, 0.0], np.float32)]


def test_spaces_and_dtypes() -> None:
    env = make_env()
    assert env.action_space == gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    assert env.observation_space.shape == (len(OBSERVATION_NAMES),) and env.observation_space.dtype == np.float32
    obs, info = env.reset(seed=0)
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    assert obs[0] == 0.0 and obs[1] == 1.0  # progress 0, fd_norm 1 at reset
    assert obs[4] == 0.0 and obs[5] == 0.0  # hyperparameters of action (0, 0)
    assert info["lr"] == pytest.approx(math.sqrt(1e-4 * 3e-4)) and info["beta1"] == pytest.approx(0.5)
    obs, reward, terminated, truncated, info = env.step(ACTIONS[0])
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    assert type(reward) is float and type(terminated) is bool and type(truncated) is bool
    assert obs[0] == pytest.approx(1 / 3)
    assert info["batches"] == MICRO["batches_per_step"]


def test_gymnasium_env_checker_without_warnings() -> None:
    from gymnasium.utils.env_checker import check_env

    import gan_latent_env  # noqa: F401  (registers the ids; the checker needs a spec for the render check)

    env = gym.make("gan_latent_env:HyperparamTune-v0", **MICRO, classifier=_classifier(), render_mode="rgb_array")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)


def test_sb3_env_checker_without_warnings() -> None:
    from stable_baselines3.common.env_checker import check_env

    env = make_env()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, warn=True)


def test_seeded_episodes_are_bit_identical() -> None:
    a, b = make_env(), make_env()
    obs_a, rew_a = run_episode(a, 11, ACTIONS)
    obs_b, rew_b = run_episode(b, 11, ACTIONS)
    assert len(obs_a) == len(obs_b) == 4
    for x, y in zip(obs_a, obs_b):
        assert np.array_equal(x, y)
    assert rew_a == rew_b
    # reset(seed) then reset() continues reproducibly: the second episode is the same in both envs
    obs_a2, rew_a2 = run_episode(a, None, ACTIONS)  # type: ignore[arg-type]
    obs_b2, rew_b2 = run_episode(b, None, ACTIONS)  # type: ignore[arg-type]
    assert all(np.array_equal(x, y) for x, y in zip(obs_a2, obs_b2)) and rew_a2 == rew_b2


def test_action_mapping_reaches_the_trainer() -> None:
    env = make_env()
    assert env.action_to_hyperparams(np.array([-1.0, -1.0])) == pytest.approx((1e-4, 0.3))
    assert env.action_to_hyperparams(np.array([1.0, 1.0])) == pytest.approx((3e-4, 0.7))
    assert env.action_to_hyperparams(np.array([0.0, 0.5])) == pytest.approx((math.sqrt(3) * 1e-4, 0.6))
    env.reset(seed=0)
    obs, _, _, _, info = env.step(np.array([1.0, -1.0], np.float32))
    hp = env.unwrapped._trainer.hyperparams
    assert hp["lr"] == pytest.approx(3e-4) and hp["lr_d"] == pytest.approx(3e-4) and hp["beta1"] == pytest.approx(0.3)
    assert (info["lr"], info["beta1"]) == pytest.approx((3e-4, 0.3))
    assert obs[4] == 1.0 and obs[5] == -1.0


def test_reward_is_the_documented_sum() -> None:
    env = make_env(w_fd=2.0, w_bal=0.5, w_div=0.25)
    obs0, info0 = env.reset(seed=1)
    obs1, reward, terminated, _, info = env.step(ACTIONS[0])
    assert not terminated and info["divergence"] is None
    fd_term = 2.0 * (info0["fd"] - info["fd"]) / info0["fd_initial"]
    expected = fd_term - 0.5 * abs(info["loss_g"] - info["loss_d"]) + 0.25 * info["diversity"]
    assert reward == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert info["fd_norm"] == pytest.approx(info["fd"] / info0["fd_initial"])
    assert obs1[1] == np.float32(info["fd_norm"])
    squash = lambda x: np.float32(x / (1.0 + x))  # noqa: E731
    assert (obs1[2], obs1[3]) == (squash(info["loss_g"]), squash(info["loss_d"]))
    assert 0.0 <= obs1[6] <= 1.0 and 0.0 <= obs1[7] <= 1.0 and info["diversity"] > 0.0
    # one weight alone isolates its term
    only_div = make_env(w_fd=0.0, w_bal=0.0, w_div=1.0)
    only_div.reset(seed=1)
    _, r, _, _, info = only_div.step(ACTIONS[0])
    assert r == pytest.approx(info["diversity"])


def test_budget_truncates() -> None:
    env = make_env()
    env.reset(seed=2)
    flags = [env.step(np.zeros(2, np.float32))[2:4] for _ in range(MICRO["max_steps"])]
    assert flags == [(False, False), (False, False), (False, True)]
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(2, np.float32))


def test_forced_divergence_terminates_with_penalty_and_never_raises() -> None:
    # an lr range far outside the sane one makes Adam's first update overflow: a non-finite loss
    env = make_env(lr_range=(1e20, 1e30), divergence_penalty=7.5)
    obs0, _ = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(np.ones(2, np.float32))
    assert terminated and not truncated
    assert reward == -7.5
    assert "non-finite" in info["divergence"]
    assert info["batches"] <= MICRO["batches_per_step"]
    assert env.observation_space.contains(obs) and np.isfinite(obs).all()
    assert np.array_equal(obs[[1, 2, 3, 6, 7]], obs0[[1, 2, 3, 6, 7]])  # measured entries repeat the last finite ones
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(2, np.float32))
    env.reset(seed=0)  # a new episode starts normally


class ShiftedPooledPixels(torch.nn.Module):
    """A stand-in feature extractor: the 2x2 average-pooled image (12 features) plus a settable offset."""

    config = SimpleNamespace(image_size=32)

    def __init__(self) -> None:
        super().__init__()
        self.offset = 0.0

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.adaptive_avg_pool2d(x, 2).flatten(1) + self.offset


def test_fd_blowup_terminates() -> None:
    # the feature space moves after reset, so the generated samples end far from the real statistics
    # (a train-mode module: the env works on its own copy, env.classifier, and that is what moves)
    features = ShiftedPooledPixels()
    env = make_env(classifier=features, divergence_penalty=3.0)
    env.reset(seed=0)
    env.classifier.offset = 10.0
    obs, reward, terminated, truncated, info = env.step(np.zeros(2, np.float32))
    assert info["fd_norm"] > env.fd_blowup == 5.0
    assert terminated and not truncated and reward == -3.0
    assert "Fréchet distance blew up" in info["divergence"]
    assert env.observation_space.contains(obs)
    # a threshold above the reached value lets the episode go on
    assert features.offset == 0.0  # the module passed is unchanged
    env = make_env(classifier=features, fd_blowup=10.0 * info["fd_norm"])
    env.reset(seed=0)
    env.classifier.offset = 10.0
    assert not env.step(np.zeros(2, np.float32))[2]


@pytest.mark.parametrize(
    "action",
    [np.zeros(3, np.float32), np.array([np.nan, 0.0]), np.array([1.5, 0.0]), np.array([0.0, -1.01]), "left", None],
)
def test_invalid_actions_raise(action: Any) -> None:
    env = make_env()
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="action"):
        env.step(action)


def test_step_before_reset_raises() -> None:
    with pytest.raises(RuntimeError, match="reset"):
        make_env().step(np.zeros(2, np.float32))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"w_fd": -1.0}, "w_fd"),
        ({"w_bal": -0.1}, "w_bal"),
        ({"w_div": float("nan")}, "w_div"),
        ({"w_fd": 0.0, "w_bal": 0.0, "w_div": 0.0}, "all zero"),
        ({"divergence_penalty": -1.0}, "divergence_penalty"),
        ({"fd_blowup": 1.0}, "fd_blowup"),
        ({"fd_blowup": 1e39}, r"fd_blowup must be finite in float32 .*got 1e\+39"),
        ({"divergence_penalty": 1e39}, r"divergence_penalty must be finite in float32"),
        ({"w_fd": "1"}, r"w_fd must be a number >= 0, got '1' \(str\)"),
        ({"lr_range": (3e-4, 1e-4)}, "lr_range"),
        ({"lr_range": (0.0, 1e-4)}, "lr_range"),
        ({"lr_range": 1e-4}, r"lr_range must be a pair \(low, high\) of numbers, got 0.0001 \(float\)"),
        ({"lr_range": "12"}, r"lr_range must be a pair \(low, high\) of numbers, got '12' \(str\)"),
        ({"beta1_range": b"12"}, r"beta1_range must be a pair \(low, high\) of numbers, got b'12' \(bytes\)"),
        ({"lr_range": (1e-4, 2e-4, 3e-4)}, r"lr_range must be a pair \(low, high\) of numbers, got 3 values"),
        ({"lr_range": ("1e-4", 3e-4)}, r"lr_range must be a pair \(low, high\) of numbers, got '1e-4' \(str\)"),
        ({"beta1_range": (True, 0.5)}, r"beta1_range must be a pair \(low, high\) of numbers, got True \(bool\)"),
        ({"lr_range": {1e-4, 3e-4}}, r"lr_range must be a pair \(low, high\) of numbers, got .* \(set\)"),
        ({"beta1_range": (0.3, 1.0)}, "beta1_range"),
        ({"preset": "huge"}, "preset"),
        ({"ngf": 0}, "ngf"),
        ({"image_size": 48}, "image_size"),
        ({"fd_sample_size": 1}, "fd_sample_size"),
        ({"num_faces": 4}, "num_faces"),
        ({"instance_set": []}, "instance_set"),
        ({"instance_set": "validation"}, "instance_set"),
        ({"instance_set": [1, 1]}, "instance_set"),
        ({"render_mode": "human"}, "render_mode"),
        ({"render_samples": 0}, "render_samples"),
        ({"classifier": 42}, "classifier"),
        ({"classifier": torch.nn.Linear(2, 2)}, "classifier"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        make_env(**kwargs)


def test_ranges_take_any_pair_of_numbers() -> None:
    import json

    env = make_env(lr_range=np.array([1e-4, 3e-4]), beta1_range=[np.float32(0.25), 1 / 2])
    assert env.lr_range == (1e-4, 3e-4) and env.beta1_range == (0.25, 0.5)
    assert all(type(v) is float for v in env.lr_range + env.beta1_range)
    json.dumps(env.config)


def test_the_classifier_passed_is_never_changed() -> None:
    """The features run under no_grad on an eval-mode classifier; the user's module keeps its mode and
    requires_grad (a train-mode one is copied, an eval-mode one on the device is shared)."""
    user = _classifier()
    assert user.training
    env = make_env(classifier=user)
    env.reset(seed=0)
    env.step(ACTIONS[0])
    assert user.training and all(p.requires_grad for p in user.parameters())
    assert env.classifier is not user and not env.classifier.training
    assert all(p.requires_grad for p in env.classifier.parameters())  # not needed: _features runs under no_grad
    shared = _classifier().eval()
    assert make_env(classifier=shared).classifier is shared and all(p.requires_grad for p in shared.parameters())


def test_reset_options() -> None:
    env = make_env(instance_set="test")
    _, info = env.reset(seed=0, options={"instance_index": 3})
    assert info["instance_seed"] == TEST_INSTANCES.seeds[3]
    with pytest.raises(ValueError, match="instance_index"):
        env.reset(options={"instance_index": len(TEST_INSTANCES)})
    with pytest.raises(ValueError, match="unknown keys"):
        env.reset(options={"lr": 1.0})


def test_instance_sets_are_explicit_and_disjoint() -> None:
    assert set(TRAIN_INSTANCES.seeds).isdisjoint(TEST_INSTANCES.seeds)
    assert get_instance_set("train") is TRAIN_INSTANCES and get_instance_set([5, 6]).seeds == (5, 6)
    assert InstanceSet("mine", (4,)).to_dict() == {"name": "mine", "seeds": [4]}
    # the instance seed fixes the training run: the same instance from another set gives the same episode
    a = make_env(instance_set=[TRAIN_INSTANCES.seeds[5]])
    b = make_env(instance_set="train")
    obs_a, rew_a = run_episode(a, 0, ACTIONS[:1])
    b.reset(seed=0, options={"instance_index": 5})
    obs_b, rew_b, *_ = b.step(ACTIONS[0])
    assert np.array_equal(obs_a[1], obs_b) and rew_a[0] == rew_b


def test_presets_follow_the_issue() -> None:
    ref = PRESETS["reference"]
    assert (ref.image_size, ref.ngf, ref.batch_size, ref.batches_per_step) == (64, 64, 32, 50)
    tiny = PRESETS["tiny"]
    assert tiny.image_size <= 32 and tiny.ngf <= 16 and tiny.batches_per_step < ref.batches_per_step


def test_render_is_a_uint8_grid() -> None:
    env = make_env(render_mode="rgb_array", render_samples=4)
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert frame.shape[0] == frame.shape[1] == 2 * 32 + 3 * 2  # 2x2 grid of 32 px with 2 px padding
    assert make_env().render() is None


def test_config_echo_and_classifier_from_path(tmp_path) -> None:
    path = save_model(_classifier(), tmp_path / "clf.safetensors")
    env = HyperparamTuneEnv(**{**MICRO, "classifier": str(path)})
    cfg = env.config
    assert cfg["classifier"] == str(path) and cfg["ngf"] == 4 and cfg["preset"] == "tiny"
    assert cfg["instance_set"]["name"] == "train"
    import json

    json.dumps(cfg)
    with pytest.raises(FileNotFoundError, match="classifier"):
        HyperparamTuneEnv(**{**MICRO, "classifier": str(tmp_path / "missing.safetensors")})


def test_reference_frechet_matches_the_metrics_module() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6))
    fake = rng.normal(0.3, 1.2, size=(200, 6))
    ref = ReferenceFrechet(real)
    assert ref.distance(fake) == pytest.approx(frechet_distance(gaussian_stats(fake), gaussian_stats(real)), rel=1e-9)
    # fewer samples than dimensions: the Gram-matrix path equals the eigenvalue formula on full matrices
    real = rng.normal(size=(300, 40))
    fake = rng.normal(size=(10, 40)) * 2.0
    ref = ReferenceFrechet(real)
    s_fake, s_real = np.cov(fake, rowvar=False), np.cov(real, rowvar=False)
    trace_root = np.sqrt(np.clip(np.linalg.eigvals(s_fake @ s_real).real, 0, None)).sum()
    diff = fake.mean(0) - real.mean(0)
    expected = diff @ diff + np.trace(s_fake) + np.trace(s_real) - 2 * trace_root
    assert ref.distance(fake) == pytest.approx(expected, rel=1e-6)


def test_registered_id_makes_the_env() -> None:
    import gan_latent_env  # noqa: F401  (registers the ids)

    if "HyperparamTune-v0" not in gym.registry:
        pytest.fail("HyperparamTune-v0 is not registered by gan_latent_env.register_envs()")
    spec = gym.spec("HyperparamTune-v0")
    assert isinstance(spec.entry_point, str) and spec.vector_entry_point is None
    env = gym.make("gan_latent_env:HyperparamTune-v0", **MICRO, classifier=_classifier())
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    env.close()


def test_sb3_ppo_runs_a_few_steps() -> None:
    from stable_baselines3 import PPO

    env = make_env()
    model = PPO("MlpPolicy", env, n_steps=8, batch_size=8, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=8)
    action, _ = model.predict(env.reset(seed=0)[0], deterministic=True)
    assert env.action_space.shape == action.shape


@pytest.mark.slow
def test_tiny_preset_whole_episode_with_the_bundled_classifier() -> None:
    """A whole default ("tiny") episode with the bundled classifier, reset included, runs to truncation with
    finite observations. (Its speed is measured by benchmarks/hyperparam_overhead.py, not asserted here.)"""
    from gan.pretrained import available

    if not available():
        pytest.skip("bundled pretrained weights are not present")
    env = HyperparamTuneEnv(device="cpu")
    obs, _ = env.reset(seed=0)
    env.action_space.seed(0)
    steps, done, truncated = 0, False, False
    while not done:
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        steps += 1
        assert np.all(np.isfinite(obs))
        done = terminated or truncated
    assert truncated and steps == env.unwrapped.config["max_steps"]
