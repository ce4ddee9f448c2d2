"""Small helpers shared by the latent envs: argument checks, seeds, images for observation and render."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np
import torch
import torch.nn.functional as F

from gan.data.schema import NUM_ATTRIBUTES, validate_attributes
from gan_latent_env.checks import (
    FLOAT32_MAX,
    check_finite,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_seed,
)

if TYPE_CHECKING:
    from gan_latent_env.scoring import LatentScorer

__all__ = [
    "CoreBacked",
    "EnvConfig",
    "FLOAT32_MAX",
    "check_bool",
    "check_choice",
    "check_finite",
    "check_nonnegative",
    "check_positive",
    "check_positive_int",
    "check_seed",
    "check_target",
    "expand_seeds",
    "images_to_uint8_hwc",
]


ConfigT = TypeVar("ConfigT")
Self = TypeVar("Self", bound="EnvConfig")


class EnvConfig:
    """Base of the latent envs' frozen config dataclasses: keyword construction and a JSON-ready dict.

    A subclass names its env in ``ENV_NAME`` (for the error message) and may have a ``target`` field. Its
    ``__post_init__`` checks every field and stores the checked Python value back with :meth:`_store`, so a
    numpy scalar argument (``np.int64(5)``) becomes a plain ``int`` and :meth:`to_dict` stays JSON-ready.
    """

    ENV_NAME: ClassVar[str] = "env"

    @classmethod
    def from_kwargs(cls: type[Self], kwargs: dict[str, Any]) -> Self:
        """Build from keyword arguments, rejecting unknown names with a ``ValueError``."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise ValueError(f"unknown {cls.ENV_NAME} argument(s) {unknown}; known: {sorted(names)}")
        return cls(**kwargs)

    def _store(self, name: str, value: Any) -> None:
        """Replace field ``name`` of the frozen instance with its checked value."""
        object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-serialisable dict."""
        out = dataclasses.asdict(self)  # type: ignore[call-overload]
        if out.get("target") is not None:
            out["target"] = list(out["target"])
        return out


class CoreBacked(Generic[ConfigT]):
    """Base of the latent envs (single and vector) whose models and state live in ``self._core``."""

    _core: Any

    @property
    def config(self) -> ConfigT:
        """The env's settings (``config.to_dict()`` is JSON-serialisable)."""
        return self._core.config

    @property
    def scorer(self) -> LatentScorer:
        """The batched scorer holding the models (shared with agents and oracles)."""
        return self._core.scorer


def check_bool(value: Any, name: str) -> bool:
    """Return ``value``; raise ``ValueError`` naming ``name`` unless it is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """Return ``value``; raise ``ValueError`` naming ``name`` unless it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def _describe(value: Any) -> str:
    """What a user passed, for an error message: the container, its size and its element types or dtype."""
    if isinstance(value, torch.Tensor):
        return f"a torch.Tensor of dtype {value.dtype} and shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, (list, tuple)):
        kinds = "/".join(sorted({type(v).__name__ for v in value})) or "no"
        return f"a {type(value).__name__} of {len(value)} {kinds} items: {value!r}"
    return f"{value!r} ({type(value).__name__})"


def check_target(value: Any, name: str = "target", batch: int | None = None) -> np.ndarray:
    """An attribute target as int64 ``[18]`` (or ``[batch, 18]`` when ``batch`` is given; ``[18]`` is then
    repeated for every row).

    :raises ValueError: naming ``name`` and saying what was passed on a non-integer value (floats, bools,
        strings), a wrong shape or an out-of-range variant.
    """
    expected = f"{name} must be {NUM_ATTRIBUTES} integer variant indices (schema order)"
    raw = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
    try:
        arr = np.asarray(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{expected}, got {_describe(value)}") from None
    if not np.issubdtype(arr.dtype, np.integer):  # bools, floats, strings, objects, ragged lists
        raise ValueError(f"{expected}, got {_describe(value)}")
    if batch is None:
        if arr.shape != (NUM_ATTRIBUTES,):
            raise ValueError(f"{name} must have shape ({NUM_ATTRIBUTES},), got {arr.shape}: {_describe(value)}")
    elif arr.shape not in ((NUM_ATTRIBUTES,), (batch, NUM_ATTRIBUTES)):
        raise ValueError(
            f"{name} must have shape ({NUM_ATTRIBUTES},) or ({batch}, {NUM_ATTRIBUTES}), got {arr.shape}: {_describe(value)}"
        )
    validate_attributes(arr, name=name)  # the variant ranges
    arr = arr.astype(np.int64)
    if batch is not None and arr.ndim == 1:
        return np.repeat(arr[None], batch, axis=0)
    return arr


def expand_seeds(seed: int | Sequence[int | None] | None, num_envs: int) -> list[int | None]:
    """Per-sub-env seeds as Gymnasium's vector envs define them: ``int s -> [s, s+1, ...]``.

    :raises ValueError: naming ``seed`` on a list of the wrong length or a non-integer seed.
    """
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return [int(seed) + i for i in range(num_envs)]
    seeds = list(seed)
    if len(seeds) != num_envs:
        raise ValueError(f"seed: a list of seeds must have num_envs={num_envs} entries, got {len(seeds)}")
    for s in seeds:
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, np.integer))):
            raise ValueError(f"seed: every seed must be an int or None, got {s!r}")
    return [None if s is None else int(s) for s in seeds]


def images_to_uint8_hwc(images: torch.Tensor, size: int) -> torch.Tensor:
    """Float images ``[N, 3, S, S]`` in ``[-1, 1]`` -> uint8 ``[N, size, size, 3]`` on the same device.

    Resized with antialiased bilinear interpolation when ``S != size``; values are mapped by
    ``round((x + 1) * 127.5)`` (``gan.data.images.to_uint8``).
    """
    from gan.data.images import to_uint8

    if images.shape[-1] != size:
        images = F.interpolate(images, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return to_uint8(images).permute(0, 2, 3, 1).contiguous()
