"""Attribute-classifier metrics, and generator quality measured in the classifier's feature space.

* Per-attribute accuracy and confusion matrices of the classifier on labelled faces. ``glasses_color`` is
  scored only on faces that wear glasses (``glasses != GLASSES_NONE``): without glasses its label is set in
  the CSV but cannot be seen.
* Per-attribute total-variation distance between the classifier's predicted attribute distribution over
  generated faces and the real label distribution (``glasses_color`` over faces with glasses: predicted
  glasses for generated faces, labelled glasses for real ones).
* Fréchet distance and KID between classifier features of generated and real faces, with the floor: the
  same distance between two disjoint real sets of the same size. These are "Fréchet distance (classifier
  features)" and "KID (classifier features)"; they are not FID/KID on Inception features.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

import numpy as np
import torch
from torch import nn

from gan.data.schema import ATTRIBUTE_INDEX, ATTRIBUTE_NAMES, GLASSES_NONE, NUM_ATTRIBUTES, NUM_VARIANTS, validate_attributes
from gan.metrics.confusion import confusion_matrix, eval_mode, model_input
from gan.metrics.frechet import frechet_distance_features
from gan.metrics.kid import KIDResult, kernel_inception_distance

logger = logging.getLogger(__name__)

GLASSES: Final[int] = ATTRIBUTE_INDEX["glasses"]
GLASSES_COLOR: Final[int] = ATTRIBUTE_INDEX["glasses_color"]
FRECHET_LABEL: Final[str] = "Fréchet distance (classifier features)"
KID_LABEL: Final[str] = "KID (classifier features)"


def _check_attrs(attributes: np.ndarray | torch.Tensor, name: str) -> np.ndarray:
    array = attributes.cpu().numpy() if isinstance(attributes, torch.Tensor) else np.asarray(attributes)
    validate_attributes(array, name=name)
    if array.ndim != 2:
        raise ValueError(f"{name} must have shape [N, {NUM_ATTRIBUTES}], got {tuple(array.shape)}")
    return array.astype(np.int64)


def scored_mask(attributes: np.ndarray, attribute: int) -> np.ndarray:
    """Which rows count for ``attribute``: all rows, except for glasses_color only faces with glasses."""
    if attribute == GLASSES_COLOR:
        return attributes[:, GLASSES] != GLASSES_NONE
    return np.ones(attributes.shape[0], dtype=bool)


@torch.no_grad()
def classifier_outputs(
    classifier: nn.Module, images: torch.Tensor, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features ``[N, F]`` (float64) and predicted attributes ``[N, 18]`` (int64), eval mode.

    :param images: ``[N, 3, S, S]``, float in ``[-1, 1]`` or uint8 (converted batch by batch).
    """
    if images.ndim != 4 or not (images.dtype.is_floating_point or images.dtype == torch.uint8):
        raise ValueError(f"images must be [N, 3, S, S] float in [-1, 1] or uint8, got {images.dtype} {tuple(images.shape)}")
    param = next(classifier.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    feats, preds = [], []
    head_logits = getattr(classifier, "head_logits", None)
    with eval_mode(classifier):
        for start in range(0, images.shape[0], batch_size):
            x = model_input(images[start : start + batch_size], device)
            f = classifier.features(x)
            # forward == head_logits(features) for AttributeClassifier; avoid running the body twice
            logits = head_logits(f) if callable(head_logits) else classifier(x)
            blocks = logits.float().split(list(NUM_VARIANTS), dim=-1)
            preds.append(torch.stack([b.argmax(dim=-1) for b in blocks], dim=-1).cpu())
            feats.append(f.double().cpu())
    if not feats:
        return np.zeros((0, 0)), np.zeros((0, NUM_ATTRIBUTES), np.int64)
    return torch.cat(feats).numpy(), torch.cat(preds).numpy().astype(np.int64)


@dataclass(frozen=True)
class AttributeAccuracy:
    """Accuracy of each attribute (``per_attribute``: name -> (accuracy or None, n scored)) and their mean."""

    per_attribute: dict[str, tuple[float | None, int]]
    mean: float

    def summary(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "mean": self.mean,
            "per_attribute": {k: {"accuracy": a, "n": n} for k, (a, n) in self.per_attribute.items()},
            "glasses_color_scored_on": "faces with glasses (glasses != none)",
        }


def attribute_accuracy(pred: np.ndarray | torch.Tensor, true: np.ndarray | torch.Tensor) -> AttributeAccuracy:
    """Per-attribute accuracy of predictions against labels (both int64 ``[N, 18]``).

    The mean is over the attributes that have at least one scored face (glasses_color has none when no
    face wears glasses; its accuracy is then ``None``).

    :raises ValueError: on bad shapes, ranges, or different lengths.
    """
    p, t = _check_attrs(pred, "pred"), _check_attrs(true, "true")
    if p.shape != t.shape:
        raise ValueError(f"pred and true must have the same shape, got {p.shape} and {t.shape}")
    per: dict[str, tuple[float | None, int]] = {}
    for i, name in enumerate(ATTRIBUTE_NAMES):
        mask = scored_mask(t, i)
        n = int(mask.sum())
        per[name] = (float((p[mask, i] == t[mask, i]).mean()) if n else None, n)
    scored = [a for a, _ in per.values() if a is not None]
    if not scored:
        raise ValueError("no faces to score")
    return AttributeAccuracy(per_attribute=per, mean=float(np.mean(scored)))


EYE_ATTRIBUTES: Final[tuple[str, ...]] = ("eye_angle", "eye_lashes", "eye_lid", "eye_color", "eye_slant")
EYEBROW_ATTRIBUTES: Final[tuple[str, ...]] = (
    "eyebrow_weight", "eyebrow_shape", "eyebrow_thickness", "eyebrow_width", "eye_eyebrow_distance",
)  # fmt: skip


def accuracy_by_glasses(pred: np.ndarray | torch.Tensor, true: np.ndarray | torch.Tensor) -> dict[str, dict[str, float | int]]:
    """Mean accuracy of the eye and of the eyebrow attributes on the faces of each labelled glasses variant.

    Some glasses variants are opaque sunglasses: behind them the eye attributes cannot be seen, which caps
    the classifier's accuracy on those attributes whatever its quality. Variants with no face are left out.

    :returns: ``{str(variant): {"n": faces, "eyes": mean accuracy, "eyebrows": mean accuracy}}``.
    """
    p, t = _check_attrs(pred, "pred"), _check_attrs(true, "true")
    if p.shape != t.shape:
        raise ValueError(f"pred and true must have the same shape, got {p.shape} and {t.shape}")
    eyes = [ATTRIBUTE_INDEX[name] for name in EYE_ATTRIBUTES]
    brows = [ATTRIBUTE_INDEX[name] for name in EYEBROW_ATTRIBUTES]
    correct = p == t
    out: dict[str, dict[str, float | int]] = {}
    for variant in range(NUM_VARIANTS[GLASSES]):
        rows = t[:, GLASSES] == variant
        if rows.any():
            out[str(variant)] = {
                "n": int(rows.sum()),
                "eyes": float(correct[rows][:, eyes].mean()),
                "eyebrows": float(correct[rows][:, brows].mean()),
            }
    return out


def attribute_confusions(pred: np.ndarray | torch.Tensor, true: np.ndarray | torch.Tensor) -> dict[str, np.ndarray]:
    """Confusion matrix ``[K, K]`` per attribute (rows: true variant; glasses_color on faces with glasses)."""
    p, t = _check_attrs(pred, "pred"), _check_attrs(true, "true")
    out = {}
    for i, name in enumerate(ATTRIBUTE_NAMES):
        mask = scored_mask(t, i)
        out[name] = confusion_matrix(t[mask, i], p[mask, i], NUM_VARIANTS[i])
    return out


def attribute_distribution(attributes: np.ndarray, attribute: int) -> tuple[np.ndarray, int]:
    """Empirical distribution over the variants of one attribute (and how many faces it is over)."""
    mask = scored_mask(attributes, attribute)
    values = attributes[mask, attribute]
    counts = np.bincount(values, minlength=NUM_VARIANTS[attribute]).astype(np.float64)
    return (counts / counts.sum() if values.size else counts), int(values.size)


@dataclass(frozen=True)
class TVDistances:
    """Total-variation distance per attribute (``None`` where a set has no face to score) and max/mean."""

    per_attribute: dict[str, float | None]
    counts: dict[str, tuple[int, int]]
    max: float
    mean: float

    def summary(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "max": self.max,
            "mean": self.mean,
            "per_attribute": {
                k: {"tv": v, "n_generated": self.counts[k][0], "n_real": self.counts[k][1]}
                for k, v in self.per_attribute.items()
            },
            "glasses_color_over": "faces with glasses (predicted for generated, labelled for real)",
        }


def attribute_tv_distances(
    generated_pred: np.ndarray | torch.Tensor, real_labels: np.ndarray | torch.Tensor
) -> TVDistances:
    """TV distance ``0.5 * sum |p - q|`` between predicted (generated) and labelled (real) distributions.

    :raises ValueError: on bad attribute arrays, or when no attribute can be compared.
    """
    g, r = _check_attrs(generated_pred, "generated_pred"), _check_attrs(real_labels, "real_labels")
    per: dict[str, float | None] = {}
    counts: dict[str, tuple[int, int]] = {}
    for i, name in enumerate(ATTRIBUTE_NAMES):
        p, n_g = attribute_distribution(g, i)
        q, n_r = attribute_distribution(r, i)
        counts[name] = (n_g, n_r)
        per[name] = float(0.5 * np.abs(p - q).sum()) if n_g and n_r else None
    values = [v for v in per.values() if v is not None]
    if not values:
        raise ValueError("no attribute has faces in both sets")
    return TVDistances(per_attribute=per, counts=counts, max=float(max(values)), mean=float(np.mean(values)))


@dataclass(frozen=True)
class FeatureSpaceQuality:
    """Fréchet distance / KID (classifier features) of generated vs real, and the real-vs-real floor."""

    frechet: float
    frechet_floor: float
    kid: KIDResult
    kid_floor: KIDResult
    n: int

    @property
    def frechet_ratio(self) -> float:
        """``frechet / frechet_floor`` (inf when the floor is 0)."""
        return self.frechet / self.frechet_floor if self.frechet_floor > 0 else float("inf")

    def summary(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "frechet": {"label": FRECHET_LABEL, "value": self.frechet, "floor": self.frechet_floor,
                        "ratio_to_floor": self.frechet_ratio},
            "kid": {"label": KID_LABEL, **self.kid.to_dict(), "floor": self.kid_floor.to_dict()},
            "n_per_set": self.n,
            "floor_definition": "same distance between two disjoint real sets of n (training split)",
        }


def feature_space_quality(
    generated: np.ndarray,
    real_a: np.ndarray,
    real_b: np.ndarray,
    *,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    rng: np.random.Generator | int = 0,
) -> FeatureSpaceQuality:
    """Fréchet distance and KID of ``generated`` vs ``real_a``, and of ``real_b`` vs ``real_a`` (the floor).

    All three are feature arrays ``[n, F]`` of the same size n (distances are biased by n, so the floor must
    use the same n as the comparison).

    :raises ValueError: on different set sizes or bad features.
    """
    sizes = {len(generated), len(real_a), len(real_b)}
    if len(sizes) != 1:
        raise ValueError(f"generated, real_a and real_b must have the same size, got {sorted(sizes)}")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return FeatureSpaceQuality(
        frechet=frechet_distance_features(generated, real_a, names=("generated", "real_a")),
        frechet_floor=frechet_distance_features(real_b, real_a, names=("real_b", "real_a")),
        kid=kernel_inception_distance(generated, real_a, n_subsets=kid_subsets, subset_size=kid_subset_size,
                                      rng=generator, names=("generated", "real_a")),
        kid_floor=kernel_inception_distance(real_b, real_a, n_subsets=kid_subsets, subset_size=kid_subset_size,
                                            rng=generator, names=("real_b", "real_a")),
        n=len(generated),
    )
