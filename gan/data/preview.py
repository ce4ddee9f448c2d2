"""A labelled sample grid of a face set, for people to look at (``gan-latent-env preview``).

:func:`sample_faces` draws a seeded sample from any source and decodes only the sampled files (a folder of
9,500 pairs is not decoded in full for a 32-face preview); :func:`save_preview_grid` draws it with
matplotlib (Agg, no pyplot state) and labels each face with key attributes or, for unlabelled sets, its
name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import numpy as np

from gan.data.cartoonset import decode_pairs, find_pairs
from gan.data.faces import FaceTensors
from gan.data.image_folder import decode_images, find_images
from gan.data.images import DEFAULT_CROP, chw_to_hwc, check_crop, check_image_size
from gan.data.loading import load_faces, source_kind
from gan.data.schema import ATTRIBUTE_INDEX, FACIAL_HAIR_NONE, GLASSES_NONE

LABEL_ATTRIBUTES: Final[tuple[str, ...]] = ("hair", "hair_color", "face_color", "glasses", "facial_hair")
"""The attributes shown under each labelled face."""


def _sample_indices(total: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(total, size=min(n, total), replace=False))


def sample_faces(
    source: str | os.PathLike[str],
    n: int = 32,
    image_size: int = 64,
    crop: float | None = None,
    seed: int = 0,
    progress: bool = True,
) -> FaceTensors:
    """A seeded sample of ``min(n, N)`` faces from ``source`` (see :func:`gan.data.loading.load_faces`).

    Folders: only the sampled files are decoded (no cache is written). Saved sets and procedural sources
    are loaded (rendered) in full, then sampled. The sample is in name order.

    :raises ValueError: on ``n < 1`` or a bad source, size or crop (subclasses name the file).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    image_size = check_image_size(image_size)
    rng = np.random.default_rng(seed)
    kind = source_kind(source)
    if kind == "cartoonset":
        pairs = find_pairs(source)
        chosen = [pairs[i] for i in _sample_indices(len(pairs), n, rng)]
        c = check_crop(DEFAULT_CROP if crop is None else crop)
        faces, _ = decode_pairs(chosen, image_size, c, progress=progress)
        return faces
    if kind == "image_folder":
        root = Path(source)
        paths = find_images(root)
        chosen_paths = [paths[i] for i in _sample_indices(len(paths), n, rng)]
        c = check_crop(1.0 if crop is None else crop)
        faces, _ = decode_images(chosen_paths, root, image_size, c, progress=progress)
        return faces
    faces = load_faces(source, image_size=image_size, crop=crop, cache=False, progress=progress)
    return faces.subset(_sample_indices(len(faces), n, rng))


def face_label(faces: FaceTensors, i: int, max_chars: int = 20) -> str:
    """Two short lines describing face ``i``: key attributes, or the (shortened) name if unlabelled."""
    if faces.attributes is None:
        name = faces.names[i]
        return name if len(name) <= max_chars else "..." + name[-(max_chars - 3) :]
    a = {k: int(faces.attributes[i, ATTRIBUTE_INDEX[k]]) for k in LABEL_ATTRIBUTES}
    glasses = "none" if a["glasses"] == GLASSES_NONE else str(a["glasses"])
    beard = "none" if a["facial_hair"] == FACIAL_HAIR_NONE else str(a["facial_hair"])
    return f"hair {a['hair']} col {a['hair_color']}\nskin {a['face_color']} gl {glasses} fh {beard}"


def save_preview_grid(
    faces: FaceTensors,
    path: str | os.PathLike[str],
    cols: int = 8,
    title: str | None = None,
    scale: float = 2.0,
) -> Path:
    """Draw ``faces`` in a labelled grid and save it as an image (format from the suffix, e.g. PNG).

    :param cols: faces per row.
    :param scale: displayed pixels per image pixel (at 100 dpi).
    :returns: the path written.
    """
    from matplotlib.figure import Figure  # lazy: plotting only here

    if len(faces) == 0:
        raise ValueError("no faces to draw")
    if cols < 1:
        raise ValueError(f"cols must be >= 1, got {cols}")
    n = len(faces)
    cols = min(cols, n)
    rows = -(-n // cols)
    dpi = 100
    cell_w = faces.image_size * scale / dpi
    label_h = 0.32
    title_h = 0.16 * (title.count("\n") + 1) + 0.1 if title else 0.0
    fig = Figure(figsize=(cols * cell_w, rows * (cell_w + label_h) + title_h), dpi=dpi)
    images = chw_to_hwc(faces.images)
    top = 1.0 - title_h / fig.get_figheight()
    axes = fig.subplots(rows, cols, squeeze=False, gridspec_kw={"top": top, "bottom": 0.0, "left": 0.0,
                                                                "right": 1.0, "wspace": 0.04, "hspace": 0.0})
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k >= n:
            continue
        ax.imshow(images[k], interpolation="nearest")
        ax.set_title(face_label(faces, k), fontsize=6.5, pad=2, linespacing=1.1, family="monospace")
    if title:
        fig.suptitle(title, fontsize=9, y=1.0 - 0.05 / fig.get_figheight(), va="top")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, facecolor="white")
    return out
