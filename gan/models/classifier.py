"""The 18-head CartoonSet attribute classifier.

A small residual CNN that keeps full resolution in its stem (stride 1), so thin strokes such as eyebrows
are seen at the input's own resolution before any downsampling; ``stages`` residual stages then halve the
resolution and double the width; a last stride-2 conv map is flattened (not pooled: the faces are aligned
and the attributes are local, so where a feature fires matters) and projected to the penultimate features
``[N, F]``. An optional band branch (``config.band_width > 0``) adds features of a fixed band of the face (brows
and eyes) seen by a small CNN of its own. One linear layer maps the features to 217 logits: the 18 per-attribute heads stacked in schema order
(each block is an independent softmax head trained with its own cross-entropy).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan.data.schema import ATTRIBUTE_INDEX, NUM_VARIANTS, OFFSETS, ONE_HOT_DIM
from gan.models.config import ClassifierConfig
from gan.models.dcgan import _seeded_generator, isolated_global_rng


def _conv_bn(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)]


class ResidualBlock(nn.Module):
    """``conv3x3-BN-ReLU-conv3x3-BN`` plus a shortcut (1x1 strided conv + BN when the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(*_conv_bn(cin, cout, stride), nn.ReLU(inplace=True), *_conv_bn(cout, cout))
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.shortcut(x), inplace=True)


class BandBranch(nn.Module):
    """Features of a fixed band of the face: ``[N, C, S, S]`` -> ``[N, band_feature_dim]`` (see ClassifierConfig)."""

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        self.top, self.bottom, self.left, self.right = config.band_pixels
        w = config.band_width
        layers: list[nn.Module] = []
        cin = config.channels
        for cout in (w, 2 * w, 4 * w):
            layers += [*_conv_bn(cin, cout), nn.ReLU(inplace=True), *_conv_bn(cout, cout), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            cin = cout
        self.body = nn.Sequential(*layers)
        h, wd = (self.bottom - self.top) // 8, (self.right - self.left) // 8
        self.project = nn.Sequential(nn.Flatten(), nn.Linear(cin * h * wd, config.band_feature_dim),
                                     nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(self.body(x[:, :, self.top:self.bottom, self.left:self.right]))


class AttributeClassifier(nn.Module):
    """CartoonSet attribute classifier: images ``[N, C, S, S]`` in ``[-1, 1]`` -> 217 logits.

    :param config: the architecture.
    :param seed: seed of the weight initialisation (a private ``torch.Generator``; no global RNG).
    """

    def __init__(self, config: ClassifierConfig, *, seed: int = 0) -> None:
        super().__init__()
        if not isinstance(config, ClassifierConfig):
            raise TypeError(f"AttributeClassifier expects a ClassifierConfig, got {type(config).__name__}")
        self.config = config
        with isolated_global_rng():
            self._build(config)
        self._init_weights(_seeded_generator(seed))

    def _build(self, config: ClassifierConfig) -> None:
        w = config.width
        layers: list[nn.Module] = [*_conv_bn(config.channels, w), nn.ReLU(inplace=True)]
        layers += [*_conv_bn(w, w), nn.ReLU(inplace=True)]
        ch = w
        for _ in range(config.stages):
            layers.append(ResidualBlock(ch, ch * 2, stride=2))
            layers += [ResidualBlock(ch * 2, ch * 2) for _ in range(config.blocks_per_stage - 1)]
            ch *= 2
        layers += [*_conv_bn(ch, ch, stride=2), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)
        side = config.image_size >> (config.stages + 1)
        self.project = nn.Sequential(nn.Flatten(), nn.Linear(ch * side * side, config.feature_dim), nn.ReLU(inplace=True))
        self.band: BandBranch | None = BandBranch(config) if config.band_width else None
        self.heads = nn.Linear(config.total_feature_dim, ONE_HOT_DIM)
        mask = None
        if config.band_attributes:  # band attributes' rows see only the band features (a fixed, unsaved mask)
            mask = torch.ones(ONE_HOT_DIM, config.total_feature_dim)
            for name in config.band_attributes:
                i = ATTRIBUTE_INDEX[name]
                mask[OFFSETS[i]:OFFSETS[i] + NUM_VARIANTS[i], : config.feature_dim] = 0.0
        self.head_mask: torch.Tensor | None
        self.register_buffer("head_mask", mask, persistent=False)

    def _init_weights(self, gen: torch.Generator) -> None:
        """Kaiming-normal convs, unit BatchNorm (zero gamma on each block's last BN), uniform linears."""
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
                    m.weight.normal_(0.0, (2.0 / fan_out) ** 0.5, generator=gen)
                elif isinstance(m, nn.BatchNorm2d):
                    m.weight.fill_(1.0)
                    m.bias.zero_()
            for m in self.modules():
                if isinstance(m, ResidualBlock):
                    m.body[-1].weight.zero_()  # each block starts as the identity
            linears = [self.project[1], self.heads] + ([self.band.project[1]] if self.band is not None else [])
            for lin in linears:
                bound = 1.0 / lin.in_features**0.5
                lin.weight.uniform_(-bound, bound, generator=gen)
                lin.bias.zero_()

    def _check(self, x: torch.Tensor) -> None:
        c, s = self.config.channels, self.config.image_size
        if x.ndim != 4 or tuple(x.shape[1:]) != (c, s, s):
            raise ValueError(
                f"AttributeClassifier expects images of shape [N, {c}, {s}, {s}], got {tuple(x.shape)}"
            )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features ``[N, F]`` (``F = config.total_feature_dim``, after ReLU)."""
        self._check(x)
        whole = self.project(self.body(x))
        if self.band is None:
            return whole
        return torch.cat([whole, self.band(x)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, 217]``: the 18 attribute heads concatenated in schema order."""
        return self.head_logits(self.features(x))

    def head_logits(self, features: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, 217]`` from ``features(x)`` (``forward(x) == head_logits(features(x))``)."""
        if self.head_mask is None:
            return self.heads(features)
        return F.linear(features, self.heads.weight * self.head_mask, self.heads.bias)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Probabilities ``[N, 217]``: a softmax within each attribute's block (each block sums to 1)."""
        return logits_to_proba(self(x))

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Most likely variant of each attribute, int64 ``[N, 18]``."""
        return torch.stack([b.argmax(dim=-1) for b in self(x).split(list(NUM_VARIANTS), dim=-1)], dim=-1)


def logits_to_proba(logits: torch.Tensor) -> torch.Tensor:
    """Per-attribute softmax of logits ``[..., 217]`` -> probabilities ``[..., 217]``."""
    blocks = logits.float().split(list(NUM_VARIANTS), dim=-1)
    return torch.cat([b.softmax(dim=-1) for b in blocks], dim=-1)


def attribute_cross_entropy(
    logits: torch.Tensor, attributes: torch.Tensor, label_smoothing: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sum over the 18 heads of the mean cross-entropy, and the per-head losses ``[18]``.

    :param logits: ``[N, 217]``.
    :param attributes: int64 ``[N, 18]`` variant indices.
    """
    blocks = logits.float().split(list(NUM_VARIANTS), dim=-1)
    losses = torch.stack(
        [F.cross_entropy(b, attributes[:, i], label_smoothing=label_smoothing) for i, b in enumerate(blocks)]
    )
    return losses.sum(), losses
