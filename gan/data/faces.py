"""``FaceTensors``: the common in-memory form of any face set, and its one-file safetensors format.

A face set is uint8 images ``[N, 3, H, W]``, optional int64 attributes ``[N, 18]`` (schema order) and one
name per image. :meth:`FaceTensors.save` writes it as ONE ``.safetensors`` file: tensors ``images`` (and
``attributes`` when present) plus string metadata ``format`` (``"gan_latent_env.faces"``),
``format_version``, ``names`` (a JSON list) and ``settings`` (a JSON object, e.g. the decode settings of a
cache). This is both the ``tensor`` dataset format and the CartoonSet decode cache format.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from gan.atomic import atomic_write
from gan.data.images import to_float
from gan.data.schema import NUM_ATTRIBUTES, validate_attributes

logger = logging.getLogger(__name__)

FORMAT_NAME: Final[str] = "gan_latent_env.faces"
FORMAT_VERSION: Final[int] = 1


class FaceTensorsFormatError(ValueError):
    """A face-tensor file that is missing, truncated, corrupt or inconsistent; the message names the file."""


@dataclass
class FaceTensors:
    """A face set held in memory.

    :param images: uint8 tensor ``[N, 3, H, W]`` with ``H == W``.
    :param attributes: int64 tensor ``[N, 18]`` of variant indices in schema order, or ``None`` (unlabelled).
    :param names: one name per image (e.g. the file stem ``cs1000...``).
    :param settings: free-form JSON-serialisable settings saved with the file (e.g. decode settings).
    :raises ValueError: on a wrong dtype, shape, attribute range or number of names.
    """

    images: torch.Tensor
    attributes: torch.Tensor | None
    names: list[str]
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.images, torch.Tensor) or self.images.dtype != torch.uint8:
            got = self.images.dtype if isinstance(self.images, torch.Tensor) else type(self.images).__name__
            raise ValueError(f"FaceTensors.images must be a uint8 torch.Tensor, got {got}")
        if self.images.ndim != 4 or self.images.shape[1] != 3 or self.images.shape[2] != self.images.shape[3]:
            raise ValueError(
                f"FaceTensors.images must have shape [N, 3, H, H], got {tuple(self.images.shape)}"
            )
        n = self.images.shape[0]
        if self.attributes is not None:
            if not isinstance(self.attributes, torch.Tensor) or self.attributes.dtype != torch.int64:
                got = (
                    self.attributes.dtype
                    if isinstance(self.attributes, torch.Tensor)
                    else type(self.attributes).__name__
                )
                raise ValueError(f"FaceTensors.attributes must be an int64 torch.Tensor or None, got {got}")
            if tuple(self.attributes.shape) != (n, NUM_ATTRIBUTES):
                raise ValueError(
                    f"FaceTensors.attributes must have shape [{n}, {NUM_ATTRIBUTES}] to match {n} images, "
                    f"got {tuple(self.attributes.shape)}"
                )
            validate_attributes(self.attributes, name="FaceTensors.attributes")
        if isinstance(self.names, (str, bytes)) or not all(isinstance(s, str) for s in self.names):
            raise ValueError("FaceTensors.names must be a list of strings")
        self.names = list(self.names)
        if len(self.names) != n:
            raise ValueError(f"FaceTensors has {n} images but {len(self.names)} names")
        if not isinstance(self.settings, dict):
            raise ValueError(f"FaceTensors.settings must be a dict, got {type(self.settings).__name__}")

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_size(self) -> int:
        """Side of the square images in pixels."""
        return int(self.images.shape[-1])

    @property
    def labelled(self) -> bool:
        """Whether the set carries attributes."""
        return self.attributes is not None

    def subset(self, indices: Sequence[int] | np.ndarray | torch.Tensor) -> FaceTensors:
        """A new ``FaceTensors`` with the given rows, in the given order (copies the selected rows)."""
        idx = torch.as_tensor(np.asarray(indices, dtype=np.int64).reshape(-1))
        if idx.numel() and (int(idx.min()) < -len(self) or int(idx.max()) >= len(self)):
            raise IndexError(f"subset indices out of range for {len(self)} faces")
        return FaceTensors(
            images=self.images[idx].clone(),
            attributes=None if self.attributes is None else self.attributes[idx].clone(),
            names=[self.names[int(i)] for i in idx],
            settings=dict(self.settings),
        )

    def float_images(self, indices: Sequence[int] | np.ndarray | torch.Tensor | None = None) -> torch.Tensor:
        """The images (all, or the given rows) as float32 ``[n, 3, H, W]`` in ``[-1, 1]``."""
        if indices is None:
            return to_float(self.images)
        idx = torch.as_tensor(np.asarray(indices, dtype=np.int64).reshape(-1))
        return to_float(self.images[idx])

    def save(self, path: str | os.PathLike[str], settings: dict[str, Any] | None = None) -> Path:
        """Write the set as one safetensors file (atomically and durably, see :func:`gan.atomic.atomic_write`).

        :param settings: JSON-serialisable settings stored in the metadata (default: ``self.settings``).
        :returns: the path written.
        """
        p = Path(path)
        meta_settings = self.settings if settings is None else settings
        metadata = {
            "format": FORMAT_NAME,
            "format_version": str(FORMAT_VERSION),
            "names": json.dumps(self.names),
            "settings": json.dumps(meta_settings, sort_keys=True),
            "labelled": "1" if self.attributes is not None else "0",
        }
        tensors = {"images": self.images.contiguous()}
        if self.attributes is not None:
            tensors["attributes"] = self.attributes.contiguous()
        return atomic_write(p, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FaceTensors:
        """Read a file written by :meth:`save`.

        :raises FaceTensorsFormatError: (a ``ValueError``) if the file is missing, truncated, corrupt, of
            another format or version, or its tensors and names disagree; the message names the file.
        """
        p = Path(path)
        if not p.is_file():
            raise FaceTensorsFormatError(f"{p}: face-tensor file not found")
        try:
            with safe_open(str(p), framework="pt") as f:
                metadata = f.metadata() or {}
                keys = set(f.keys())
                _check_metadata(p, metadata, keys)
                images = f.get_tensor("images")
                attributes = f.get_tensor("attributes") if "attributes" in keys else None
        except FaceTensorsFormatError:
            raise
        except (SafetensorError, OSError, RuntimeError, ValueError) as err:
            raise FaceTensorsFormatError(
                f"{p}: not a readable safetensors face file (truncated or corrupt?): {err}"
            ) from None
        try:
            names = json.loads(metadata["names"])
            settings = json.loads(metadata.get("settings", "{}"))
        except json.JSONDecodeError as err:
            raise FaceTensorsFormatError(f"{p}: corrupt metadata (bad JSON: {err})") from None
        try:
            return cls(images=images, attributes=attributes, names=names, settings=settings)
        except ValueError as err:
            raise FaceTensorsFormatError(f"{p}: inconsistent contents: {err}") from None


def _check_metadata(path: Path, metadata: dict[str, str], keys: set[str]) -> None:
    if metadata.get("format") != FORMAT_NAME:
        raise FaceTensorsFormatError(
            f"{path}: not a face-tensor file (metadata format is {metadata.get('format')!r}, "
            f"expected {FORMAT_NAME!r})"
        )
    version = metadata.get("format_version")
    if version != str(FORMAT_VERSION):
        raise FaceTensorsFormatError(
            f"{path}: unsupported face-tensor format version {version!r} (this code reads {FORMAT_VERSION})"
        )
    if "images" not in keys:
        raise FaceTensorsFormatError(f"{path}: no 'images' tensor in the file (found {sorted(keys)})")
    if "names" not in metadata:
        raise FaceTensorsFormatError(f"{path}: no 'names' entry in the metadata")
    labelled = metadata.get("labelled")
    if labelled == "1" and "attributes" not in keys:
        raise FaceTensorsFormatError(f"{path}: metadata says labelled but the 'attributes' tensor is missing")
    extra = keys - {"images", "attributes"}
    if extra:
        raise FaceTensorsFormatError(f"{path}: unexpected tensors {sorted(extra)}")
