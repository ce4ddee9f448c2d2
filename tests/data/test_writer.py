"""Writer -> reader round trips (CartoonSet PNG+CSV and tensor formats) and the make-dataset CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan.data.cartoonset import CartoonSetDataset, read_attributes_csv
from gan.data.faces import FaceTensors
from gan.data.procedural import make_procedural_faces
from gan.data.writer import DatasetWriteError, attributes_csv_text, write_cartoonset
from gan_latent_env.cli import main


def _assert_same(a: FaceTensors, b: FaceTensors) -> None:
    assert a.names == b.names
    assert torch.equal(a.images, b.images)
    assert torch.equal(a.attributes, b.attributes)


def test_csv_text_matches_the_real_format(real_sample_dir):
    real_csv = sorted(real_sample_dir.glob("*.csv"))[0]
    attrs = read_attributes_csv(real_csv)
    assert attributes_csv_text(attrs) == real_csv.read_text()


def test_cartoonset_round_trip_is_exact(tmp_path):
    faces = make_procedural_faces(12, seed=2, size=32, crop=1.0)
    written = write_cartoonset(faces, tmp_path / "set")
    assert [p.name for p in written][:1] == ["csproc2_0000000.png"]
    back = CartoonSetDataset(tmp_path / "set", image_size=32, crop=1.0, progress=False).tensors()
    _assert_same(back, faces)
    np.testing.assert_array_equal(read_attributes_csv(tmp_path / "set" / "csproc2_0000005.csv"),
                                  faces.attributes[5].numpy())


def test_tensor_round_trip_is_exact(tmp_path):
    faces = make_procedural_faces(7, seed=3, size=32, crop=1.0)
    faces.save(tmp_path / "f.safetensors")
    _assert_same(FaceTensors.load(tmp_path / "f.safetensors"), faces)


def test_writer_errors(tmp_path):
    faces = make_procedural_faces(3, seed=0, size=32, crop=1.0)
    write_cartoonset(faces, tmp_path)
    with pytest.raises(DatasetWriteError, match="already exists"):
        write_cartoonset(faces, tmp_path)
    write_cartoonset(faces, tmp_path, overwrite=True)
    unlabelled = FaceTensors(images=faces.images, attributes=None, names=faces.names)
    with pytest.raises(DatasetWriteError, match="unlabelled"):
        write_cartoonset(unlabelled, tmp_path / "u")
    bad = FaceTensors(images=faces.images, attributes=faces.attributes, names=["a", "../b", "c"])
    with pytest.raises(DatasetWriteError, match="plain file stem"):
        write_cartoonset(bad, tmp_path / "b")
    dup = FaceTensors(images=faces.images, attributes=faces.attributes, names=["a", "a", "c"])
    with pytest.raises(DatasetWriteError, match="more than once"):
        write_cartoonset(dup, tmp_path / "d")


def test_cli_make_dataset_both_formats(tmp_path, capsys):
    assert main(["make-dataset", str(tmp_path / "cs"), "--n", "9", "--seed", "4", "--size", "32",
                 "--chunk", "4"]) == 0
    expected = make_procedural_faces(9, seed=4, size=32, crop=1.0)
    _assert_same(CartoonSetDataset(tmp_path / "cs", image_size=32, crop=1.0, progress=False).tensors(), expected)
    out = tmp_path / "faces.safetensors"
    assert main(["make-dataset", str(out), "--n", "9", "--seed", "4", "--size", "32", "--format", "tensor"]) == 0
    _assert_same(FaceTensors.load(out), expected)
    # bad input: a clear error and exit status 2
    assert main(["make-dataset", str(out), "--n", "9", "--format", "tensor"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["make-dataset", str(tmp_path / "x.bin"), "--n", "3", "--format", "tensor"]) == 2
    assert main(["make-dataset", str(tmp_path / "y"), "--n", "0"]) == 2
    assert main(["make-dataset", str(tmp_path / "y"), "--n", "3", "--size", "2"]) == 2


def test_written_canvases_read_with_the_default_crop_match_direct_cropped_renders(tmp_path):
    """One crop serves both: 128 px files read with the reader's default crop (0.8, Lanczos) look like
    faces rendered directly with crop 0.8 at the same size (same framing; only the resampling differs)."""
    write_cartoonset(make_procedural_faces(6, seed=9, size=128, crop=1.0), tmp_path)
    read = CartoonSetDataset(tmp_path, image_size=64, progress=False).tensors()  # default crop 0.8
    direct = make_procedural_faces(6, seed=9, size=64)  # default crop 0.8
    diff = (read.images.float() - direct.images.float()).abs()
    assert diff.mean() < 6.0, diff.mean()
    shifted = (read.images.float()[..., 2:] - direct.images.float()[..., :-2]).abs().mean()
    assert diff.mean() < shifted  # aligned framing beats a 2-pixel shift
