"""Procedural faces: sampler frequencies, renderer determinism, palette, framing, per-attribute visibility."""

from __future__ import annotations

import glob

import numpy as np
import pytest
import torch

from gan.data.procedural import (
    iter_procedural_faces,
    make_procedural_faces,
    render_faces,
    sample_attributes,
)
from gan.data.procedural import palette
from gan.data.procedural.hair import NUM_SPECIAL
from gan.data.schema import ATTRIBUTE_INDEX, ATTRIBUTE_NAMES, FACIAL_HAIR_NONE, GLASSES_NONE, NUM_VARIANTS

A = ATTRIBUTE_INDEX


def _base_faces() -> np.ndarray:
    """Two different faces, both wearing glasses (so glasses_color shows) and non-bald hair."""
    base = sample_attributes(2, np.random.default_rng(123))
    base[:, A["glasses"]] = [0, 9]
    base[:, A["hair"]] = [NUM_SPECIAL + 17, NUM_SPECIAL + 80]
    base[:, A["facial_hair"]] = [FACIAL_HAIR_NONE, 3]
    return base


def test_sampler_shape_dtype_and_determinism():
    a = sample_attributes(50, np.random.default_rng(7))
    b = sample_attributes(50, np.random.default_rng(7))
    assert a.dtype == np.int64 and a.shape == (50, 18)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sample_attributes(50, np.random.default_rng(8)))
    assert sample_attributes(0, np.random.default_rng(0)).shape == (0, 18)


def test_sampler_frequencies():
    n = 40_000
    a = sample_attributes(n, np.random.default_rng(0))
    assert (a >= 0).all() and (a < np.array(NUM_VARIANTS)).all()
    for j, (name, count) in enumerate(zip(ATTRIBUTE_NAMES, NUM_VARIANTS)):
        freq = np.bincount(a[:, j], minlength=count) / n
        expected = np.full(count, 1.0 / count)
        if name == "facial_hair":
            expected = np.full(count, 0.5 / (count - 1))
            expected[FACIAL_HAIR_NONE] = 0.5
        elif name == "glasses":
            expected = np.full(count, 0.5 / (count - 1))
            expected[GLASSES_NONE] = 0.5
        sigma = np.sqrt(expected * (1 - expected) / n)
        assert np.all(np.abs(freq - expected) < 5 * sigma), name


def test_sampler_rejects_bad_input():
    with pytest.raises(ValueError, match="n must be"):
        sample_attributes(-1, np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        sample_attributes(3, 0)  # type: ignore[arg-type]


def test_render_shape_dtype_white_background_and_determinism():
    a = sample_attributes(16, np.random.default_rng(1))
    x = render_faces(a, size=64)
    assert x.dtype == np.uint8 and x.shape == (16, 64, 64, 3)
    np.testing.assert_array_equal(x, render_faces(a, size=64))
    np.testing.assert_array_equal(x, render_faces(torch.from_numpy(a), size=64))
    # batch composition does not matter: each face renders the same alone
    np.testing.assert_array_equal(x[5], render_faces(a[5:6], size=64)[0])
    assert (x[:, 0, 0] == 255).all() and (x[:, -1, -1] == 255).all()
    assert len({xi.tobytes() for xi in x}) == 16


def test_render_rejects_bad_input():
    a = sample_attributes(2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="size"):
        render_faces(a, size=4)
    with pytest.raises(ValueError, match="shape"):
        render_faces(a[:, :17])
    bad = a.copy()
    bad[1, A["hair"]] = 111
    with pytest.raises(ValueError, match="hair = 111"):
        render_faces(bad)
    with pytest.raises(ValueError, match="integer"):
        render_faces(a.astype(np.float32))
    with pytest.raises(ValueError, match=r"\[N, 18\]"):
        render_faces(a[None])


@pytest.mark.parametrize("name", ATTRIBUTE_NAMES)
def test_every_variant_of_every_attribute_renders_distinctly(name):
    """Changing only ``name`` changes the 64x64 image, and all its variants differ pairwise.

    Conditions (documented in docs/procedural.md): the base faces wear glasses (glasses_color is invisible
    without them) and non-bald hair; hair_color also shows in the eyebrows, so it is visible on bald faces too.
    """
    j = A[name]
    for base in _base_faces():
        batch = np.repeat(base[None], NUM_VARIANTS[j], axis=0)
        batch[:, j] = np.arange(NUM_VARIANTS[j])
        images = render_faces(batch, size=64).reshape(NUM_VARIANTS[j], -1)
        distinct = len({row.tobytes() for row in images})
        assert distinct == NUM_VARIANTS[j], f"{name}: only {distinct} of {NUM_VARIANTS[j]} variants distinct"


def test_hair_color_visible_even_on_a_bald_face():
    base = _base_faces()[0]
    base[A["hair"]] = 0  # bald
    batch = np.repeat(base[None], 10, axis=0)
    batch[:, A["hair_color"]] = np.arange(10)
    images = render_faces(batch, size=64).reshape(10, -1)
    assert len({row.tobytes() for row in images}) == 10


def test_hair_styles_are_distinct_on_every_base_without_glasses():
    base = _base_faces()[1]
    base[A["glasses"]] = GLASSES_NONE
    batch = np.repeat(base[None], 111, axis=0)
    batch[:, A["hair"]] = np.arange(111)
    images = render_faces(batch, size=64).reshape(111, -1)
    assert len({row.tobytes() for row in images}) == 111


def test_real_palette_exact_skin_and_hair_colours():
    """Flat skin and hair areas carry the real set's exact RGB values (at 128 px)."""
    base = _base_faces()[0]
    base[A["glasses"]] = GLASSES_NONE
    base[A["facial_hair"]] = FACIAL_HAIR_NONE
    base[A["hair"]] = NUM_SPECIAL  # short hair, swept back
    skins = np.repeat(base[None], 11, axis=0)
    skins[:, A["face_color"]] = np.arange(11)
    img = render_faces(skins, size=128)
    cheek = img[:, int(0.6 * 128), int(0.4 * 128)]
    np.testing.assert_array_equal(cheek, np.rint(palette.SKIN).astype(np.uint8))
    hairs = np.repeat(base[None], 10, axis=0)
    hairs[:, A["hair_color"]] = np.arange(10)
    img = render_faces(hairs, size=128)
    crown = img[:, int(0.29 * 128), 64]  # between the highlight streak and the hairline
    np.testing.assert_array_equal(crown, np.rint(palette.HAIR).astype(np.uint8))


def _extent(images: np.ndarray) -> dict[str, float]:
    nonwhite = (images < 245).any(-1)
    rows, cols = nonwhite.any(2), nonwhite.any(1)
    size = images.shape[1]
    return {
        "top": float(np.median(rows.argmax(1))),
        "bottom": float(np.median(size - 1 - rows[:, ::-1].argmax(1))),
        "left": float(np.median(cols.argmax(1))),
        "right": float(np.median(size - 1 - cols[:, ::-1].argmax(1))),
    }


def test_framing_matches_the_real_set():
    """Median non-white extent at 128 px is within 4 px of the real set's (rows 25..101, columns 30..99,
    measured on 3,000 real images), and the default 0.8 centre crop cuts into no more faces than it does in
    the real set (12.6% of 1,000 real images have non-white pixels outside it)."""
    images = render_faces(sample_attributes(300, np.random.default_rng(5)), size=128)
    ext = _extent(images)
    for key, real in {"top": 25, "bottom": 101, "left": 30, "right": 99}.items():
        assert abs(ext[key] - real) <= 4, (key, ext[key], real)
    lo, hi = round(0.1 * 128), round(0.9 * 128)
    outside = (images < 245).any(-1).copy()
    outside[:, lo:hi, lo:hi] = False
    assert outside.any(axis=(1, 2)).mean() <= 0.126


@pytest.mark.real_data
def test_framing_against_real_images(real_128_dir):
    files = sorted(glob.glob(str(real_128_dir / "*.png")))[:300]
    from PIL import Image

    real = np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files])
    ours = render_faces(sample_attributes(300, np.random.default_rng(6)), size=128)
    e_real, e_ours = _extent(real), _extent(ours)
    for key in e_real:
        assert abs(e_real[key] - e_ours[key]) <= 5, (key, e_real[key], e_ours[key])


def test_make_procedural_faces_matches_chunks_and_seed():
    f = make_procedural_faces(10, seed=4, size=32, crop=1.0)
    assert f.images.shape == (10, 3, 32, 32) and f.images.dtype == torch.uint8
    assert f.attributes.shape == (10, 18) and f.names[3] == "csproc4_0000003"
    g = make_procedural_faces(10, seed=4, size=32, crop=1.0)
    assert torch.equal(f.images, g.images) and torch.equal(f.attributes, g.attributes)
    parts = list(iter_procedural_faces(10, seed=4, size=32, crop=1.0, chunk=3))
    assert [len(p) for p in parts] == [3, 3, 3, 1]
    assert torch.equal(torch.cat([p.images for p in parts]), f.images)
    assert [n for p in parts for n in p.names] == f.names
    assert not torch.equal(make_procedural_faces(10, seed=5, size=32, crop=1.0).images, f.images)
    with pytest.raises(ValueError, match="seed"):
        make_procedural_faces(3, seed=-1)
    with pytest.raises(ValueError, match="chunk"):
        next(iter_procedural_faces(3, chunk=0))


def test_sprite_compositing_matches_the_exact_supersampled_render():
    """Compositing area-averaged layer sprites approximates painting the whole face supersampled: they
    differ only where edges of two layers share a pixel."""
    from gan.data.procedural.renderer import render_faces_supersampled

    a = sample_attributes(6, np.random.default_rng(2))
    fast = render_faces(a, size=64).astype(np.int16)
    exact = render_faces_supersampled(a, size=64).astype(np.int16)
    diff = np.abs(fast - exact)
    assert diff.mean() < 1.0
    assert (diff > 16).mean() < 0.02


def test_render_empty_batch_and_crop():
    assert render_faces(np.zeros((0, 18), dtype=np.int64), size=32).shape == (0, 32, 32, 3)
    a = sample_attributes(3, np.random.default_rng(0))
    whole, cropped = render_faces(a, size=64), render_faces(a, size=64, crop=0.8)
    assert cropped.shape == whole.shape and not np.array_equal(cropped, whole)
    # a crop shows the face larger: fewer white pixels
    assert (cropped == 255).all(-1).mean() < (whole == 255).all(-1).mean()
    with pytest.raises(ValueError, match="crop"):
        render_faces(a, size=32, crop=1.5)
