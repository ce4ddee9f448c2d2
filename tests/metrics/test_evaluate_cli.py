"""``gan-latent-env evaluate`` end to end on tiny random models and a tiny tensor face set."""

from __future__ import annotations

import json
import warnings

import pytest
import torch
import torchvision

from gan.data.faces import FaceTensors
from gan.data.schema import NUM_VARIANTS
from gan.metrics.evaluate import EvaluationError, find_model_files
from gan.models import (
    AttributeClassifier,
    ClassifierConfig,
    Discriminator,
    DiscriminatorConfig,
    Generator,
    GeneratorConfig,
    save_model,
)
from gan_latent_env.cli import main


def _faces(n: int, size: int, seed: int) -> FaceTensors:
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=gen)
    attributes = torch.stack([torch.randint(0, k, (n,), generator=gen) for k in NUM_VARIANTS], dim=1)
    return FaceTensors(images=images, attributes=attributes, names=[f"face{seed}_{i:03d}" for i in range(n)])


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))  # no hub weights
    monkeypatch.delenv("GAN_LATENT_ENV_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.delenv("GAN_LATENT_ENV_LPIPS_WEIGHTS", raising=False)
    weights = tmp_path / "weights"
    save_model(Generator(GeneratorConfig(image_size=32, ngf=8, z_dim=16)), weights / "generator.safetensors")
    save_model(Discriminator(DiscriminatorConfig(image_size=32, ndf=8, norm="spectral")),
               weights / "discriminator.safetensors")
    save_model(AttributeClassifier(ClassifierConfig(image_size=32, width=8, stages=2, feature_dim=16)),
               weights / "classifier.safetensors")
    data = _faces(30, 32, seed=0).save(tmp_path / "faces.safetensors")
    extra = _faces(5, 32, seed=1).save(tmp_path / "extra.safetensors")
    return tmp_path, weights, data, extra


def test_evaluate_cli_end_to_end_offline(setup, capsys):
    tmp_path, weights, data, extra = setup
    out = tmp_path / "eval"
    status = main(["evaluate", str(weights), "--data", str(data), "--holdout", "6", "--n-fake", "10",
                   "--extra-labelled", str(extra), "--out", str(out), "--device", "cpu", "--no-progress",
                   "--cache-dir", str(tmp_path / "cache")])
    assert status == 0
    printed = capsys.readouterr().out
    assert "FID not computed" in printed and "LPIPS not computed" in printed

    m = json.loads((out / "metrics.json").read_text())
    assert m["data"]["n_per_set"] == 10 and m["data"]["holdout"]["n"] == 6 and m["data"]["n_train"] == 24
    assert m["reproducibility"]["identical_samples_same_seed"] is True
    # FID / LPIPS: null with the reason, never substituted
    assert m["inception"]["computed"] is False and m["inception"]["fid"] is None
    assert "weights not found at" in m["inception"]["reason"] and "pt_inception" in m["inception"]["reason"]
    assert m["lpips"]["computed"] is False and "alexnet-owt-7be5be79.pth" in m["lpips"]["reason"]
    # classifier-space measures are labelled as such
    assert m["classifier_space"]["frechet"]["label"] == "Fréchet distance (classifier features)"
    assert m["classifier_space"]["kid"]["label"] == "KID (classifier features)"
    assert m["classifier_space"]["frechet"]["floor"] > 0
    assert m["diversity_classifier_features"]["label"] == "diversity (classifier features)"
    d = m["discriminator"]["holdout_vs_generated"]
    assert d["TN"] + d["FP"] == 6 and d["FN"] + d["TP"] == 6
    assert set(m["classifier"]["holdout"]["per_attribute"]) >= {"hair", "glasses_color"}
    assert m["classifier"]["extra"]["n"] == 5
    by_glasses = m["classifier"]["holdout"]["by_glasses"]
    assert sum(v["n"] for v in by_glasses.values()) == 6 and all(0 <= v["eyes"] <= 1 for v in by_glasses.values())
    assert len(m["attribute_tv"]["per_attribute"]) == 18 and 0 <= m["attribute_tv"]["max"] <= 1
    assert set(m["targets"]) >= {"frechet_ratio_to_floor", "discriminator_accuracy", "tv_max", "diversity_ratio"}

    report = (out / "report.md").read_text()
    assert "FID not computed: " in report and "LPIPS not computed: " in report
    assert "| glasses | faces | eye attributes | eyebrow attributes |" in report
    assert "Fréchet distance (classifier features)" in report and "KID (classifier features)" in report
    for name in ("samples.png", "real.png", "d_confusion.png", "feature_diversity_pairs.png",
                 "classifier_confusions.json"):
        assert (out / name).is_file(), name
        assert name in report or name == "classifier_confusions.json" or name in json.dumps(m)
    for fig in m["discriminator"]["figures"].values():
        assert fig is None or (out / fig).is_file()
    confusions = json.loads((out / "classifier_confusions.json").read_text())
    assert len(confusions) == 18 and len(confusions["hair"]) == 111

    # same seed, same numbers
    out2 = tmp_path / "eval2"
    assert main(["evaluate", str(weights), "--data", str(data), "--holdout", "6", "--n-fake", "10",
                 "--extra-labelled", str(extra), "--out", str(out2), "--device", "cpu", "--no-progress"]) == 0
    m2 = json.loads((out2 / "metrics.json").read_text())
    assert m2["classifier_space"] == m["classifier_space"] and m2["discriminator"] == m["discriminator"]


def test_missing_models_give_clear_errors(setup, capsys):
    tmp_path, weights, data, _ = setup
    (weights / "discriminator.safetensors").unlink()
    with pytest.raises(EvaluationError, match="no discriminator"):
        find_model_files(weights)
    assert main(["evaluate", str(tmp_path / "nowhere"), "--data", str(data), "--out", str(tmp_path / "e")]) == 2
    assert "run or weights folder not found" in capsys.readouterr().err


def test_run_folder_layout_is_found(setup):
    tmp_path, weights, _, _ = setup
    run = tmp_path / "run"
    (run / "final").mkdir(parents=True)
    (run / "checkpoints").mkdir()
    for name in ("generator", "discriminator"):
        (run / "final" / f"{name}.safetensors").write_bytes((weights / f"{name}.safetensors").read_bytes())
    files = find_model_files(run)
    assert files["generator"].name == "generator.safetensors" and "classifier" not in files


@pytest.mark.slow
def test_evaluate_with_random_backbones(setup, tmp_path):
    """FID and LPIPS sections are computed (random weights: plumbing only) when weight files are given."""
    from gan.metrics.evaluate import EvaluationSettings, evaluate
    from gan.metrics.inception import fid_inception_v3_architecture

    _, weights, data, _ = setup
    torch.manual_seed(0)  # test-only: default init of the random backbones
    inception = tmp_path / "inception.pth"
    torch.save(fid_inception_v3_architecture().state_dict(), inception)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alex = torchvision.models.alexnet(weights=None).features.state_dict()
    alexnet = tmp_path / "alexnet.pth"
    torch.save({f"features.{k}": v for k, v in alex.items()}, alexnet)
    m = evaluate(EvaluationSettings(models=str(weights), data=str(data), out=str(tmp_path / "eval"), holdout=6,
                                    n_fake=8, inception_weights=str(inception), lpips_weights=str(alexnet),
                                    device="cpu", lpips_pairs=6, kid_subsets=3, progress=False))
    assert m["inception"]["computed"] and m["inception"]["fid"]["label"] == "FID (Inception-v3)"
    assert m["lpips"]["computed"] and m["lpips"]["generated"]["label"] == "LPIPS (AlexNet)"
    assert (tmp_path / "eval" / "lpips_pairs.png").is_file()


def test_holdout_consistency_with_the_training_split(caplog, tmp_path):
    from gan.metrics.evaluate import EvaluationSettings, _holdout_consistency

    settings = EvaluationSettings(models="m", data="d", out="o", holdout=500, holdout_seed=0)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "holdout_names.txt").write_text("x\ny\n")
    info = {"generator": {"training_holdout": {"n": 500, "seed": 0}},
            "discriminator": {"training_holdout": {"n": 0, "seed": 0}},
            "classifier": {"path": str(tmp_path / "a" / "classifier.safetensors"),
                           "training_holdout": {"n": 500, "seed": 0}}}
    result = _holdout_consistency(info, settings, ["y", "x"])
    assert result["generator"] == "same size and seed"
    assert result["discriminator"].startswith("different: trained with holdout 0")
    assert result["classifier"] == "same names"
    result = _holdout_consistency(info, settings, ["x", "z"])
    assert result["classifier"].startswith("different names: 1 of 2")
    assert "may have been trained on" in caplog.text
    assert _holdout_consistency({"generator": {}}, settings, ["x"])["generator"].startswith("unknown")


def test_discriminator_sets_are_balanced_when_n_is_smaller_than_the_holdout(setup):
    from gan.metrics.evaluate import EvaluationSettings, evaluate

    tmp_path, weights, data, _ = setup
    m = evaluate(EvaluationSettings(models=str(weights), data=str(data), out=str(tmp_path / "small"), holdout=8,
                                    n_fake=3, device="cpu", kid_subsets=2, feature_pairs=20, progress=False))
    d = m["discriminator"]["holdout_vs_generated"]
    assert d["n_real"] == 8 and d["n_fake"] == 8 and m["data"]["n_per_set"] == 3
    assert m["discriminator"]["overfitting"]["n_train"] == 8


def test_bundled_means_the_package_weights(monkeypatch, tmp_path, setup):
    import gan.pretrained

    _, weights, _, _ = setup
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(gan.pretrained, "WEIGHTS_DIR", weights)
    assert find_model_files("bundled")["generator"] == (weights / "generator.safetensors").resolve()
    assert main(["evaluate", "bundled", "--data", "procedural:4"]) == 2
