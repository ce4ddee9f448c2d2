"""Training checkpoints: one safetensors file holding tensors plus a JSON state, written atomically.

Layout of a checkpoint file:

* tensors: model weights and buffers (``g.*``, ``d.*``, ...), optimizer tensors (``opt_g.state.<i>.<key>``),
  and the byte states of ``torch.Generator`` objects (``rng.<name>``);
* metadata ``gan_latent_env.checkpoint``: a JSON object with the format name and version, the training
  config, the step, optimizer scalars (param groups and non-tensor state), numpy ``Generator`` states and
  anything else the trainer needs (e.g. the data cursor).

Writing goes through :func:`gan.atomic.atomic_write` (a temporary file in the same folder, fsynced, then
``os.replace`` and an fsync of the folder), so neither a crash nor a power loss leaves a half-written
checkpoint under the real name. Reading never unpickles: ``safetensors`` parses the file, and
every problem (missing, truncated, corrupt, another format or version, a config that does not match)
raises :class:`CheckpointError` (a ``ValueError``) naming the file and the problem.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file

from gan.atomic import atomic_write_text
from gan.models.io import atomic_save_safetensors

logger = logging.getLogger(__name__)

FORMAT: Final[str] = "gan_latent_env.checkpoint"
FORMAT_VERSION: Final[int] = 1
STATE_KEY: Final[str] = "gan_latent_env.checkpoint"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used (missing, truncated, corrupt, mismatched); the message names the file."""


def save_checkpoint(path: str | os.PathLike[str], tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> Path:
    """Atomically write ``tensors`` and the JSON-serialisable ``state`` to ``path``.

    A human-readable copy of ``state`` is written beside it as ``<name>.json`` (informational only; loading
    reads the safetensors file alone).

    :raises ValueError: if ``state`` is not JSON-serialisable.
    """
    p = Path(path)
    full_state = {"format": FORMAT, "format_version": FORMAT_VERSION, **state}
    try:
        text = json.dumps(full_state, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"checkpoint state for {p} is not JSON-serialisable: {err}") from None
    cpu = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    atomic_save_safetensors(cpu, p, {STATE_KEY: text})
    atomic_write_text(p.with_suffix(".json"), json.dumps(full_state, sort_keys=True, indent=1))
    logger.info("checkpoint saved: %s (step %s)", p, state.get("step"))
    return p


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`: ``(tensors on CPU, state)``.

    :raises CheckpointError: if the file is missing, truncated or corrupt, lacks the state, or is of
        another format or version.
    """
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: checkpoint file not found")
    try:
        with safe_open(str(p), framework="pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(p))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{p}: not a readable checkpoint (truncated or corrupt safetensors file): {err}") from None
    if STATE_KEY not in meta:
        raise CheckpointError(f"{p}: safetensors file has no {STATE_KEY!r} metadata; not a training checkpoint")
    try:
        state = json.loads(meta[STATE_KEY])
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{p}: checkpoint state is not valid JSON: {err}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{p}: not a {FORMAT} file")
    if state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{p}: checkpoint format version {state.get('format_version')!r}, this code reads {FORMAT_VERSION}"
        )
    return tensors, state


def require_keys(state: dict[str, Any], keys: list[str], path: Path | str) -> None:
    """Raise :class:`CheckpointError` if any of ``keys`` is missing from ``state``."""
    missing = [k for k in keys if k not in state]
    if missing:
        raise CheckpointError(f"{path}: checkpoint state lacks {missing}")


def take_prefix(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The entries of ``tensors`` under ``prefix + '.'``, with the prefix removed."""
    start = prefix + "."
    return {k[len(start) :]: v for k, v in tensors.items() if k.startswith(start)}


def with_prefix(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """``tensors`` with every key prefixed by ``prefix + '.'``."""
    return {f"{prefix}.{k}": v for k, v in tensors.items()}


# -- optimizers ---------------------------------------------------------------------------------------------


def optimizer_to_parts(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split an optimizer's state dict into tensors and JSON scalars (no pickling)."""
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for idx, st in sd["state"].items():
        for key, val in st.items():
            if isinstance(val, torch.Tensor):
                tensors[f"state.{idx}.{key}"] = val
            else:
                scalars.setdefault(str(idx), {})[key] = val
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in sd["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": scalars}


def optimizer_from_parts(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], parts: dict[str, Any], path: Path | str, name: str
) -> None:
    """Load what :func:`optimizer_to_parts` produced into ``opt``, checking it matches the parameters."""
    try:
        groups = [dict(g) for g in parts["param_groups"]]
        for g in groups:
            if "betas" in g:
                g["betas"] = tuple(g["betas"])
        state: dict[int, dict[str, Any]] = {}
        for key, val in tensors.items():
            idx, _, field = key.partition(".")[2].partition(".")
            state.setdefault(int(idx), {})[field] = val
        for idx, sc in parts.get("scalars", {}).items():
            state.setdefault(int(idx), {}).update(sc)
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: optimizer {name!r} state is malformed: {err}") from None
    own = opt.state_dict()
    if len(groups) != len(own["param_groups"]) or any(
        len(a["params"]) != len(b["params"]) for a, b in zip(groups, own["param_groups"])
    ):
        raise CheckpointError(f"{path}: optimizer {name!r} has a different number of parameters than the model")
    params = [p for g in opt.param_groups for p in g["params"]]
    for idx, st in state.items():
        for field, val in st.items():
            if isinstance(val, torch.Tensor) and val.ndim > 0 and val.shape != params[idx].shape:
                raise CheckpointError(
                    f"{path}: optimizer {name!r} tensor {idx}.{field} has shape {tuple(val.shape)}, "
                    f"the parameter has {tuple(params[idx].shape)}"
                )
    opt.load_state_dict({"state": state, "param_groups": groups})


# -- random generators --------------------------------------------------------------------------------------


def torch_generator_state(gen: torch.Generator) -> torch.Tensor:
    """The byte state of a CPU or CUDA ``torch.Generator`` (a uint8 CPU tensor)."""
    return gen.get_state()


def set_torch_generator_state(gen: torch.Generator, state: torch.Tensor, path: Path | str, name: str) -> None:
    """Restore a ``torch.Generator``; a state of the wrong size raises :class:`CheckpointError`."""
    try:
        gen.set_state(state.to(torch.uint8))
    except (RuntimeError, ValueError) as err:
        raise CheckpointError(f"{path}: random state {name!r} does not fit this generator: {err}") from None


def numpy_generator_state(gen: np.random.Generator) -> dict[str, Any]:
    """The JSON-serialisable state of a numpy ``Generator``."""
    return gen.bit_generator.state


def set_numpy_generator_state(gen: np.random.Generator, state: dict[str, Any], path: Path | str, name: str) -> None:
    """Restore a numpy ``Generator`` state; a bad state raises :class:`CheckpointError`."""
    try:
        gen.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(f"{path}: numpy random state {name!r} is malformed: {err}") from None


# -- Ctrl-C -------------------------------------------------------------------------------------------------


@contextmanager
def deferred_sigint(on_interrupt: Callable[[], None]) -> Iterator[None]:
    """Within the block, the first Ctrl-C calls ``on_interrupt()`` (which should set a flag that the
    training loop checks between steps) instead of raising mid-step; a second Ctrl-C raises at once.

    Outside the main thread (where signal handlers cannot be installed) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, previous)
        logger.warning("interrupt: finishing this step, then saving a checkpoint (Ctrl-C again to abort)")
        on_interrupt()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
