"""Unlabelled ImageFolder sets: discovery, image conventions, items, errors, cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from gan.data.image_folder import ImageFolderDataset, ImageFolderError, find_images
from gan.data.images import ImageReadError, load_image


def _make_folder(root: Path) -> None:
    (root / "a").mkdir(parents=True)
    (root / "b" / "c").mkdir(parents=True)
    (root / ".thumbs").mkdir()
    Image.fromarray(np.full((12, 12, 3), 10, np.uint8)).save(root / "a" / "x.png")
    Image.fromarray(np.full((20, 10, 3), 200, np.uint8)).save(root / "b" / "y.JPG")
    rgba = np.zeros((8, 8, 4), np.uint8)
    Image.fromarray(rgba).save(root / "b" / "c" / "z.png")
    Image.fromarray(np.full((8, 8, 3), 5, np.uint8)).save(root / "top.bmp")
    (root / "notes.txt").write_text("ignored")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / ".thumbs" / "t.png")


def test_image_folder_reads_recursively(tmp_path: Path):
    _make_folder(tmp_path / "imgs")
    ds = ImageFolderDataset(tmp_path / "imgs", image_size=8, progress=False)
    assert ds.names == ["a/x.png", "b/c/z.png", "b/y.JPG", "top.bmp"] and len(ds) == 4
    image, attrs = ds[0]
    assert image.shape == (3, 8, 8) and image.dtype == torch.float32
    assert attrs.dtype == torch.int64 and attrs.shape == (0,)
    faces = ds.tensors()
    assert faces.attributes is None and faces.images.dtype == torch.uint8 and faces.image_size == 8
    assert int(faces.images[1].min()) == 255  # transparent PNG composited on white
    x, a = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 3, 8, 8) and a.shape == (4, 0)
    np.testing.assert_array_equal(
        faces.images[0].permute(1, 2, 0).numpy(), load_image(tmp_path / "imgs" / "a" / "x.png", 8, crop=1.0)
    )
    only_png = ImageFolderDataset(tmp_path / "imgs", image_size=8, extensions=("png",), progress=False)
    assert only_png.names == ["a/x.png", "b/c/z.png"]


def test_image_folder_errors(tmp_path: Path):
    with pytest.raises(ImageFolderError, match="missing: image folder not found"):
        ImageFolderDataset(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(ImageFolderError, match="empty: no image files"):
        find_images(tmp_path / "empty")
    _make_folder(tmp_path / "imgs")
    (tmp_path / "imgs" / "a" / "broken.png").write_bytes(b"nope")
    with pytest.raises(ImageReadError, match="broken.png"):
        ImageFolderDataset(tmp_path / "imgs", image_size=8, progress=False)
    ds = ImageFolderDataset(tmp_path / "imgs", image_size=8, on_error="skip", progress=False)
    assert len(ds) == 4 and ds.num_skipped == 1 and "broken.png" in ds.skipped[0]


def test_image_folder_cache(tmp_path: Path):
    _make_folder(tmp_path / "imgs")
    a = ImageFolderDataset(tmp_path / "imgs", image_size=8, cache=tmp_path / "cache", progress=False)
    b = ImageFolderDataset(tmp_path / "imgs", image_size=8, cache=tmp_path / "cache", progress=False)
    assert not a.cache_hit and b.cache_hit and b.tensors().attributes is None
    assert torch.equal(a.tensors().images, b.tensors().images) and a.names == b.names
    Image.fromarray(np.full((12, 12, 3), 99, np.uint8)).save(tmp_path / "imgs" / "a" / "new.png")
    c = ImageFolderDataset(tmp_path / "imgs", image_size=8, cache=tmp_path / "cache", progress=False)
    assert not c.cache_hit and len(c) == 5
    Image.fromarray(np.full((12, 12, 3), 7, np.uint8)).save(tmp_path / "imgs" / "a" / "new.jpg")
    d = ImageFolderDataset(tmp_path / "imgs", image_size=8, cache=tmp_path / "cache", progress=False)
    assert "a/new.png" in d.names and "a/new.jpg" in d.names and len(set(d.names)) == 6


def test_real_pngs_as_an_image_folder(real_sample_dir: Path):
    ds = ImageFolderDataset(real_sample_dir, image_size=32, crop=0.8, progress=False)
    assert len(ds) == 24 and ds.tensors().attributes is None
    assert ds.names == sorted(p.name for p in real_sample_dir.glob("*.png"))
