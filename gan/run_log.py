"""Per-step CSV logs of training runs, resumable: rows after a checkpoint's step are dropped on resume."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gan.atomic import atomic_write


class CsvLog:
    """Append rows (dicts) with fixed columns to a CSV file; the first column must be ``step``.

    :param path: the CSV file (created with a header if absent).
    :param columns: column names; missing values are written as empty cells.
    :raises ValueError: if an existing file has a different header.
    """

    def __init__(self, path: str | os.PathLike[str], columns: Sequence[str]) -> None:
        if not columns or columns[0] != "step":
            raise ValueError("the first CSV column must be 'step'")
        self.path = Path(path)
        self.columns = list(columns)
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open(newline="") as f:
                header = next(csv.reader(f), [])
            if header != self.columns:
                raise ValueError(f"{self.path}: existing log has columns {header}, expected {self.columns}")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("w", newline="") as f:
                csv.writer(f).writerow(self.columns)
        self._file = self.path.open("a", newline="", buffering=1)  # line-buffered: tail -f works
        self._writer = csv.writer(self._file)

    def write(self, row: dict[str, Any]) -> None:
        """Append one row; floats are written with full precision, ``None``/NaN as empty."""
        cells = []
        for c in self.columns:
            v = row.get(c)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("")
            elif isinstance(v, float):
                cells.append(repr(v))
            else:
                cells.append(str(v))
        self._writer.writerow(cells)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def truncate_after(self, step: int) -> None:
        """Drop rows whose step is greater than ``step`` (used when resuming from a checkpoint)."""
        self._file.close()
        with self.path.open(newline="") as f:
            rows = list(csv.reader(f))
        kept = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) <= step]

        def write(tmp: Path) -> None:
            with tmp.open("w", newline="") as f:
                csv.writer(f).writerows(kept)

        atomic_write(self.path, write)
        self._file = self.path.open("a", newline="", buffering=1)  # line-buffered: tail -f works
        self._writer = csv.writer(self._file)


def read_log(path: str | os.PathLike[str]) -> dict[str, list[float]]:
    """Read a log written by :class:`CsvLog` as column -> list of floats (NaN for empty cells)."""
    with Path(path).open(newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    return {c: [float(r[i]) if r[i] != "" else math.nan for r in body] for i, c in enumerate(header)}
