"""gan.atomic: every writer replaces files atomically and durably (fsync of the file before the rename,
of the folder after it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import torch

import gan.atomic
from gan.atomic import atomic_write, atomic_write_text, fsync_dir


@pytest.fixture()
def events(monkeypatch):
    """Record fsyncs and renames in order (the real calls still run)."""
    log: list[tuple[str, str]] = []
    real_file, real_dir, real_replace = gan.atomic.fsync_file, gan.atomic.fsync_dir, os.replace

    def file_(p):
        log.append(("fsync_file", Path(p).name))
        real_file(p)

    def dir_(p):
        log.append(("fsync_dir", str(p)))
        real_dir(p)

    def replace(a, b):
        log.append(("replace", Path(b).name))
        real_replace(a, b)

    monkeypatch.setattr(gan.atomic, "fsync_file", file_)
    monkeypatch.setattr(gan.atomic, "fsync_dir", dir_)
    monkeypatch.setattr(gan.atomic.os, "replace", replace)
    return log


def test_file_is_synced_before_the_rename_and_the_folder_after(tmp_path: Path, events) -> None:
    out = atomic_write_text(tmp_path / "sub" / "a.txt", "hello")
    assert out.read_text() == "hello"
    assert [e[0] for e in events] == ["fsync_file", "replace", "fsync_dir"]
    assert events[0][1].startswith(".a.txt.") and events[0][1].endswith(".tmp")  # the temporary file
    assert events[2][1] == str(tmp_path / "sub")
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["a.txt"]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = atomic_write_text(tmp_path / "a.txt", "old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError("disk full while writing a.txt")

    with pytest.raises(OSError, match="disk full while writing a.txt"):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_fsync_dir_tolerates_folders_that_cannot_be_synced(tmp_path: Path, monkeypatch) -> None:
    def refuse(fd):
        raise OSError("fsync not supported on this folder")

    monkeypatch.setattr(gan.atomic.os, "fsync", refuse)
    fsync_dir(tmp_path)  # no error: durability of the folder entry is best effort where the OS refuses
    fsync_dir(tmp_path / "missing")


def test_every_writer_goes_through_the_durable_helper(tmp_path: Path, events) -> None:
    from gan.checkpoint import save_checkpoint
    from gan.data.faces import FaceTensors
    from gan.models import Generator, GeneratorConfig, save_model
    from gan.run_log import CsvLog

    save_model(Generator(GeneratorConfig(z_dim=4, image_size=32, ngf=4)), tmp_path / "g.safetensors")
    FaceTensors(torch.zeros(2, 3, 32, 32, dtype=torch.uint8), None, ["a", "b"]).save(tmp_path / "f.safetensors")
    save_checkpoint(tmp_path / "c.safetensors", {"x": torch.zeros(2)}, {"step": 1})
    log = CsvLog(tmp_path / "log.csv", ("step", "v"))
    log.write({"step": 1, "v": 1.0})
    log.truncate_after(0)
    log.close()
    replaced = [name for kind, name in events if kind == "replace"]
    assert replaced == ["g.safetensors", "f.safetensors", "c.safetensors", "c.json", "log.csv"]
    synced = [name for kind, name in events if kind == "fsync_file"]
    assert all(s.startswith(f".{r}.") for r, s in zip(replaced, synced))
    assert [kind for kind, _ in events].count("fsync_dir") == 5
