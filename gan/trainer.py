"""DCGAN training: :class:`GANTrainConfig`, and :class:`GANTrainer` with a step-level API and a ``fit`` loop.

The step-level API (:meth:`GANTrainer.train_step`, :meth:`GANTrainer.set_hyperparams`,
:meth:`GANTrainer.sample`, :meth:`GANTrainer.state_tensors` / checkpoints) is what other code (e.g. the
HyperparamTune environment) reuses; :meth:`GANTrainer.fit` adds the run folder: per-step CSV log, sample
grids from a fixed z, curves, progress GIF, the discriminator-overfitting monitor, the periodic Fréchet
distance in the attribute classifier's feature space, and checkpoints (every N steps and on Ctrl-C).

Data path: the whole training set is one pre-decoded uint8 tensor (on the device when it fits); batches
are drawn by index from a seeded permutation per epoch and converted to float on the fly.

Device ``auto``: CUDA when available, with bf16 autocast, channels_last and a larger default batch (256);
otherwise CPU in float32 (default batch 64).

Reproducibility: every random draw comes from a named ``torch.Generator`` (data order, latents,
augmentation, label flips / gradient-penalty weights) seeded from ``config.seed``; their states are
checkpointed, so on CPU a resumed run continues bit for bit like an uninterrupted one (tested). On CUDA
the run resumes with the same data order and random streams, but not bit for bit: ``cudnn.benchmark``
(set by the training commands) may pick other kernels after a restart, and some CUDA backward kernels
(index / scatter) accumulate in a nondeterministic order. Across device types the device streams are
reseeded, with a warning.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch

from gan.augment import DiffAugment, parse_policy
from gan.checkpoint import (
    CheckpointError,
    check_generator_state,
    data_permutation,
    deferred_sigint,
    load_checkpoint,
    optimizer_state_from_parts,
    optimizer_to_parts,
    require_keys,
    save_checkpoint,
    state_float,
    state_int,
    take_prefix,
    with_prefix,
)
from gan.data.faces import FaceTensors
from gan.data.images import to_float
from gan.device import resolve_device
from gan.losses import (
    bce_discriminator_loss,
    bce_generator_loss,
    check_loss,
    gradient_penalty,
    hinge_discriminator_loss,
    mean_critic_generator_loss,
    wasserstein_discriminator_loss,
)
from gan.models.classifier import AttributeClassifier
from gan.models.config import DiscriminatorConfig, GeneratorConfig, config_from_dict
from gan.models.dcgan import Discriminator, Generator
from gan.models.io import ModelFileError, checked_state_dict, save_model

logger = logging.getLogger(__name__)

CPU_BATCH_SIZE: Final[int] = 64
CUDA_BATCH_SIZE: Final[int] = 256
FD_LABEL: Final[str] = "Fréchet distance (classifier features)"
"""How the periodic Fréchet distance is labelled: it is measured in the attribute classifier's feature
space, not Inception features, so it is never called FID."""

LOG_COLUMNS: Final[tuple[str, ...]] = (
    "step", "loss_g", "loss_d", "d_real", "d_fake", "lr", "lr_d", "beta1",
    "fd_classifier", "d_acc_train_real", "d_acc_holdout_real", "d_acc_fake", "elapsed_s",
)  # fmt: skip

# seed-stream ids: each random stream is seeded from (config.seed, stream id)
_STREAMS: Final[dict[str, int]] = {
    "g_init": 1, "d_init": 2, "data": 3, "noise": 4, "aug": 5, "label": 6, "fixed_z": 7, "eval": 8, "monitor": 9,
}  # fmt: skip

# config fields that only affect the run folder's outputs, not the training trajectory
_OUTPUT_FIELDS: Final[frozenset[str]] = frozenset(
    {"checkpoint_every", "sample_every", "fd_every", "monitor_every", "fd_samples", "monitor_samples", "grid_size"}
)


class TrainingDivergedError(RuntimeError):
    """A loss became NaN or infinite."""


def derive_seed(seed: int, stream: str) -> int:
    """A 63-bit seed for the named random stream, derived from ``seed`` with numpy's SeedSequence."""
    return int(np.random.SeedSequence([seed, _STREAMS[stream]]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def restore_rng_streams(gens: dict[str, torch.Generator], restore: dict[str, torch.Tensor], seed: int, step: int,
                        path: Path | str, written_on: str | None, device_type: str, streams: str) -> None:
    """Set each generator in ``gens`` to its checked state in ``restore``; the others (device generators, which
    cannot move between CPU and CUDA) are reseeded from ``(seed, step)``, with a warning that ``streams``
    (e.g. "the augmentation stream is") make the resumed run differ from an uninterrupted one."""
    for name, gen in gens.items():
        if name in restore:
            gen.set_state(restore[name])
        else:
            gen.manual_seed(derive_seed(seed, name) ^ step)
    if written_on != device_type:
        logger.warning("%s was written on %s, resuming on %s: %s reseeded, so the run is not bit-identical to an "
                       "uninterrupted one", path, written_on, device_type, streams)


@dataclass(frozen=True)
class GANTrainConfig:
    """Everything that defines a GAN training run (saved in every checkpoint and in ``config.json``).

    :param generator: / :param discriminator: the architectures.
    :param loss: ``bce`` (non-saturating), ``wgan-gp`` or ``hinge`` (see :mod:`gan.losses`).
    :param real_label: BCE target for reals (one-sided label smoothing; 1.0 disables it).
    :param label_flip: BCE only: probability of swapping each real/fake label in the D step.
    :param gp_weight: WGAN-GP penalty weight.
    :param d_steps: D updates per G update.
    :param lr: Adam learning rate of G (and of D unless ``lr_d`` is set).
    :param lr_d: Adam learning rate of D, or ``None`` for ``lr``.
    :param beta1: / :param beta2: Adam betas of both optimizers.
    :param batch_size: images per step, or ``None`` for 64 on CPU / 256 on CUDA.
    :param diffaug: DiffAugment policy for every D input, e.g. ``"color,translation,cutout"``; ``""`` = off.
    :param seed: seed of every random stream (init, data order, latents, augmentation, labels).
    :param holdout: number of real images held out from training (for the overfitting monitor and
        evaluation), drawn by :func:`gan.data.splits.holdout_split` with ``holdout_seed``.
    :param checkpoint_every: / sample_every / fd_every / monitor_every: intervals in steps (0 = never).
    :param fd_samples: generated and real images for the periodic Fréchet distance.
    :param monitor_samples: training reals, held-out reals and fakes scored by the overfitting monitor.
    :param grid_size: images in each fixed-z sample grid.
    """

    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    loss: str = "bce"
    real_label: float = 0.9
    label_flip: float = 0.0
    gp_weight: float = 10.0
    d_steps: int = 1
    lr: float = 2e-4
    lr_d: float | None = None
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int | None = None
    diffaug: str = ""
    seed: int = 0
    holdout: int = 0
    holdout_seed: int = 0
    checkpoint_every: int = 500
    sample_every: int = 250
    fd_every: int = 500
    monitor_every: int = 250
    fd_samples: int = 1000
    monitor_samples: int = 500
    grid_size: int = 64

    def __post_init__(self) -> None:
        if not isinstance(self.generator, GeneratorConfig) or not isinstance(self.discriminator, DiscriminatorConfig):
            raise ValueError("GANTrainConfig.generator / .discriminator must be GeneratorConfig / DiscriminatorConfig")
        g, d = self.generator, self.discriminator
        if (g.image_size, g.channels) != (d.image_size, d.channels):
            raise ValueError(
                f"generator makes {g.channels}x{g.image_size}x{g.image_size} images but the discriminator "
                f"reads {d.channels}x{d.image_size}x{d.image_size}"
            )
        check_loss(self.loss)
        parse_policy(self.diffaug)
        if not 0.0 < self.real_label <= 1.0:
            raise ValueError(f"real_label must be in (0, 1], got {self.real_label}")
        if not 0.0 <= self.label_flip < 0.5:
            raise ValueError(f"label_flip must be in [0, 0.5), got {self.label_flip}")
        if self.label_flip and self.loss != "bce":
            raise ValueError(f"label_flip applies to the bce loss only, not {self.loss!r}")
        for name in ("lr", "gp_weight"):
            if not (isinstance(getattr(self, name), (int, float)) and getattr(self, name) >= 0 and math.isfinite(getattr(self, name))):
                raise ValueError(f"{name} must be a finite number >= 0, got {getattr(self, name)!r}")
        if self.lr_d is not None and not (self.lr_d >= 0 and math.isfinite(self.lr_d)):
            raise ValueError(f"lr_d must be a finite number >= 0 or None, got {self.lr_d!r}")
        for name in ("beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size < 2):
            raise ValueError(f"batch_size must be an integer >= 2 or None, got {self.batch_size!r}")
        for name in ("d_steps", "fd_samples", "monitor_samples", "grid_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        for name in ("holdout", "holdout_seed", "seed", "checkpoint_every", "sample_every", "fd_every", "monitor_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (nested model configs as dicts)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "GANTrainConfig") -> GANTrainConfig:
        """Inverse of :meth:`to_dict`; unknown or invalid fields raise ``ValueError`` naming ``source``."""
        if not isinstance(data, dict):
            raise ValueError(f"{source}: expected a JSON object, got {type(data).__name__}")
        data = dict(data)
        if "generator" in data:
            data["generator"] = config_from_dict(GeneratorConfig, data["generator"], f"{source}: generator")
        if "discriminator" in data:
            data["discriminator"] = config_from_dict(DiscriminatorConfig, data["discriminator"], f"{source}: discriminator")
        return config_from_dict(cls, data, source)

    def differences(self, other: GANTrainConfig, include_outputs: bool = False) -> list[str]:
        """Names of the fields whose values differ (output-only intervals ignored unless asked)."""
        a, b = self.to_dict(), other.to_dict()
        return [k for k in a if a[k] != b[k] and (include_outputs or k not in _OUTPUT_FIELDS)]


@dataclass(frozen=True)
class StepStats:
    """What one training step measured (from the D step, before its update).

    ``d_real`` / ``d_fake``: mean ``sigmoid(D)`` over the batch of reals / fakes, in train mode and on the
    augmented images D saw. For ``wgan-gp`` the critic values are not probabilities; the sigmoid is then
    only a monotone summary.
    """

    step: int
    loss_g: float
    loss_d: float
    d_real: float
    d_fake: float

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.loss_g, self.loss_d, self.d_real, self.d_fake))



DECODE_SETTINGS: Final[tuple[str, ...]] = ("image_size", "crop", "resample", "source", "seed", "size")
"""Entries of ``FaceTensors.settings`` that say how the pixels were made (recorded in checkpoints for messages)."""


def data_fingerprint(names: list[str], images: torch.Tensor) -> str:
    """A short hash of the training set's names and shape (checkpoint field ``data_fingerprint``)."""
    h = hashlib.sha256()
    h.update(repr(tuple(images.shape)).encode())
    for n in names:
        h.update(n.encode() + b"\0")
    return h.hexdigest()[:16]


def content_fingerprint(images: torch.Tensor, attributes: torch.Tensor | None = None) -> str:
    """A short hash of the training images' pixel bytes (and labels, if given): checkpoint field ``data_content``.

    Whatever defines the pixels (the crop, size and resampling of the decode, the files themselves) changes
    it, so a run only resumes on exactly the images it was trained on. About 0.3 s for 9,000 64x64 faces.
    """
    h = hashlib.sha256()
    h.update(repr(tuple(images.shape)).encode())
    h.update(memoryview(images.detach().cpu().contiguous().numpy()).cast("B"))
    if attributes is not None:
        h.update(memoryview(attributes.detach().cpu().to(torch.int64).contiguous().numpy()).cast("B"))
    return h.hexdigest()[:16]


def decode_settings(faces: FaceTensors) -> dict[str, Any]:
    """The entries of ``faces.settings`` that describe how its pixels were made (for messages)."""
    return {k: faces.settings[k] for k in DECODE_SETTINGS if k in faces.settings}


def check_same_data(
    state: dict[str, Any], path: Path, num_images: int, names_fp: str, content_fp: str, settings: dict[str, Any]
) -> None:
    """Raise :class:`CheckpointError` unless the checkpoint ``state`` was trained on the same data.

    Names and image shape (``data_fingerprint``) and the pixel content (``data_content``) must match.
    Checkpoints written before ``data_content`` existed carry only the names-and-shape fingerprint; they are
    accepted on it with a warning (their decode settings, e.g. the crop, cannot be checked: the train-gan and
    train-classifier commands then refuse a non-default ``--crop``).
    """
    if state["data_fingerprint"] != names_fp:
        raise CheckpointError(
            f"{path}: checkpoint was trained on other data ({state.get('num_images')} images, fingerprint "
            f"{state['data_fingerprint']}); now {num_images} images, fingerprint {names_fp}"
        )
    if "data_content" not in state:
        logger.warning(
            "%s predates image-content fingerprints: only the face names and image shape are checked, not the "
            "pixels (decode settings such as the crop)", path,
        )  # fmt: skip
        return
    if state["data_content"] != content_fp:
        then = state.get("data_settings")
        raise CheckpointError(
            f"{path}: checkpoint was trained on other images: the same {num_images} names and image shape but "
            f"other pixels or labels (decoded then with {then}, now with {settings}); resume with the run's "
            f"data and decode settings (e.g. the same --crop), or start a new run"
        )


class GANTrainer:
    """Train a DCGAN on a face set.

    :param config: the recipe.
    :param data: the training faces (uint8 :class:`~gan.data.faces.FaceTensors`; attributes not used).
    :param run_dir: folder for logs, samples, figures, checkpoints and final weights; ``None`` = no files
        (step-level use; :meth:`fit` then only trains).
    :param device: ``auto``, ``cpu``, ``cuda`` ...
    :param holdout: held-out real faces for the discriminator-overfitting monitor (optional).
    :param classifier: attribute classifier whose features measure the periodic Fréchet distance (optional).
    :param progress: show a tqdm bar in :meth:`fit`.
    :raises ValueError: if the data do not match the config (image size, channels) or are too few.
    """

    def __init__(
        self,
        config: GANTrainConfig,
        data: FaceTensors,
        run_dir: str | os.PathLike[str] | None = None,
        device: str | torch.device = "auto",
        *,
        holdout: FaceTensors | None = None,
        classifier: AttributeClassifier | None = None,
        progress: bool = True,
    ) -> None:
        if not isinstance(config, GANTrainConfig):
            raise TypeError(f"config must be a GANTrainConfig, got {type(config).__name__}")
        self.device = resolve_device(device)
        self.cuda = self.device.type == "cuda"
        batch = config.batch_size or (CUDA_BATCH_SIZE if self.cuda else CPU_BATCH_SIZE)
        self.config = dataclasses.replace(config, batch_size=batch)
        self.batch_size = batch
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.progress = progress
        gcfg = self.config.generator
        self._check_faces(data, "training data")
        if len(data) < batch:
            raise ValueError(f"training data has {len(data)} images, fewer than one batch of {batch}")
        if holdout is not None:
            self._check_faces(holdout, "holdout data")
        self.data_fingerprint = data_fingerprint(data.names, data.images)
        self._data_content: str | None = None  # computed when a checkpoint is first written or read
        self.data_settings = decode_settings(data)
        self.num_images = len(data)

        # data: one uint8 tensor, on the device when it fits
        self.images = self._place_images(data.images)
        self.holdout_images = holdout.images if holdout is not None else None

        # models and optimizers
        seed = self.config.seed
        self.generator = Generator(gcfg, seed=derive_seed(seed, "g_init")).to(self.device)
        self.discriminator = Discriminator(self.config.discriminator, seed=derive_seed(seed, "d_init")).to(self.device)
        if self.cuda:
            self.generator = self.generator.to(memory_format=torch.channels_last)
            self.discriminator = self.discriminator.to(memory_format=torch.channels_last)
        betas = (self.config.beta1, self.config.beta2)
        lr_d = self.config.lr if self.config.lr_d is None else self.config.lr_d
        opt_kw: dict[str, Any] = {"fused": True} if self.cuda else {}
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.config.lr, betas=betas, **opt_kw)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr_d, betas=betas, **opt_kw)
        self.augment = DiffAugment(self.config.diffaug)

        # random streams (all explicit)
        self._gens: dict[str, torch.Generator] = {
            "data": torch.Generator().manual_seed(derive_seed(seed, "data")),
            "noise": torch.Generator(self.device).manual_seed(derive_seed(seed, "noise")),
            "aug": torch.Generator(self.device).manual_seed(derive_seed(seed, "aug")),
            "label": torch.Generator(self.device).manual_seed(derive_seed(seed, "label")),
        }
        self.fixed_z = torch.randn(
            self.config.grid_size, gcfg.z_dim, generator=torch.Generator().manual_seed(derive_seed(seed, "fixed_z"))
        ).to(self.device)
        self._perm = torch.randperm(self.num_images, generator=self._gens["data"])
        self._cursor = 0
        self.epoch = 0
        self.step = 0

        # overfitting monitor: a fixed subset of training reals (and of the holdout)
        mon = np.random.default_rng(derive_seed(seed, "monitor"))
        k = min(self.config.monitor_samples, self.num_images)
        self._monitor_train_idx = torch.from_numpy(np.sort(mon.choice(self.num_images, size=k, replace=False)))

        self.classifier = classifier.to(self.device).eval() if classifier is not None else None
        if self.classifier is not None and self.classifier.config.image_size != gcfg.image_size:
            raise ValueError(
                f"classifier reads {self.classifier.config.image_size}px images, the GAN makes {gcfg.image_size}px"
            )
        self._real_stats: tuple[np.ndarray, np.ndarray] | None = None
        self._interrupted = False
        self._start_time = time.perf_counter()
        self._elapsed_before = 0.0

    # -- setup helpers ---------------------------------------------------------------------------------------

    def _check_faces(self, faces: FaceTensors, what: str) -> None:
        if not isinstance(faces, FaceTensors):
            raise TypeError(f"{what} must be a FaceTensors, got {type(faces).__name__}")
        g = self.config.generator
        if faces.images.shape[1:] != (g.channels, g.image_size, g.image_size):
            raise ValueError(
                f"{what} has images of shape {tuple(faces.images.shape[1:])}, the generator makes "
                f"{(g.channels, g.image_size, g.image_size)}: load the data at image_size={g.image_size}"
            )

    def _place_images(self, images: torch.Tensor) -> torch.Tensor:
        if not self.cuda:
            return images.contiguous()
        free, _ = torch.cuda.mem_get_info(self.device)
        if images.numel() < free // 4:
            return images.to(self.device)
        logger.info("training set (%.1f GB) kept in pinned host memory", images.numel() / 1e9)
        return images.pin_memory()

    def _autocast(self) -> Any:
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.cuda else nullcontext()

    def _to_model(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.cuda else x

    # -- step-level API --------------------------------------------------------------------------------------

    def next_real_batch(self) -> torch.Tensor:
        """The next batch of training reals, float ``[B, C, S, S]`` in ``[-1, 1]`` on the device.

        Epochs are seeded permutations of the whole set; the incomplete last batch of an epoch is dropped.
        """
        if self._cursor + self.batch_size > self.num_images:
            self._perm = torch.randperm(self.num_images, generator=self._gens["data"])
            self._cursor = 0
            self.epoch += 1
        idx = self._perm[self._cursor : self._cursor + self.batch_size]
        self._cursor += self.batch_size
        batch = self.images[idx.to(self.images.device)].to(self.device, non_blocking=True)
        return self._to_model(to_float(batch))

    def _d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        cfg, gen = self.config, self._gens["aug"]
        d_real = self.discriminator(self.augment(real, gen) if self.augment else real)
        d_fake = self.discriminator(self.augment(fake, gen) if self.augment else fake)
        if cfg.loss == "bce":
            loss = bce_discriminator_loss(d_real, d_fake, cfg.real_label, cfg.label_flip, self._gens["label"])
        elif cfg.loss == "hinge":
            loss = hinge_discriminator_loss(d_real, d_fake)
        else:
            loss = wasserstein_discriminator_loss(d_real, d_fake)
            critic = (lambda x: self.discriminator(self.augment(x, gen))) if self.augment else self.discriminator
            loss = loss + cfg.gp_weight * gradient_penalty(critic, real, fake, self._gens["label"])
        return loss, d_real, d_fake

    def _g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        out = self.discriminator(self.augment(fake, self._gens["aug"]) if self.augment else fake)
        return bce_generator_loss(out) if self.config.loss == "bce" else mean_critic_generator_loss(out)

    def _noise(self) -> torch.Tensor:
        z_dim = self.config.generator.z_dim
        return torch.randn(self.batch_size, z_dim, generator=self._gens["noise"], device=self.device)

    def train_step(self) -> StepStats:
        """One GAN step: ``d_steps`` D updates, then one G update (non-finite losses are reported, not raised)."""
        G, D = self.generator, self.discriminator
        G.train()
        D.train()
        fake = None
        for k in range(self.config.d_steps):
            real = self.next_real_batch()
            with self._autocast():
                fake = G(self._noise())
                loss_d, d_real, d_fake = self._d_loss(real, fake.detach())
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            if k == 0:
                stats = torch.stack(
                    [loss_d.detach().float(), torch.sigmoid(d_real.detach().float()).mean(),
                     torch.sigmoid(d_fake.detach().float()).mean()]
                )  # fmt: skip
        if self.config.d_steps > 1:  # the D steps' fakes are stale: draw new ones for G
            with self._autocast():
                fake = G(self._noise())
        D.requires_grad_(False)  # G's step needs gradients w.r.t. D's input only, not D's weights
        try:
            with self._autocast():
                loss_g = self._g_loss(fake)
            self.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            self.opt_g.step()
        finally:
            D.requires_grad_(True)
        self.step += 1
        loss_d_v, d_real_v, d_fake_v = stats.tolist()
        return StepStats(self.step, float(loss_g.detach()), loss_d_v, d_real_v, d_fake_v)

    @property
    def hyperparams(self) -> dict[str, float]:
        """Current Adam hyperparameters: ``lr`` (G), ``lr_d`` (D), ``beta1``, ``beta2``."""
        g, d = self.opt_g.param_groups[0], self.opt_d.param_groups[0]
        return {"lr": float(g["lr"]), "lr_d": float(d["lr"]), "beta1": float(g["betas"][0]), "beta2": float(g["betas"][1])}

    def set_hyperparams(self, lr: float | None = None, beta1: float | None = None, *, lr_d: float | None = None) -> None:
        """Change Adam's learning rate and/or beta1 of both optimizers in place (``lr_d``: D's alone).

        ``lr`` sets both G and D unless ``lr_d`` is also given. Optimizer moments are kept.

        :raises ValueError: on a negative or non-finite lr, or beta1 outside [0, 1).
        """
        for name, v in (("lr", lr), ("lr_d", lr_d)):
            if v is not None and not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if beta1 is not None and not (0.0 <= beta1 < 1.0):
            raise ValueError(f"beta1 must be in [0, 1), got {beta1!r}")
        for opt, value in ((self.opt_g, lr), (self.opt_d, lr if lr_d is None else lr_d)):
            for group in opt.param_groups:
                if value is not None:
                    group["lr"] = float(value)
                if beta1 is not None:
                    group["betas"] = (float(beta1), group["betas"][1])

    @torch.no_grad()
    def sample(self, n: int | None = None, generator: torch.Generator | None = None, z: torch.Tensor | None = None) -> torch.Tensor:
        """Generate images float32 ``[n, C, S, S]`` in ``[-1, 1]`` with G in eval mode (CPU tensor).

        Latents come from ``z`` if given, else ``n`` draws from ``generator`` (a CPU ``torch.Generator``,
        required then). Training state (modes, RNG streams) is left unchanged.
        """
        if z is None:
            if n is None or generator is None:
                raise ValueError("sample needs either z, or n and an explicit torch.Generator")
            z = torch.randn(n, self.config.generator.z_dim, generator=generator)
        was_training = self.generator.training
        self.generator.eval()
        try:
            out = []
            for chunk in z.split(500):
                with self._autocast():
                    out.append(self.generator(chunk.to(self.device)).float().cpu())
        finally:
            self.generator.train(was_training)
        return torch.cat(out)

    @torch.no_grad()
    def _d_logits(self, images: torch.Tensor, chunk: int = 250) -> torch.Tensor:
        out = []
        for part in images.split(chunk):
            x = part.to(self.device)
            x = to_float(x) if x.dtype == torch.uint8 else x
            with self._autocast():
                out.append(self.discriminator(self._to_model(x)).float().cpu())
        return torch.cat(out)

    @torch.no_grad()
    def overfitting_monitor(self) -> dict[str, float]:
        """D's accuracy in eval mode on fixed training reals, held-out reals and fresh fakes.

        Accuracy on reals is the fraction with ``D(x) > 0`` (sigma > 0.5); on fakes the fraction with
        ``D <= 0``. Fakes come from a fixed-seed latent batch. A growing gap between training and held-out
        reals means D memorises the training set.
        """
        was = self.discriminator.training
        self.discriminator.eval()
        try:
            res = {"d_acc_train_real": float((self._d_logits(self.images[self._monitor_train_idx.to(self.images.device)]) > 0).float().mean())}
            if self.holdout_images is not None:
                ho = self.holdout_images[: self.config.monitor_samples]
                res["d_acc_holdout_real"] = float((self._d_logits(ho) > 0).float().mean())
            gen = torch.Generator().manual_seed(derive_seed(self.config.seed, "eval"))
            fakes = self.sample(len(self._monitor_train_idx), generator=gen)
            res["d_acc_fake"] = float((self._d_logits(fakes) <= 0).float().mean())
        finally:
            self.discriminator.train(was)
        return res

    @torch.no_grad()
    def _classifier_features(self, images: torch.Tensor) -> torch.Tensor:
        assert self.classifier is not None
        out = []
        for part in images.split(250):
            x = part.to(self.device)
            x = to_float(x) if x.dtype == torch.uint8 else x
            out.append(self.classifier.features(x).float().cpu())
        return torch.cat(out)

    def frechet_distance(self) -> float:
        """Fréchet distance (classifier features) between ``fd_samples`` fakes and as many training reals.

        Measured in the attribute classifier's penultimate feature space (not Inception: not an FID). The
        fakes come from the same fixed latents every time, so the curve is comparable across steps.

        :raises ValueError: if the trainer has no classifier.
        """
        from gan.metrics.frechet import frechet_distance, gaussian_stats

        if self.classifier is None:
            raise ValueError("frechet_distance needs a classifier (pass classifier= to GANTrainer)")
        n = min(self.config.fd_samples, self.num_images)
        if self._real_stats is None:
            idx = torch.from_numpy(np.sort(np.random.default_rng(derive_seed(self.config.seed, "eval")).choice(self.num_images, n, replace=False)))
            self._real_stats = gaussian_stats(self._classifier_features(self.images[idx.to(self.images.device)]), "real")
        gen = torch.Generator().manual_seed(derive_seed(self.config.seed, "eval"))
        fake_stats = gaussian_stats(self._classifier_features(self.sample(n, generator=gen)), "generated")
        return float(frechet_distance(fake_stats, self._real_stats, names=("generated", "real")))

    # -- checkpoints -----------------------------------------------------------------------------------------

    @property
    def data_content(self) -> str:
        """:func:`content_fingerprint` of the training images (computed once, on first use)."""
        if self._data_content is None:
            self._data_content = content_fingerprint(self.images)
        return self._data_content

    def state_tensors(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Everything needed to resume exactly: ``(tensors, JSON state)`` (see :mod:`gan.checkpoint`)."""
        tensors: dict[str, torch.Tensor] = {}
        tensors.update(with_prefix(self.generator.state_dict(), "g"))
        tensors.update(with_prefix(self.discriminator.state_dict(), "d"))
        og_t, og_s = optimizer_to_parts(self.opt_g)
        od_t, od_s = optimizer_to_parts(self.opt_d)
        tensors.update(with_prefix(og_t, "opt_g"))
        tensors.update(with_prefix(od_t, "opt_d"))
        for name, gen in self._gens.items():
            tensors[f"rng.{name}"] = gen.get_state()
        tensors["data.perm"] = self._perm
        state = {
            "kind": "gan",
            "config": self.config.to_dict(),
            "step": self.step,
            "epoch": self.epoch,
            "cursor": self._cursor,
            "opt_g": og_s,
            "opt_d": od_s,
            "device_type": self.device.type,
            "data_fingerprint": self.data_fingerprint,
            "data_content": self.data_content,
            "data_settings": self.data_settings,
            "num_images": self.num_images,
            "elapsed_s": self.elapsed_s,
        }
        return tensors, state

    @property
    def elapsed_s(self) -> float:
        """Training wall time in seconds, including time before a resume."""
        return self._elapsed_before + (time.perf_counter() - self._start_time)

    def save_checkpoint(self, path: str | os.PathLike[str]) -> Path:
        """Write a checkpoint atomically (see :mod:`gan.checkpoint`)."""
        tensors, state = self.state_tensors()
        return save_checkpoint(path, tensors, state)

    def load_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Restore the full training state from a checkpoint written by :meth:`save_checkpoint`.

        :raises CheckpointError: if the file is unreadable, was written for another config (any field
            that shapes training) or other data (names, shape or pixels: see :func:`check_same_data`), or its
            contents are malformed or do not fit the models.
        """
        p = Path(path)
        tensors, state = load_checkpoint(p)
        require_keys(state, ["kind", "config", "step", "epoch", "cursor", "opt_g", "opt_d", "data_fingerprint"], p)
        if state["kind"] != "gan":
            raise CheckpointError(f"{p}: a {state['kind']!r} checkpoint, not a GAN training checkpoint")
        try:
            ckpt_cfg = GANTrainConfig.from_dict(state["config"], source=str(p))
        except ValueError as err:
            raise CheckpointError(str(err)) from None
        diff = self.config.differences(ckpt_cfg)
        if diff:
            details = ", ".join(f"{k}: checkpoint {state['config'][k]!r} vs now {self.config.to_dict()[k]!r}" for k in diff)
            raise CheckpointError(f"{p}: checkpoint was written with a different training config ({details})")
        check_same_data(state, p, self.num_images, self.data_fingerprint, self.data_content, self.data_settings)
        # check everything before changing anything: a bad checkpoint leaves the trainer as it was
        step = state_int(state, "step", p)
        epoch = state_int(state, "epoch", p)
        cursor = state_int(state, "cursor", p, maximum=self.num_images)
        elapsed = state_float(state, "elapsed_s", p, default=0.0)
        perm = data_permutation(tensors, "data.perm", self.num_images, p)
        try:
            g_sd = checked_state_dict(self.generator, take_prefix(tensors, "g"), p)
            d_sd = checked_state_dict(self.discriminator, take_prefix(tensors, "d"), p)
        except ModelFileError as err:
            raise CheckpointError(str(err)) from None
        opt_g = optimizer_state_from_parts(self.opt_g, take_prefix(tensors, "opt_g"), state["opt_g"], p, "opt_g")
        opt_d = optimizer_state_from_parts(self.opt_d, take_prefix(tensors, "opt_d"), state["opt_d"], p, "opt_d")
        same_device = state.get("device_type") == self.device.type
        restore = {name: check_generator_state(gen, tensors, f"rng.{name}", p)
                   for name, gen in self._gens.items() if same_device or name == "data"}  # fmt: skip

        self.generator.load_state_dict(g_sd)
        self.discriminator.load_state_dict(d_sd)
        self.opt_g.load_state_dict(opt_g)
        self.opt_d.load_state_dict(opt_d)
        restore_rng_streams(self._gens, restore, self.config.seed, step, p, state.get("device_type"),
                            self.device.type, "latent/augmentation streams are")
        self._perm = perm
        self._cursor = cursor
        self.epoch = epoch
        self.step = step
        self._elapsed_before = elapsed
        self._start_time = time.perf_counter()
        logger.info("resumed from %s at step %d (epoch %d)", p, self.step, self.epoch)

    # -- the run loop ----------------------------------------------------------------------------------------

    @property
    def checkpoint_path(self) -> Path:
        """``RUN_DIR/checkpoints/latest.safetensors``."""
        if self.run_dir is None:
            raise ValueError("this trainer has no run_dir")
        return self.run_dir / "checkpoints" / "latest.safetensors"

    def interrupt(self) -> None:
        """Ask :meth:`fit` to stop after the current step, saving a checkpoint (as Ctrl-C does)."""
        self._interrupted = True

    def fit(self, steps: int) -> Path | None:
        """Train until ``self.step == steps``, writing the run folder (see ``docs/training.md``).

        On Ctrl-C (or :meth:`interrupt`) the current step finishes, a checkpoint, the curves and the
        weights are saved and ``KeyboardInterrupt`` is raised. At the end the final checkpoint,
        ``generator.safetensors``, ``discriminator.safetensors``, curves and the progress GIF are written
        (the weight files record the step they were saved at in their metadata).

        :returns: the run folder (None without one).
        :raises TrainingDivergedError: if a loss becomes NaN or infinite (no checkpoint of that state).
        """
        from tqdm.auto import tqdm

        from gan.run_log import CsvLog

        if not isinstance(steps, int) or steps < 0:
            raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
        cfg = self.config
        log = None
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.json").write_text(json.dumps(cfg.to_dict(), indent=1, sort_keys=True))
            log = CsvLog(self.run_dir / "log.csv", LOG_COLUMNS)
            log.truncate_after(self.step)
            if self.step == 0:
                self._save_samples()
        self._interrupted = False
        saved_at = -1
        bar = tqdm(total=steps, initial=self.step, disable=not self.progress, unit="step", dynamic_ncols=True)
        try:
            with deferred_sigint(self.interrupt):
                while self.step < steps:
                    st = self.train_step()
                    if not st.finite:
                        raise TrainingDivergedError(
                            f"non-finite loss at step {st.step}: loss_g={st.loss_g}, loss_d={st.loss_d}"
                        )
                    row: dict[str, Any] = dataclasses.asdict(st)
                    hp = self.hyperparams
                    row.update(lr=hp["lr"], lr_d=hp["lr_d"], beta1=hp["beta1"], elapsed_s=round(self.elapsed_s, 2))
                    if self.classifier is not None and cfg.fd_every and st.step % cfg.fd_every == 0:
                        row["fd_classifier"] = self.frechet_distance()
                    if cfg.monitor_every and st.step % cfg.monitor_every == 0:
                        row.update(self.overfitting_monitor())
                    if st.step % 10 == 0 or st.step == steps:
                        bar.set_postfix(loss_g=f"{st.loss_g:.3f}", loss_d=f"{st.loss_d:.3f}", d_real=f"{st.d_real:.2f}", d_fake=f"{st.d_fake:.2f}", refresh=False)
                    bar.update(1)
                    if log is not None:
                        log.write(row)
                        if cfg.sample_every and st.step % cfg.sample_every == 0:
                            self._save_samples()
                        if cfg.checkpoint_every and st.step % cfg.checkpoint_every == 0:
                            log.flush()
                            self.save_checkpoint(self.checkpoint_path)
                            saved_at = self.step
                            self.write_figures()
                    if self._interrupted:
                        break
        finally:
            bar.close()
            if log is not None:
                log.close()
        if self.run_dir is not None and saved_at != self.step:
            self.save_checkpoint(self.checkpoint_path)
            self.write_figures()
        if self.run_dir is not None:
            self.save_final_models()  # also on interrupt: the weights of the step reached (in their metadata)
        if self._interrupted:
            raise KeyboardInterrupt(f"training interrupted at step {self.step}; checkpoint saved")
        return self.run_dir

    def _save_samples(self) -> None:
        from gan.training_figures import save_grid

        assert self.run_dir is not None
        grid = self.sample(z=self.fixed_z)
        save_grid(grid, self.run_dir / "samples" / f"step_{self.step:07d}.png", nrow=int(math.sqrt(len(grid))) or 1)

    def write_figures(self) -> None:
        """Write the curves (loss, D outputs, Fréchet distance, overfitting monitor) and the progress GIF."""
        from gan.run_log import read_log
        from gan.training_figures import plot_curves, write_progress_gif

        if self.run_dir is None:
            return
        log = read_log(self.run_dir / "log.csv")
        if not log or not log.get("step"):
            return
        smooth = 25
        d = self.run_dir
        plot_curves(log, d / "loss_curves.png", ["loss_g", "loss_d"], f"GAN losses ({self.config.loss})", "loss", smooth)
        plot_curves(log, d / "d_outputs.png", ["d_real", "d_fake"], "mean sigma(D) in train mode", "sigma(D)", smooth)
        plot_curves(log, d / "fd_classifier.png", ["fd_classifier"], FD_LABEL, FD_LABEL)
        plot_curves(
            log, d / "d_overfitting.png", ["d_acc_train_real", "d_acc_holdout_real", "d_acc_fake"],
            "D accuracy in eval mode: training reals vs held-out reals", "accuracy", hline=0.5,
        )  # fmt: skip
        write_progress_gif(sorted((d / "samples").glob("step_*.png")), d / "progress.gif")

    def save_final_models(self) -> tuple[Path, Path]:
        """Save ``generator.safetensors`` and ``discriminator.safetensors`` (with run metadata) in the run folder."""
        assert self.run_dir is not None
        meta = {"step": self.step, "epoch": self.epoch, "train_config": self.config.to_dict(), "num_images": self.num_images}
        g = save_model(self.generator, self.run_dir / "generator.safetensors", metadata=meta)
        d = save_model(self.discriminator, self.run_dir / "discriminator.safetensors", metadata=meta)
        return g, d
