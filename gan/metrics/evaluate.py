"""The ``evaluate`` pipeline: every metric of a generator/discriminator(/classifier) on a face set.

:func:`evaluate` loads the models and the data, draws the fixed holdout split, samples the generator from an
explicit seed and writes ``metrics.json``, ``report.md`` and the figures into one folder. Metrics whose
third-party backbone weights are absent (FID/KID on Inception-v3, LPIPS on AlexNet) are recorded as
``null`` with the reason; everything else works offline.

Sets used (``n = min(n_fake, len(train) // 2)``; see docs/evaluation.md):

* holdout: ``holdout_split(names, n_holdout, seed=holdout_seed)``, never seen in training;
* real A / real B: two disjoint random sets of ``n`` faces from the training split (seeded by ``seed``);
* generated: ``n`` samples of ``z ~ N(0, I)`` drawn from ``torch.Generator().manual_seed(seed)``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch
from torch import nn

from gan.data.schema import ATTRIBUTE_NAMES
from gan.device import resolve_device
from gan.metrics.classifier_metrics import (
    FRECHET_LABEL,
    KID_LABEL,
    accuracy_by_glasses,
    attribute_accuracy,
    attribute_confusions,
    attribute_tv_distances,
    classifier_outputs,
    feature_space_quality,
)
from gan.metrics.confusion import discriminator_confusion, real_accuracy, save_discriminator_figures
from gan.metrics.figures import save_confusion_png, save_image_grid
from gan.metrics.lpips_diversity import (
    FEATURE_DIVERSITY_LABEL,
    LPIPS_LABEL,
    feature_diversity,
    save_extreme_pairs_figure,
)
from gan.metrics.weights import WeightsNotFoundError, file_sha256

logger = logging.getLogger(__name__)

MODEL_FILES: Final[dict[str, str]] = {
    "generator": "generator.safetensors",
    "discriminator": "discriminator.safetensors",
    "classifier": "classifier.safetensors",
}
MODEL_SUBFOLDERS: Final[tuple[str, ...]] = (".", "final", "weights", "models")
"""Where in a run or weights folder model files are looked for, in this order."""
BUNDLED: Final[str] = "bundled"
"""``RUN_OR_WEIGHTS`` value that means the weights shipped in ``gan/pretrained/weights``."""
HOLDOUT_NAMES_FILE: Final[str] = "holdout_names.txt"
"""Written by ``train-gan`` / ``train-classifier`` beside the weights: the names of the held-out faces."""
REPRODUCIBILITY_SAMPLES: Final[int] = 256
CONFUSION_FIGURES: Final[int] = 4
"""How many per-attribute confusion PNGs (the least accurate attributes on the holdout)."""

TARGETS: Final[dict[str, str]] = {
    "classifier_holdout_mean_accuracy": ">= 0.90",
    "classifier_extra_mean_accuracy": ">= 0.90",
    "frechet_ratio_to_floor": "<= 3",
    "tv_max": "<= 0.25",
    "tv_mean": "<= 0.10",
    "diversity_ratio": ">= 0.80",
    "discriminator_accuracy": "0.55 .. 0.85",
    "discriminator_train_holdout_gap": "<= 0.05",
}
"""Issue 11's quality targets, checked in the report."""


class EvaluationError(ValueError):
    """Bad input to :func:`evaluate` (a missing model, an unlabelled set where labels are needed, ...)."""


@dataclass(frozen=True)
class EvaluationSettings:
    """Everything :func:`evaluate` needs; saved into ``metrics.json``.

    :param models: a trainer run folder or a weights folder holding generator/discriminator(/classifier) files.
    :param data: the real face source (anything ``gan.data.load_faces`` reads).
    :param out: output folder (created).
    :param classifier: classifier file; default: the models folder's, else the bundled one.
    :param holdout: size of the held-out split; ``holdout_seed`` its seed.
    :param n_fake: generated (and per-set real) sample size for the distribution metrics.
    :param extra_labelled: another labelled face source to score the classifier on (e.g. the 500x500 originals).
    :param inception_weights / lpips_weights: explicit weight files (else env var / torch hub cache).
    :param seed: seed of the generator samples, the real subsets, KID subsets and random pairs.
    :param device: ``auto``, ``cpu``, ``cuda``, ...
    :param crop: centre crop for folders (``None``: the set's default).
    :param cache_dir: cache of real-set Inception features (``None``: no cache).
    """

    models: str
    data: str
    out: str
    classifier: str | None = None
    holdout: int = 500
    holdout_seed: int = 0
    n_fake: int = 4500
    extra_labelled: str | None = None
    inception_weights: str | None = None
    lpips_weights: str | None = None
    seed: int = 0
    device: str = "auto"
    batch_size: int = 256
    lpips_pairs: int = 100
    feature_pairs: int = 10_000
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    crop: float | None = None
    cache_dir: str | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("holdout", "n_fake", "batch_size", "lpips_pairs", "feature_pairs", "kid_subsets", "kid_subset_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise EvaluationError(f"{name} must be a positive integer, got {value!r}")



def find_model_files(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Locate ``generator``/``discriminator``/``classifier`` files in a run or weights folder.

    ``"bundled"`` (when no such folder exists) means the package's own ``gan/pretrained/weights``.

    Looks in the folder and its ``final/``, ``weights/`` and ``models/`` subfolders, first for the standard
    names, then for any ``*.safetensors`` model file by the kind stored in its header.

    :raises EvaluationError: if the folder does not exist, or no generator or no discriminator is found, or
        one kind is found in several files without a standard name.
    """
    from gan.models.io import ModelFileError, read_model_header

    root = Path(folder)
    if str(folder) == BUNDLED and not root.exists():
        from gan.pretrained import WEIGHTS_DIR

        root = WEIGHTS_DIR
    if root.is_file():
        raise EvaluationError(f"{root}: expected a run or weights folder, got a file")
    if not root.is_dir():
        raise EvaluationError(f"{root}: run or weights folder not found")
    for sub in MODEL_SUBFOLDERS:
        d = (root / sub).resolve()
        if not d.is_dir():
            continue
        found = {k: d / name for k, name in MODEL_FILES.items() if (d / name).is_file()}
        by_kind: dict[str, list[Path]] = {}
        for path in sorted(d.glob("*.safetensors")):
            if path in found.values():
                continue
            try:
                kind, _, _ = read_model_header(path)
            except (ModelFileError, FileNotFoundError):
                continue  # checkpoints, face sets: not model files
            by_kind.setdefault(kind, []).append(path)
        for kind, paths in by_kind.items():
            if kind in found:
                continue
            if len(paths) > 1:
                raise EvaluationError(
                    f"{d}: several {kind} files ({', '.join(p.name for p in paths)}); name the one to use "
                    f"{MODEL_FILES[kind]}"
                )
            found[kind] = paths[0]
        if "generator" in found or "discriminator" in found:
            missing = [k for k in ("generator", "discriminator") if k not in found]
            if missing:
                raise EvaluationError(f"{d}: no {' or '.join(missing)} model file (have {sorted(found)})")
            return found
    raise EvaluationError(
        f"{root}: no generator/discriminator model files in it or in its {', '.join(MODEL_SUBFOLDERS[1:])} "
        "subfolders (expected generator.safetensors and discriminator.safetensors written by save_model)"
    )


@torch.no_grad()
def sample_generator(
    generator: nn.Module, n: int, seed: int, batch_size: int = 256, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """``n`` images (float32 ``[n, 3, S, S]`` in [-1, 1], on CPU) from ``z ~ N(0, I)`` drawn with ``seed``.

    The latents are drawn on CPU from ``torch.Generator().manual_seed(seed)`` in one call, so the samples do
    not depend on the device or the batch size; the generator runs in eval mode.
    """
    z = torch.randn(n, generator.config.z_dim, generator=torch.Generator().manual_seed(seed))
    was_training = generator.training
    generator.eval()
    try:
        out = [generator(z[s : s + batch_size].to(device)).float().cpu() for s in range(0, n, batch_size)]
    finally:
        generator.train(was_training)
    return torch.cat(out)


def _load_models(settings: EvaluationSettings, device: torch.device) -> tuple[dict[str, nn.Module], dict[str, Any]]:
    from gan.models.io import load_model

    files = find_model_files(settings.models)
    if settings.classifier is not None:
        files["classifier"] = Path(settings.classifier)
        source = "--classifier"
    elif "classifier" in files:
        source = "models folder"
    else:
        from gan.pretrained import WEIGHTS_DIR

        bundled = WEIGHTS_DIR / MODEL_FILES["classifier"]
        if not bundled.is_file():
            raise EvaluationError(
                f"no classifier: none in {settings.models}, none given with --classifier, and the bundled "
                f"classifier {bundled} is not there"
            )
        files["classifier"] = bundled
        source = "bundled (gan/pretrained)"
        logger.info("using the bundled classifier %s", bundled)
    models = {kind: load_model(path, device=device, expected_kind=kind) for kind, path in files.items()}
    info = {
        kind: {"path": str(Path(path).resolve()), "sha256": file_sha256(path), "config": asdict(models[kind].config)}
        for kind, path in files.items()
    }
    info["classifier"]["source"] = source
    for kind, model in models.items():
        train_config = (getattr(model, "metadata", None) or {}).get("train_config") or {}
        if "holdout" in train_config:
            info[kind]["training_holdout"] = {"n": train_config["holdout"], "seed": train_config.get("holdout_seed")}
    g, c = models["generator"].config, models["classifier"].config
    d = models["discriminator"].config
    if d.image_size != g.image_size:
        raise EvaluationError(f"discriminator image_size {d.image_size} != generator image_size {g.image_size}")
    if c.image_size != g.image_size:
        raise EvaluationError(
            f"classifier image_size {c.image_size} != generator image_size {g.image_size}: the classifier must "
            "read the generator's images"
        )
    return models, info


def _holdout_consistency(
    model_info: dict[str, Any], settings: EvaluationSettings, holdout_names: list[str] | None = None
) -> dict[str, Any]:
    """Compare each model's training holdout with this evaluation's; warn on a mismatch.

    A model's split is read from ``holdout_names.txt`` beside its file when the training command wrote one
    (the names are compared), else from the training config in its metadata (size and seed compared).
    """
    out: dict[str, Any] = {}
    for kind, info in model_info.items():
        names_file = Path(info["path"]).parent / HOLDOUT_NAMES_FILE if "path" in info else None
        if holdout_names is not None and names_file is not None and names_file.is_file():
            trained_names = set(names_file.read_text().split())
            same = trained_names == set(holdout_names)
            out[kind] = "same names" if same else (
                f"different names: {len(trained_names & set(holdout_names))} of {len(holdout_names)} held-out faces "
                f"were held out in training ({names_file})"
            )
        elif info.get("training_holdout") is not None:
            trained = info["training_holdout"]
            same = trained["n"] == settings.holdout and trained["seed"] == settings.holdout_seed
            out[kind] = "same size and seed" if same else (
                f"different: trained with holdout {trained['n']}, seed {trained['seed']}"
            )
        else:
            out[kind] = "unknown (no holdout_names.txt beside the file, no training config in it)"
            continue
        if not same:
            logger.warning("the %s's training split differs from this evaluation's holdout (%s): 'held-out' faces "
                           "may have been trained on", kind, out[kind])
    return out


def _not_computed(reason: str) -> dict[str, Any]:
    return {"computed": False, "reason": reason}


def _inception_metrics(
    settings: EvaluationSettings, real: torch.Tensor, fake: torch.Tensor, device: torch.device
) -> dict[str, Any]:
    from gan.metrics.inception import build_fid_inception, fid_kid

    try:
        model = build_fid_inception(settings.inception_weights, device=device)
    except WeightsNotFoundError as err:
        logger.warning("FID not computed: %s", err)
        return {"fid": None, "kid": None, **_not_computed(f"not computed: {err}")}
    fid, kid, _ = fid_kid(
        model, real, fake, cache_dir=settings.cache_dir, batch_size=min(settings.batch_size, 100),
        kid_subsets=settings.kid_subsets, kid_subset_size=settings.kid_subset_size,
        rng=np.random.default_rng(settings.seed), progress=settings.progress,
    )
    return {"computed": True, "fid": {"label": "FID (Inception-v3)", "value": fid},
            "kid": {"label": "KID (Inception-v3)", **kid.to_dict()}, "weights_sha256": model.weights_sha256,
            "n_real": int(real.shape[0]), "n_generated": int(fake.shape[0])}


def _lpips_metrics(
    settings: EvaluationSettings, real: torch.Tensor, fake: torch.Tensor, device: torch.device, out: Path
) -> dict[str, Any]:
    from gan.metrics.lpips_diversity import build_lpips, lpips_diversity

    try:
        model = build_lpips(settings.lpips_weights, device=device)
    except WeightsNotFoundError as err:
        logger.warning("LPIPS not computed: %s", err)
        return {"generated": None, "real": None, **_not_computed(f"not computed: {err}")}
    gen = lpips_diversity(model, fake, settings.lpips_pairs, np.random.default_rng(settings.seed), settings.batch_size)
    rea = lpips_diversity(model, real, settings.lpips_pairs, np.random.default_rng(settings.seed), settings.batch_size)
    figure = save_extreme_pairs_figure(fake, gen, out / "lpips_pairs.png")
    return {"computed": True, "generated": gen.summary(), "real": rea.summary(),
            "ratio": gen.mean / rea.mean if rea.mean > 0 else None, "figure": figure.name,
            "weights_sha256": model.weights_sha256}


def _check(value: float | None, target: str) -> dict[str, Any]:
    if value is None or not np.isfinite(value):
        return {"value": value, "target": target, "pass": None}
    if ".." in target:
        lo, hi = (float(v) for v in target.split(".."))
        ok = lo <= value <= hi
    elif target.startswith(">="):
        ok = value >= float(target[2:])
    else:
        ok = value <= float(target[2:])
    return {"value": float(value), "target": target, "pass": bool(ok)}


def evaluate(settings: EvaluationSettings) -> dict[str, Any]:
    """Run every metric and write ``metrics.json``, ``report.md`` and the figures into ``settings.out``.

    :returns: the metrics dict (as written to ``metrics.json``).
    :raises EvaluationError: on bad settings or models; data errors propagate from ``gan.data``.
    """
    from gan.data.loading import load_faces
    from gan.data.splits import holdout_split
    from gan.metrics.report import write_report

    start = time.perf_counter()
    laps: dict[str, float] = {}
    mark = [start]

    def lap(name: str) -> None:
        now = time.perf_counter()
        laps[name] = round(now - mark[0], 3)
        mark[0] = now

    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    device = resolve_device(settings.device)
    models, model_info = _load_models(settings, device)
    lap("load_models")
    generator, discriminator, classifier = models["generator"], models["discriminator"], models["classifier"]
    image_size = generator.config.image_size

    faces = load_faces(settings.data, image_size=image_size, crop=settings.crop, progress=settings.progress)
    if settings.holdout >= len(faces):
        raise EvaluationError(f"--holdout {settings.holdout} leaves no training faces in {settings.data} ({len(faces)} faces)")
    lap("load_data")
    train_idx, holdout_idx = holdout_split(faces.names, settings.holdout, seed=settings.holdout_seed)
    n = min(settings.n_fake, len(train_idx) // 2)
    if n < 2:
        raise EvaluationError(f"the training split of {settings.data} has {len(train_idx)} faces; need at least 4")
    if n < settings.n_fake:
        logger.warning("only %d training faces: using n = %d per set instead of --n-fake %d", len(train_idx), n, settings.n_fake)
    rng = np.random.default_rng(settings.seed)
    perm = rng.permutation(train_idx)
    real_a_idx, real_b_idx = np.sort(perm[:n]), np.sort(perm[n : 2 * n])
    labelled = faces.attributes is not None

    # Real sets stay uint8 (converted batch by batch); generated images stay as G made them.
    real_a = faces.images[torch.from_numpy(real_a_idx)]
    real_b = faces.images[torch.from_numpy(real_b_idx)]
    holdout = faces.images[torch.from_numpy(holdout_idx)]
    m = len(holdout_idx)
    # n generated faces for the distribution metrics; at least m for the discriminator (m vs m).
    fake_all = sample_generator(generator, max(n, m), settings.seed, settings.batch_size, device)
    fake = fake_all[:n]
    if not torch.isfinite(fake_all).all():
        raise EvaluationError("the generator produced non-finite images")

    # Reproducibility: the same seed gives identical samples.
    k = min(n, REPRODUCIBILITY_SAMPLES)
    again_1 = sample_generator(generator, k, settings.seed, settings.batch_size, device)
    again_2 = sample_generator(generator, k, settings.seed, settings.batch_size, device)
    reproducible = bool(torch.equal(again_1, again_2))
    lap("sample_generator")

    holdout_check = _holdout_consistency(model_info, settings, [faces.names[i] for i in holdout_idx])
    metrics: dict[str, Any] = {
        "settings": asdict(settings),
        "models": model_info,
        "data": {
            "source": settings.data, "n_faces": len(faces), "labelled": labelled, "image_size": image_size,
            "holdout": {"n": int(len(holdout_idx)), "seed": settings.holdout_seed,
                        "rule": "gan.data.splits.holdout_split: seeded shuffle of the sorted names",
                        "names_sha256": hashlib.sha256("\n".join(faces.names[i] for i in holdout_idx).encode()).hexdigest(),
                        "training": holdout_check},
            "n_train": int(len(train_idx)), "n_per_set": n,
        },
        "reproducibility": {"identical_samples_same_seed": reproducible, "n_checked": k, "seed": settings.seed},
    }

    # Classifier space.
    bs = settings.batch_size
    f_fake, p_fake = classifier_outputs(classifier, fake, bs)
    f_a, p_a = classifier_outputs(classifier, real_a, bs)
    f_b, _ = classifier_outputs(classifier, real_b, bs)
    f_hold, p_hold = classifier_outputs(classifier, holdout, bs)
    lap("classifier_forward")
    quality = feature_space_quality(f_fake, f_a, f_b, kid_subsets=settings.kid_subsets,
                                    kid_subset_size=settings.kid_subset_size, rng=np.random.default_rng(settings.seed))
    metrics["classifier_space"] = quality.summary()
    lap("frechet_kid_classifier_features")
    div_fake = feature_diversity(f_fake, settings.feature_pairs, np.random.default_rng(settings.seed))
    div_real = feature_diversity(f_a, settings.feature_pairs, np.random.default_rng(settings.seed))
    save_extreme_pairs_figure(fake, div_fake, out / "feature_diversity_pairs.png")
    metrics["diversity_classifier_features"] = {
        "label": FEATURE_DIVERSITY_LABEL, "metric": "euclidean", "generated": div_fake.summary(),
        "real": div_real.summary(), "ratio": div_fake.mean / div_real.mean if div_real.mean > 0 else None,
        "figure": "feature_diversity_pairs.png",
    }

    if labelled:
        assert faces.attributes is not None
        train_labels = faces.attributes[torch.from_numpy(train_idx)].numpy()
        tv = attribute_tv_distances(p_fake, train_labels)
        tv_floor = attribute_tv_distances(p_a, train_labels)
        metrics["attribute_tv"] = {**tv.summary(), "real_labels": f"training split, {len(train_idx)} faces",
                                   "floor": {"max": tv_floor.max, "mean": tv_floor.mean,
                                             "definition": "classifier predictions on real set A vs the labels"}}
        hold_labels = faces.attributes[torch.from_numpy(holdout_idx)].numpy()
        acc = attribute_accuracy(p_hold, hold_labels)
        confusions = attribute_confusions(p_hold, hold_labels)
        worst = sorted((a if a is not None else 2.0, name) for name, (a, _) in acc.per_attribute.items())
        figures = []
        for _, name in worst[:CONFUSION_FIGURES]:
            variants = [str(v) for v in range(confusions[name].shape[0])]
            path = save_confusion_png(confusions[name], variants, out / f"c_confusion_{name}.png",
                                      title=f"classifier on holdout: {name} ({acc.per_attribute[name][0]:.3f})")
            figures.append(path.name)
        (out / "classifier_confusions.json").write_text(
            json.dumps({name: m.tolist() for name, m in confusions.items()}, separators=(",", ":"))
        )
        metrics["classifier"] = {"holdout": {**acc.summary(), "confusion_figures": figures,
                                             "confusions_file": "classifier_confusions.json",
                                             "by_glasses": accuracy_by_glasses(p_hold, hold_labels)}}
    else:
        reason = f"not computed: {settings.data} has no attribute labels"
        metrics["attribute_tv"] = _not_computed(reason)
        metrics["classifier"] = {"holdout": _not_computed(reason)}
    if settings.extra_labelled is not None:
        extra = load_faces(settings.extra_labelled, image_size=classifier.config.image_size, crop=settings.crop,
                           progress=settings.progress)
        if extra.attributes is None:
            raise EvaluationError(f"--extra-labelled {settings.extra_labelled} has no attribute labels")
        _, p_extra = classifier_outputs(classifier, extra.images, bs)
        metrics["classifier"]["extra"] = {"source": settings.extra_labelled, "n": len(extra),
                                          **attribute_accuracy(p_extra, extra.attributes).summary()}

    lap("classifier_metrics")
    # Discriminator, eval mode, per image: held-out reals vs as many generated faces.
    d_result = discriminator_confusion(discriminator, holdout, fake_all[:m], bs)
    d_paths = save_discriminator_figures(d_result, holdout, fake_all[:m], out)
    train_reals = faces.images[torch.from_numpy(np.sort(perm[: min(m, len(perm))]))]
    acc_train = real_accuracy(discriminator, train_reals, bs)
    acc_hold = d_result.real_accuracy
    metrics["discriminator"] = {
        "holdout_vs_generated": d_result.summary(),
        "figures": {k: (p.name if p is not None else None) for k, p in d_paths.items()},
        "overfitting": {"real_accuracy_train": acc_train, "real_accuracy_holdout": acc_hold,
                        "gap": acc_train - acc_hold, "n_train": int(len(train_reals)), "n_holdout": m},
        "mode": "eval, one image at a time, called real when sigmoid(D(x)) >= 0.5",
    }

    lap("discriminator")
    # Third-party backbones (optional).
    metrics["inception"] = _inception_metrics(settings, real_a, fake, device)
    lap("inception")
    metrics["lpips"] = _lpips_metrics(settings, holdout, fake, device, out)
    lap("lpips")

    save_image_grid(fake[:64], out / "samples.png", nrow=8)
    save_image_grid(real_a[:64], out / "real.png", nrow=8)
    metrics["figures"] = {"samples": "samples.png", "real": "real.png"}
    lap("figures")

    c = metrics["classifier"]
    metrics["targets"] = {
        "classifier_holdout_mean_accuracy": _check(c["holdout"].get("mean"), TARGETS["classifier_holdout_mean_accuracy"]),
        "classifier_extra_mean_accuracy": _check(c.get("extra", {}).get("mean"), TARGETS["classifier_extra_mean_accuracy"]),
        "frechet_ratio_to_floor": _check(quality.frechet_ratio, TARGETS["frechet_ratio_to_floor"]),
        "tv_max": _check(metrics["attribute_tv"].get("max"), TARGETS["tv_max"]),
        "tv_mean": _check(metrics["attribute_tv"].get("mean"), TARGETS["tv_mean"]),
        "diversity_ratio": _check(metrics["diversity_classifier_features"]["ratio"], TARGETS["diversity_ratio"]),
        "discriminator_accuracy": _check(d_result.accuracy, TARGETS["discriminator_accuracy"]),
        "discriminator_train_holdout_gap": _check(abs(acc_train - acc_hold), TARGETS["discriminator_train_holdout_gap"]),
    }
    metrics["run"] = {
        "device": str(device), "wall_time_s": time.perf_counter() - start, "timings_s": laps, "torch": torch.__version__,
        "python": platform.python_version(), "labels": {"frechet": FRECHET_LABEL, "kid": KID_LABEL,
                                                        "lpips": LPIPS_LABEL, "fid": "FID (Inception-v3)"},
        "attributes": list(ATTRIBUTE_NAMES),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=_json_default) + "\n")
    write_report(metrics, out / "report.md")
    logger.info("wrote %s and %s", out / "metrics.json", out / "report.md")
    return json.loads(json.dumps(metrics, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
