"""Unlabelled ImageFolder-style sets (CelebA, anime faces, your own photos) with the face-set conventions.

Every file under the root (recursively; hidden files and folders skipped) whose extension is in
``extensions`` is one face; class subfolders, if any, only organise files and carry no labels. Images are
decoded like CartoonSet images (:func:`gan.data.images.load_image`: transparency on white, non-square
images centre-cropped to a square, centre crop ``crop``, antialiased resize). The default ``crop=1.0``
keeps the whole (square) image, since other sets are usually framed already.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from gan.data.cache import cache_path, cache_prefix, fingerprint, load_or_build
from gan.data.faces import FaceTensors
from gan.data.images import (
    IMAGE_EXTENSIONS,
    RESAMPLE,
    ImageReadError,
    check_crop,
    check_image_size,
    load_image,
    to_float,
)

logger = logging.getLogger(__name__)

OnError = Literal["raise", "skip"]
CACHE_KIND: Final[str] = "imagefolder"


class ImageFolderError(ValueError):
    """A missing folder or a folder without images; the message names the folder."""


def _normalise_extensions(extensions: Sequence[str]) -> tuple[str, ...]:
    if isinstance(extensions, str) or not extensions:
        raise ValueError(f"extensions must be a non-empty sequence like ('.png', '.jpg'), got {extensions!r}")
    return tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in extensions)


def find_images(root: str | os.PathLike[str], extensions: Sequence[str] = IMAGE_EXTENSIONS) -> list[Path]:
    """Image files under ``root`` (recursive, hidden entries skipped), sorted by relative path.

    :raises ImageFolderError: if ``root`` is missing, not a folder, or holds no image files.
    """
    root = Path(root)
    exts = _normalise_extensions(extensions)
    if not root.exists():
        raise ImageFolderError(f"{root}: image folder not found")
    if not root.is_dir():
        raise ImageFolderError(f"{root}: not a folder")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fname in filenames:
            if not fname.startswith(".") and os.path.splitext(fname)[1].lower() in exts:
                found.append(Path(dirpath) / fname)
    if not found:
        raise ImageFolderError(f"{root}: no image files ({', '.join(exts)}) found, recursively")
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def image_name(path: Path, root: Path) -> str:
    """A face's name: its path relative to ``root`` with ``/`` separators, extension kept (so ``a.png`` and
    ``a.jpg`` stay two distinct names)."""
    return path.relative_to(root).as_posix()


def decode_images(
    paths: Sequence[Path],
    root: Path,
    image_size: int,
    crop: float = 1.0,
    on_error: OnError = "raise",
    progress: bool = True,
    desc: str = "decoding images",
) -> tuple[FaceTensors, list[str]]:
    """Decode image files into an unlabelled :class:`FaceTensors` (names from :func:`image_name`), and the
    messages of the files skipped with ``on_error="skip"``.

    :raises ImageReadError: on the first unreadable file when ``on_error="raise"``.
    """
    images = np.empty((len(paths), image_size, image_size, 3), dtype=np.uint8)
    names: list[str] = []
    problems: list[str] = []
    n = 0
    for path in tqdm(paths, desc=desc, unit="img", disable=not progress, leave=False):
        try:
            images[n] = load_image(path, image_size, crop)
        except ImageReadError as err:
            if on_error == "raise":
                raise
            logger.warning("skipping %s", err)
            problems.append(str(err))
            continue
        names.append(image_name(path, root))
        n += 1
    faces = FaceTensors(
        torch.from_numpy(images[:n]).permute(0, 3, 1, 2).contiguous(),
        None,
        names,
        settings={"image_size": image_size, "crop": crop, "resample": RESAMPLE.name},
    )
    return faces, problems


class ImageFolderDataset(Dataset):
    """Unlabelled images as a torch ``Dataset``, decoded once at construction into uint8 memory.

    Item ``i`` is ``(image, attributes)``: image float32 ``[3, image_size, image_size]`` in ``[-1, 1]`` and
    ``attributes`` an EMPTY int64 tensor ``[0]`` (no labels), so items have the same structure as
    :class:`~gan.data.cartoonset.CartoonSetDataset` items and the default ``DataLoader`` collate gives an
    int64 ``[B, 0]`` batch. :meth:`tensors` returns the set with ``attributes=None``. Names are relative paths
    (extension kept), in sorted order.

    :param root: the folder (images in it or in any subfolder).
    :param image_size: output side in pixels.
    :param crop: centre crop as a fraction of the (square) image side, in (0, 1]; default 1.0.
    :param cache: ``False``, ``True`` (default cache folder), a folder or a ``.safetensors`` path; see
        :mod:`gan.data.cache` (rebuilt when a file or setting changes).
    :param extensions: file extensions to read (case-insensitive).
    :param on_error: ``"raise"`` or ``"skip"`` (unreadable files left out with a logged warning; counted
        in :attr:`num_skipped`).
    :param progress: show a tqdm progress bar while decoding.
    :raises ImageFolderError: if the folder is missing or has no images.
    :raises ImageReadError: on an unreadable image (``on_error="raise"``).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        image_size: int = 64,
        crop: float = 1.0,
        cache: bool | str | os.PathLike[str] = False,
        extensions: Sequence[str] = IMAGE_EXTENSIONS,
        on_error: OnError = "raise",
        progress: bool = True,
    ) -> None:
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.root = Path(root)
        self.image_size = check_image_size(image_size)
        self.crop = check_crop(crop)
        self.extensions = _normalise_extensions(extensions)
        self.on_error: OnError = on_error
        paths = find_images(self.root, self.extensions)
        settings = self.settings
        fp = fingerprint(CACHE_KIND, self.root, paths, settings)
        prefix = cache_prefix(CACHE_KIND, self.root, settings)
        path = cache_path(cache, prefix, fp)

        def build() -> FaceTensors:
            faces, problems = decode_images(paths, self.root, self.image_size, self.crop, on_error, progress)
            faces.settings.update(settings, skipped=problems)
            return faces

        self._faces, self.cache_hit = load_or_build(
            path, fp, build, prefix=prefix, explicit=cache is not True
        )
        self.cache_path: Path | None = path
        self.skipped: list[str] = list(self._faces.settings.get("skipped", []))
        if not len(self._faces):
            raise ImageFolderError(f"{self.root}: every image was unreadable and skipped")
        if self.skipped:
            logger.warning("%s: skipped %d unreadable image(s)", self.root, len(self.skipped))

    @property
    def settings(self) -> dict[str, Any]:
        """The decode settings (part of the cache fingerprint)."""
        return {
            "image_size": self.image_size,
            "crop": self.crop,
            "resample": RESAMPLE.name,
            "extensions": list(self.extensions),
            "on_error": self.on_error,
        }

    @property
    def num_skipped(self) -> int:
        """How many unreadable images were skipped (``on_error="skip"``)."""
        return len(self.skipped)

    @property
    def names(self) -> list[str]:
        """Image names (relative paths, extension kept), in item order."""
        return self._faces.names

    def tensors(self) -> FaceTensors:
        """The decoded set: uint8 images ``[N, 3, S, S]``, ``attributes=None``, names."""
        return self._faces

    def __len__(self) -> int:
        return len(self._faces)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return to_float(self._faces.images[index]), torch.empty(0, dtype=torch.int64)
