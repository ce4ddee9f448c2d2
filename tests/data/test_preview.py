"""The preview grid: sampling only what is shown, labels, and the CLI writing a PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan.data.preview import face_label, sample_faces
from gan_latent_env.cli import main


def test_preview_cli_writes_png_of_real_faces(real_128_dir: Path, tmp_path: Path, capsys):
    out = tmp_path / "grid.png"
    assert main(["preview", str(real_128_dir), "--out", str(out), "--n", "6", "--cols", "3", "--size", "32"]) == 0
    assert "wrote" in capsys.readouterr().out
    with Image.open(out) as img:
        assert img.format == "PNG" and img.width >= 3 * 32 and img.height >= 2 * 32


def test_sample_is_seeded_and_decodes_only_the_sample(real_128_dir: Path):
    a = sample_faces(real_128_dir, n=4, image_size=16, seed=1, progress=False)
    b = sample_faces(real_128_dir, n=4, image_size=16, seed=1, progress=False)
    c = sample_faces(real_128_dir, n=4, image_size=16, seed=2, progress=False)
    assert len(a) == 4 and a.names == b.names and a.names != c.names
    assert torch.equal(a.images, b.images)
    assert "hair" in face_label(a, 0) and "gl" in face_label(a, 0)


def test_preview_of_an_unlabelled_folder(tmp_path: Path):
    (tmp_path / "imgs").mkdir()
    for i in range(3):
        Image.fromarray(np.full((9, 9, 3), 80 * i, np.uint8)).save(tmp_path / "imgs" / f"photo{i}.jpg")
    faces = sample_faces(tmp_path / "imgs", n=10, image_size=9, progress=False)
    assert len(faces) == 3 and face_label(faces, 2) == "photo2.jpg"
    out = tmp_path / "g.png"
    assert main(["preview", str(tmp_path / "imgs"), "--out", str(out), "--size", "16"]) == 0
    assert out.is_file()


def test_preview_bad_input_is_a_clear_cli_error(tmp_path: Path, capsys):
    assert main(["preview", str(tmp_path / "none"), "--out", str(tmp_path / "g.png")]) == 2
    assert "data source not found" in capsys.readouterr().err
    with pytest.raises(ValueError, match="n must be a positive integer"):
        sample_faces(tmp_path, n=0)
