"""Decode cache for image folders: one :class:`~gan.data.faces.FaceTensors` safetensors file per folder
and settings, keyed by a fingerprint.

The fingerprint is a SHA-256 over the dataset kind, the resolved root, the decode settings (image size,
crop, resampling filter, error policy, format version) and the sorted file list with each file's size and
modification time (ns). Any added, removed, replaced or touched file, or any changed setting, gives a new
fingerprint, so the cache is rebuilt. The source folder is never written to: by default the cache lives in
``$XDG_CACHE_HOME/gan_latent_env`` (else ``~/.cache/gan_latent_env``) as
``<kind>-<root hash>-<settings hash>-<fingerprint>.safetensors``; when a folder's files change, the older
caches of the same root and settings are removed on rebuild (caches of other settings are kept).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final

from gan.data.faces import FORMAT_VERSION, FaceTensors, FaceTensorsFormatError

logger = logging.getLogger(__name__)

CACHE_ENV_DIR: Final[str] = "gan_latent_env"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gan_latent_env`` if ``XDG_CACHE_HOME`` is set, else ``~/.cache/gan_latent_env``."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / CACHE_ENV_DIR


def cache_prefix(kind: str, root: Path, settings: dict[str, Any]) -> str:
    """``<kind>-<hash of the resolved root>-<hash of the settings>-``: the file-name prefix shared by every
    cache of one folder with one set of settings (older ones are removed when it is rebuilt)."""
    root_hash = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    settings_hash = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:8]
    return f"{kind}-{root_hash}-{settings_hash}-"


def fingerprint(kind: str, root: Path, files: Iterable[Path], settings: dict[str, Any]) -> str:
    """SHA-256 hex digest of the kind, resolved root, settings and each file's relative path, size, mtime.

    :raises OSError: if a listed file cannot be stat'ed.
    """
    h = hashlib.sha256()
    header = {"kind": kind, "root": str(root.resolve()), "settings": settings, "format_version": FORMAT_VERSION}
    h.update(json.dumps(header, sort_keys=True).encode())
    for f in sorted(Path(p) for p in files):
        st = f.stat()
        rel = f.relative_to(root).as_posix() if f.is_relative_to(root) else str(f)
        h.update(f"\n{rel}\t{st.st_size}\t{st.st_mtime_ns}".encode())
    return h.hexdigest()


def cache_path(cache: bool | str | os.PathLike[str], prefix: str, fp: str) -> Path | None:
    """Where the cache file goes: ``None`` when ``cache`` is false; a ``.safetensors`` path is used as is;
    any other path is a directory for the default file name ``<prefix><fingerprint>.safetensors``;
    ``True`` means :func:`default_cache_dir`."""
    if cache is False or cache is None:
        return None
    name = f"{prefix}{fp[:16]}.safetensors"
    if cache is True:
        return default_cache_dir() / name
    if isinstance(cache, (str, os.PathLike)):
        p = Path(cache).expanduser()
        return p if p.suffix == ".safetensors" else p / name
    raise ValueError(f"cache must be a bool or a path, got {cache!r}")


def load_or_build(
    path: Path | None,
    fp: str,
    build: Callable[[], FaceTensors],
    *,
    prefix: str,
    explicit: bool,
) -> tuple[FaceTensors, bool]:
    """Return ``(faces, hit)``: the cached set at ``path`` if its fingerprint is ``fp``, else ``build()``
    (saved to ``path`` when given, with ``fingerprint`` in its settings).

    A stale or unreadable cache is rebuilt (logged). A cache that cannot be written is an error when the
    path was given explicitly (``explicit``), a logged warning for the default location.
    """
    if path is not None and path.is_file():
        try:
            faces = FaceTensors.load(path)
        except FaceTensorsFormatError as err:
            logger.warning("ignoring unreadable cache, rebuilding it: %s", err)
        else:
            if faces.settings.get("fingerprint") == fp:
                logger.info("loaded %d decoded faces from cache %s", len(faces), path)
                return faces, True
            logger.info("cache %s is stale (folder or settings changed); rebuilding it", path)
    faces = build()
    if path is None:
        return faces, False
    faces.settings["fingerprint"] = fp
    try:
        faces.save(path)
    except OSError as err:
        if explicit:
            raise OSError(f"cannot write the decode cache {path}: {err}") from err
        logger.warning("cannot write the decode cache %s (%s); continuing without it", path, err)
        return faces, False
    logger.info("wrote decode cache %s (%d faces)", path, len(faces))
    _remove_stale(path, prefix)
    return faces, False


def _remove_stale(current: Path, prefix: str) -> None:
    """Remove older default-named caches with the same prefix (same kind, root and settings; other file
    lists) beside ``current``."""
    if not current.name.startswith(prefix):
        return
    for old in current.parent.glob(prefix + "*.safetensors"):
        if old != current:
            try:
                old.unlink()
                logger.info("removed stale cache %s", old)
            except OSError as err:  # pragma: no cover - best effort
                logger.warning("could not remove stale cache %s: %s", old, err)
