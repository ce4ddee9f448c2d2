"""GAN trainer: steps train, losses stay finite, checkpoints resume bit for bit, bad checkpoints fail clearly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from gan.augment import DiffAugment, parse_policy, translate
from gan.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gan.data.faces import FaceTensors
from gan.models import AttributeClassifier, ClassifierConfig, DiscriminatorConfig, GeneratorConfig, load_model
from gan.presets import get_gan_preset
from gan.run_log import read_log
from gan.trainer import GANTrainConfig, GANTrainer


def tiny_faces(n: int = 48, seed: int = 0, size: int = 32) -> FaceTensors:
    g = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 3, size, size, generator=g) * 255).to(torch.uint8)
    attrs = torch.zeros(n, 18, dtype=torch.int64)
    return FaceTensors(images, attrs, [f"face{seed}_{i:04d}" for i in range(n)])


def tiny_config(**kw) -> GANTrainConfig:
    base = GANTrainConfig(
        generator=GeneratorConfig(z_dim=8, image_size=32, ngf=8),
        discriminator=DiscriminatorConfig(image_size=32, ndf=8, norm="spectral"),
        batch_size=8,
        diffaug="color,translation,cutout",
        label_flip=0.05,
        grid_size=4,
        fd_samples=16,
        monitor_samples=8,
        checkpoint_every=0,
        sample_every=0,
        fd_every=0,
        monitor_every=0,
    )
    return dataclasses.replace(base, **kw)


def weights(tr: GANTrainer) -> dict[str, torch.Tensor]:
    out = {f"g.{k}": v.clone() for k, v in tr.generator.state_dict().items()}
    out.update({f"d.{k}": v.clone() for k, v in tr.discriminator.state_dict().items()})
    return out


def assert_bitwise_equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.mark.parametrize(
    "loss,norm,extra",
    [("bce", "spectral", {}), ("bce", "batchnorm", {"label_flip": 0.0}), ("hinge", "spectral", {"label_flip": 0.0}),
     ("wgan-gp", "spectral", {"label_flip": 0.0, "d_steps": 2})],
)  # fmt: skip
def test_step_changes_weights_and_losses_are_finite(loss: str, norm: str, extra: dict) -> None:
    cfg = tiny_config(loss=loss, discriminator=DiscriminatorConfig(image_size=32, ndf=8, norm=norm), **extra)
    tr = GANTrainer(cfg, tiny_faces(), device="cpu", progress=False)
    before = weights(tr)
    stats = [tr.train_step() for _ in range(2)]
    after = weights(tr)
    assert all(s.finite for s in stats)
    assert [s.step for s in stats] == [1, 2]
    assert all(0.0 <= s.d_real <= 1.0 and 0.0 <= s.d_fake <= 1.0 for s in stats)
    changed_g = [k for k in before if k.startswith("g.") and "weight" in k and not torch.equal(before[k], after[k])]
    changed_d = [k for k in before if k.startswith("d.") and "weight" in k and not torch.equal(before[k], after[k])]
    assert changed_g and changed_d


def test_same_seed_same_run_and_set_hyperparams() -> None:
    a = GANTrainer(tiny_config(), tiny_faces(), device="cpu", progress=False)
    b = GANTrainer(tiny_config(), tiny_faces(), device="cpu", progress=False)
    assert [a.train_step() for _ in range(3)] == [b.train_step() for _ in range(3)]
    assert_bitwise_equal(weights(a), weights(b))
    a.set_hyperparams(lr=1e-3, beta1=0.2)
    assert a.hyperparams == {"lr": 1e-3, "lr_d": 1e-3, "beta1": 0.2, "beta2": 0.999}
    assert all(g["betas"] == (0.2, 0.999) for g in a.opt_d.param_groups)
    with pytest.raises(ValueError, match="beta1"):
        a.set_hyperparams(beta1=1.5)
    s = a.sample(5, generator=torch.Generator().manual_seed(0))
    assert s.shape == (5, 3, 32, 32) and a.generator.training


def test_resume_reproduces_uninterrupted_run_bit_for_bit(tmp_path: Path) -> None:
    faces = tiny_faces(40)  # 5 batches of 8: the run crosses epoch boundaries
    full = GANTrainer(tiny_config(), faces, device="cpu", progress=False)
    full_stats = [full.train_step() for _ in range(13)]

    first = GANTrainer(tiny_config(), faces, device="cpu", progress=False)
    for _ in range(7):
        first.train_step()
    ckpt = first.save_checkpoint(tmp_path / "ck.safetensors")
    first_rest = [first.train_step() for _ in range(6)]  # saving must not perturb the run

    resumed = GANTrainer(tiny_config(), faces, device="cpu", progress=False)
    resumed.load_checkpoint(ckpt)
    assert resumed.step == 7
    resumed_stats = [resumed.train_step() for _ in range(6)]

    assert resumed_stats == full_stats[7:] == first_rest
    assert_bitwise_equal(weights(resumed), weights(full))
    for a, b in zip(resumed.opt_g.state.values(), full.opt_g.state.values()):
        assert torch.equal(a["exp_avg"], b["exp_avg"])


def test_fit_interrupt_checkpoint_and_resume_in_run_folder(tmp_path: Path) -> None:
    cfg = tiny_config(checkpoint_every=3, sample_every=2, monitor_every=2, fd_every=4)
    faces, holdout = tiny_faces(40), tiny_faces(8, seed=1)
    clf = AttributeClassifier(ClassifierConfig(image_size=32, width=4, stages=2))

    ref = GANTrainer(cfg, faces, tmp_path / "ref", device="cpu", holdout=holdout, classifier=clf, progress=False)
    ref.fit(8)

    run = tmp_path / "run"
    tr = GANTrainer(cfg, faces, run, device="cpu", holdout=holdout, classifier=clf, progress=False)
    original_step = tr.train_step

    def step_then_interrupt():
        st = original_step()
        if st.step == 5:
            tr.interrupt()  # what the Ctrl-C handler does
        return st

    tr.train_step = step_then_interrupt
    with pytest.raises(KeyboardInterrupt):
        tr.fit(8)
    _, state = load_checkpoint(run / "checkpoints" / "latest.safetensors")
    assert state["step"] == 5
    assert load_model(run / "generator.safetensors").metadata["step"] == 5  # weights of the step reached

    again = GANTrainer(cfg, faces, run, device="cpu", holdout=holdout, classifier=clf, progress=False)
    again.load_checkpoint(run / "checkpoints" / "latest.safetensors")
    again.fit(8)
    assert_bitwise_equal(weights(again), weights(ref))

    log, ref_log = read_log(run / "log.csv"), read_log(tmp_path / "ref" / "log.csv")
    assert log["step"] == list(range(1, 9))
    for col in ("loss_g", "loss_d", "d_real", "d_fake", "fd_classifier", "d_acc_train_real", "d_acc_holdout_real"):
        assert log[col] == pytest.approx(ref_log[col], nan_ok=True), col
    fd = [v for v in log["fd_classifier"] if v == v]
    assert len(fd) == 2 and all(v >= 0 for v in fd)
    for name in ("loss_curves.png", "fd_classifier.png", "d_overfitting.png", "progress.gif", "config.json",
                 "generator.safetensors", "discriminator.safetensors", "samples/step_0000008.png"):  # fmt: skip
        assert (run / name).is_file(), name
    g = load_model(run / "generator.safetensors", expected_kind="generator")
    assert g.metadata["step"] == 8


def test_bad_checkpoints_give_clear_errors(tmp_path: Path) -> None:
    tr = GANTrainer(tiny_config(), tiny_faces(), device="cpu", progress=False)
    tr.train_step()
    good = tr.save_checkpoint(tmp_path / "good.safetensors")

    with pytest.raises(CheckpointError, match=r"missing\.safetensors.*not found"):
        tr.load_checkpoint(tmp_path / "missing.safetensors")

    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CheckpointError, match=r"truncated\.safetensors.*truncated or corrupt"):
        tr.load_checkpoint(truncated)

    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"this is not a checkpoint at all")
    with pytest.raises(CheckpointError, match=r"corrupt\.safetensors"):
        tr.load_checkpoint(corrupt)

    flipped = bytearray(good.read_bytes())
    flipped[-50] ^= 0xFF  # inside the tensor data: the header still parses
    (tmp_path / "flipped.safetensors").write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match=r"flipped\.safetensors: checkpoint tensors do not match their checksum "
                                              r"\(tensors_sha256\): the file is corrupt"):
        tr.load_checkpoint(tmp_path / "flipped.safetensors")

    other_cfg = GANTrainer(tiny_config(loss="hinge", label_flip=0.0), tiny_faces(), device="cpu", progress=False)
    with pytest.raises(CheckpointError, match=r"good\.safetensors.*different training config.*loss"):
        other_cfg.load_checkpoint(good)

    other_data = GANTrainer(tiny_config(), tiny_faces(seed=5), device="cpu", progress=False)
    with pytest.raises(CheckpointError, match=r"good\.safetensors.*other data"):
        other_data.load_checkpoint(good)

    tensors, state = load_checkpoint(good)
    tensors["g.main.0.weight"] = tensors["g.main.0.weight"][:, :4]
    save_checkpoint(tmp_path / "shapes.safetensors", tensors, {k: v for k, v in state.items() if not k.startswith("format")})
    with pytest.raises(CheckpointError, match=r"shapes\.safetensors.*g?main\.0\.weight.*shape"):
        tr.load_checkpoint(tmp_path / "shapes.safetensors")



def _set(d: dict, path: tuple, value) -> None:
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


# (what is changed: ("state", keys...) or ("tensor", name), new value, expected message after the file name)
_BAD_CONTENTS = [
    (("state", "cursor"), "x", r"checkpoint field 'cursor' must be an integer >= 0, at most 48, got 'x'"),
    (("state", "cursor"), 10**6, r"checkpoint field 'cursor' must be an integer >= 0, at most 48, got 1000000"),
    (("state", "step"), -5, r"checkpoint field 'step' must be an integer >= 0, got -5"),
    (("state", "step"), 2.5, r"checkpoint field 'step' must be an integer >= 0, got 2\.5"),
    (("state", "epoch"), True, r"checkpoint field 'epoch' must be an integer >= 0, got True"),
    (("state", "elapsed_s"), "later", r"checkpoint field 'elapsed_s' must be a finite number, got 'later'"),
    (("tensor", "data.perm"), torch.zeros(48, dtype=torch.int64),
     r"checkpoint tensor 'data\.perm' is not a permutation of 0\.\.47"),
    (("tensor", "data.perm"), torch.arange(48) + 1000, r"checkpoint tensor 'data\.perm' is not a permutation of 0\.\.47"),
    (("tensor", "data.perm"), torch.arange(47), r"checkpoint tensor 'data\.perm' must be 48 integer indices.*shape \(47,\)"),
    (("tensor", "data.perm"), torch.arange(48.0), r"checkpoint tensor 'data\.perm' must be 48 integer indices.*torch\.float32"),
    (("tensor", "opt_g.state.99.exp_avg"), torch.zeros(3),
     r"opt_g\.state\.99\.exp_avg: parameter index '99' does not exist \(the optimizer has \d+\)"),
    (("tensor", "opt_d.bogus"), torch.zeros(3), r"unexpected optimizer tensor 'opt_d\.bogus'"),
    (("state", "opt_g", "param_groups"), "zz", r"checkpoint field 'opt_g' must hold a list 'param_groups'"),
    (("state", "opt_g", "param_groups", 0, "lr"), "abc", r"opt_g\.param_groups\[0\]\.lr must be a finite number >= 0, got 'abc'"),
    (("state", "opt_d", "param_groups", 0, "eps"), None, r"opt_d\.param_groups\[0\]\.eps must be a finite number >= 0, got None"),
    (("state", "opt_g", "param_groups", 0, "betas"), [0.5], r"opt_g\.param_groups\[0\]\.betas must be 2 numbers in \[0, 1\)"),
    (("state", "opt_g", "param_groups", 0, "amsgrad"), "no", r"opt_g\.param_groups\[0\]\.amsgrad must be a boolean, got 'no'"),
    (("state", "opt_g", "param_groups", 0, "params"), [0, 1], r"opt_g\.param_groups\[0\]\.params is \[0, 1\], the model's parameters are"),
    (("state", "opt_g", "scalars"), {"77": {"x": 1}}, r"opt_g\.scalars\.77: parameter index '77' does not exist"),
    (("tensor", "rng.noise"), torch.zeros(5, dtype=torch.uint8), r"random state 'rng\.noise' does not fit this generator"),
]


@pytest.mark.parametrize("where,value,message", _BAD_CONTENTS, ids=[f"{w[-1]}-{i}" for i, (w, _, _) in enumerate(_BAD_CONTENTS)])
def test_malformed_checkpoint_contents_are_named(tmp_path: Path, where: tuple, value, message: str) -> None:
    """Every field the resume reads is checked; the error names the file and the field, and the trainer is
    left untouched."""
    tr = GANTrainer(tiny_config(), tiny_faces(), device="cpu", progress=False)
    tr.train_step()
    tensors, state = tr.state_tensors()
    if where[0] == "tensor":
        tensors[where[1]] = value
    else:
        _set(state, where[1:], value)
    bad = save_checkpoint(tmp_path / "bad.safetensors", tensors, state)
    fresh = GANTrainer(tiny_config(), tiny_faces(), device="cpu", progress=False)
    before = weights(fresh)
    with pytest.raises(CheckpointError, match=rf"^{tmp_path / 'bad.safetensors'}: {message}"):
        fresh.load_checkpoint(bad)
    assert fresh.step == 0 and not fresh.opt_g.state
    assert_bitwise_equal(weights(fresh), before)


def test_checkpoint_is_read_through_one_file_handle(tmp_path: Path, monkeypatch) -> None:
    import gan.checkpoint
    from gan.checkpoint import read_checkpoint_state

    tr = GANTrainer(tiny_config(), tiny_faces(), device="cpu", progress=False)
    good = tr.save_checkpoint(tmp_path / "good.safetensors")
    opened = []
    real = gan.checkpoint.safe_open
    monkeypatch.setattr(gan.checkpoint, "safe_open", lambda *a, **k: opened.append(a[0]) or real(*a, **k))
    tensors, state = load_checkpoint(good)
    assert opened == [str(good)] and "data.perm" in tensors and state["step"] == 0
    assert read_checkpoint_state(good) == state


def test_resume_checks_the_pixels_not_only_the_names(tmp_path: Path, caplog) -> None:
    """Same names and shape but other pixels (e.g. another --crop) is other data; older checkpoints without the
    content fingerprint still resume, with a warning."""
    import re

    faces = tiny_faces()
    faces.settings = {"image_size": 32, "crop": 0.8, "fingerprint": "cache-id"}
    tr = GANTrainer(tiny_config(), faces, device="cpu", progress=False)
    tr.train_step()
    ck = tr.save_checkpoint(tmp_path / "ck.safetensors")
    recropped = FaceTensors(faces.images.flip(-1).contiguous(), faces.attributes, faces.names,
                            settings={"image_size": 32, "crop": 1.0})  # fmt: skip
    other = GANTrainer(tiny_config(), recropped, device="cpu", progress=False)
    expected = (f"{ck}: checkpoint was trained on other images: the same 48 names and image shape but other pixels "
                "or labels (decoded then with {'crop': 0.8, 'image_size': 32}, now with {'image_size': 32, 'crop': 1.0}); "
                "resume with the run's data and decode settings (e.g. the same --crop), or start a new run")
    with pytest.raises(CheckpointError, match=f"^{re.escape(expected)}$"):
        other.load_checkpoint(ck)

    tensors, state = load_checkpoint(ck)
    old = {k: v for k, v in state.items() if k not in ("data_content", "data_settings") and not k.startswith("format")}
    legacy = save_checkpoint(tmp_path / "legacy.safetensors", tensors, old)
    with caplog.at_level("WARNING", logger="gan.trainer"):
        GANTrainer(tiny_config(), faces, device="cpu", progress=False).load_checkpoint(legacy)
    assert f"{legacy} predates image-content fingerprints: only the face names and image shape are checked" in caplog.text

def test_config_validation() -> None:
    with pytest.raises(ValueError, match="loss"):
        tiny_config(loss="lsgan")
    with pytest.raises(ValueError, match="DiffAugment"):
        tiny_config(diffaug="rotate")
    with pytest.raises(ValueError, match="reads"):
        tiny_config(discriminator=DiscriminatorConfig(image_size=64, ndf=8))
    with pytest.raises(ValueError, match="image_size=32"):
        GANTrainer(tiny_config(), tiny_faces(size=64), device="cpu")
    cfg = get_gan_preset("cartoon64").config
    assert GANTrainConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.discriminator.norm == "spectral" and cfg.holdout == 500 and parse_policy(cfg.diffaug)


def test_diffaugment_is_seeded_and_differentiable() -> None:
    x = torch.rand(4, 3, 16, 16, requires_grad=True)
    aug = DiffAugment("color,translation,cutout")
    a = aug(x, torch.Generator().manual_seed(3))
    b = aug(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and not torch.equal(a, x)
    a.sum().backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    shifted = translate(torch.arange(16.0).view(1, 1, 4, 4), 2, torch.Generator().manual_seed(0), fill=-1.0)
    assert shifted.shape == (1, 1, 4, 4)
    assert set(shifted.flatten().tolist()) <= set(range(16)) | {-1.0}
