"""``load_faces``: one entry point from a data source string to a :class:`~gan.data.faces.FaceTensors`.

Sources:

* ``procedural:N`` or ``procedural:N:SEED`` -- ``N`` offline procedural faces
  (:func:`gan.data.procedural.make_procedural_faces`, seed 0 unless given), rendered at ``image_size``.
* a ``.safetensors`` file -- a saved face set (:meth:`FaceTensors.load`); its image size must equal
  ``image_size`` (it is never resized silently).
* a folder holding CartoonSet attribute CSVs (``cs*.csv``, recursively) -- :class:`CartoonSetDataset`.
* any other folder -- :class:`ImageFolderDataset` (unlabelled).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final, Literal

from gan.data.cartoonset import CartoonSetDataset
from gan.data.faces import FaceTensors
from gan.data.image_folder import ImageFolderDataset
from gan.data.images import DEFAULT_CROP, check_image_size

PROCEDURAL_PREFIX: Final[str] = "procedural:"
_PROCEDURAL_RE: Final[re.Pattern[str]] = re.compile(r"procedural:(\d+)(?::(\d+))?")
_PROCEDURAL_FORM: Final[str] = "expected 'procedural:N' or 'procedural:N:SEED' with integers N >= 1, SEED >= 0"

SourceKind = Literal["procedural", "tensor", "cartoonset", "image_folder"]


class DataSourceError(ValueError):
    """A data source that does not exist or cannot be interpreted; the message names it."""


def is_cartoonset_folder(root: Path) -> bool:
    """Whether ``root`` (recursively, hidden entries skipped) holds any ``cs*.csv`` attribute file."""
    for _dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if any(f.lower().endswith(".csv") and f.startswith("cs") for f in filenames):
            return True
    return False


def source_kind(source: str | os.PathLike[str]) -> SourceKind:
    """Which kind of source ``source`` is (see the module docstring).

    :raises DataSourceError: for a missing path, a file that is not ``.safetensors``, or a malformed
        ``procedural:`` string.
    """
    text = os.fspath(source)
    if text.startswith(PROCEDURAL_PREFIX):
        if not _PROCEDURAL_RE.fullmatch(text):
            raise DataSourceError(f"data source {text!r}: {_PROCEDURAL_FORM}")
        return "procedural"
    path = Path(text)
    if path.is_dir():
        return "cartoonset" if is_cartoonset_folder(path) else "image_folder"
    if path.is_file():
        if path.suffix == ".safetensors":
            return "tensor"
        raise DataSourceError(
            f"{path}: a data file must be a .safetensors face set (got {path.suffix or 'no'} extension)"
        )
    raise DataSourceError(
        f"{path}: data source not found (expected a folder, a .safetensors file or 'procedural:N')"
    )


def default_crop(kind: SourceKind) -> float | None:
    """The centre crop :func:`load_faces` uses for a source of ``kind`` when none is given: :data:`DEFAULT_CROP`
    for CartoonSet folders and procedural faces, 1.0 for image folders, ``None`` for saved face sets (not
    decoded)."""
    return {"procedural": DEFAULT_CROP, "cartoonset": DEFAULT_CROP, "image_folder": 1.0}.get(kind)


def parse_procedural(source: str) -> tuple[int, int]:
    """``(n, seed)`` of a ``procedural:N[:SEED]`` source.

    :raises DataSourceError: if malformed or ``N < 1``.
    """
    m = _PROCEDURAL_RE.fullmatch(source)
    if m is None or int(m.group(1)) < 1:
        raise DataSourceError(f"data source {source!r}: {_PROCEDURAL_FORM}")
    return int(m.group(1)), int(m.group(2) or 0)


def load_faces(
    source: str | os.PathLike[str],
    image_size: int = 64,
    crop: float | None = None,
    cache: bool | str | os.PathLike[str] = True,
    on_error: Literal["raise", "skip"] = "raise",
    progress: bool = True,
) -> FaceTensors:
    """Load any face source as uint8 :class:`FaceTensors` of ``image_size``.

    :param source: ``procedural:N[:SEED]``, a ``.safetensors`` face set, a CartoonSet folder or an image
        folder.
    :param image_size: side of the returned images in pixels.
    :param crop: centre crop (fraction of the canvas side) for folders; ``None`` means the set's default:
        :data:`~gan.data.images.DEFAULT_CROP` (0.8) for CartoonSet folders and procedural faces (framed like
        the real set), 1.0 for image folders. Not used by saved face sets (already decoded).
    :param cache: decode cache for folders (see :mod:`gan.data.cache`); default on, in the user cache folder.
    :param on_error: ``"raise"`` or ``"skip"`` bad files in folders.
    :param progress: show a progress bar while decoding folders.
    :raises DataSourceError: for a missing or unrecognised source, or a saved set of another image size.
    :raises ValueError: (subclasses) for bad files, as raised by the readers.
    """
    image_size = check_image_size(image_size)
    kind = source_kind(source)
    if kind == "procedural":
        n, seed = parse_procedural(os.fspath(source))
        from gan.data.procedural import make_procedural_faces  # lazy: optional heavy renderer

        return make_procedural_faces(n, seed=seed, size=image_size, crop=default_crop(kind) if crop is None else crop)
    path = Path(source)
    if kind == "tensor":
        faces = FaceTensors.load(path)
        if faces.image_size != image_size:
            raise DataSourceError(
                f"{path}: holds {faces.image_size}x{faces.image_size} images but image_size={image_size} was "
                f"requested (saved face sets are not resized; save one at {image_size} or ask for "
                f"{faces.image_size})"
            )
        return faces
    if kind == "cartoonset":
        return CartoonSetDataset(
            path,
            image_size=image_size,
            crop=default_crop(kind) if crop is None else crop,
            cache=cache,
            on_error=on_error,
            progress=progress,
        ).tensors()
    return ImageFolderDataset(
        path,
        image_size=image_size,
        crop=default_crop(kind) if crop is None else crop,
        cache=cache,
        on_error=on_error,
        progress=progress,
    ).tensors()
