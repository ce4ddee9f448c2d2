"""Bundling training runs into a weights folder, and loading it back with gan.pretrained.load."""

import json

import pytest
import torch

from gan.checkpoint import CheckpointError
from gan.data.procedural import make_procedural_faces
from gan.presets import get_classifier_preset, get_gan_preset
from gan.pretrained import available, load
from gan.pretrained.bundle import bundle_weights, models_from_checkpoint
from gan_latent_env.cli import main


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    from gan.classifier_trainer import ClassifierTrainer
    from gan.trainer import GANTrainer

    root = tmp_path_factory.mktemp("runs")
    faces = make_procedural_faces(24, seed=0, size=32)
    gan = GANTrainer(get_gan_preset("tiny").config, faces.subset(range(16)), run_dir=root / "gan", device="cpu", progress=False,
                     holdout=faces.subset(range(16, 24)))
    gan.fit(2)  # interrupted-style run: only the checkpoint is used when the final files are absent
    for name in ("generator.safetensors", "discriminator.safetensors"):
        (root / "gan" / name).unlink(missing_ok=True)
    clf = ClassifierTrainer(get_classifier_preset("tiny").config, faces.subset(range(16)), run_dir=root / "clf",
                            device="cpu", holdout=faces.subset(range(16, 24)), progress=False)
    clf.fit()
    return root, gan, clf


def test_bundle_from_checkpoint_and_final_files_loads_back(tiny_runs, tmp_path):
    root, gan, clf = tiny_runs
    out = bundle_weights(root / "gan", root / "clf", tmp_path / "w", dtype="float32")
    assert available(out)
    models = load(weights_dir=out)
    z = torch.randn(3, gan.generator.config.z_dim)
    gan.generator.eval()
    assert torch.equal(models.generator(z), gan.generator(z))
    card = json.loads((out / "model_card.json").read_text())
    assert card["gan_training"]["from"] == "checkpoint" and card["gan_training"]["step"] == 2
    assert card["classifier_training"]["from"] == "final model files"


def test_bundle_cli_float16(tiny_runs, tmp_path):
    root, _, _ = tiny_runs
    assert main(["bundle-weights", "--gan", str(root / "gan"), "--classifier", str(root / "clf"),
                 "--out", str(tmp_path / "w")]) == 0
    models = load(weights_dir=tmp_path / "w")
    assert models.classifier.predict_proba(torch.zeros(1, 3, 32, 32)).shape == (1, 217)


def test_missing_run_files_and_bad_checkpoint_are_clear_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="neither final model files"):
        bundle_weights(tmp_path / "empty", tmp_path / "empty", tmp_path / "w")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="bad.safetensors"):
        models_from_checkpoint(bad)


def test_load_names_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="generator.safetensors"):
        load(weights_dir=tmp_path)


def test_bundled_files_carry_the_training_split(tiny_runs, tmp_path):
    from gan.models import read_model_header

    root, _, _ = tiny_runs
    out = bundle_weights(root / "gan", root / "clf", tmp_path / "w")
    for name in ("generator", "discriminator", "classifier"):
        _, _, meta = read_model_header(out / f"{name}.safetensors")
        assert meta["train_config"]["holdout"] == 8 and "holdout_seed" in meta["train_config"]
        assert meta["bundled_from"]["source"].startswith(str(root))


def test_weights_fingerprint_names_the_weights(tiny_runs, tmp_path):
    from agents.benchmark.suite import _models_id
    from gan.pretrained import weights_fingerprint

    root, _, _ = tiny_runs
    a = bundle_weights(root / "gan", root / "clf", tmp_path / "a", dtype="float32")
    b = bundle_weights(root / "gan", root / "clf", tmp_path / "b", dtype="float32")
    assert weights_fingerprint(a) == weights_fingerprint(b)  # the same weights, wherever they are
    assert _models_id(a) == f"{a.resolve()}@{weights_fingerprint(a)}"
    c = bundle_weights(root / "gan", root / "clf", tmp_path / "c", dtype="float16")
    assert weights_fingerprint(c) != weights_fingerprint(a)  # other bytes: other results
    (a / "classifier.safetensors").write_bytes((c / "classifier.safetensors").read_bytes())
    gd = ("generator", "discriminator")
    assert weights_fingerprint(a, gd) == weights_fingerprint(b, gd)  # a new classifier keeps G/D-only results
    assert weights_fingerprint(a) != weights_fingerprint(b)
    assert weights_fingerprint(a, ("classifier",)) == weights_fingerprint(c, ("classifier",))
    with pytest.raises(ValueError, match="critic"):
        weights_fingerprint(a, ("critic",))
    with pytest.raises(FileNotFoundError, match="classifier.safetensors"):
        (c / "classifier.safetensors").unlink()
        weights_fingerprint(c)


def _g_equal(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_interrupted_then_resumed_run_bundles_the_newer_of_final_files_and_checkpoint(tmp_path, caplog):
    """Ctrl-C writes final model files; a resumed run checkpoints past them, so the newer step wins."""
    from gan.pretrained.bundle import _models_from_run
    from gan.trainer import GANTrainer

    faces = make_procedural_faces(16, seed=0, size=32)
    cfg = get_gan_preset("tiny").config
    run = tmp_path / "gan"
    first = GANTrainer(cfg, faces, run_dir=run, device="cpu", progress=False)
    original = first.train_step

    def step_then_interrupt():
        st = original()
        if st.step == 2:
            first.interrupt()
        return st

    first.train_step = step_then_interrupt
    with pytest.raises(KeyboardInterrupt):
        first.fit(4)
    models, info = _models_from_run(run, ("generator", "discriminator"))
    assert info["from"] == "final model files" and info["step"] == 2  # same step: the final files

    resumed = GANTrainer(cfg, faces, run_dir=run, device="cpu", progress=False)
    resumed.load_checkpoint(resumed.checkpoint_path)
    for _ in range(2):  # still running: checkpoints at step 4, the final files say step 2
        resumed.train_step()
    resumed.save_checkpoint(resumed.checkpoint_path)
    with caplog.at_level("INFO", logger="gan.pretrained.bundle"):
        models, info = _models_from_run(run, ("generator", "discriminator"))
    assert info["from"] == "checkpoint" and info["step"] == 4
    assert "the checkpoint (step 4) is newer than the final model files (step 2)" in caplog.text
    resumed.generator.eval()
    assert _g_equal(models["generator"], resumed.generator)

    resumed.fit(6)  # finished: final files and checkpoint both at step 6
    models, info = _models_from_run(run, ("generator", "discriminator"))
    assert info["from"] == "final model files" and info["step"] == 6
    assert _g_equal(models["generator"], resumed.generator)


def test_final_files_of_different_steps_fall_back_to_the_checkpoint(tmp_path, caplog):
    from gan.models import save_model
    from gan.pretrained.bundle import _models_from_run
    from gan.trainer import GANTrainer

    faces = make_procedural_faces(16, seed=0, size=32)
    run = tmp_path / "gan"
    tr = GANTrainer(get_gan_preset("tiny").config, faces, run_dir=run, device="cpu", progress=False)
    tr.fit(3)
    save_model(tr.discriminator, run / "discriminator.safetensors", metadata={"step": 1})  # e.g. a crash between the two
    with caplog.at_level("WARNING", logger="gan.pretrained.bundle"):
        _, info = _models_from_run(run, ("generator", "discriminator"))
    assert info["from"] == "checkpoint" and info["step"] == 3
    assert "final model files record steps {'generator': 3, 'discriminator': 1}; using the checkpoint (step 3)" in caplog.text
