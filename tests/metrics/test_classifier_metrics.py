"""Per-attribute accuracy (glasses_color only with glasses), TV distances, feature-space quality."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan.data.schema import ATTRIBUTE_INDEX, GLASSES_NONE, NUM_ATTRIBUTES
from gan.metrics.classifier_metrics import (
    FRECHET_LABEL,
    accuracy_by_glasses,
    attribute_accuracy,
    attribute_confusions,
    attribute_tv_distances,
    classifier_outputs,
    feature_space_quality,
)
from gan.models import AttributeClassifier, ClassifierConfig

G, GC, HAIR = ATTRIBUTE_INDEX["glasses"], ATTRIBUTE_INDEX["glasses_color"], ATTRIBUTE_INDEX["hair"]


def _labels(n: int) -> np.ndarray:
    return np.zeros((n, NUM_ATTRIBUTES), dtype=np.int64)


def test_accuracy_scores_glasses_color_only_on_faces_with_glasses():
    true = _labels(4)
    true[:, G] = [0, 1, GLASSES_NONE, GLASSES_NONE]
    true[:, GC] = [2, 3, 4, 5]
    pred = true.copy()
    pred[:, GC] = [2, 0, 0, 0]  # right on 1 of the 2 faces with glasses; the 2 without are not scored
    pred[0, HAIR] = 7  # one hair mistake out of 4
    acc = attribute_accuracy(pred, true)
    assert acc.per_attribute["glasses_color"] == (0.5, 2)
    assert acc.per_attribute["hair"] == (0.75, 4)
    assert acc.per_attribute["eye_angle"] == (1.0, 4)
    assert acc.mean == pytest.approx((16 + 0.5 + 0.75) / 18)
    conf = attribute_confusions(pred, true)
    assert conf["glasses_color"].sum() == 2 and conf["glasses_color"][3, 0] == 1
    assert conf["hair"][0, 7] == 1 and conf["hair"].sum() == 4


def test_accuracy_without_any_glasses_leaves_glasses_color_unscored():
    true = _labels(3)
    true[:, G] = GLASSES_NONE
    acc = attribute_accuracy(true, true)
    assert acc.per_attribute["glasses_color"] == (None, 0) and acc.mean == 1.0


def test_accuracy_by_glasses_hand_made():
    true = _labels(4)
    true[:, G] = [1, 1, GLASSES_NONE, 5]
    pred = true.copy()
    pred[0, ATTRIBUTE_INDEX["eye_color"]] = 3  # one of the 10 eye cells of glasses 1 wrong
    pred[1, ATTRIBUTE_INDEX["eyebrow_shape"]] = 7  # one of the 10 eyebrow cells of glasses 1 wrong
    pred[2, ATTRIBUTE_INDEX["eye_lid"]] = 1  # one of the 5 eye cells without glasses wrong
    pred[3, ATTRIBUTE_INDEX["hair"]] = 9  # neither group
    out = accuracy_by_glasses(pred, true)
    assert set(out) == {"1", "5", str(GLASSES_NONE)}
    assert out["1"] == {"n": 2, "eyes": 0.9, "eyebrows": 0.9}
    assert out[str(GLASSES_NONE)] == {"n": 1, "eyes": 0.8, "eyebrows": 1.0}
    assert out["5"] == {"n": 1, "eyes": 1.0, "eyebrows": 1.0}


def test_tv_distances_hand_made():
    real = _labels(4)
    real[:, HAIR] = [0, 0, 1, 1]
    real[:, G] = [0, 0, GLASSES_NONE, GLASSES_NONE]
    real[:, GC] = [1, 1, 6, 6]
    gen = _labels(4)
    gen[:, HAIR] = [0, 0, 0, 2]  # p = (.75, 0, .25) vs q = (.5, .5, 0): TV = .5
    gen[:, G] = [0, 0, 0, GLASSES_NONE]  # 3 of 4 wear glasses vs 2 of 4: TV = .25
    gen[:, GC] = [1, 1, 2, 5]  # over faces with glasses: (2/3 at 1, 1/3 at 2) vs (1 at 1): TV = 1/3
    tv = attribute_tv_distances(gen, real)
    assert tv.per_attribute["hair"] == pytest.approx(0.5)
    assert tv.per_attribute["glasses"] == pytest.approx(0.25)
    assert tv.per_attribute["glasses_color"] == pytest.approx(1 / 3)
    assert tv.counts["glasses_color"] == (3, 2)
    assert tv.max == pytest.approx(0.5)
    assert tv.mean == pytest.approx((0.5 + 0.25 + 1 / 3) / 18)


def test_feature_space_quality_floor_and_ratio():
    rng = np.random.default_rng(0)
    real_a, real_b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    shifted = rng.normal(size=(400, 8)) + 1.0
    q = feature_space_quality(shifted, real_a, real_b, kid_subsets=10, kid_subset_size=100, rng=0)
    assert q.frechet == pytest.approx(8.0, rel=0.2)  # |shift|^2 = 8
    assert 0 < q.frechet_floor < 0.5 and q.frechet_ratio > 10
    assert q.kid.mean > q.kid_floor.mean
    assert q.summary()["frechet"]["label"] == FRECHET_LABEL
    with pytest.raises(ValueError, match="same size"):
        feature_space_quality(shifted[:10], real_a, real_b)


BAND = {"band_width": 4, "band_feature_dim": 8, "band_attributes": ("eyebrow_shape", "eyebrow_width")}


@pytest.mark.parametrize("band", [{}, BAND], ids=["plain", "band-heads"])
def test_classifier_outputs_match_the_model_api(band):
    model = AttributeClassifier(ClassifierConfig(image_size=32, width=8, stages=2, feature_dim=16, **band))
    if band:  # make the masked (unused) head weights large, so bypassing the mask would change predictions
        with torch.no_grad():
            model.heads.weight.add_((1 - model.head_mask) * 50.0)
    model.train()
    images = torch.rand(5, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    feats, preds = classifier_outputs(model, images, batch_size=2)
    assert model.training
    model.eval()
    torch.testing.assert_close(torch.from_numpy(feats).float(), model.features(images))
    np.testing.assert_array_equal(preds, model.predict(images).numpy())


def test_classifier_outputs_accept_uint8():
    model = AttributeClassifier(ClassifierConfig(image_size=32, width=8, stages=2, feature_dim=16))
    images = torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    f_u8, p_u8 = classifier_outputs(model, images)
    f_fl, p_fl = classifier_outputs(model, images.float() / 127.5 - 1)
    np.testing.assert_allclose(f_u8, f_fl, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(p_u8, p_fl)
