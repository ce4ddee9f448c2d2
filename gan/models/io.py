"""Save and load models as safetensors files with their config inside the file's metadata.

A model file holds the state dict (float32, or float16 for bundling) and three metadata strings:

* ``gan_latent_env.kind``: ``generator``, ``discriminator`` or ``classifier``;
* ``gan_latent_env.config``: the config dataclass as a JSON object;
* ``gan_latent_env.metadata``: optional free-form JSON (training run, data, ...).

Loading never unpickles: the file is parsed by ``safetensors`` and every problem (missing, truncated or
corrupt file, unknown kind, bad config, tensors that do not match the architecture) raises
:class:`ModelFileError` (a ``ValueError``) naming the file.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Final

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from gan.atomic import atomic_write
from gan.models.classifier import AttributeClassifier
from gan.models.config import (
    ClassifierConfig,
    DiscriminatorConfig,
    GeneratorConfig,
    config_from_dict,
    config_to_json,
)
from gan.models.dcgan import Discriminator, Generator

logger = logging.getLogger(__name__)

KIND_KEY: Final[str] = "gan_latent_env.kind"
CONFIG_KEY: Final[str] = "gan_latent_env.config"
METADATA_KEY: Final[str] = "gan_latent_env.metadata"

MODEL_KINDS: Final[dict[str, tuple[type[nn.Module], type]]] = {
    "generator": (Generator, GeneratorConfig),
    "discriminator": (Discriminator, DiscriminatorConfig),
    "classifier": (AttributeClassifier, ClassifierConfig),
}
"""kind -> (model class, config class)."""

SAVE_DTYPES: Final[dict[str, torch.dtype]] = {"float32": torch.float32, "float16": torch.float16}


class ModelFileError(ValueError):
    """A model file that cannot be used: missing pieces, corrupt bytes or a mismatch with its config."""


def model_kind(model: nn.Module) -> str:
    """The kind name of a model instance (``generator``, ``discriminator`` or ``classifier``)."""
    for kind, (cls, _) in MODEL_KINDS.items():
        if isinstance(model, cls):
            return kind
    raise TypeError(f"not a gan.models model: {type(model).__name__}")


def atomic_save_safetensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """Write a safetensors file atomically and durably (see :func:`gan.atomic.atomic_write`)."""
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def save_model(
    model: nn.Module,
    path: str | os.PathLike[str],
    metadata: dict[str, Any] | None = None,
    dtype: str = "float32",
) -> Path:
    """Save ``model`` (a Generator, Discriminator or AttributeClassifier) with its config to ``path``.

    :param metadata: JSON-serialisable extra information stored in the file.
    :param dtype: ``float32`` or ``float16`` (half the size; floating tensors are cast back on load).
    :returns: the path written.
    :raises ValueError: on an unknown ``dtype`` or metadata that is not JSON-serialisable.
    """
    if dtype not in SAVE_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(SAVE_DTYPES)}, got {dtype!r}")
    kind = model_kind(model)
    try:
        meta_json = json.dumps(metadata if metadata is not None else {}, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"metadata for {path} is not JSON-serialisable: {err}") from None
    tensors = {}
    for name, t in model.state_dict().items():
        t = t.detach().cpu()
        if t.is_floating_point():
            t = t.to(SAVE_DTYPES[dtype])
        tensors[name] = t.contiguous().clone()
    out = Path(path)
    atomic_save_safetensors(
        tensors, out, {KIND_KEY: kind, CONFIG_KEY: config_to_json(model.config), METADATA_KEY: meta_json}
    )
    logger.info("saved %s (%s, %s) to %s", kind, type(model.config).__name__, dtype, out)
    return out


def read_model_header(path: str | os.PathLike[str]) -> tuple[str, Any, dict[str, Any]]:
    """Read ``(kind, config, metadata)`` of a model file without loading its tensors.

    :raises FileNotFoundError: if the file does not exist.
    :raises ModelFileError: if it is not a readable model file.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: model file not found")
    try:
        with safe_open(str(p), framework="pt") as f:
            header = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as err:
        raise ModelFileError(f"{p}: not a readable safetensors model file (corrupt or truncated?): {err}") from None
    for key in (KIND_KEY, CONFIG_KEY):
        if key not in header:
            raise ModelFileError(f"{p}: safetensors file has no {key!r} metadata; was it written by save_model?")
    kind = header[KIND_KEY]
    if kind not in MODEL_KINDS:
        raise ModelFileError(f"{p}: unknown model kind {kind!r} (known: {sorted(MODEL_KINDS)})")
    try:
        cfg_dict = json.loads(header[CONFIG_KEY])
        meta = json.loads(header.get(METADATA_KEY, "{}"))
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{p}: metadata is not valid JSON: {err}") from None
    try:
        config = config_from_dict(MODEL_KINDS[kind][1], cfg_dict, source=str(p))
    except ValueError as err:
        raise ModelFileError(str(err)) from None
    return kind, config, meta


def load_model(
    path: str | os.PathLike[str], device: str | torch.device = "cpu", expected_kind: str | None = None
) -> nn.Module:
    """Load a model saved by :func:`save_model`, in eval mode and float32, on ``device``.

    The config is on ``model.config``; the stored metadata on ``model.metadata``.

    :param expected_kind: if given, the file must hold this kind of model.
    :raises FileNotFoundError: if the file does not exist.
    :raises ModelFileError: if the file is corrupt or truncated, of the wrong kind, or its tensors do not
        match its config (missing, unexpected or misshapen tensors); the message names the file.
    """
    p = Path(path)
    kind, config, meta = read_model_header(p)
    if expected_kind is not None and kind != expected_kind:
        raise ModelFileError(f"{p}: holds a {kind}, expected a {expected_kind}")
    try:
        tensors = load_file(str(p))
    except (SafetensorError, OSError, ValueError) as err:
        raise ModelFileError(f"{p}: cannot read tensors (corrupt or truncated?): {err}") from None
    model = MODEL_KINDS[kind][0](config)
    load_state_dict_checked(model, tensors, p)
    model.metadata = meta
    return model.to(device).eval()


def checked_state_dict(model: nn.Module, tensors: dict[str, torch.Tensor], source: Path | str) -> dict[str, torch.Tensor]:
    """``tensors`` checked against ``model``'s state dict (names, shapes, finite values) and cast to its dtypes;
    ``model`` is not changed.

    :raises ModelFileError: on any mismatch, naming ``source`` and the tensor.
    """
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    if missing or unexpected:
        raise ModelFileError(
            f"{source}: tensors do not match {type(model).__name__}({model.config}): "
            f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
            f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}"
        )
    fixed = {}
    for name, ref in own.items():
        t = tensors[name]
        if t.shape != ref.shape:
            raise ModelFileError(
                f"{source}: tensor {name!r} has shape {tuple(t.shape)}, the architecture needs {tuple(ref.shape)}"
            )
        if t.is_floating_point() != ref.is_floating_point():
            raise ModelFileError(f"{source}: tensor {name!r} has dtype {t.dtype}, expected {ref.dtype}")
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise ModelFileError(f"{source}: tensor {name!r} contains NaN or infinite values")
        fixed[name] = t.to(ref.dtype)
    return fixed


def load_state_dict_checked(model: nn.Module, tensors: dict[str, torch.Tensor], source: Path | str) -> None:
    """Load ``tensors`` into ``model`` (cast to its dtypes), raising :class:`ModelFileError` on any mismatch."""
    model.load_state_dict(checked_state_dict(model, tensors, source), strict=True)
