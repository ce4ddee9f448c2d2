"""Adapters between the native Gymnasium vector envs and other libraries.

Stable-Baselines3 trains on its own ``VecEnv`` API, not on Gymnasium vector envs: :class:`SB3VecEnv` adapts
a native vector env that autoresets in the same step (``LatentWalkVectorEnv(autoreset_mode="same_step")``)
so SB3 learns on the batched env directly: one batched forward per step for all ``N`` envs instead of
``DummyVecEnv``'s ``N`` single-env forwards.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvObs, VecEnvStepReturn

logger = logging.getLogger(__name__)

__all__ = ["SB3VecEnv", "make_sb3_vec_env"]


class SB3VecEnv(VecEnv):
    """A Stable-Baselines3 ``VecEnv`` over a native Gymnasium vector env with same-step autoreset.

    SB3's conventions are kept: ``dones = terminated | truncated``; a finished env's last observation is in
    ``infos[i]["terminal_observation"]`` and ``infos[i]["TimeLimit.truncated"]`` tells truncation from
    termination; the returned observation is already the next episode's first one. The per-env entries of
    the native ``info`` dict (``score`` etc.) are not copied into SB3's per-env info list (use the vector
    env directly for those). ``seed(s)`` then ``reset()`` seeds sub-env ``i`` with ``s + i``.

    :param env: a :class:`gymnasium.vector.VectorEnv` whose ``metadata["autoreset_mode"]`` is
        ``AutoresetMode.SAME_STEP``.
    :raises ValueError: for any other autoreset mode.
    """

    def __init__(self, env: VectorEnv) -> None:
        mode = env.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            raise ValueError(
                f"env: SB3VecEnv needs a vector env with same-step autoreset, got autoreset_mode={mode!r}; "
                "make it with autoreset_mode='same_step' (e.g. make_sb3_vec_env('LatentWalk-v0', n))"
            )
        self.env = env
        super().__init__(env.num_envs, env.single_observation_space, env.single_action_space)
        self.metadata = dict(env.metadata)
        self._actions: np.ndarray | None = None

    def reset(self) -> VecEnvObs:
        seeds = self._seeds
        seed: list[int | None] | None = None if all(s is None for s in seeds) else list(seeds)
        options = self._options[0] if self._options and self._options[0] else None
        if any(o != self._options[0] for o in self._options):
            raise ValueError("options: SB3VecEnv passes one options dict to all sub-envs; got different ones")
        obs, info = self.env.reset(seed=seed, options=options)
        self.reset_infos = [{} for _ in range(self.num_envs)]
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> VecEnvStepReturn:
        if self._actions is None:
            raise RuntimeError("step_wait() called without step_async()")
        obs, reward, terminated, truncated, info = self.env.step(self._actions)
        self._actions = None
        dones = terminated | truncated
        time_limit = truncated & ~terminated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            final_obs = info["final_obs"]
            for i in np.flatnonzero(dones):
                infos[i] = {"terminal_observation": final_obs[i], "TimeLimit.truncated": bool(time_limit[i])}
        return obs, reward.astype(np.float32), dones, infos

    def close(self) -> None:
        self.env.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        frames = self.env.render()
        return [None] * self.num_envs if frames is None else list(frames)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.env, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        if indices is not None and len(list(self._get_indices(indices))) != self.num_envs:
            raise ValueError("set_attr: the native vector env shares its attributes; indices must be None (all)")
        setattr(self.env, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **method_kwargs: Any) -> list[Any]:
        result = getattr(self.env, method_name)(*method_args, **method_kwargs)
        return [result for _ in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]


def _check_same_step_native(env_id: str) -> None:
    """Raise a ``ValueError`` naming ``env_id`` unless its native vector env takes ``autoreset_mode``."""
    import importlib
    import inspect

    from gymnasium.envs.registration import load_env_creator

    name = env_id
    if ":" in name:  # "module:EnvId", as gym.make reads it
        module, name = name.split(":", 1)
        importlib.import_module(module)
    spec = gym.spec(name)
    creator = spec.vector_entry_point
    if isinstance(creator, str):
        creator = load_env_creator(creator)
    if creator is not None:
        try:
            explicit = "autoreset_mode" in inspect.signature(creator).parameters
        except (TypeError, ValueError):  # no signature to read: let make_vec and SB3VecEnv decide
            return
        declared = getattr(creator, "metadata", {}).get("autoreset_mode")
        if explicit or declared in (None, AutoresetMode.SAME_STEP):
            return
    what = "has no native vector env" if creator is None else "has a native vector env with next-step autoreset only"
    raise ValueError(
        f"env_id: make_sb3_vec_env needs a native vector env with same-step autoreset (LatentWalk-v0 has one: "
        f"autoreset_mode='same_step'), but {env_id} {what}. Train SB3 on single envs instead, e.g. "
        f"stable_baselines3.common.env_util.make_vec_env({spec.id!r}, n_envs=N, env_kwargs={{...}}) "
        f"(DummyVecEnv); the native vector env itself stays usable with "
        f"gym.make_vec({spec.id!r}, num_envs=N, vectorization_mode='vector_entry_point')."
    )


def make_sb3_vec_env(env_id: str, num_envs: int, **kwargs: Any) -> SB3VecEnv:
    """``gym.make_vec(env_id, num_envs, vectorization_mode="vector_entry_point", autoreset_mode="same_step",
    **kwargs)`` wrapped in :class:`SB3VecEnv`.

    :raises ValueError: naming ``env_id`` when its native vector env has no same-step autoreset (only
        ``LatentWalk-v0`` has one; for ``LatentCodebook-v0`` use SB3's ``make_vec_env`` on the single env).
    """
    _check_same_step_native(env_id)
    env = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point", autoreset_mode="same_step", **kwargs)
    return SB3VecEnv(env)
