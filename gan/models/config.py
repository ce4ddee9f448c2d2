"""Small frozen dataclasses that configure the models; saved as JSON with the weights.

Every config validates itself in ``__post_init__`` and raises ``ValueError`` naming the bad field, so a
config read back from a file is checked the same way as one written in code.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Final

SUPPORTED_IMAGE_SIZES: Final[tuple[int, ...]] = (32, 64, 128)
"""Square image sides (pixels) the DCGAN generator and discriminator are built for."""

DISCRIMINATOR_NORMS: Final[tuple[str, ...]] = ("batchnorm", "spectral")
"""``batchnorm``: the classic DCGAN discriminator (batch-dependent in train mode).
``spectral``: spectral normalisation on every conv and no BatchNorm, a per-image function."""


def _check_positive_int(cfg: object, name: str) -> None:
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{type(cfg).__name__}.{name} must be a positive integer, got {value!r}")


def _check_image_size(cfg: object, sizes: tuple[int, ...] = SUPPORTED_IMAGE_SIZES) -> None:
    _check_positive_int(cfg, "image_size")
    if cfg.image_size not in sizes:  # type: ignore[attr-defined]
        raise ValueError(
            f"{type(cfg).__name__}.image_size must be one of {sizes}, got {cfg.image_size!r}"  # type: ignore[attr-defined]
        )


@dataclass(frozen=True)
class GeneratorConfig:
    """DCGAN generator: ``z [N, z_dim] -> images [N, channels, image_size, image_size]`` in ``[-1, 1]``.

    :param z_dim: latent dimension.
    :param image_size: output side in pixels, one of :data:`SUPPORTED_IMAGE_SIZES`.
    :param ngf: width (channels of the last hidden layer; earlier layers use multiples of it).
    :param channels: output image channels.
    """

    z_dim: int = 100
    image_size: int = 64
    ngf: int = 64
    channels: int = 3

    def __post_init__(self) -> None:
        for name in ("z_dim", "ngf", "channels"):
            _check_positive_int(self, name)
        _check_image_size(self)


@dataclass(frozen=True)
class DiscriminatorConfig:
    """DCGAN discriminator: ``images [N, channels, S, S] -> logits [N]``.

    :param image_size: input side in pixels, one of :data:`SUPPORTED_IMAGE_SIZES`.
    :param ndf: width (channels of the first layer; later layers use multiples of it).
    :param channels: input image channels.
    :param norm: one of :data:`DISCRIMINATOR_NORMS`.
    """

    image_size: int = 64
    ndf: int = 64
    channels: int = 3
    norm: str = "batchnorm"

    def __post_init__(self) -> None:
        for name in ("ndf", "channels"):
            _check_positive_int(self, name)
        _check_image_size(self)
        if self.norm not in DISCRIMINATOR_NORMS:
            raise ValueError(f"DiscriminatorConfig.norm must be one of {DISCRIMINATOR_NORMS}, got {self.norm!r}")


@dataclass(frozen=True)
class ClassifierConfig:
    """CNN with one softmax head per CartoonSet attribute (18 heads, 217 logits).

    The stem keeps full resolution (two stride-1 3x3 convs) so thin strokes such as eyebrows survive;
    ``stages`` residual stages then halve the resolution and double the width; a stride-2 conv brings the
    map to ``image_size / 2**(stages+1)`` pixels, which is flattened (keeping where each feature is: the
    faces are aligned, and attributes are local) and projected to ``feature_dim`` penultimate features.

    :param image_size: input side in pixels (32, 64, 128 or 256).
    :param width: channels of the full-resolution stem; stage ``i`` has ``width * 2**i`` channels.
    :param stages: number of stride-2 residual stages after the stem.
    :param blocks_per_stage: residual blocks in each stage.
    :param feature_dim: length F of the penultimate feature vector (``features(x)`` is ``[N, F]``).
    :param channels: input image channels.
    """

    image_size: int = 64
    width: int = 32
    stages: int = 3
    blocks_per_stage: int = 1
    feature_dim: int = 256
    channels: int = 3

    def __post_init__(self) -> None:
        for name in ("width", "stages", "blocks_per_stage", "feature_dim", "channels"):
            _check_positive_int(self, name)
        _check_image_size(self, (32, 64, 128, 256))
        if self.image_size >> (self.stages + 1) < 2:
            raise ValueError(
                f"ClassifierConfig.stages={self.stages} halves image_size={self.image_size} below 2 pixels"
            )


ModelConfig = GeneratorConfig | DiscriminatorConfig | ClassifierConfig


def config_to_json(cfg: ModelConfig) -> str:
    """Serialise a config dataclass as a JSON object string (sorted keys)."""
    return json.dumps(dataclasses.asdict(cfg), sort_keys=True)


def config_from_dict(cls: type, data: Any, source: str = "config") -> Any:
    """Build config ``cls`` from a dict, rejecting unknown or missing fields.

    :raises ValueError: if ``data`` is not a dict, has unknown keys or fails validation; the message starts
        with ``source``.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a JSON object for {cls.__name__}, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{source}: unknown {cls.__name__} fields {unknown} (known: {sorted(names)})")
    try:
        return cls(**data)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{source}: invalid {cls.__name__}: {err}") from None
