"""Presets and instance sets of HyperparamTune-v0 (the benchmark definition, apart from the env).

Following DACBench, the env (:mod:`gan_latent_env.envs.hyperparam_tune`) only runs an episode; what an
episode is made of lives here:

* a :class:`HyperparamTunePreset`: the sizes of the GAN, of the training data, of a step and of the
  Fréchet-distance sample, and the step budget. ``"tiny"`` (the default: a whole episode in well under a
  minute on 2 CPU cores) and ``"reference"`` (64x64 images, ngf = ndf = 64, batch 32, 50 batches a step,
  as in the original DCGAN + PPO tuner).
* an :class:`InstanceSet`: the explicit seeds an episode draws from. An instance seed fixes the GAN's
  weight initialisation, the order of the training batches, the latent noise and the fixed latents the
  Fréchet distance is measured on, so an instance plus a sequence of actions gives one exact training
  run. ``TRAIN_INSTANCES`` and ``TEST_INSTANCES`` are disjoint.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "INSTANCE_SETS",
    "PRESETS",
    "TEST_INSTANCES",
    "TRAIN_INSTANCES",
    "HyperparamTunePreset",
    "InstanceSet",
    "get_instance_set",
    "get_preset",
]

_SUPPORTED_IMAGE_SIZES: Final[tuple[int, ...]] = (32, 64, 128)
"""Image sides the DCGAN models are built for (see ``gan.models.config.SUPPORTED_IMAGE_SIZES``)."""


def _positive_int(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}.{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class HyperparamTunePreset:
    """Sizes and budget of a HyperparamTune-v0 episode.

    :param image_size: side of the generated and training images in pixels (32, 64 or 128).
    :param z_dim: latent dimension of the generator.
    :param ngf: generator width.
    :param ndf: discriminator width.
    :param batch_size: images per training batch.
    :param batches_per_step: training batches (one D and one G update each) run by one env step.
    :param max_steps: env steps per episode (the budget; the episode is truncated after it).
    :param fd_sample_size: generated images the Fréchet distance is measured on at every step (fixed
        latents per instance); also the number of real images for the real-set statistics when the data
        set is larger.
    :param num_faces: procedural training faces (generated once per env from ``data_seed``).
    :param data_seed: seed of the procedural training faces (the same for every instance).
    :raises ValueError: naming the field on a non-positive size or an unsupported image size.
    """

    image_size: int
    z_dim: int
    ngf: int
    ndf: int
    batch_size: int
    batches_per_step: int
    max_steps: int
    fd_sample_size: int
    num_faces: int
    data_seed: int = 0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f in dataclasses.fields(self):
            if f.name == "data_seed":
                value = self.data_seed
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{owner}.data_seed must be a non-negative integer, got {value!r}")
            else:
                _positive_int(owner, f.name, getattr(self, f.name))
        if self.image_size not in _SUPPORTED_IMAGE_SIZES:
            raise ValueError(f"{owner}.image_size must be one of {_SUPPORTED_IMAGE_SIZES}, got {self.image_size!r}")
        if self.fd_sample_size < 2:
            raise ValueError(f"{owner}.fd_sample_size must be at least 2 (a covariance), got {self.fd_sample_size}")
        if self.num_faces < self.batch_size:
            raise ValueError(
                f"{owner}.num_faces={self.num_faces} must be at least batch_size={self.batch_size}"
            )

    def replace(self, **changes: Any) -> HyperparamTunePreset:
        """A copy with some fields changed (validated again).

        :raises ValueError: on an unknown field name or an invalid value.
        """
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"unknown HyperparamTunePreset fields {unknown} (known: {sorted(names)})")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        return dataclasses.asdict(self)


PRESETS: Final[dict[str, HyperparamTunePreset]] = {
    # A whole episode (reset + 10 steps of 20 batches) in well under 60 s on 2 CPU cores.
    "tiny": HyperparamTunePreset(
        image_size=32,
        z_dim=32,
        ngf=16,
        ndf=16,
        batch_size=32,
        batches_per_step=20,
        max_steps=10,
        fd_sample_size=64,
        num_faces=512,
    ),
    # As in the original DCGAN + PPO tuner: 64x64, ngf = ndf = 64, batch 32, 50 batches a step.
    "reference": HyperparamTunePreset(
        image_size=64,
        z_dim=100,
        ngf=64,
        ndf=64,
        batch_size=32,
        batches_per_step=50,
        max_steps=50,
        fd_sample_size=384,  # > the bundled classifier's 256 features; keeps the measurement ~12% of a step
        num_faces=2048,
    ),
}
"""The named presets; ``"tiny"`` is the env's default."""


def get_preset(name: str) -> HyperparamTunePreset:
    """The preset called ``name``.

    :raises ValueError: on an unknown name, listing the known ones.
    """
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]


@dataclass(frozen=True)
class InstanceSet:
    """An explicit, ordered set of instance seeds an episode draws from.

    :param name: a label (``"train"``, ``"test"`` or a user's own).
    :param seeds: distinct non-negative integer seeds, at least one.
    :raises ValueError: on an empty set, a repeated seed or a seed that is not a non-negative int.
    """

    name: str
    seeds: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"InstanceSet.name must be a non-empty string, got {self.name!r}")
        seeds = tuple(self.seeds)
        if not seeds:
            raise ValueError(f"InstanceSet {self.name!r}: seeds must not be empty")
        for s in seeds:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise ValueError(f"InstanceSet {self.name!r}: seeds must be non-negative ints, got {s!r}")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"InstanceSet {self.name!r}: seeds must be distinct")
        object.__setattr__(self, "seeds", seeds)

    def __len__(self) -> int:
        return len(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "seeds": [...]}`` (JSON-serialisable)."""
        return {"name": self.name, "seeds": list(self.seeds)}


TRAIN_INSTANCES: Final[InstanceSet] = InstanceSet("train", tuple(range(0, 64)))
"""The 64 training instances (seeds 0..63)."""

TEST_INSTANCES: Final[InstanceSet] = InstanceSet("test", tuple(range(10_000, 10_016)))
"""The 16 held-out test instances (seeds 10000..10015), disjoint from the training ones."""

INSTANCE_SETS: Final[dict[str, InstanceSet]] = {"train": TRAIN_INSTANCES, "test": TEST_INSTANCES}
"""The named instance sets."""


def get_instance_set(spec: str | InstanceSet | list[int] | tuple[int, ...]) -> InstanceSet:
    """An instance set from a name (``"train"``/``"test"``), an :class:`InstanceSet` or a list of seeds.

    :raises ValueError: on an unknown name or invalid seeds.
    """
    if isinstance(spec, InstanceSet):
        return spec
    if isinstance(spec, str):
        if spec not in INSTANCE_SETS:
            raise ValueError(f"instance_set must be one of {sorted(INSTANCE_SETS)}, a list of seeds, or an InstanceSet; got {spec!r}")
        return INSTANCE_SETS[spec]
    if isinstance(spec, (list, tuple)):
        return InstanceSet("custom", tuple(spec))
    raise ValueError(
        f"instance_set must be a name, a list of seeds or an InstanceSet, got {type(spec).__name__}"
    )
