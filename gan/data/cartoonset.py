"""Strict reader of the real Google CartoonSet layout.

A CartoonSet folder holds pairs ``csNNN.png`` + ``csNNN.csv`` (in the root or in subfolders such as
``0``..``9``, found recursively). Each CSV has one line per attribute, ``"name", index, n_variants``, e.g.
``"eye_angle", 1, 3``; :func:`read_attributes_csv` checks every line against the schema and returns the
indices in schema order. Anything wrong is a :class:`CartoonSetFormatError` (a ``ValueError``) naming the
file, the line where there is one, and what is wrong: never a zero vector or a clamped index.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from gan.data.cache import cache_path, cache_prefix, fingerprint, load_or_build
from gan.data.faces import FaceTensors
from gan.data.images import (
    DEFAULT_CROP,
    RESAMPLE,
    ImageReadError,
    check_crop,
    check_image_size,
    load_image,
    to_float,
)
from gan.data.schema import ATTRIBUTE_INDEX, ATTRIBUTE_NAMES, NUM_ATTRIBUTES, NUM_VARIANTS

logger = logging.getLogger(__name__)

OnError = Literal["raise", "skip"]
CACHE_KIND: Final[str] = "cartoonset"


class CartoonSetFormatError(ValueError):
    """A CartoonSet file or folder that does not follow the format; the message names the file (and line)."""


def _parse_int(text: str, what: str, where: str) -> int:
    s = text.strip()
    try:
        return int(s)
    except ValueError:
        raise CartoonSetFormatError(f"{where}: {what} must be an integer, got {s!r}") from None


def read_attributes_csv(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one CartoonSet attribute CSV as int64 ``[18]`` variant indices in schema order.

    Blank lines are ignored; every other line must be ``"name", index, n_variants`` with a known, not yet
    seen attribute name, ``n_variants`` equal to the schema's and ``0 <= index < n_variants``; every
    attribute must appear (in any order).

    :raises CartoonSetFormatError: naming the file, the line number (1-based) and what is wrong.
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CartoonSetFormatError(f"{p}: attribute CSV not found") from None
    except OSError as err:
        raise CartoonSetFormatError(f"{p}: cannot read attribute CSV ({err})") from None
    except UnicodeDecodeError as err:
        raise CartoonSetFormatError(f"{p}: not a UTF-8 text file ({err})") from None

    values: dict[str, int] = {}
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{p}, line {lineno}"
        try:
            rows = list(csv.reader(io.StringIO(line), skipinitialspace=True, strict=True))
        except csv.Error as err:
            raise CartoonSetFormatError(f"{where}: malformed line {line!r} ({err})") from None
        fields = rows[0] if len(rows) == 1 else []
        if len(fields) != 3:
            raise CartoonSetFormatError(
                f"{where}: malformed line {line!r} (expected 3 fields '\"name\", index, n_variants', "
                f"got {len(fields)})"
            )
        name = fields[0].strip()
        if name not in ATTRIBUTE_INDEX:
            raise CartoonSetFormatError(f"{where}: unknown attribute {name!r}")
        if name in values:
            raise CartoonSetFormatError(
                f"{where}: duplicate attribute {name!r} (first given on line {first_line[name]})"
            )
        index = _parse_int(fields[1], f"the index of {name!r}", where)
        count = _parse_int(fields[2], f"the variant count of {name!r}", where)
        expected = NUM_VARIANTS[ATTRIBUTE_INDEX[name]]
        if count != expected:
            raise CartoonSetFormatError(
                f"{where}: attribute {name!r} has {count} variants in the file but {expected} in the schema"
            )
        if not 0 <= index < count:
            raise CartoonSetFormatError(
                f"{where}: index {index} of attribute {name!r} is out of range 0..{count - 1}"
            )
        values[name] = index
        first_line[name] = lineno
    missing = [n for n in ATTRIBUTE_NAMES if n not in values]
    if missing:
        raise CartoonSetFormatError(f"{p}: missing attribute(s) {', '.join(missing)}")
    return np.array([values[n] for n in ATTRIBUTE_NAMES], dtype=np.int64)


def _scan(root: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """All (png, csv) pairs under ``root`` sorted by name, and one message per problem found."""
    if not root.exists():
        raise CartoonSetFormatError(f"{root}: CartoonSet folder not found")
    if not root.is_dir():
        raise CartoonSetFormatError(f"{root}: not a folder")
    pngs: dict[Path, Path] = {}
    csvs: dict[Path, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fname in filenames:
            if fname.startswith("."):
                continue
            f = Path(dirpath) / fname
            suffix = f.suffix.lower()
            if suffix == ".png":
                pngs[f.with_suffix("")] = f
            elif suffix == ".csv":
                csvs[f.with_suffix("")] = f
    if not pngs and not csvs:
        raise CartoonSetFormatError(f"{root}: empty CartoonSet folder (no .png/.csv pairs found, recursively)")
    problems: list[str] = []
    pairs: list[tuple[Path, Path]] = []
    seen: dict[str, Path] = {}
    for stem in sorted(pngs.keys() | csvs.keys(), key=lambda s: (s.name, str(s))):
        if stem not in csvs:
            problems.append(f"{pngs[stem]}: PNG without its attribute CSV ({stem.name}.csv)")
        elif stem not in pngs:
            problems.append(f"{csvs[stem]}: attribute CSV without its PNG ({stem.name}.png)")
        elif stem.name in seen:
            problems.append(f"{pngs[stem]}: duplicate face name {stem.name!r} (also {seen[stem.name]})")
        else:
            seen[stem.name] = pngs[stem]
            pairs.append((pngs[stem], csvs[stem]))
    return pairs, problems


def _check_on_error(on_error: str) -> None:
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")


def find_pairs(root: str | os.PathLike[str], on_error: OnError = "raise") -> list[tuple[Path, Path]]:
    """All ``(png, csv)`` pairs under ``root`` (recursive, hidden files ignored), sorted by face name.

    :param on_error: ``"raise"``: any PNG without a CSV, CSV without a PNG or duplicate face name raises;
        ``"skip"``: those files are left out with a logged warning.
    :raises CartoonSetFormatError: for a missing or empty folder (always), or an unpaired/duplicate file.
    """
    _check_on_error(on_error)
    pairs, problems = _scan(Path(root))
    _report(problems, on_error)
    if not pairs:
        raise CartoonSetFormatError(f"{root}: no complete .png/.csv pairs found")
    return pairs


def _report(problems: list[str], on_error: str) -> None:
    if problems and on_error == "raise":
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise CartoonSetFormatError(problems[0] + more)
    for msg in problems:
        logger.warning("skipping: %s", msg)


def decode_pairs(
    pairs: list[tuple[Path, Path]],
    image_size: int,
    crop: float,
    on_error: OnError = "raise",
    progress: bool = True,
    desc: str = "decoding CartoonSet",
) -> tuple[FaceTensors, list[str]]:
    """Decode every pair into a :class:`FaceTensors` (names = file stems), and the list of skipped problems.

    :raises CartoonSetFormatError, ImageReadError: on the first bad pair when ``on_error="raise"``.
    """
    images = np.empty((len(pairs), image_size, image_size, 3), dtype=np.uint8)
    attributes = np.empty((len(pairs), NUM_ATTRIBUTES), dtype=np.int64)
    names: list[str] = []
    problems: list[str] = []
    n = 0
    for png, csv_path in tqdm(pairs, desc=desc, unit="img", disable=not progress, leave=False):
        try:
            attrs = read_attributes_csv(csv_path)
            img = load_image(png, image_size, crop)
        except (CartoonSetFormatError, ImageReadError) as err:
            if on_error == "raise":
                raise
            logger.warning("skipping %s: %s", png.stem, err)
            problems.append(str(err))
            continue
        images[n] = img
        attributes[n] = attrs
        names.append(png.stem)
        n += 1
    faces = FaceTensors(
        images=torch.from_numpy(images[:n]).permute(0, 3, 1, 2).contiguous(),
        attributes=torch.from_numpy(attributes[:n].copy()),
        names=names,
        settings={"image_size": image_size, "crop": crop, "resample": RESAMPLE.name},
    )
    return faces, problems


class CartoonSetDataset(Dataset):
    """The real CartoonSet pairs as a torch ``Dataset``.

    Item ``i`` is ``(image, attributes)``: image float32 ``[3, image_size, image_size]`` in ``[-1, 1]``
    (transparency on white, centre crop ``crop`` of the canvas, antialiased resize; see
    :mod:`gan.data.images`), attributes int64 ``[18]`` in schema order. Faces are ordered by name.

    The whole set is decoded once, at construction, into uint8 memory (9,500 faces at 64x64: 117 MB);
    :meth:`tensors` returns it. With ``cache`` enabled the decoded set is also written to (and next time read
    from) one safetensors file, rebuilt whenever a file in the folder or a setting changes (see
    :mod:`gan.data.cache`). The folder itself is never written to.

    :param root: the CartoonSet folder (pairs in it or in its subfolders).
    :param image_size: output side in pixels.
    :param crop: centre crop as a fraction of the canvas side, in (0, 1].
    :param cache: ``False`` (no file), ``True`` (the default cache folder), a folder, or a ``.safetensors``
        file path.
    :param on_error: ``"raise"`` (default) or ``"skip"``: bad pairs (unpaired files, bad CSV, unreadable
        image) are left out with a logged warning; :attr:`num_skipped` / :attr:`skipped` report them.
    :param progress: show a tqdm progress bar while decoding.
    :raises CartoonSetFormatError: on a bad folder or pair (``on_error="raise"``), naming the file and line.
    :raises ImageReadError: on an unreadable image (``on_error="raise"``).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        image_size: int = 64,
        crop: float = DEFAULT_CROP,
        cache: bool | str | os.PathLike[str] = False,
        on_error: OnError = "raise",
        progress: bool = True,
    ) -> None:
        _check_on_error(on_error)
        self.root = Path(root)
        self.image_size = check_image_size(image_size)
        self.crop = check_crop(crop)
        self.on_error: OnError = on_error
        pairs, scan_problems = _scan(self.root)
        _report(scan_problems, on_error)
        if not pairs:
            raise CartoonSetFormatError(f"{self.root}: no complete .png/.csv pairs found")
        settings = self.settings
        files = [f for pair in pairs for f in pair]
        fp = fingerprint(CACHE_KIND, self.root, files, settings)
        prefix = cache_prefix(CACHE_KIND, self.root, settings)
        path = cache_path(cache, prefix, fp)

        def build() -> FaceTensors:
            faces, problems = decode_pairs(pairs, self.image_size, self.crop, on_error, progress)
            faces.settings.update(settings, skipped=scan_problems + problems)
            return faces

        self._faces, self.cache_hit = load_or_build(
            path, fp, build, prefix=prefix, explicit=cache is not True
        )
        self.cache_path: Path | None = path
        self.skipped: list[str] = list(self._faces.settings.get("skipped", []))
        if not len(self._faces):
            raise CartoonSetFormatError(f"{self.root}: every pair was skipped; nothing left to read")
        if self.skipped:
            logger.warning("%s: skipped %d bad file(s)/pair(s)", self.root, len(self.skipped))

    @property
    def settings(self) -> dict[str, Any]:
        """The decode settings (part of the cache fingerprint)."""
        return {
            "image_size": self.image_size,
            "crop": self.crop,
            "resample": RESAMPLE.name,
            "on_error": self.on_error,
        }

    @property
    def num_skipped(self) -> int:
        """How many bad files or pairs were skipped (``on_error="skip"``)."""
        return len(self.skipped)

    @property
    def names(self) -> list[str]:
        """Face names (file stems), in item order."""
        return self._faces.names

    def tensors(self) -> FaceTensors:
        """The decoded set: uint8 images ``[N, 3, S, S]``, int64 attributes ``[N, 18]``, names."""
        return self._faces

    def __len__(self) -> int:
        return len(self._faces)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return to_float(self._faces.images[index]), self._faces.attributes[index]


__all__: list[str] = [
    "CartoonSetDataset",
    "CartoonSetFormatError",
    "decode_pairs",
    "find_pairs",
    "read_attributes_csv",
]
