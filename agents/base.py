"""The one small interface every agent implements: ``act``, ``update``, ``save``, ``load``, seeded.

An agent is driven by a plain loop (see :func:`run_episode`)::

    obs, info = env.reset(seed=s)
    agent.begin_episode(obs, info)
    while not done:
        action = agent.act(obs, info)
        next_obs, reward, terminated, truncated, info = env.step(action)
        agent.update(obs, action, reward, next_obs, terminated, truncated, info)
        obs = next_obs

Randomness comes only from ``self.rng`` (a ``numpy.random.Generator`` seeded at construction) or from
torch generators seeded from it, so the same seed gives the same actions. ``save`` writes one
safetensors file whose metadata holds the JSON config, the JSON state and the RNG state; ``load``
rebuilds the agent and continues exactly where it stopped (``SB3Agent`` keeps only its policy weights:
SB3's optimiser state, replay buffer and timestep count are not saved).
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from gan.atomic import atomic_write

logger = logging.getLogger(__name__)

_FORMAT = "gan-latent-env-agent/1"


class Agent(ABC):
    """Base class of every agent.

    Subclasses define ``name``, take their hyperparameters as keyword arguments (echoed by
    :meth:`config`), and may override :meth:`_arrays` / :meth:`_load_arrays` and :meth:`_state` /
    :meth:`_load_state` to persist what they learned.

    :param seed: seed of the agent's own ``numpy.random.Generator`` (``self.rng``).
    """

    name: ClassVar[str] = "agent"

    def __init__(self, seed: int | None = 0) -> None:
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        self.rng = np.random.default_rng(self.seed)

    # -- acting and learning ------------------------------------------------------------------------
    def begin_episode(self, observation: Any, info: dict[str, Any]) -> None:  # noqa: B027 (optional hook)
        """Called after each ``env.reset``; the default does nothing."""

    @abstractmethod
    def act(self, observation: Any, info: dict[str, Any] | None = None) -> Any:
        """Choose an action for ``observation`` (exploring if the agent explores)."""

    @abstractmethod
    def update(
        self,
        observation: Any,
        action: Any,
        reward: float,
        next_observation: Any,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> None:
        """Learn from one transition."""

    # -- persistence --------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """Constructor keyword arguments (JSON-serializable); ``type(self)(**config())`` rebuilds it."""
        return {"seed": self.seed}

    def _arrays(self) -> dict[str, np.ndarray]:
        """Learned numeric state as named arrays (saved with safetensors)."""
        return {}

    def _load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        if arrays:
            raise ValueError(f"{type(self).__name__} stores no arrays, but the file has {sorted(arrays)}")

    def _state(self) -> dict[str, Any]:
        """Learned non-array state (JSON-serializable)."""
        return {}

    def _load_state(self, state: dict[str, Any]) -> None:
        pass

    def save(self, path: str | Path) -> Path:
        """Write the agent to ``path`` (a ``.safetensors`` file; the suffix is added if missing)."""
        path = Path(path)
        if path.suffix != ".safetensors":
            path = path.with_name(path.name + ".safetensors")
        arrays = {k: np.ascontiguousarray(v) for k, v in self._arrays().items()}
        metadata = {
            "format": _FORMAT,
            "class": f"{type(self).__module__}:{type(self).__qualname__}",
            "config": json.dumps(self.config(), default=_json_default),
            "state": json.dumps(self._state(), default=_json_default),
            "rng": json.dumps(self.rng.bit_generator.state),
        }
        atomic_write(path, lambda tmp: save_file(arrays, str(tmp), metadata=metadata))
        logger.debug("saved %s to %s", type(self).__name__, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Agent:
        """Rebuild an agent saved by :meth:`save` (its class must be ``cls`` or a subclass).

        :raises FileNotFoundError: if ``path`` does not exist.
        :raises ValueError: if the file is not an agent file or holds another class.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no agent file at {path}")
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
        if metadata.get("format") != _FORMAT:
            raise ValueError(f"{path} is not an agent file (format {metadata.get('format')!r})")
        expected = f"{cls.__module__}:{cls.__qualname__}"
        if metadata["class"] != expected and cls is not Agent:
            raise ValueError(f"{path} holds a {metadata['class']}, not a {expected}")
        if cls is Agent:
            import importlib

            module, qualname = metadata["class"].split(":")
            klass = getattr(importlib.import_module(module), qualname)
        else:
            klass = cls
        agent = klass(**json.loads(metadata["config"]))
        agent._load_arrays(load_file(str(path)))
        agent._load_state(json.loads(metadata["state"]))
        agent.rng.bit_generator.state = json.loads(metadata["rng"])
        return agent


def _json_default(value: Any) -> Any:
    """NumPy scalars and arrays in configs/states become plain Python values."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"not JSON-serializable: {type(value).__name__}")


def check_discrete_action(action: Any, n: int, who: str) -> int:
    """Return ``action`` as an int in ``[0, n)`` or raise ``ValueError`` naming ``who``."""
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action.item()
    if not isinstance(action, (int, np.integer)) or not 0 <= int(action) < n:
        raise ValueError(f"{who}: action must be an int in [0, {n}), got {action!r}")
    return int(action)


def run_episode(env: Any, agent: Agent, seed: int | None = None, learn: bool = True,
                options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one episode of ``agent`` on a Gymnasium ``env``.

    :returns: ``{"return": float, "length": int, "first_info": dict, "last_info": dict}``.
    """
    obs, info = env.reset(seed=seed, options=options)
    first_info = dict(info)
    agent.begin_episode(obs, info)
    total, length, done = 0.0, 0, False
    while not done:
        action = agent.act(obs, info)
        next_obs, reward, terminated, truncated, info = env.step(action)
        if learn:
            agent.update(obs, action, float(reward), next_obs, bool(terminated), bool(truncated), info)
        total += float(reward)
        length += 1
        obs = next_obs
        done = bool(terminated or truncated)
    return {"return": total, "length": length, "first_info": first_info, "last_info": dict(info)}
