"""FaceTensors: validation, subset, float view, and the one-file safetensors round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from gan.data import NUM_VARIANTS
from gan.data.faces import FaceTensors, FaceTensorsFormatError


def _faces(n: int = 5, size: int = 8, labelled: bool = True, seed: int = 0) -> FaceTensors:
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g)
    attrs = None
    if labelled:
        attrs = torch.stack([torch.randint(0, k, (n,), generator=g) for k in NUM_VARIANTS], dim=1)
    return FaceTensors(images, attrs, [f"cs{i}" for i in range(n)])


def test_basic_properties():
    f = _faces(5, 8)
    assert len(f) == 5 and f.image_size == 8 and f.labelled
    x = f.float_images()
    assert x.dtype == torch.float32 and x.shape == (5, 3, 8, 8) and x.min() >= -1 and x.max() <= 1
    assert torch.equal(f.float_images([1, 3]), x[[1, 3]])
    s = f.subset([3, 1])
    assert s.names == ["cs3", "cs1"] and torch.equal(s.images, f.images[[3, 1]])
    assert torch.equal(s.attributes, f.attributes[[3, 1]])
    with pytest.raises(IndexError):
        f.subset([5])


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda f: dict(images=f.images.float()), "uint8"),
        (lambda f: dict(images=f.images[:, :2]), "shape"),
        (lambda f: dict(images=f.images[..., :4]), "shape"),
        (lambda f: dict(attributes=f.attributes.int()), "int64"),
        (lambda f: dict(attributes=f.attributes[:4]), "shape"),
        (lambda f: dict(attributes=f.attributes.clone().index_fill_(1, torch.tensor([9]), 111)), "hair = 111"),
        (lambda f: dict(names=f.names[:4]), "names"),
    ],
)
def test_validation(change, match):
    f = _faces()
    kwargs = dict(images=f.images, attributes=f.attributes, names=f.names)
    kwargs.update(change(f))
    with pytest.raises(ValueError, match=match):
        FaceTensors(**kwargs)


@pytest.mark.parametrize("labelled", [True, False])
def test_save_load_round_trip(tmp_path: Path, labelled: bool):
    f = _faces(labelled=labelled)
    path = f.save(tmp_path / "sub" / "faces.safetensors", settings={"image_size": 8, "crop": 0.8})
    g = FaceTensors.load(path)
    assert torch.equal(g.images, f.images) and g.names == f.names
    assert g.settings == {"image_size": 8, "crop": 0.8}
    if labelled:
        assert torch.equal(g.attributes, f.attributes)
    else:
        assert g.attributes is None
    assert not list((tmp_path / "sub").glob("*.tmp"))


def test_truncated_and_corrupt_files(tmp_path: Path):
    path = _faces().save(tmp_path / "f.safetensors")
    data = path.read_bytes()
    (tmp_path / "trunc.safetensors").write_bytes(data[: len(data) - 100])
    with pytest.raises(FaceTensorsFormatError, match="trunc.safetensors"):
        FaceTensors.load(tmp_path / "trunc.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 50)
    with pytest.raises(FaceTensorsFormatError, match="junk.safetensors"):
        FaceTensors.load(tmp_path / "junk.safetensors")
    with pytest.raises(FaceTensorsFormatError, match="nope.safetensors.*not found"):
        FaceTensors.load(tmp_path / "nope.safetensors")


def test_foreign_and_mismatched_files(tmp_path: Path):
    save_file({"weight": torch.zeros(3)}, tmp_path / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(FaceTensorsFormatError, match="model.safetensors.*not a face-tensor file"):
        FaceTensors.load(tmp_path / "model.safetensors")
    f = _faces(4)
    meta = {"format": "gan_latent_env.faces", "format_version": "1", "names": json.dumps(["a", "b"])}
    save_file({"images": f.images, "attributes": f.attributes}, tmp_path / "mm.safetensors", metadata=meta)
    with pytest.raises(FaceTensorsFormatError, match="mm.safetensors.*4 images but 2 names"):
        FaceTensors.load(tmp_path / "mm.safetensors")
    meta["format_version"] = "99"
    save_file({"images": f.images}, tmp_path / "v.safetensors", metadata=meta)
    with pytest.raises(FaceTensorsFormatError, match="v.safetensors.*version '99'"):
        FaceTensors.load(tmp_path / "v.safetensors")
    bad = f.attributes.clone()
    bad[0, 0] = 7
    meta = {"format": "gan_latent_env.faces", "format_version": "1", "names": json.dumps(f.names)}
    save_file({"images": f.images, "attributes": bad}, tmp_path / "r.safetensors", metadata=meta)
    with pytest.raises(FaceTensorsFormatError, match="r.safetensors.*eye_angle = 7"):
        FaceTensors.load(tmp_path / "r.safetensors")
    assert issubclass(FaceTensorsFormatError, ValueError)
    np.testing.assert_array_equal(FaceTensors.load(_faces(2).save(tmp_path / "ok.safetensors")).names, ["cs0", "cs1"])
