"""Write a face set in the real CartoonSet file format (``NAME.png`` + ``NAME.csv`` pairs).

The ``tensor`` format is :meth:`gan.data.faces.FaceTensors.save` (one safetensors file). Files written
here are read back exactly by :class:`gan.data.cartoonset.CartoonSetDataset` with ``crop=1.0`` and
``image_size`` equal to the written size (PNG is lossless; the pixels pass through unchanged).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image

from gan.data.faces import FaceTensors
from gan.data.schema import ATTRIBUTES

logger = logging.getLogger(__name__)

_STEM: Final[re.Pattern[str]] = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")


class DatasetWriteError(ValueError):
    """A face set that cannot be written as asked (unlabelled, bad or clashing names); names the file."""


def attributes_csv_text(attributes: np.ndarray) -> str:
    """The CartoonSet CSV text of one attribute vector ``[18]``: ``"name", index, n_variants`` lines."""
    return "".join(f'"{name}", {int(v)}, {count}\n' for (name, count), v in zip(ATTRIBUTES, attributes))


def write_cartoonset(faces: FaceTensors, out_dir: str | os.PathLike[str], overwrite: bool = False) -> list[Path]:
    """Write each face as ``out_dir/NAME.png`` (8-bit RGB) and ``out_dir/NAME.csv`` (18 attribute lines).

    The face names are the file stems (letters, digits, ``_`` and ``-``; e.g. ``csproc0_0000001``).

    :param overwrite: replace existing files of the same names instead of failing.
    :returns: the PNG paths written, in face order.
    :raises DatasetWriteError: (a ``ValueError``) if the set has no attributes, a name is not a plain file
        stem or is repeated, or (without ``overwrite``) a file to write already exists.
    """
    if faces.attributes is None:
        raise DatasetWriteError("the CartoonSet format needs attributes; this face set is unlabelled")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DatasetWriteError(f"{out}: exists and is not a folder")
    seen: set[str] = set()
    for name in faces.names:
        if not _STEM.fullmatch(name):
            raise DatasetWriteError(f"face name {name!r} is not a plain file stem (letters, digits, '_', '-')")
        if name in seen:
            raise DatasetWriteError(f"face name {name!r} occurs more than once")
        seen.add(name)
        if not overwrite:
            for suffix in (".png", ".csv"):
                if (out / f"{name}{suffix}").exists():
                    raise DatasetWriteError(f"{out / (name + suffix)}: already exists (pass overwrite=True, or --overwrite on the command line)")
    out.mkdir(parents=True, exist_ok=True)
    images = faces.images.permute(0, 2, 3, 1).contiguous().numpy()
    attributes = faces.attributes.numpy()
    written = []
    for name, image, attrs in zip(faces.names, images, attributes):
        png = out / f"{name}.png"
        Image.fromarray(image).save(png, format="PNG")
        (out / f"{name}.csv").write_text(attributes_csv_text(attrs), encoding="utf-8", newline="\n")
        written.append(png)
    logger.debug("wrote %d CartoonSet pairs to %s", len(written), out)
    return written
