"""Every registered id: registration, both env checkers, seeded determinism, render, make_vec.

The tests are parametrized over ``gan_latent_env.ENV_IDS``, so a new env is tested as soon as it is
registered. ``env_kwargs`` gives each id small, fast settings (tiny models for the latent envs); an id
without an entry is made with its defaults.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence
from gymnasium.vector import AutoresetMode

import gan_latent_env
from gan_latent_env import ENV_IDS, register_envs

LATENT_IDS = ("LatentWalk-v0", "LatentCodebook-v0")


@pytest.fixture(scope="module")
def tiny_paths(tmp_path_factory, tiny_models) -> dict[str, str]:
    """The tiny models saved as safetensors files (path arguments keep env specs JSON-serialisable)."""
    from gan.models import save_model

    folder = tmp_path_factory.mktemp("tiny_models")
    return {
        role: str(save_model(getattr(tiny_models, role), folder / f"{role}.safetensors"))
        for role in ("generator", "discriminator", "classifier")
    }


@pytest.fixture()
def env_kwargs(tiny_paths) -> dict[str, dict[str, Any]]:
    latent = {**tiny_paths, "device": "cpu", "render_size": 32}
    return {
        "LatentWalk-v0": {**latent, "render_target": False},  # the target face is tested in test_latent_walk
        "LatentCodebook-v0": {**latent, "num_arms": 5, "mc_samples": 4, "horizon": 10},
        "HyperparamTune-v0": {
            "classifier": tiny_paths["classifier"], "device": "cpu", "z_dim": 8, "ngf": 4, "ndf": 4, "batch_size": 8,
            "batches_per_step": 2, "max_steps": 3, "fd_sample_size": 16, "num_faces": 32,
        },  # fmt: skip
    }


def test_register_envs_is_idempotent():
    assert set(LATENT_IDS) <= set(ENV_IDS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_envs()
        register_envs()
    for env_id in ENV_IDS:
        spec = gym.spec(env_id)
        assert isinstance(spec.entry_point, str) and spec.entry_point.startswith("gan_latent_env.envs.")
        if env_id in LATENT_IDS:
            assert isinstance(spec.vector_entry_point, str)
            assert spec.max_episode_steps is None  # the envs truncate themselves (no TimeLimit)


def test_import_is_light():
    """Importing the package registers the ids without importing torch or the env modules."""
    code = (
        "import sys, gan_latent_env, gymnasium as gym; "
        "assert 'LatentWalk-v0' in gym.registry; "
        "print(sorted(m for m in sys.modules if m.startswith('gan_latent_env.envs') or m == 'torch'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_make_with_module_prefix_in_fresh_process(tiny_paths):
    """``gym.make("gan_latent_env:LatentWalk-v0")`` works without importing the package first."""
    code = (
        "import json, sys, gymnasium as gym; kw = json.loads(sys.argv[1]); "
        "env = gym.make('gan_latent_env:LatentWalk-v0', device='cpu', **kw); "
        "obs, _ = env.reset(seed=0); print(obs.shape[0], env.spec.id)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(tiny_paths)], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == [str(16 + 217), "LatentWalk-v0"]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_checkers_without_warnings(env_id, env_kwargs):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(env_id, **env_kwargs.get(env_id, {}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
        sb3_check_env(env.unwrapped, warn=True)
    json.loads(env.spec.to_json())
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_seeded_episodes_are_deterministic(env_id, env_kwargs):
    kwargs = env_kwargs.get(env_id, {})
    runs = []
    for _ in range(2):
        env = gym.make(env_id, **kwargs)
        env.action_space.seed(0)
        obs, info = env.reset(seed=123)
        trace = [(obs, info)]
        for _ in range(3):
            trace.append(env.step(env.action_space.sample()))
        runs.append(trace)
    assert data_equivalence(runs[0], runs[1], exact=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_render_rgb_array(env_id, env_kwargs):
    env = gym.make(env_id, render_mode="rgb_array", **env_kwargs.get(env_id, {}))
    assert "rgb_array" in env.metadata["render_modes"] and env.metadata["render_fps"] > 0
    env.reset(seed=0)
    env.step(env.action_space.sample())
    frame = env.render()
    assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3


@pytest.mark.parametrize("env_id", [i for i in ENV_IDS if gym.spec(i).vector_entry_point is not None])
def test_make_vec_native(env_id, env_kwargs):
    kwargs = env_kwargs.get(env_id, {})
    venv = gym.make_vec(env_id, num_envs=3, vectorization_mode="vector_entry_point", **kwargs)
    assert isinstance(venv.metadata["autoreset_mode"], AutoresetMode)
    assert venv.num_envs == 3 and venv.single_action_space == gym.make(env_id, **kwargs).action_space
    obs, info = venv.reset(seed=0)
    assert obs in venv.observation_space
    venv.action_space.seed(0)
    for _ in range(3):
        obs, reward, terminated, truncated, info = venv.step(venv.action_space.sample())
        assert obs in venv.observation_space
        assert reward.shape == (3,) and terminated.dtype == bool and truncated.dtype == bool
    venv.close()


@pytest.mark.parametrize("env_id", LATENT_IDS)
def test_no_argument_make_uses_the_bundled_models(env_id):
    from gan import pretrained

    if not pretrained.available():
        pytest.skip("bundled weights not present yet (gan/pretrained/weights/*.safetensors)")
    small = {"num_arms": 4, "mc_samples": 2} if env_id == "LatentCodebook-v0" else {}
    env = gym.make(env_id, device="cpu", render_size=32, **small)
    obs, _ = env.reset(seed=0)
    assert obs in env.observation_space
    if env_id == "LatentWalk-v0":
        assert env.action_space.n == 200


def test_package_exports():
    assert gan_latent_env.ENV_IDS == ENV_IDS
