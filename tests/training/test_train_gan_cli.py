"""``gan-latent-env train-gan``: a smoke run on a tiny tensor file, resume, and clear input errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gan.checkpoint import load_checkpoint
from gan.data.faces import FaceTensors
from gan.run_log import read_log
from gan_latent_env.cli import main


def tiny_faces(n: int, size: int = 32) -> FaceTensors:
    g = torch.Generator().manual_seed(0)
    images = (torch.rand(n, 3, size, size, generator=g) * 255).to(torch.uint8)
    return FaceTensors(images, torch.zeros(n, 18, dtype=torch.int64), [f"face{i:04d}" for i in range(n)])


@pytest.fixture()
def face_file(tmp_path: Path) -> Path:
    return tiny_faces(40).save(tmp_path / "faces.safetensors")


def test_train_gan_cli_runs_and_resumes(tmp_path: Path, face_file: Path, capsys) -> None:
    out = tmp_path / "run"
    base = ["train-gan", "--data", str(face_file), "--out", str(out), "--preset", "tiny", "--no-progress"]
    assert main(base + ["--steps", "4"]) == 0
    assert (out / "generator.safetensors").is_file() and (out / "discriminator.safetensors").is_file()
    assert len((out / "holdout_names.txt").read_text().split()) == 8  # the tiny preset holds out 8 faces

    assert main(base + ["--steps", "4"]) == 2  # an existing run needs --resume
    assert "--resume" in capsys.readouterr().err

    assert main(base + ["--steps", "6", "--resume"]) == 0
    _, state = load_checkpoint(out / "checkpoints" / "latest.safetensors")
    assert state["step"] == 6
    assert read_log(out / "log.csv")["step"] == [1, 2, 3, 4, 5, 6]

    assert main(base + ["--steps", "8", "--resume", "--loss", "hinge"]) == 2
    assert "loss" in capsys.readouterr().err


def test_train_gan_cli_bad_input(tmp_path: Path, face_file: Path, capsys) -> None:
    assert main(["train-gan", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "r"), "--preset", "tiny"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["train-gan", "--data", str(face_file), "--out", str(tmp_path / "r"), "--preset", "huge"]) == 2
    assert "unknown GAN preset" in capsys.readouterr().err
    # the tensor file holds 32px faces; the cartoon64 preset needs 64px
    assert main(["train-gan", "--data", str(face_file), "--out", str(tmp_path / "r2"), "--steps", "1"]) == 2
    assert "64" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train-gan", "train-classifier"])
def test_training_clis_reject_bad_thread_counts(tmp_path: Path, face_file: Path, capsys, command: str) -> None:
    assert main([command, "--data", str(face_file), "--out", str(tmp_path / "r"), "--preset", "tiny",
                 "--threads", "0"]) == 2
    assert "--threads must be >= 1, got 0" in capsys.readouterr().err


def test_resume_with_another_crop_is_refused(tmp_path: Path, capsys) -> None:
    """--crop changes the pixels: a resume with another crop fails; a checkpoint from before content
    fingerprints only resumes with the default framing."""
    from gan.checkpoint import save_checkpoint

    out = tmp_path / "run"
    base = ["train-gan", "--data", "procedural:40", "--out", str(out), "--preset", "tiny", "--no-progress"]
    assert main(base + ["--steps", "2"]) == 0
    assert main(base + ["--steps", "3", "--resume", "--crop", "1.0"]) == 2
    err = capsys.readouterr().err
    assert "checkpoint was trained on other images" in err and "'crop': 0.8" in err and "'crop': 1.0" in err

    ckpt = out / "checkpoints" / "latest.safetensors"
    tensors, state = load_checkpoint(ckpt)
    old = {k: v for k, v in state.items() if k not in ("data_content", "data_settings") and not k.startswith("format")}
    save_checkpoint(ckpt, tensors, old)  # as written before the content fingerprint existed
    assert main(base + ["--steps", "3", "--resume", "--crop", "1.0"]) == 2
    err = capsys.readouterr().err
    assert (f"--resume: {ckpt} was written before checkpoints recorded the image content, so the crop it was trained "
            "with cannot be checked; such runs resume only with the default framing (crop 0.8): drop --crop 1.0, "
            "or start a new run in another --out") in err
    assert main(base + ["--steps", "3", "--resume", "--crop", "0.8"]) == 0  # the default, spelled out
    _, state = load_checkpoint(ckpt)
    assert state["step"] == 3 and "data_content" in state  # rewritten with the fingerprint
