"""The strict CartoonSet reader: real files at both resolutions, every malformed case, discovery, cache."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan.data import ATTRIBUTE_NAMES, NUM_VARIANTS
from gan.data.cartoonset import (
    CartoonSetDataset,
    CartoonSetFormatError,
    find_pairs,
    read_attributes_csv,
)
from gan.data.images import ImageReadError

GOOD_LINES = [f'"{name}", {min(1, n - 1)}, {n}' for name, n in zip(ATTRIBUTE_NAMES, NUM_VARIANTS)]


def _write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _copy_pairs(src: Path, dst: Path, n: int) -> list[str]:
    dst.mkdir(parents=True, exist_ok=True)
    stems = sorted(p.stem for p in src.glob("*.png"))[:n]
    for s in stems:
        shutil.copy2(src / f"{s}.png", dst / f"{s}.png")
        shutil.copy2(src / f"{s}.csv", dst / f"{s}.csv")
    return stems


@pytest.fixture()
def xdg_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "gan_latent_env"


# ---------------------------------------------------------------- read_attributes_csv


def test_good_csv_in_any_order(tmp_path: Path):
    out = read_attributes_csv(_write_csv(tmp_path / "a.csv", GOOD_LINES))
    assert out.dtype == np.int64 and out.shape == (18,)
    np.testing.assert_array_equal(out, [min(1, n - 1) for n in NUM_VARIANTS])
    shuffled = list(reversed(GOOD_LINES)) + [""]
    np.testing.assert_array_equal(read_attributes_csv(_write_csv(tmp_path / "b.csv", shuffled)), out)
    unquoted = [line.replace('"', "") for line in GOOD_LINES]
    np.testing.assert_array_equal(read_attributes_csv(_write_csv(tmp_path / "c.csv", unquoted)), out)


def _with_line(i: int, line: str) -> list[str]:
    lines = list(GOOD_LINES)
    lines[i] = line
    return lines


@pytest.mark.parametrize(
    "lines, match",
    [
        (_with_line(3, '"chin_length", 1'), r"line 4: malformed line .*expected 3 fields"),
        (_with_line(3, '"chin_length" 1 3'), r"line 4: malformed line"),
        (_with_line(0, '"eye_angle", 1, 3, 4'), r"line 1: malformed line"),
        (_with_line(5, '"eyebrow_shap", 1, 14'), r"line 6: unknown attribute 'eyebrow_shap'"),
        (GOOD_LINES + ['"hair", 3, 111'], r"line 19: duplicate attribute 'hair' \(first given on line 10\)"),
        (_with_line(9, '"hair", 111, 111'), r"line 10: index 111 of attribute 'hair' is out of range 0..110"),
        (_with_line(9, '"hair", -1, 111'), r"line 10: index -1 of attribute 'hair' is out of range"),
        (_with_line(13, '"glasses", 1, 13'), r"line 14: attribute 'glasses' has 13 variants in the file but 12"),
        (_with_line(2, '"eye_lid", one, 2'), r"line 3: the index of 'eye_lid' must be an integer, got 'one'"),
        (_with_line(2, '"eye_lid", 1.0, 2'), r"line 3: the index of 'eye_lid' must be an integer"),
        (_with_line(2, '"eye_lid", 1, '), r"line 3: the variant count of 'eye_lid' must be an integer"),
        (GOOD_LINES[:-2], r"missing attribute\(s\) eye_eyebrow_distance|missing attribute\(s\) eyebrow_width"),
        ([], r"missing attribute\(s\) eye_angle, eye_lashes"),
    ],
)
def test_malformed_csv_names_file_line_and_problem(tmp_path: Path, lines: list[str], match: str):
    path = _write_csv(tmp_path / "cs42.csv", lines)
    with pytest.raises(CartoonSetFormatError, match=match) as info:
        read_attributes_csv(path)
    assert str(path) in str(info.value)
    assert issubclass(CartoonSetFormatError, ValueError)


def test_missing_attribute_lists_all(tmp_path: Path):
    with pytest.raises(CartoonSetFormatError, match="eyebrow_width, eye_eyebrow_distance$"):
        read_attributes_csv(_write_csv(tmp_path / "m.csv", GOOD_LINES[:-2]))


def test_unreadable_csv(tmp_path: Path):
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CartoonSetFormatError, match="bin.csv: not a UTF-8"):
        read_attributes_csv(tmp_path / "bin.csv")
    with pytest.raises(CartoonSetFormatError, match="none.csv: attribute CSV not found"):
        read_attributes_csv(tmp_path / "none.csv")


# ---------------------------------------------------------------- real data


def test_every_real_csv_is_read_exactly(real_128_dir: Path):
    """All 9,500 real CSVs parse, and agree with a naive independent parse of the same text."""
    paths = sorted(real_128_dir.glob("*.csv"))
    assert len(paths) == 9500
    for path in paths:
        expected = np.full(18, -1, dtype=np.int64)
        for line in path.read_text().splitlines():
            name, index, count = (x.strip().strip('"') for x in line.split(","))
            assert NUM_VARIANTS[ATTRIBUTE_NAMES.index(name)] == int(count)
            expected[ATTRIBUTE_NAMES.index(name)] = int(index)
        np.testing.assert_array_equal(read_attributes_csv(path), expected, err_msg=str(path))


def test_real_sample_at_both_resolutions(real_sample_dir: Path, real_128_dir: Path):
    big = CartoonSetDataset(real_sample_dir, image_size=64, progress=False)
    assert len(big) == 24
    pairs = [(real_128_dir / f"{n}.png", real_128_dir / f"{n}.csv") for n in big.names]
    from gan.data.cartoonset import decode_pairs

    small, problems = decode_pairs(pairs, 64, 0.8, progress=False)
    assert not problems and small.names == big.names
    assert torch.equal(small.attributes, big.tensors().attributes)  # same attributes, same order
    diff = (small.images.float() - big.tensors().images.float()).abs().mean(dim=(1, 2, 3))
    assert float(diff.max()) < 2.0, diff  # faces framed alike (measured max ~0.5 of 255)
    image, attrs = big[0]
    assert image.dtype == torch.float32 and image.shape == (3, 64, 64)
    assert -1.0 <= float(image.min()) and float(image.max()) <= 1.0
    assert float(image[:, 0, 0].min()) == 1.0  # white background in the corner
    assert attrs.dtype == torch.int64 and attrs.shape == (18,)
    np.testing.assert_array_equal(attrs.numpy(), read_attributes_csv(real_sample_dir / f"{big.names[0]}.csv"))


def test_real_subfolder_discovery(real_128_dir: Path, tmp_path: Path):
    stems = sorted(p.stem for p in real_128_dir.glob("*.png"))[:6]
    for i, s in enumerate(stems):
        sub = tmp_path / "set" / str(i % 3) / ("deep" if i == 5 else "")
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copy2(real_128_dir / f"{s}.png", sub / f"{s}.png")
        shutil.copy2(real_128_dir / f"{s}.csv", sub / f"{s}.csv")
    (tmp_path / "set" / "README.md").write_text("not a pair")
    (tmp_path / "set" / ".hidden").mkdir()
    (tmp_path / "set" / ".hidden" / "x.png").write_bytes(b"ignored")
    pairs = find_pairs(tmp_path / "set")
    assert [p.stem for p, _ in pairs] == stems
    ds = CartoonSetDataset(tmp_path / "set", image_size=32, progress=False)
    assert ds.names == stems and len(ds) == 6 and ds.tensors().image_size == 32


# ---------------------------------------------------------------- folder problems


def _tiny_pair(folder: Path, stem: str, color: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((10, 10, 3), color, np.uint8)).save(folder / f"{stem}.png")
    _write_csv(folder / f"{stem}.csv", GOOD_LINES)


def test_folder_errors(tmp_path: Path):
    with pytest.raises(CartoonSetFormatError, match="nowhere: CartoonSet folder not found"):
        find_pairs(tmp_path / "nowhere")
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(CartoonSetFormatError, match="empty: empty CartoonSet folder"):
        find_pairs(tmp_path / "empty")
    with pytest.raises(CartoonSetFormatError, match="empty: empty CartoonSet folder"):
        CartoonSetDataset(tmp_path / "empty")
    _tiny_pair(tmp_path / "a", "cs1")
    (tmp_path / "a" / "cs2.png").write_bytes((tmp_path / "a" / "cs1.png").read_bytes())
    with pytest.raises(CartoonSetFormatError, match=r"cs2.png: PNG without its attribute CSV \(cs2.csv\)"):
        find_pairs(tmp_path / "a")
    _tiny_pair(tmp_path / "b", "cs1")
    _write_csv(tmp_path / "b" / "cs3.csv", GOOD_LINES)
    with pytest.raises(CartoonSetFormatError, match=r"cs3.csv: attribute CSV without its PNG \(cs3.png\)"):
        CartoonSetDataset(tmp_path / "b")
    _tiny_pair(tmp_path / "c", "cs1")
    _tiny_pair(tmp_path / "c" / "0", "cs1")
    with pytest.raises(CartoonSetFormatError, match="duplicate face name 'cs1'"):
        find_pairs(tmp_path / "c")


def test_bad_pair_raises_or_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    root = tmp_path / "set"
    for i in range(4):
        _tiny_pair(root, f"cs{i}", color=40 * i)
    _write_csv(root / "cs1.csv", _with_line(9, '"hair", 200, 111'))
    (root / "cs2.png").write_bytes(b"garbage")
    (root / "cs9.png").write_bytes((root / "cs0.png").read_bytes())  # no CSV
    with pytest.raises(CartoonSetFormatError, match="cs9.png: PNG without"):
        CartoonSetDataset(root, image_size=8, progress=False)
    (root / "cs9.png").unlink()
    with pytest.raises(CartoonSetFormatError, match=r"cs1.csv, line 10: index 200 of attribute 'hair'"):
        CartoonSetDataset(root, image_size=8, progress=False)
    (root / "cs9.png").write_bytes((root / "cs0.png").read_bytes())
    with caplog.at_level(logging.WARNING):
        ds = CartoonSetDataset(root, image_size=8, on_error="skip", progress=False)
    assert ds.names == ["cs0", "cs3"] and ds.num_skipped == 3
    assert any("cs2.png" in m for m in ds.skipped) and any("cs1.csv, line 10" in m for m in ds.skipped)
    assert "skipped 3" in caplog.text and "cs9.png" in caplog.text
    _write_csv(root / "cs1.csv", GOOD_LINES)
    (root / "cs9.png").unlink()
    with pytest.raises(ImageReadError, match="cs2.png"):
        CartoonSetDataset(root, image_size=8, progress=False)
    with pytest.raises(ValueError, match="on_error"):
        CartoonSetDataset(root, on_error="ignore")


# ---------------------------------------------------------------- cache


def test_cache_round_trip_and_rebuild(real_128_dir: Path, tmp_path: Path, xdg_cache: Path):
    root = tmp_path / "set"
    stems = _copy_pairs(real_128_dir, root, 5)
    first = CartoonSetDataset(root, image_size=32, cache=True, progress=False)
    assert not first.cache_hit and first.cache_path.parent == xdg_cache and first.cache_path.is_file()
    assert sorted(os.listdir(root)) == sorted([f"{s}.png" for s in stems] + [f"{s}.csv" for s in stems])

    again = CartoonSetDataset(root, image_size=32, cache=True, progress=False)
    assert again.cache_hit and again.cache_path == first.cache_path
    assert torch.equal(again.tensors().images, first.tensors().images)
    assert torch.equal(again.tensors().attributes, first.tensors().attributes)
    assert again.names == first.names == stems
    uncached = CartoonSetDataset(root, image_size=32, progress=False)
    assert torch.equal(uncached.tensors().images, first.tensors().images)

    # a changed setting: a different cache file
    other = CartoonSetDataset(root, image_size=32, crop=1.0, cache=True, progress=False)
    assert not other.cache_hit and other.cache_path != first.cache_path

    # a changed file: the attribute CSV of the first face is edited -> rebuilt with the new value
    csv0 = root / f"{stems[0]}.csv"
    lines = csv0.read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith('"hair"'))
    old = int(lines[i].split(",")[1])
    lines[i] = f'"hair", {(old + 1) % 111}, 111'
    csv0.write_text("\n".join(lines) + "\n")
    changed = CartoonSetDataset(root, image_size=32, cache=True, progress=False)
    assert not changed.cache_hit and changed.cache_path != first.cache_path
    assert int(changed.tensors().attributes[0, ATTRIBUTE_NAMES.index("hair")]) == (old + 1) % 111
    assert not first.cache_path.exists()  # the stale cache of this folder and settings was removed
    assert other.cache_path.exists()  # the cache of other settings is kept

    # a removed pair: rebuilt with one face fewer
    (root / f"{stems[-1]}.png").unlink()
    (root / f"{stems[-1]}.csv").unlink()
    fewer = CartoonSetDataset(root, image_size=32, cache=True, progress=False)
    assert not fewer.cache_hit and fewer.names == stems[:-1]


def test_cache_at_explicit_path_and_corrupt_cache(real_128_dir: Path, tmp_path: Path):
    root = tmp_path / "set"
    _copy_pairs(real_128_dir, root, 3)
    path = tmp_path / "c" / "mine.safetensors"
    a = CartoonSetDataset(root, image_size=16, cache=path, progress=False)
    assert a.cache_path == path and path.is_file() and not a.cache_hit
    assert CartoonSetDataset(root, image_size=16, cache=path, progress=False).cache_hit
    b = CartoonSetDataset(root, image_size=24, cache=path, progress=False)  # other settings: overwritten
    assert not b.cache_hit and b.tensors().image_size == 24
    path.write_bytes(path.read_bytes()[:100])  # corrupt cache: rebuilt, not an error
    c = CartoonSetDataset(root, image_size=24, cache=path, progress=False)
    assert not c.cache_hit and torch.equal(c.tensors().images, b.tensors().images)
    d = CartoonSetDataset(root, image_size=16, cache=tmp_path / "dir", progress=False)
    assert d.cache_path.parent == tmp_path / "dir" and d.cache_path.name.startswith("cartoonset-")


@pytest.mark.slow
def test_full_real_set_decodes_with_cache(real_128_dir: Path, tmp_path: Path):
    import time

    t0 = time.perf_counter()
    ds = CartoonSetDataset(real_128_dir, image_size=64, cache=tmp_path / "cache", progress=False)
    t_decode = time.perf_counter() - t0
    assert len(ds) == 9500 and ds.num_skipped == 0
    t0 = time.perf_counter()
    again = CartoonSetDataset(real_128_dir, image_size=64, cache=tmp_path / "cache", progress=False)
    t_cache = time.perf_counter() - t0
    assert again.cache_hit and torch.equal(again.tensors().images, ds.tensors().images)
    assert t_decode < 60 and t_cache < 10, (t_decode, t_cache)


def test_unwritable_cache(real_128_dir: Path, tmp_path: Path, monkeypatch, caplog: pytest.LogCaptureFixture):
    root = tmp_path / "set"
    _copy_pairs(real_128_dir, root, 2)
    (tmp_path / "a_file").write_text("not a folder")
    with pytest.raises(OSError, match="cannot write the decode cache .*a_file"):
        CartoonSetDataset(root, image_size=8, cache=tmp_path / "a_file" / "c.safetensors", progress=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a_file"))
    with caplog.at_level(logging.WARNING):
        ds = CartoonSetDataset(root, image_size=8, cache=True, progress=False)
    assert len(ds) == 2 and not ds.cache_hit and "continuing without it" in caplog.text
