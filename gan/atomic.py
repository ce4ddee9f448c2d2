"""Atomic, durable file writes: the one helper every writer of model, face, checkpoint and log files uses.

:func:`atomic_write` writes to a temporary file in the destination folder, flushes it to disk
(``fsync``), renames it over the destination (``os.replace``, atomic on POSIX and Windows) and then
flushes the folder entry (where the OS allows opening a folder). A crash or power loss therefore leaves
either the old file or the complete new one under the real name, never a partial or empty one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

FILE_MODE: Final[int] = 0o644
"""Mode of written files (``mkstemp`` creates 0600): model files, face sets and logs are ordinary data files."""


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush a written file's data and metadata to disk."""
    fd = os.open(path, os.O_RDWR)  # Windows refuses fsync on a read-only descriptor
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (a rename into it) to disk; a no-op where folders cannot be opened or synced
    (Windows, some network file systems)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Path], None], *, suffix: str = ".tmp", mode: int = FILE_MODE
) -> Path:
    """Create ``path`` atomically and durably: ``write(tmp)`` fills a temporary file in the same folder, which
    is fsynced, given ``mode`` and renamed to ``path``; the folder is fsynced after the rename.

    :param write: writes the complete file to the path it is given (which already exists, empty).
    :param suffix: ending of the temporary name (some writers choose the format by extension, e.g. ``.gif``).
    :returns: ``path`` as a ``Path``.
    :raises: whatever ``write`` or the file system raises; the temporary file is removed and ``path`` is
        left as it was.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=suffix, dir=p.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        fsync_file(tmp)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(p.parent)
    return p


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """:func:`atomic_write` of a text file."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding))
