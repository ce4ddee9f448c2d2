"""Stable-Baselines3 helpers: DQN and PPO on LatentWalk-v0, PPO on HyperparamTune-v0.

Hyperparameters live in ``agents/hyperparams/<algo>.yml`` (rl-zoo3 style: one entry per env id; plain YAML,
nothing is evaluated). :class:`SB3Agent` wraps a model in the shared :class:`agents.base.Agent` interface:
``learn`` trains (SB3 learns from its own rollouts, so ``update`` is a no-op), ``act`` is the deterministic
policy, ``save`` / ``load`` write the policy weights with safetensors and the settings as JSON (no pickles,
unlike SB3's own ``.zip``). Training logs go to TensorBoard when ``tensorboard_log`` is given.

Where the env has a native batched vector env with same-step autoreset (LatentWalk), training runs on it through
``gan_latent_env.wrappers.make_sb3_vec_env`` (one batched G/D/C forward per step for all walks); otherwise
on SB3's ``DummyVecEnv``.

Seeding: SB3 seeds Python's, NumPy's and torch's global generators itself (``set_random_seed``) when a model
is built with ``seed``, and re-seeds the training env with that seed; that is SB3's behaviour, not something
these helpers add. ``setup(env, env_seed=...)`` seeds the env's episodes independently of the model seed.
"""

from __future__ import annotations

import copy
import logging
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch
import yaml

from agents.base import Agent

logger = logging.getLogger(__name__)

ALGOS: tuple[str, ...] = ("dqn", "ppo")
_NON_MODEL_KEYS = ("n_timesteps", "n_envs", "policy")
NATIVE_VECTOR_ENVS: tuple[str, ...] = ("LatentWalk-v0",)
"""Envs whose native vector env SB3 trains on: it needs same-step autoreset, which LatentCodebook's (next-step,
Gymnasium's default) does not have; LatentCodebook and HyperparamTune train on ``DummyVecEnv``."""


def _algo_class(algo: str) -> type:
    from stable_baselines3 import DQN, PPO

    classes = {"dqn": DQN, "ppo": PPO}
    if algo not in classes:
        raise ValueError(f"algo must be one of {ALGOS}, got {algo!r}")
    return classes[algo]


def short_id(env_id: str) -> str:
    """``"gan_latent_env:LatentWalk-v0"`` -> ``"LatentWalk-v0"``."""
    return env_id.split(":")[-1]


def load_hyperparams(algo: str, env_id: str, path: str | Path | None = None) -> dict[str, Any]:
    """The YAML entry of ``env_id`` in ``<algo>.yml`` (the bundled file unless ``path`` is given).

    :raises ValueError: if the algorithm or env id has no entry.
    :raises FileNotFoundError: if ``path`` does not exist.
    """
    _algo_class(algo)
    if path is None:
        text = resources.files("agents").joinpath("hyperparams", f"{algo}.yml").read_text()
        source = f"agents/hyperparams/{algo}.yml"
    else:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"hyperparameter file not found: {path}")
        text, source = path.read_text(), str(path)
    table = yaml.safe_load(text) or {}
    key = short_id(env_id)
    if key not in table:
        raise ValueError(f"{source} has no entry for {key!r} (entries: {sorted(table)})")
    return copy.deepcopy(table[key])


def make_vec_env(env_id: str, n_envs: int, seed: int, env_kwargs: dict[str, Any] | None = None,
                 native: bool = True) -> Any:
    """An SB3 ``VecEnv`` of ``n_envs`` copies of ``env_id`` seeded ``seed, seed + 1, ...``.

    Uses the native batched env through ``gan_latent_env.wrappers`` (with a ``VecMonitor``) when the env
    has one and ``native``; otherwise ``DummyVecEnv`` with a ``Monitor`` per env.
    """
    import gan_latent_env  # noqa: F401  (registers the ids)

    from stable_baselines3.common.env_util import make_vec_env as sb3_make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

    env_kwargs = dict(env_kwargs or {})
    key = short_id(env_id)
    if native and key in NATIVE_VECTOR_ENVS:
        from gan_latent_env.wrappers import make_sb3_vec_env

        vec = make_sb3_vec_env(f"gan_latent_env:{key}", n_envs, **env_kwargs)
        vec.seed(seed)
        return VecMonitor(vec)  # episode returns in info["episode"], as Monitor gives DummyVecEnv

    return sb3_make_vec_env(f"gan_latent_env:{key}", n_envs=n_envs, seed=seed, env_kwargs=env_kwargs,
                            vec_env_cls=DummyVecEnv)


def _space_to_json(space: gym.Space) -> dict[str, Any]:
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    if isinstance(space, gym.spaces.Box):
        return {"type": "Box", "shape": list(space.shape), "dtype": str(space.dtype)}
    raise ValueError(f"SB3Agent saves Discrete and Box spaces only, got {space}")


def _space_from_json(desc: dict[str, Any], low: np.ndarray | None, high: np.ndarray | None) -> gym.Space:
    if desc["type"] == "Discrete":
        return gym.spaces.Discrete(desc["n"])
    return gym.spaces.Box(low, high, tuple(desc["shape"]), np.dtype(desc["dtype"]))


class _SpacesOnly(gym.Env):
    """A stand-in env carrying only spaces, to rebuild a saved model without its models."""

    def __init__(self, observation_space: gym.Space, action_space: gym.Space) -> None:
        self.observation_space, self.action_space = observation_space, action_space

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):  # pragma: no cover
        raise RuntimeError("a loaded SB3Agent needs set_env(...) before it can learn")

    def step(self, action: Any):  # pragma: no cover
        raise RuntimeError("a loaded SB3Agent needs set_env(...) before it can learn")


class SB3Agent(Agent):
    """A Stable-Baselines3 DQN or PPO model behind the :class:`agents.base.Agent` interface.

    :param algo: ``"dqn"`` or ``"ppo"``.
    :param env_id: the env id whose YAML entry gives the hyperparameters.
    :param hyperparams: overrides merged over the YAML entry (e.g. ``{"n_timesteps": 1000}``).
    :param device: torch device of the policy.
    :param seed: seed passed to the SB3 model (and to the vec env by :meth:`make_env`).
    """

    name: ClassVar[str] = "sb3"

    def __init__(self, algo: str, env_id: str, hyperparams: dict[str, Any] | None = None, device: str = "cpu",
                 seed: int | None = 0) -> None:
        super().__init__(seed)
        self.algo_class = _algo_class(algo)
        self.algo, self.env_id, self.device = algo, short_id(env_id), device
        self.overrides = dict(hyperparams or {})
        self.hyperparams = {**load_hyperparams(algo, env_id), **self.overrides}
        self.model: Any = None
        self.episode_log: list[tuple[int, float]] = []

    @property
    def total_timesteps(self) -> int:
        return int(self.hyperparams["n_timesteps"])

    def make_env(self, env_kwargs: dict[str, Any] | None = None, native: bool = True) -> Any:
        """The training ``VecEnv`` (``n_envs`` from the hyperparameters)."""
        return make_vec_env(self.env_id, int(self.hyperparams.get("n_envs", 1)), int(self.seed or 0),
                            env_kwargs, native)

    def setup(self, env: Any, tensorboard_log: str | Path | None = None, env_seed: int | None = None) -> Any:
        """Build the SB3 model on ``env`` (a ``VecEnv`` or a ``gym.Env``).

        Building a model with a seed makes SB3 re-seed the env with that seed (sub-env ``i`` gets
        ``seed + i``), whatever the env was seeded with before. ``env_seed`` re-seeds the env after that, so
        training episodes come from ``env_seed, env_seed + 1, ...`` (they take effect at the first reset,
        which ``learn`` does).
        """
        kwargs = {k: v for k, v in self.hyperparams.items() if k not in _NON_MODEL_KEYS}
        self.model = self.algo_class(self.hyperparams.get("policy", "MlpPolicy"), env, seed=self.seed,
                                     device=self.device, verbose=0,
                                     tensorboard_log=None if tensorboard_log is None else str(tensorboard_log),
                                     **kwargs)
        if env_seed is not None:
            self.model.get_env().seed(int(env_seed))
        return self.model

    def set_env(self, env: Any) -> None:
        self._require_model().set_env(env)

    def _require_model(self) -> Any:
        if self.model is None:
            raise RuntimeError("SB3Agent has no model yet: call setup(env) (or load a saved agent) first")
        return self.model

    def learn(self, total_timesteps: int | None = None, progress_bar: bool = False, tb_log_name: str = "run") -> SB3Agent:
        """Train for ``total_timesteps`` env steps (default: the YAML's ``n_timesteps``); episode returns
        seen during training are appended to ``episode_log`` as ``(timestep, return)``."""
        from stable_baselines3.common.callbacks import BaseCallback

        log = self.episode_log

        class _EpisodeLog(BaseCallback):
            def _on_step(self) -> bool:
                for info in self.locals.get("infos", []):
                    ep = info.get("episode")
                    if ep is not None:
                        log.append((int(self.num_timesteps), float(ep["r"])))
                return True

        model = self._require_model()
        model.learn(total_timesteps or self.total_timesteps, callback=_EpisodeLog(), progress_bar=progress_bar,
                    tb_log_name=tb_log_name, reset_num_timesteps=False)
        return self

    def act(self, observation: Any, info: dict[str, Any] | None = None) -> Any:
        """The deterministic policy's action (an int for Discrete spaces)."""
        action, _ = self._require_model().predict(observation, deterministic=True)
        if isinstance(self.model.action_space, gym.spaces.Discrete):
            return int(np.asarray(action).item())
        return np.asarray(action)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """No-op: SB3 models learn from their own rollouts in :meth:`learn`."""

    def config(self) -> dict[str, Any]:
        return {"algo": self.algo, "env_id": self.env_id, "hyperparams": self.overrides, "device": self.device,
                "seed": self.seed}

    def _arrays(self) -> dict[str, np.ndarray]:
        model = self._require_model()
        arrays = {f"policy.{k}": v.detach().cpu().numpy() for k, v in model.policy.state_dict().items()}
        for name, space in (("obs", model.observation_space), ("act", model.action_space)):
            if isinstance(space, gym.spaces.Box):
                arrays[f"{name}.low"], arrays[f"{name}.high"] = space.low, space.high
        return arrays

    def _state(self) -> dict[str, Any]:
        model = self._require_model()
        return {"obs_space": _space_to_json(model.observation_space),
                "act_space": _space_to_json(model.action_space), "episode_log": self.episode_log}

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self._pending_arrays = arrays

    def _load_state(self, state: dict[str, Any]) -> None:
        arrays = self._pending_arrays
        obs = _space_from_json(state["obs_space"], arrays.get("obs.low"), arrays.get("obs.high"))
        act = _space_from_json(state["act_space"], arrays.get("act.low"), arrays.get("act.high"))
        self.setup(_SpacesOnly(obs, act))
        self.model.policy.load_state_dict(
            {k[7:]: torch.from_numpy(v) for k, v in arrays.items() if k.startswith("policy.")})
        self.episode_log = [tuple(x) for x in state["episode_log"]]
        del self._pending_arrays
