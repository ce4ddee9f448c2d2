import numpy as np
import pytest
import torch

from gan.data import (
    ATTRIBUTE_NAMES,
    NUM_VARIANTS,
    OFFSETS,
    ONE_HOT_DIM,
    from_one_hot,
    one_hot,
)


def test_schema_constants():
    assert len(ATTRIBUTE_NAMES) == 18
    assert ONE_HOT_DIM == 217 == sum(NUM_VARIANTS)
    assert ATTRIBUTE_NAMES[0] == "eye_angle" and ATTRIBUTE_NAMES[-1] == "eye_eyebrow_distance"
    assert dict(zip(ATTRIBUTE_NAMES, NUM_VARIANTS))["hair"] == 111
    assert dict(zip(ATTRIBUTE_NAMES, NUM_VARIANTS))["facial_hair"] == 15
    assert OFFSETS[0] == 0 and OFFSETS[1] == 3 and OFFSETS[-1] == 214


def test_one_hot_round_trip_torch_and_numpy():
    rng = np.random.default_rng(0)
    attrs = np.stack([rng.integers(0, n, size=(5, 7)) for n in NUM_VARIANTS], axis=-1).astype(np.int64)
    oh = one_hot(attrs)
    assert isinstance(oh, np.ndarray) and oh.dtype == np.float32 and oh.shape == (5, 7, 217)
    assert np.all(oh.sum(-1) == 18)
    np.testing.assert_array_equal(from_one_hot(oh), attrs)
    t = torch.from_numpy(attrs)
    oh_t = one_hot(t)
    assert oh_t.dtype == torch.float32
    assert torch.equal(from_one_hot(oh_t), t)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((2, 17), dtype=np.int64), r"shape \[\.\.\., 18\]"),
        (np.zeros((2, 18), dtype=np.float32), "integer"),
        (np.full((1, 18), 2, dtype=np.int64), "eye_lashes = 2 is out of range 0..1"),
        (np.full((1, 18), -1, dtype=np.int64), "eye_angle = -1"),
    ],
)
def test_one_hot_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        one_hot(bad)
