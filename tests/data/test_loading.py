"""load_faces dispatch: CartoonSet folder, image folder, saved face set, procedural source, bad sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan.data.loading import DataSourceError, load_faces, source_kind


def test_cartoonset_folder_and_tensor_file(real_128_dir: Path, tmp_path: Path):
    root = tmp_path / "set" / "0"
    root.mkdir(parents=True)
    for p in sorted(real_128_dir.glob("*.png"))[:3]:
        shutil.copy2(p, root / p.name)
        shutil.copy2(p.with_suffix(".csv"), root / p.with_suffix(".csv").name)
    assert source_kind(tmp_path / "set") == "cartoonset"
    faces = load_faces(tmp_path / "set", image_size=16, cache=tmp_path / "cache", progress=False)
    assert len(faces) == 3 and faces.attributes is not None and faces.image_size == 16
    assert faces.settings["crop"] == 0.8  # the CartoonSet default framing
    saved = faces.save(tmp_path / "faces.safetensors")
    assert source_kind(saved) == "tensor"
    again = load_faces(saved, image_size=16)
    assert torch.equal(again.images, faces.images) and torch.equal(again.attributes, faces.attributes)
    with pytest.raises(DataSourceError, match=r"faces.safetensors: holds 16x16 images but image_size=32"):
        load_faces(saved, image_size=32)


def test_image_folder_source(tmp_path: Path):
    (tmp_path / "imgs").mkdir()
    for i in range(3):
        Image.fromarray(np.full((10, 10, 3), 50 * i, np.uint8)).save(tmp_path / "imgs" / f"{i}.png")
    assert source_kind(tmp_path / "imgs") == "image_folder"
    faces = load_faces(tmp_path / "imgs", image_size=10, cache=False, progress=False)
    assert faces.attributes is None and faces.names == ["0.png", "1.png", "2.png"]
    assert faces.settings["crop"] == 1.0
    np.testing.assert_array_equal(faces.images[2].numpy(), np.full((3, 10, 10), 100, np.uint8))


@pytest.mark.parametrize("bad", ["procedural:", "procedural:x", "procedural:0", "procedural:5:-1", "procedural:3:1:2"])
def test_bad_procedural_strings(bad: str):
    with pytest.raises(DataSourceError, match="procedural:N"):
        load_faces(bad)


def test_missing_and_unsupported_sources(tmp_path: Path):
    with pytest.raises(DataSourceError, match="nothing: data source not found"):
        load_faces(tmp_path / "nothing")
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(DataSourceError, match=r"a.txt: a data file must be a .safetensors"):
        load_faces(tmp_path / "a.txt")
    with pytest.raises(ValueError, match="image_size"):
        load_faces("procedural:4", image_size=0)


def test_procedural_source():
    from gan.data.procedural import make_procedural_faces

    faces = load_faces("procedural:2:3", image_size=32)
    assert len(faces) == 2 and faces.image_size == 32 and faces.attributes is not None
    direct = make_procedural_faces(2, seed=3, size=32)
    assert torch.equal(faces.images, direct.images) and torch.equal(faces.attributes, direct.attributes)
    default_seed = load_faces("procedural:2", image_size=32)
    assert not torch.equal(default_seed.attributes, faces.attributes)


def test_procedural_source_passes_the_crop_through():
    from gan.data.procedural import make_procedural_faces

    whole = load_faces("procedural:2:3", image_size=32, crop=1.0)
    assert torch.equal(whole.images, make_procedural_faces(2, seed=3, size=32, crop=1.0).images)
    assert not torch.equal(whole.images, load_faces("procedural:2:3", image_size=32).images)
