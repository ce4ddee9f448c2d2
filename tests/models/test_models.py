"""gan.models: shapes, determinism, spectral-norm per-image behaviour, classifier heads, safetensors I/O."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from gan.data.schema import ATTRIBUTE_NAMES, NUM_ATTRIBUTES, NUM_VARIANTS, ONE_HOT_DIM, OFFSETS
from gan.models import (
    AttributeClassifier,
    ClassifierConfig,
    Discriminator,
    DiscriminatorConfig,
    Generator,
    GeneratorConfig,
    ModelFileError,
    load_model,
    save_model,
)


@pytest.mark.parametrize("size", [32, 64, 128])
def test_generator_and_discriminator_shapes(size: int) -> None:
    g = Generator(GeneratorConfig(z_dim=16, image_size=size, ngf=4))
    z = torch.randn(3, 16, generator=torch.Generator().manual_seed(0))
    x = g(z)
    assert x.shape == (3, 3, size, size)
    assert float(x.detach().abs().max()) <= 1.0
    for norm in ("batchnorm", "spectral"):
        d = Discriminator(DiscriminatorConfig(image_size=size, ndf=4, norm=norm))
        assert d(x).shape == (3,)


def test_init_is_seeded_and_leaves_global_rng_alone() -> None:
    state = torch.random.get_rng_state()
    a = Discriminator(DiscriminatorConfig(image_size=32, ndf=8, norm="spectral"), seed=3)
    b = Discriminator(DiscriminatorConfig(image_size=32, ndf=8, norm="spectral"), seed=3)
    c = Discriminator(DiscriminatorConfig(image_size=32, ndf=8, norm="spectral"), seed=4)
    assert torch.equal(torch.random.get_rng_state(), state)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_spectral_discriminator_is_per_image_in_eval_mode() -> None:
    d = Discriminator(DiscriminatorConfig(image_size=32, ndf=8, norm="spectral")).eval()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(6, 3, 32, 32, generator=gen) * 2 - 1
    other = torch.rand(6, 3, 32, 32, generator=gen) * 2 - 1
    with torch.no_grad():
        alone = torch.cat([d(x[i : i + 1]) for i in range(6)])
        batched = d(x)
        mixed = d(torch.cat([x[:3], other]))[:3]
    torch.testing.assert_close(alone, batched, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(alone[:3], mixed, rtol=1e-5, atol=1e-5)


def test_bad_configs_and_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="image_size"):
        GeneratorConfig(image_size=48)
    with pytest.raises(ValueError, match="norm"):
        DiscriminatorConfig(norm="layernorm")
    with pytest.raises(ValueError, match="ngf"):
        GeneratorConfig(ngf=0)
    with pytest.raises(ValueError, match="shape"):
        Generator(GeneratorConfig(z_dim=8, image_size=32, ngf=4))(torch.zeros(2, 9))
    with pytest.raises(ValueError, match="shape"):
        Discriminator(DiscriminatorConfig(image_size=32, ndf=4))(torch.zeros(2, 3, 64, 64))


def test_classifier_heads() -> None:
    cfg = ClassifierConfig(image_size=32, width=8, stages=2)
    clf = AttributeClassifier(cfg).eval()
    x = torch.rand(5, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    logits = clf(x)
    assert logits.shape == (5, ONE_HOT_DIM)
    proba = clf.predict_proba(x)
    assert proba.shape == (5, ONE_HOT_DIM)
    for off, n in zip(OFFSETS, NUM_VARIANTS):
        torch.testing.assert_close(proba[:, off : off + n].sum(dim=1), torch.ones(5))
    pred = clf.predict(x)
    assert pred.dtype == torch.int64 and pred.shape == (5, NUM_ATTRIBUTES)
    assert all(int(pred[:, i].max()) < n for i, n in enumerate(NUM_VARIANTS))
    assert clf.features(x).shape == (5, cfg.feature_dim)
    assert clf.band is None and cfg.total_feature_dim == cfg.feature_dim


def test_classifier_band_branch_sees_only_its_band() -> None:
    cfg = ClassifierConfig(image_size=64, width=4, stages=2, band_width=4, band_feature_dim=16)
    assert cfg.band_pixels == (19, 37, 10, 54)  # rows 30-58 %, columns 15-85 % of 64 px
    clf = AttributeClassifier(cfg, seed=1).eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(3, 3, 64, 64, generator=gen) * 2 - 1
    feats = clf.features(x)
    assert feats.shape == (3, cfg.feature_dim + 16) == (3, cfg.total_feature_dim)
    outside = x.clone()
    outside[:, :, :19] = 0.5  # change everything above the band
    inside = x.clone()
    inside[:, :, 25, 30] += 0.5  # change one pixel in the band
    with torch.no_grad():
        band, whole = clf.band(x), feats[:, : cfg.feature_dim]
        torch.testing.assert_close(clf.band(outside), band)
        assert not torch.equal(clf.features(outside)[:, : cfg.feature_dim], whole)
        assert not torch.equal(clf.band(inside), band)
    same = AttributeClassifier(cfg, seed=1).eval()
    torch.testing.assert_close(same.features(x), feats)


def test_classifier_band_config_is_checked() -> None:
    with pytest.raises(ValueError, match="band_box"):
        ClassifierConfig(band_box=(0.6, 0.4, 0.1, 0.9))
    with pytest.raises(ValueError, match="band_box"):
        ClassifierConfig(band_box=(0.1, 0.2))
    with pytest.raises(ValueError, match="8 pixels"):
        ClassifierConfig(image_size=32, band_width=4, band_box=(0.3, 0.4, 0.1, 0.9))
    with pytest.raises(ValueError, match="band_width"):
        ClassifierConfig(band_width=-1)
    assert ClassifierConfig(band_box=[0.3, 0.58, 0.15, 0.85]).band_box == (0.3, 0.58, 0.15, 0.85)  # from JSON


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_save_load_round_trip(tmp_path: Path, dtype: str) -> None:
    models = [
        Generator(GeneratorConfig(z_dim=8, image_size=32, ngf=4)),
        Discriminator(DiscriminatorConfig(image_size=32, ndf=4, norm="spectral")),
        Discriminator(DiscriminatorConfig(image_size=32, ndf=4, norm="batchnorm")),
        AttributeClassifier(ClassifierConfig(image_size=32, width=8, stages=2)),
        AttributeClassifier(ClassifierConfig(image_size=32, width=4, stages=2, band_width=4, band_feature_dim=8)),
    ]
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    z = torch.randn(2, 8, generator=torch.Generator().manual_seed(0))
    for i, m in enumerate(models):
        m.eval()
        path = save_model(m, tmp_path / f"m{i}.safetensors", metadata={"run": i}, dtype=dtype)
        loaded = load_model(path)
        assert loaded.config == m.config and type(loaded) is type(m)
        assert loaded.metadata == {"run": i}
        assert not loaded.training
        inp = z if isinstance(m, Generator) else x
        with torch.no_grad():
            tol = 0 if dtype == "float32" else 2e-2
            torch.testing.assert_close(loaded(inp), m(inp), rtol=tol, atol=tol)


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    g = Generator(GeneratorConfig(z_dim=8, image_size=32, ngf=4))
    path = save_model(g, tmp_path / "g.safetensors")

    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        load_model(tmp_path / "missing.safetensors")

    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFileError, match="truncated.safetensors"):
        load_model(truncated)

    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelFileError, match="garbage.safetensors"):
        load_model(garbage)

    # a file whose config says ngf=8 but whose tensors are for ngf=4
    tensors = load_file(str(path))
    cfg = {"z_dim": 8, "image_size": 32, "ngf": 8, "channels": 3}
    bad = tmp_path / "mismatch.safetensors"
    save_file(tensors, str(bad), metadata={"gan_latent_env.kind": "generator", "gan_latent_env.config": json.dumps(cfg)})
    with pytest.raises(ModelFileError, match=r"mismatch.safetensors.*shape"):
        load_model(bad)

    plain = tmp_path / "plain.safetensors"
    save_file(tensors, str(plain))
    with pytest.raises(ModelFileError, match="plain.safetensors.*metadata"):
        load_model(plain)

    with pytest.raises(ModelFileError, match="holds a generator"):
        load_model(path, expected_kind="classifier")


def test_saved_model_files_get_ordinary_permissions(tmp_path):
    """Atomic writes go through mkstemp (mode 0600); the final file must be readable like any data file."""
    import stat

    from gan.models import Generator, GeneratorConfig, save_model

    path = save_model(Generator(GeneratorConfig(z_dim=4, image_size=32, ngf=4)), tmp_path / "g.safetensors")
    assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044


def test_band_attributes_read_only_the_band_features() -> None:
    brows = ("eyebrow_shape", "eyebrow_width")
    cfg = ClassifierConfig(image_size=32, width=4, stages=2, band_width=4, band_feature_dim=8, band_attributes=brows)
    clf = AttributeClassifier(cfg, seed=0).eval()
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    outside = x.clone()
    outside[:, :, :8] = 0.9  # above the band: changes the whole-face features only
    with torch.no_grad():
        a, b = clf(x), clf(outside)
    for i, name in enumerate(("eye_angle",) + brows):
        col = ATTRIBUTE_NAMES.index(name)
        block = slice(OFFSETS[col], OFFSETS[col] + NUM_VARIANTS[col])
        if i == 0:
            assert not torch.equal(a[:, block], b[:, block])
        else:
            torch.testing.assert_close(a[:, block], b[:, block])
    assert "head_mask" not in clf.state_dict()  # derived from the config, not saved
    with pytest.raises(ValueError, match="unknown attribute"):
        ClassifierConfig(band_width=4, band_attributes=("eyebrows",))
    with pytest.raises(ValueError, match="band_width > 0"):
        ClassifierConfig(band_attributes=("eyebrow_shape",))


def _drop_config_fields(path: Path, out: Path, fields: tuple[str, ...]) -> Path:
    from safetensors import safe_open

    from gan.models.io import CONFIG_KEY

    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    cfg = json.loads(meta[CONFIG_KEY])
    for name in fields:
        del cfg[name]
    save_file(load_file(str(path)), str(out), metadata={**meta, CONFIG_KEY: json.dumps(cfg)})
    return out


def test_missing_config_fields_are_rejected_except_a_whole_older_group(tmp_path: Path) -> None:
    """A missing field must not silently take a default that changes the model (band_attributes would change
    the logits); only files older than the whole band group may lack it, and their tensors prove it."""
    band = ("band_width", "band_box", "band_feature_dim", "band_attributes")
    cfg = ClassifierConfig(image_size=32, width=4, stages=2, band_width=4, band_feature_dim=8,
                           band_attributes=("eyebrow_shape",))  # fmt: skip
    with_band = save_model(AttributeClassifier(cfg, seed=0), tmp_path / "band.safetensors")
    no_attrs = _drop_config_fields(with_band, tmp_path / "no_attrs.safetensors", ("band_attributes",))
    with pytest.raises(ModelFileError, match=r"no_attrs\.safetensors: ClassifierConfig lacks the field\(s\) "
                                             r"\['band_attributes'\]; only files older than all of"):
        load_model(no_attrs)
    some = _drop_config_fields(with_band, tmp_path / "some.safetensors", ("band_box", "band_attributes"))
    with pytest.raises(ModelFileError, match=r"some\.safetensors: ClassifierConfig lacks the field\(s\) \['band_box', 'band_attributes'\]"):
        load_model(some)
    # the whole group missing on a file with band tensors: the defaults (no band) do not fit its tensors
    forged = _drop_config_fields(with_band, tmp_path / "forged.safetensors", band)
    with pytest.raises(ModelFileError, match=r"forged\.safetensors: tensors do not match.*unexpected \['band\."):
        load_model(forged)

    # a file from before the band branch (no band fields at all) loads as the model it was
    old = AttributeClassifier(ClassifierConfig(image_size=32, width=4, stages=2), seed=0).eval()
    old_file = _drop_config_fields(save_model(old, tmp_path / "old.safetensors"), tmp_path / "older.safetensors", band)
    loaded = load_model(old_file)
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert loaded.config == old.config and torch.equal(loaded(x), old(x))

    g = save_model(Generator(GeneratorConfig(z_dim=4, image_size=32, ngf=4)), tmp_path / "g.safetensors")
    with pytest.raises(ModelFileError, match=r"nz\.safetensors: GeneratorConfig lacks the field\(s\) \['z_dim'\]; every field is required"):
        load_model(_drop_config_fields(g, tmp_path / "nz.safetensors", ("z_dim",)))


def test_training_configs_reject_missing_fields() -> None:
    from gan.classifier_trainer import ClassifierTrainConfig
    from gan.trainer import GANTrainConfig

    data = GANTrainConfig().to_dict()
    del data["lr"]
    with pytest.raises(ValueError, match=r"^run\.json: GANTrainConfig lacks the field\(s\) \['lr'\]"):
        GANTrainConfig.from_dict(data, source="run.json")
    data = ClassifierTrainConfig().to_dict()
    del data["model"]["feature_dim"]
    with pytest.raises(ValueError, match=r"^ck: model: ClassifierConfig lacks the field\(s\) \['feature_dim'\]"):
        ClassifierTrainConfig.from_dict(data, source="ck")
