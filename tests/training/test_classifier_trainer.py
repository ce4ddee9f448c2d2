"""Classifier trainer: learns, resumes bit for bit, masks glasses_color, reports, and the CLI runs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from gan.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gan.classifier_trainer import ClassifierTrainConfig, ClassifierTrainer, lr_at, masked_attribute_loss
from gan.data.faces import FaceTensors
from gan.data.schema import ATTRIBUTE_INDEX, GLASSES_NONE, NUM_VARIANTS, ONE_HOT_DIM
from gan.models import ClassifierConfig, load_model
from gan.presets import get_classifier_preset
from gan_latent_env.cli import main


def labelled_faces(n: int = 48, seed: int = 0, size: int = 32) -> FaceTensors:
    """Faces whose attribute 0 (eye_angle) is visible: the image brightness encodes it."""
    g = torch.Generator().manual_seed(seed)
    attrs = torch.stack([torch.randint(0, k, (n,), generator=g) for k in NUM_VARIANTS], dim=1)
    level = (attrs[:, 0].float() * 100 + 20).view(n, 1, 1, 1)
    noise = torch.rand(n, 3, size, size, generator=g) * 20
    images = (level + noise).clamp(0, 255).to(torch.uint8)
    return FaceTensors(images, attrs, [f"lab{seed}_{i:04d}" for i in range(n)])


def tiny_cfg(**kw) -> ClassifierTrainConfig:
    base = ClassifierTrainConfig(model=ClassifierConfig(image_size=32, width=4, stages=2), epochs=3, batch_size=8,
                                 lr=1e-2, max_shift=2, holdout=0, checkpoint_every=0)  # fmt: skip
    return dataclasses.replace(base, **kw)


def test_lr_schedule_and_masked_loss() -> None:
    assert lr_at(0, 100, 1.0, 0.1) == pytest.approx(0.1)
    assert lr_at(9, 100, 1.0, 0.1) == pytest.approx(1.0)
    assert lr_at(99, 100, 1.0, 0.1) < 0.01
    logits = torch.zeros(2, ONE_HOT_DIM)
    attrs = torch.zeros(2, 18, dtype=torch.int64)
    attrs[:, ATTRIBUTE_INDEX["glasses"]] = GLASSES_NONE
    no_glasses = masked_attribute_loss(logits, attrs)
    attrs[:, ATTRIBUTE_INDEX["glasses"]] = 0
    with_glasses = masked_attribute_loss(logits, attrs)
    assert float(with_glasses - no_glasses) == pytest.approx(float(torch.log(torch.tensor(7.0))), rel=1e-5)


def test_classifier_learns_a_visible_attribute() -> None:
    tr = ClassifierTrainer(tiny_cfg(epochs=6), labelled_faces(64), device="cpu", progress=False)
    test = labelled_faces(32, seed=1)
    losses = [tr.train_step() for _ in range(tr.total_steps)]
    assert all(map(torch.isfinite, torch.tensor(losses)))
    acc = tr.evaluate(test)["per_attribute"]["eye_angle"]["accuracy"]
    assert acc >= 0.9  # brightness encodes eye_angle; chance is ~1/3


def test_resume_is_bit_exact_and_mismatch_is_reported(tmp_path: Path) -> None:
    faces = labelled_faces(40)
    full = ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False)
    full_losses = [full.train_step() for _ in range(10)]
    part = ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False)
    for _ in range(6):
        part.train_step()
    ck = part.save_checkpoint(tmp_path / "c.safetensors")
    again = ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False)
    again.load_checkpoint(ck)
    assert [again.train_step() for _ in range(4)] == full_losses[6:]
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, again.model.state_dict()[k]), k

    other = ClassifierTrainer(tiny_cfg(lr=5e-3), faces, device="cpu", progress=False)
    with pytest.raises(CheckpointError, match=r"c\.safetensors.*different training config.*lr"):
        other.load_checkpoint(ck)
    (tmp_path / "bad.safetensors").write_bytes(ck.read_bytes()[:100])
    with pytest.raises(CheckpointError, match=r"bad\.safetensors"):
        other.load_checkpoint(tmp_path / "bad.safetensors")



@pytest.mark.parametrize(
    "field,value,message",
    [
        ("step", 999, r"checkpoint field 'step' must be an integer >= 0, at most 15, got 999"),
        ("cursor", -1, r"checkpoint field 'cursor' must be an integer >= 0, at most 40, got -1"),
        ("epoch_losses", [], r"checkpoint field 'epoch_losses' must list the mean loss of each of the 1 finished epochs, got \[\]"),
        ("epoch_losses", ["x"], r"checkpoint field 'epoch_losses' must list the mean loss of each of the 1 finished epochs"),
        ("data.perm", torch.arange(40).flip(0) % 39, r"checkpoint tensor 'data\.perm' is not a permutation of 0\.\.39"),
        ("opt.state.500.exp_avg", torch.zeros(2), r"opt\.state\.500\.exp_avg: parameter index '500' does not exist"),
        ("lr", -1.0, r"opt\.param_groups\[0\]\.lr must be a finite number >= 0, got -1\.0"),
    ],
)
def test_malformed_classifier_checkpoints_are_named(tmp_path: Path, field: str, value, message: str) -> None:
    faces = labelled_faces(40)
    tr = ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False)
    for _ in range(6):  # into the second epoch (5 steps each)
        tr.train_step()
    ck = tr.save_checkpoint(tmp_path / "c.safetensors")
    tensors, state = load_checkpoint(ck)
    if field in tensors or "." in field:
        tensors[field] = value
    elif field == "lr":
        state["opt"]["param_groups"][0]["lr"] = value
    else:
        state[field] = value
    state = {k: v for k, v in state.items() if not k.startswith("format")}
    bad = save_checkpoint(tmp_path / "bad.safetensors", tensors, state)
    fresh = ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False)
    with pytest.raises(CheckpointError, match=rf"^{bad}: {message}"):
        fresh.load_checkpoint(bad)
    assert fresh.step == 0 and not fresh.optimizer.state


def _interrupted_fit(cfg: ClassifierTrainConfig, faces: FaceTensors, holdout: FaceTensors, run: Path, at: int) -> ClassifierTrainer:
    tr = ClassifierTrainer(cfg, faces, run, device="cpu", holdout=holdout, progress=False)
    original = tr.train_step

    def step_then_interrupt() -> float:
        loss = original()
        if tr.step == at:
            tr.interrupt()  # what the Ctrl-C handler does
        return loss

    tr.train_step = step_then_interrupt
    with pytest.raises(KeyboardInterrupt):
        tr.fit()
    return tr


def test_mid_epoch_resume_writes_the_same_epochs_csv(tmp_path: Path) -> None:
    """The running epoch loss is checkpointed: epochs.csv after an interrupt + resume equals an uninterrupted run's."""
    faces, holdout = labelled_faces(40), labelled_faces(8, seed=1)
    cfg = tiny_cfg(checkpoint_every=4)  # 5 steps per epoch, 3 epochs
    ClassifierTrainer(cfg, faces, tmp_path / "ref", device="cpu", holdout=holdout, progress=False).fit()
    for at in (2, 7):  # interrupted in the first and in the second epoch
        run = tmp_path / f"run{at}"
        _interrupted_fit(cfg, faces, holdout, run, at)
        again = ClassifierTrainer(cfg, faces, run, device="cpu", holdout=holdout, progress=False)
        again.load_checkpoint(again.checkpoint_path)
        again.fit()
        assert (run / "epochs.csv").read_text() == (tmp_path / "ref" / "epochs.csv").read_text()


def test_resume_warnings_device_change_and_old_checkpoints(tmp_path: Path, caplog) -> None:
    faces = labelled_faces(40)
    tr = ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False)
    for _ in range(7):
        tr.train_step()
    tensors, state = load_checkpoint(tr.save_checkpoint(tmp_path / "c.safetensors"))
    state = {k: v for k, v in state.items() if not k.startswith("format")}

    moved = save_checkpoint(tmp_path / "cuda.safetensors", tensors, {**state, "device_type": "cuda"})
    with caplog.at_level("WARNING", logger="gan.classifier_trainer"):
        ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False).load_checkpoint(moved)
    assert "cuda.safetensors was written on cuda, resuming on cpu" in caplog.text
    assert "not bit-identical" in caplog.text

    caplog.clear()
    old = {k: v for k, v in state.items() if k not in ("epoch_loss_sum", "epoch_loss_count")}
    legacy = save_checkpoint(tmp_path / "legacy.safetensors", tensors, old)
    with caplog.at_level("WARNING", logger="gan.classifier_trainer"):
        ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False).load_checkpoint(legacy)
    assert "legacy.safetensors predates checkpointed epoch losses: epoch 2's train_loss" in caplog.text
    assert "only the 3 steps after this resume" in caplog.text

    bad = save_checkpoint(tmp_path / "count.safetensors", tensors, {**state, "epoch_loss_count": 5})
    with pytest.raises(CheckpointError, match=r"count\.safetensors: checkpoint field 'epoch_loss_count' must be the 2 "
                                              r"steps of step 7 into its epoch, got 5"):
        ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False).load_checkpoint(bad)
    bad = save_checkpoint(tmp_path / "sum.safetensors", tensors, {**state, "epoch_loss_sum": "many"})
    with pytest.raises(CheckpointError, match=r"sum\.safetensors: checkpoint field 'epoch_loss_sum' must be a finite number, got 'many'"):
        ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False).load_checkpoint(bad)


def test_resume_on_other_labels_is_other_data(tmp_path: Path) -> None:
    faces = labelled_faces(40)
    tr = ClassifierTrainer(tiny_cfg(), faces, device="cpu", progress=False)
    tr.train_step()
    ck = tr.save_checkpoint(tmp_path / "c.safetensors")
    relabelled = FaceTensors(faces.images, (faces.attributes + 1) % 2, faces.names)
    with pytest.raises(CheckpointError, match=r"c\.safetensors: checkpoint was trained on other images: the same 40 "
                                              r"names and image shape but other pixels or labels"):
        ClassifierTrainer(tiny_cfg(), relabelled, device="cpu", progress=False).load_checkpoint(ck)

def test_unlabelled_data_is_rejected() -> None:
    faces = labelled_faces(20)
    with pytest.raises(ValueError, match="labelled"):
        ClassifierTrainer(tiny_cfg(), FaceTensors(faces.images, None, faces.names), device="cpu")


def test_train_classifier_cli(tmp_path: Path, capsys) -> None:
    data = labelled_faces(40).save(tmp_path / "faces.safetensors")
    out = tmp_path / "run"
    args = ["train-classifier", "--data", str(data), "--out", str(out), "--preset", "tiny", "--no-progress"]
    assert main(args + ["--epochs", "1"]) == 0
    report = json.loads((out / "accuracy_report.json").read_text())
    assert report["holdout_images"] == 8 and 0.0 <= report["mean"] <= 1.0
    assert "glasses_color" in (out / "accuracy_report.md").read_text()
    clf = load_model(out / "classifier.safetensors", expected_kind="classifier")
    assert clf.metadata["holdout_mean_accuracy"] == pytest.approx(report["mean"])
    assert main(args + ["--epochs", "2"]) == 2  # the run exists: --resume needed
    assert "--resume" in capsys.readouterr().err
    assert main(args + ["--resume", "--epochs", "2"]) == 2  # epochs shape the schedule: not changeable
    assert "epochs" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0  # the checkpoint's recipe (1 epoch) is kept: already complete
    _, state = load_checkpoint(out / "checkpoints" / "latest.safetensors")
    assert state["step"] == 2 and state["config"]["epochs"] == 1  # 32 training faces / batch 16
    assert get_classifier_preset("cartoon64").config.model.image_size == 64


def test_train_classifier_cli_model_overrides(tmp_path: Path, capsys) -> None:
    data = labelled_faces(40).save(tmp_path / "faces.safetensors")
    out = tmp_path / "wide"
    args = ["train-classifier", "--data", str(data), "--out", str(out), "--preset", "tiny", "--no-progress",
            "--epochs", "1"]
    brows = ["--band-attributes", "eyebrow_shape", "eyebrow_width"]
    assert main(args + ["--width", "6", "--blocks-per-stage", "2", "--band-width", "4", *brows]) == 0
    clf = load_model(out / "classifier.safetensors", expected_kind="classifier")
    assert (clf.config.width, clf.config.blocks_per_stage, clf.config.band_width) == (6, 2, 4)
    assert clf.band is not None and clf.config.band_attributes == ("eyebrow_shape", "eyebrow_width")
    assert main(args + ["--resume", "--band-width", "4", *brows]) == 0  # the same architecture: no clash
    assert main(args + ["--resume", "--width", "8"]) == 2  # the architecture is the checkpoint's
    assert "width" in capsys.readouterr().err
    assert main(args + ["--width", "0", "--out", str(tmp_path / "bad")]) == 2
    assert "width" in capsys.readouterr().err
    assert main(args + ["--resume", "--band-attributes", "eyebrow_shape"]) == 2
    assert "other band_attributes" in capsys.readouterr().err
    assert main(args + ["--band-width", "4", "--band-attributes", "eyebrows", "--out", str(tmp_path / "bad2")]) == 2
    assert "unknown attribute(s) ['eyebrows']" in capsys.readouterr().err
