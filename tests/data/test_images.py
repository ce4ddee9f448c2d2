"""Image conventions: decoding of every PNG mode, crop framing, resize, value ranges, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan.data.images import (
    DEFAULT_CROP,
    ImageReadError,
    chw_to_hwc,
    hwc_to_chw,
    load_image,
    to_float,
    to_uint8,
)


def _rgb(size: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(size, size, 3), dtype=np.uint8)


def test_default_crop_is_documented_fraction():
    assert DEFAULT_CROP == 0.8


def test_rgb_passes_through_unchanged_without_crop(tmp_path: Path):
    arr = _rgb(16)
    Image.fromarray(arr).save(tmp_path / "a.png")
    np.testing.assert_array_equal(load_image(tmp_path / "a.png", 16, crop=1.0), arr)


def test_rgba_is_composited_on_white(tmp_path: Path):
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., 0] = 200  # red channel everywhere
    rgba[:4, :, 3] = 255  # top half opaque, bottom half fully transparent
    Image.fromarray(rgba).save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png", 8, crop=1.0)
    np.testing.assert_array_equal(out[:4], np.broadcast_to([200, 0, 0], (4, 8, 3)))
    np.testing.assert_array_equal(out[4:], np.full((4, 8, 3), 255))
    # half transparent: halfway to white
    rgba[:, :, 3] = 128
    Image.fromarray(rgba).save(tmp_path / "b.png")
    out = load_image(tmp_path / "b.png", 8, crop=1.0)
    assert abs(int(out[0, 0, 1]) - 127) <= 1 and abs(int(out[0, 0, 0]) - 227) <= 1


def test_palette_with_transparency_and_gray_modes(tmp_path: Path):
    p = Image.new("P", (4, 4), 0)
    p.putpalette([10, 20, 30, 40, 50, 60] + [0] * (256 * 3 - 6))
    p.putpixel((0, 0), 1)
    p.info["transparency"] = 1  # palette index 1 is transparent
    p.save(tmp_path / "p.png", transparency=1)
    out = load_image(tmp_path / "p.png", 4, crop=1.0)
    np.testing.assert_array_equal(out[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(out[1, 1], [10, 20, 30])

    Image.fromarray(np.full((4, 4), 77, np.uint8)).save(tmp_path / "l.png")
    np.testing.assert_array_equal(load_image(tmp_path / "l.png", 4, crop=1.0), np.full((4, 4, 3), 77))
    la = np.zeros((4, 4, 2), np.uint8)
    la[..., 0] = 10
    Image.fromarray(la).save(tmp_path / "la.png")
    np.testing.assert_array_equal(load_image(tmp_path / "la.png", 4, crop=1.0), np.full((4, 4, 3), 255))


def test_jpeg_is_read(tmp_path: Path):
    Image.fromarray(np.full((20, 20, 3), 100, np.uint8)).save(tmp_path / "a.jpg")
    out = load_image(tmp_path / "a.jpg", 10, crop=1.0)
    assert out.shape == (10, 10, 3) and out.dtype == np.uint8
    assert np.abs(out.astype(int) - 100).max() <= 2


def test_centre_crop_is_a_fraction_of_the_canvas(tmp_path: Path):
    # A white canvas with a black border of width 0.1 of the side: a 0.6 crop removes it entirely (with a
    # margin for the Lanczos filter's support), at any canvas size, so both sizes give the same framing.
    for side in (50, 200):
        arr = np.zeros((side, side, 3), np.uint8)
        b = side // 10
        arr[b : side - b, b : side - b] = 255
        Image.fromarray(arr).save(tmp_path / f"c{side}.png")
        out = load_image(tmp_path / f"c{side}.png", 20, crop=0.6)
        assert out.min() >= 250, side
        full = load_image(tmp_path / f"c{side}.png", 20, crop=1.0)
        assert full[0, 0].max() < 10 and full[10, 10].min() == 255


def test_non_square_is_centre_cropped_to_square(tmp_path: Path):
    arr = np.zeros((10, 30, 3), np.uint8)
    arr[:, 10:20] = 255
    Image.fromarray(arr).save(tmp_path / "wide.png")
    out = load_image(tmp_path / "wide.png", 10, crop=1.0)
    assert out.shape == (10, 10, 3) and out.min() == 255


def test_bad_files_raise_naming_the_file(tmp_path: Path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png at all")
    with pytest.raises(ImageReadError, match="bad.png"):
        load_image(bad, 8)
    good = tmp_path / "trunc.png"
    Image.fromarray(_rgb(64)).save(good)
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="trunc.png"):
        load_image(good, 8)
    with pytest.raises(ImageReadError, match="missing.png.*not found"):
        load_image(tmp_path / "missing.png", 8)
    assert issubclass(ImageReadError, ValueError)


@pytest.mark.parametrize("crop", [0.0, -0.5, 1.5, float("nan")])
def test_bad_crop_rejected(tmp_path: Path, crop: float):
    Image.fromarray(_rgb(8)).save(tmp_path / "a.png")
    with pytest.raises(ValueError, match="crop"):
        load_image(tmp_path / "a.png", 8, crop=crop)


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_bad_size_rejected(tmp_path: Path, size):
    Image.fromarray(_rgb(8)).save(tmp_path / "a.png")
    with pytest.raises(ValueError, match="image_size"):
        load_image(tmp_path / "a.png", size)


def test_float_uint8_round_trip_and_layout():
    x = torch.from_numpy(_rgb(6)).permute(2, 0, 1)[None].contiguous()
    f = to_float(x)
    assert f.dtype == torch.float32 and f.min() >= -1 and f.max() <= 1
    assert float(to_float(torch.tensor([0, 255], dtype=torch.uint8)).abs().max()) == 1.0
    assert torch.equal(to_uint8(f), x)
    assert torch.equal(to_uint8(torch.tensor([1.0000001, -1.0000001])), torch.tensor([255, 0], dtype=torch.uint8))
    with pytest.raises(TypeError):
        to_float(f)
    with pytest.raises(TypeError):
        to_uint8(x)
    hwc = _rgb(5)
    chw = hwc_to_chw(hwc)
    assert chw.shape == (3, 5, 5)
    np.testing.assert_array_equal(chw_to_hwc(chw), hwc)


def test_real_original_and_128_copy_are_framed_alike(real_sample_dir: Path, real_128_dir: Path):
    names = sorted(p.name for p in real_sample_dir.glob("*.png"))[:6]
    assert names
    for name in names:
        big = load_image(real_sample_dir / name, 64).astype(np.int16)
        small = load_image(real_128_dir / name, 64).astype(np.int16)
        diff = np.abs(big - small).mean()
        assert diff < 2.0, (name, diff)  # measured 0.27..0.51 of 255
        # a 0.8 crop differs clearly from the uncropped framing of the same file
        assert np.abs(load_image(real_128_dir / name, 64, crop=1.0).astype(np.int16) - small).mean() > 10


def test_real_face_reencoded_as_rgba_and_palette(real_128_dir: Path, tmp_path: Path):
    """The release's RGBA-on-transparent form and palette re-encodings give the RGB copy's pixels."""
    src = sorted(real_128_dir.glob("*.png"))[0]
    rgb = np.asarray(Image.open(src).convert("RGB"))
    white = (rgb == 255).all(axis=-1)
    rgba = np.dstack([rgb, np.where(white, 0, 255).astype(np.uint8)])
    rgba[white, :3] = 0  # colour under full transparency must not leak
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    np.testing.assert_array_equal(load_image(tmp_path / "rgba.png", 128, crop=1.0), rgb)
    np.testing.assert_array_equal(load_image(tmp_path / "rgba.png", 64), load_image(src, 64))
    Image.fromarray(rgb).quantize(256).save(tmp_path / "p.png")
    diff = np.abs(load_image(tmp_path / "p.png", 64).astype(int) - load_image(src, 64).astype(int)).mean()
    assert diff < 3.0, diff
