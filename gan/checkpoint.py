"""Training checkpoints: one safetensors file holding tensors plus a JSON state, written atomically.

Layout of a checkpoint file:

* tensors: model weights and buffers (``g.*``, ``d.*``, ...), optimizer tensors (``opt_g.state.<i>.<key>``),
  and the byte states of ``torch.Generator`` objects (``rng.<name>``);
* metadata ``gan_latent_env.checkpoint``: a JSON object with the format name and version, the training
  config, the step, optimizer scalars (param groups and non-tensor state), numpy ``Generator`` states and
  anything else the trainer needs (e.g. the data cursor).

The state also records a SHA-256 of the tensors (``tensors_sha256``), checked on loading, so corrupt tensor
bytes are found too (older checkpoints without it load unchecked).

Writing goes through :func:`gan.atomic.atomic_write` (a temporary file in the same folder, fsynced, then
``os.replace`` and an fsync of the folder), so neither a crash nor a power loss leaves a half-written
checkpoint under the real name. Reading never unpickles: ``safetensors`` parses the file, and
every problem (missing, truncated, corrupt, another format or version, a config that does not match)
raises :class:`CheckpointError` (a ``ValueError``) naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
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

from gan.atomic import atomic_write_text
from gan.models.io import atomic_save_safetensors

logger = logging.getLogger(__name__)

FORMAT: Final[str] = "gan_latent_env.checkpoint"
FORMAT_VERSION: Final[int] = 1
STATE_KEY: Final[str] = "gan_latent_env.checkpoint"
CHECKSUM_KEY: Final[str] = "tensors_sha256"
"""State entry holding :func:`tensors_checksum` of the file's tensors (checkpoints written before it existed lack it)."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be used (missing, truncated, corrupt, mismatched); the message names the file."""


def save_checkpoint(path: str | os.PathLike[str], tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> Path:
    """Atomically write ``tensors`` and the JSON-serialisable ``state`` to ``path``.

    A human-readable copy of ``state`` is written beside it as ``<name>.json`` (informational only; loading
    reads the safetensors file alone).

    :raises ValueError: if ``state`` is not JSON-serialisable.
    """
    p = Path(path)
    cpu = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    full_state = {"format": FORMAT, "format_version": FORMAT_VERSION, **state, CHECKSUM_KEY: tensors_checksum(cpu)}
    try:
        text = json.dumps(full_state, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"checkpoint state for {p} is not JSON-serialisable: {err}") from None
    atomic_save_safetensors(cpu, p, {STATE_KEY: text})
    atomic_write_text(p.with_suffix(".json"), json.dumps(full_state, sort_keys=True, indent=1))
    logger.info("checkpoint saved: %s (step %s)", p, state.get("step"))
    return p


def tensors_checksum(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of ``tensors`` (stored in the state as ``tensors_sha256``,
    so a flipped bit in the tensor data is found on loading)."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}\n".encode())
        h.update(memoryview(t.reshape(-1).view(torch.uint8).numpy()))
    return h.hexdigest()


def _state_from_metadata(meta: dict[str, str], p: Path) -> dict[str, Any]:
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
    return state


def _read(path: str | os.PathLike[str], with_tensors: bool) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: checkpoint file not found")
    try:
        with safe_open(str(p), framework="pt") as f:  # one handle: the state and the tensors of the same file
            state = _state_from_metadata(f.metadata() or {}, p)
            tensors = {k: f.get_tensor(k) for k in f.keys()} if with_tensors else {}
    except CheckpointError:
        raise
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{p}: not a readable checkpoint (truncated or corrupt safetensors file): {err}") from None
    if with_tensors and CHECKSUM_KEY in state and state[CHECKSUM_KEY] != tensors_checksum(tensors):
        raise CheckpointError(f"{p}: checkpoint tensors do not match their checksum ({CHECKSUM_KEY}): the file is corrupt")
    return tensors, state


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`: ``(tensors on CPU, state)``.

    :raises CheckpointError: if the file is missing, truncated or corrupt, lacks the state, or is of
        another format or version.
    """
    return _read(path, with_tensors=True)


def read_checkpoint_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON state of a checkpoint without loading its tensors (e.g. its step or config).

    :raises CheckpointError: as :func:`load_checkpoint`.
    """
    return _read(path, with_tensors=False)[1]


def require_keys(state: dict[str, Any], keys: list[str], path: Path | str) -> None:
    """Raise :class:`CheckpointError` if any of ``keys`` is missing from ``state``."""
    missing = [k for k in keys if k not in state]
    if missing:
        raise CheckpointError(f"{path}: checkpoint state lacks {missing}")


def state_int(
    state: dict[str, Any], key: str, path: Path | str, minimum: int = 0, maximum: int | None = None
) -> int:
    """``state[key]`` checked to be an integer in ``[minimum, maximum]``; else :class:`CheckpointError`
    naming the file and the field."""
    value = state.get(key)
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if not ok or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f", at most {maximum}"
        raise CheckpointError(f"{path}: checkpoint field {key!r} must be an integer >= {minimum}{upper}, got {value!r}")
    return int(value)


def state_float(state: dict[str, Any], key: str, path: Path | str, default: float | None = None) -> float:
    """``state[key]`` (or ``default`` when absent) checked to be a finite number; else :class:`CheckpointError`."""
    value = state.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CheckpointError(f"{path}: checkpoint field {key!r} must be a finite number, got {value!r}")
    return float(value)


def data_permutation(tensors: dict[str, torch.Tensor], key: str, n: int, path: Path | str) -> torch.Tensor:
    """``tensors[key]`` checked to be a permutation of ``0 .. n-1`` (the data order); else :class:`CheckpointError`."""
    perm = tensors.get(key)
    if perm is None:
        raise CheckpointError(f"{path}: checkpoint lacks the data permutation {key!r}")
    if perm.ndim != 1 or perm.shape[0] != n or perm.dtype.is_floating_point or perm.dtype == torch.bool:
        raise CheckpointError(
            f"{path}: checkpoint tensor {key!r} must be {n} integer indices (the training set's order), got "
            f"{perm.dtype} of shape {tuple(perm.shape)}"
        )
    perm = perm.to(torch.int64)
    if not torch.equal(torch.sort(perm).values, torch.arange(n)):
        raise CheckpointError(
            f"{path}: checkpoint tensor {key!r} is not a permutation of 0..{n - 1} (repeated or out-of-range indices)"
        )
    return perm


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


def optimizer_state_from_parts(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], parts: Any, path: Path | str, name: str
) -> dict[str, Any]:
    """Rebuild and check the state dict that :func:`optimizer_to_parts` split, for ``opt`` (which is not changed).

    Checked: the param groups match ``opt``'s (count, parameter indices), their hyperparameters are numbers
    (flags booleans) where ``opt``'s are, every state index names a parameter, and state tensors have their
    parameter's shape.

    :raises CheckpointError: naming the file and the field (``<name>.param_groups[i].lr``, ``<name>.state.<i>`` ...).
    """
    own = opt.state_dict()
    if not isinstance(parts, dict) or not isinstance(parts.get("param_groups"), list):
        raise CheckpointError(f"{path}: checkpoint field {name!r} must hold a list 'param_groups'")
    saved_groups = parts["param_groups"]
    if len(saved_groups) != len(own["param_groups"]):
        raise CheckpointError(
            f"{path}: {name}.param_groups has {len(saved_groups)} groups, the optimizer has {len(own['param_groups'])}"
        )
    groups = []
    for i, (saved, mine) in enumerate(zip(saved_groups, own["param_groups"])):
        where = f"{name}.param_groups[{i}]"
        if not isinstance(saved, dict):
            raise CheckpointError(f"{path}: {where} must be an object, got {type(saved).__name__}")
        if saved.get("params") != mine["params"]:
            raise CheckpointError(
                f"{path}: {where}.params is {saved.get('params')!r}, the model's parameters are {mine['params']!r} "
                "(a different number of parameters than the model)"
            )
        group = dict(saved)
        for key in ("lr", "betas"):
            if key in mine and key not in saved:
                raise CheckpointError(f"{path}: {where} lacks {key!r}")
        for key, value in saved.items():
            if key == "params" or key not in mine:
                continue
            group[key] = _check_hyperparameter(value, mine[key], f"{where}.{key}", path)
        groups.append(group)
    n_params = sum(len(g["params"]) for g in own["param_groups"])
    params = [p for g in opt.param_groups for p in g["params"]]
    state: dict[int, dict[str, Any]] = {}
    for key, val in tensors.items():
        head, _, rest = key.partition(".")
        idx, _, field = rest.partition(".")
        if head != "state" or not field:
            raise CheckpointError(f"{path}: unexpected optimizer tensor '{name}.{key}' (expected {name}.state.<i>.<field>)")
        state.setdefault(_state_index(idx, n_params, f"{name}.{key}", path), {})[field] = val
    scalars = parts.get("scalars", {})
    if not isinstance(scalars, dict):
        raise CheckpointError(f"{path}: {name}.scalars must be an object, got {type(scalars).__name__}")
    for idx, sc in scalars.items():
        if not isinstance(sc, dict):
            raise CheckpointError(f"{path}: {name}.scalars.{idx} must be an object, got {type(sc).__name__}")
        state.setdefault(_state_index(idx, n_params, f"{name}.scalars.{idx}", path), {}).update(sc)
    fields = {frozenset(st) for st in state.values()}
    if len(fields) > 1:
        raise CheckpointError(f"{path}: {name}.state entries have different fields: {sorted(sorted(f) for f in fields)}")
    if isinstance(opt, (torch.optim.Adam, torch.optim.AdamW)) and state:
        needed = {"step", "exp_avg", "exp_avg_sq"} - set(next(iter(state.values())))
        if needed:
            raise CheckpointError(f"{path}: {name}.state lacks the Adam moments {sorted(needed)}")
    for idx, st in state.items():
        for field, val in st.items():
            if isinstance(val, torch.Tensor) and val.ndim > 0 and val.shape != params[idx].shape:
                raise CheckpointError(
                    f"{path}: optimizer {name!r} tensor {idx}.{field} has shape {tuple(val.shape)}, "
                    f"the parameter has {tuple(params[idx].shape)}"
                )
    return {"state": state, "param_groups": groups}


def _state_index(idx: str, n_params: int, where: str, path: Path | str) -> int:
    if not idx.isdigit() or int(idx) >= n_params:
        raise CheckpointError(f"{path}: {where}: parameter index {idx!r} does not exist (the optimizer has {n_params})")
    return int(idx)


def _check_hyperparameter(value: Any, reference: Any, where: str, path: Path | str) -> Any:
    """``value`` checked against the type of the optimizer's own setting ``reference``."""
    if isinstance(reference, bool) or reference is None:  # flags (foreach / fused may be None)
        if not (isinstance(value, bool) or (reference is None and value is None) or
                (value is None and where.endswith((".foreach", ".fused")))):
            raise CheckpointError(f"{path}: {where} must be a boolean, got {value!r}")
        return value
    if isinstance(reference, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise CheckpointError(f"{path}: {where} must be a finite number >= 0, got {value!r}")
        return value
    if isinstance(reference, tuple):
        if (not isinstance(value, (list, tuple)) or len(value) != len(reference)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v < 1.0 for v in value)):
            raise CheckpointError(f"{path}: {where} must be {len(reference)} numbers in [0, 1), got {value!r}")
        return tuple(value)
    return value


def optimizer_from_parts(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], parts: Any, path: Path | str, name: str
) -> None:
    """Load what :func:`optimizer_to_parts` produced into ``opt``, checked by :func:`optimizer_state_from_parts`."""
    opt.load_state_dict(optimizer_state_from_parts(opt, tensors, parts, path, name))


# -- random generators --------------------------------------------------------------------------------------


def torch_generator_state(gen: torch.Generator) -> torch.Tensor:
    """The byte state of a CPU or CUDA ``torch.Generator`` (a uint8 CPU tensor)."""
    return gen.get_state()


def check_generator_state(gen: torch.Generator, tensors: dict[str, torch.Tensor], key: str, path: Path | str) -> torch.Tensor:
    """``tensors[key]`` checked to be a byte state of ``gen``'s size (``gen`` is not changed).

    :raises CheckpointError: if it is missing or does not fit, naming the file and the key.
    """
    state = tensors.get(key)
    if state is None:
        raise CheckpointError(f"{path}: checkpoint lacks the random state {key!r}")
    own = gen.get_state()
    if state.dtype != torch.uint8 or state.shape != own.shape:
        raise CheckpointError(
            f"{path}: random state {key!r} does not fit this generator: {state.dtype} of shape {tuple(state.shape)}, "
            f"expected {own.dtype} of shape {tuple(own.shape)}"
        )
    return state


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
