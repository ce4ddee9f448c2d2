"""Small frozen dataclasses that configure the models; saved as JSON with the weights.

Every config validates itself in ``__post_init__`` and raises ``ValueError`` naming the bad field, so a
config read back from a file is checked the same way as one written in code.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from typing import Any, Final

from gan.data.schema import ATTRIBUTE_NAMES

logger = logging.getLogger(__name__)

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
    With ``band_width > 0`` a second, small branch sees only a fixed band of the aligned face (``band_box``;
    the default is the brows and eyes) at full resolution: three conv blocks of ``band_width``,
    ``2 * band_width`` and ``4 * band_width`` channels with a 2x max-pool after each, flattened and projected
    to ``band_feature_dim`` features that are concatenated with the whole-face features before the heads.
    The whole-face trunk leaves the eyebrow strokes to a 256-feature bottleneck shared by all 18 heads; the
    band branch gives them features of their own (``examples/eyebrow_resolution.py`` measures the gap).

    :param feature_dim: length of the whole-face feature vector.
    :param channels: input image channels.
    :param band_width: channels of the band branch's first block; 0 (the default, and the first bundled
        classifier) builds no band branch.
    :param band_box: ``(top, bottom, left, right)`` of the band as fractions of the image side.
    :param band_feature_dim: features of the band branch (used only with ``band_width > 0``).
    :param band_attributes: attributes whose heads read *only* the band features (the others read both), so
        they must be learned from the band rather than from whole-face cues that do not generalise; needs
        ``band_width > 0``. Default: none.
    """

    image_size: int = 64
    width: int = 32
    stages: int = 3
    blocks_per_stage: int = 1
    feature_dim: int = 256
    channels: int = 3
    band_width: int = 0
    band_box: tuple[float, float, float, float] = (0.30, 0.58, 0.15, 0.85)
    band_feature_dim: int = 128
    band_attributes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("width", "stages", "blocks_per_stage", "feature_dim", "channels", "band_feature_dim"):
            _check_positive_int(self, name)
        _check_image_size(self, (32, 64, 128, 256))
        if self.image_size >> (self.stages + 1) < 2:
            raise ValueError(
                f"ClassifierConfig.stages={self.stages} halves image_size={self.image_size} below 2 pixels"
            )
        if isinstance(self.band_width, bool) or not isinstance(self.band_width, int) or self.band_width < 0:
            raise ValueError(f"ClassifierConfig.band_width must be a non-negative integer, got {self.band_width!r}")
        box = self.band_box
        if (not isinstance(box, (tuple, list)) or len(box) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in box)):
            raise ValueError(f"ClassifierConfig.band_box must be 4 numbers (top, bottom, left, right), got {box!r}")
        object.__setattr__(self, "band_box", tuple(float(v) for v in box))
        attrs = self.band_attributes
        if isinstance(attrs, str) or not isinstance(attrs, (tuple, list)) or not all(isinstance(a, str) for a in attrs):
            raise ValueError(f"ClassifierConfig.band_attributes must be a list of attribute names, got {attrs!r}")
        object.__setattr__(self, "band_attributes", tuple(attrs))
        unknown = [a for a in attrs if a not in ATTRIBUTE_NAMES]
        if unknown:
            raise ValueError(f"ClassifierConfig.band_attributes: unknown attribute(s) {unknown}")
        if attrs and not self.band_width:
            raise ValueError("ClassifierConfig.band_attributes needs a band branch (band_width > 0)")
        top, bottom, left, right = self.band_box
        if not (0.0 <= top < bottom <= 1.0 and 0.0 <= left < right <= 1.0):
            raise ValueError(
                f"ClassifierConfig.band_box={self.band_box} must satisfy 0 <= top < bottom <= 1 and "
                "0 <= left < right <= 1"
            )
        if self.band_width and min(self.band_pixels[1] - self.band_pixels[0],
                                   self.band_pixels[3] - self.band_pixels[2]) < 8:
            raise ValueError(
                f"ClassifierConfig.band_box={self.band_box} at image_size={self.image_size} is "
                f"{self.band_pixels} pixels: the band branch needs at least 8 pixels each way"
            )

    @property
    def band_pixels(self) -> tuple[int, int, int, int]:
        """``band_box`` in pixels of ``image_size`` (rounded): ``(top, bottom, left, right)``."""
        top, bottom, left, right = (round(f * self.image_size) for f in self.band_box)
        return top, bottom, left, right

    @property
    def total_feature_dim(self) -> int:
        """Length of ``features(x)``: whole-face features plus band features when there is a band branch."""
        return self.feature_dim + (self.band_feature_dim if self.band_width else 0)


ModelConfig = GeneratorConfig | DiscriminatorConfig | ClassifierConfig


def config_to_json(cfg: ModelConfig) -> str:
    """Serialise a config dataclass as a JSON object string (sorted keys)."""
    return json.dumps(dataclasses.asdict(cfg), sort_keys=True)


BACKWARD_COMPATIBLE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "ClassifierConfig": ("band_width", "band_box", "band_feature_dim", "band_attributes"),
}
"""Fields that files written before they existed lack, per config class. Such a file may lack the whole group
only: the defaults then mean "no band branch", which the file's tensors confirm (band tensors would not
load). A file that lacks only some of them (e.g. ``band_attributes`` beside a band branch) is rejected,
because the default could silently change what the model computes."""


def config_from_dict(cls: type, data: Any, source: str = "config") -> Any:
    """Build config ``cls`` from a dict, rejecting unknown or missing fields.

    The one exception is a file older than a whole group of :data:`BACKWARD_COMPATIBLE_FIELDS`, which lacks
    all of them: they take their defaults (logged).

    :raises ValueError: if ``data`` is not a dict, has unknown or missing keys or fails validation; the
        message starts with ``source`` and names the fields.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a JSON object for {cls.__name__}, got {type(data).__name__}")
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"{source}: unknown {cls.__name__} fields {unknown} (known: {sorted(names)})")
    missing = [n for n in names if n not in data]
    if missing:
        group = BACKWARD_COMPATIBLE_FIELDS.get(cls.__name__, ())
        if set(missing) != set(group):
            hint = (f"; only files older than all of {list(group)} may lack fields, and then all of them"
                    if group else "; every field is required")
            raise ValueError(f"{source}: {cls.__name__} lacks the field(s) {missing}{hint}")
        logger.info("%s: %s written before %s existed; using their defaults", source, cls.__name__, missing)
    try:
        return cls(**data)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{source}: invalid {cls.__name__}: {err}") from None
