"""Training of the 18-head attribute classifier: :class:`ClassifierTrainConfig` and :class:`ClassifierTrainer`.

Same conventions as the GAN trainer (:mod:`gan.trainer`): the labelled set is one pre-decoded uint8 tensor,
batches are drawn by index from a seeded permutation per epoch, every random draw comes from a named
``torch.Generator`` whose state is checkpointed (bit-exact resume on CPU; on CUDA the same data order and
streams, but not bit for bit: see :mod:`gan.trainer`), checkpoints are
atomic safetensors files written every N steps and on Ctrl-C.

Recipe: AdamW, learning rate warmed up linearly then cosine-annealed to 0 (a pure function of the step,
so nothing to checkpoint), the sum of the 18 per-attribute cross-entropies (glasses_color only on faces
with glasses: without glasses its label is set but invisible), and random translations of up to
``max_shift`` pixels with white fill (the CartoonSet background). No flips: the attributes are
asymmetric.
"""

from __future__ import annotations

import dataclasses
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
import torch.nn.functional as F

from gan.augment import translate
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
from gan.data.schema import ATTRIBUTE_INDEX, ATTRIBUTE_NAMES, GLASSES_NONE, NUM_VARIANTS
from gan.device import resolve_device
from gan.models.classifier import AttributeClassifier
from gan.models.config import ClassifierConfig, config_from_dict
from gan.models.io import ModelFileError, checked_state_dict, save_model
from gan.trainer import (
    TrainingDivergedError,
    check_same_data,
    content_fingerprint,
    data_fingerprint,
    decode_settings,
    derive_seed,
    restore_rng_streams,
)

logger = logging.getLogger(__name__)

CPU_BATCH_SIZE: Final[int] = 64
CUDA_BATCH_SIZE: Final[int] = 256
_GLASSES: Final[int] = ATTRIBUTE_INDEX["glasses"]
_GLASSES_COLOR: Final[int] = ATTRIBUTE_INDEX["glasses_color"]
STEP_COLUMNS: Final[tuple[str, ...]] = ("step", "epoch", "loss", "lr", "elapsed_s")
EPOCH_COLUMNS: Final[tuple[str, ...]] = ("step", "epoch", "train_loss", "holdout_mean_accuracy") + tuple(
    f"acc_{n}" for n in ATTRIBUTE_NAMES
)
_OUTPUT_FIELDS: Final[frozenset[str]] = frozenset({"checkpoint_every"})


@dataclass(frozen=True)
class ClassifierTrainConfig:
    """Everything that defines a classifier training run (saved in checkpoints and ``config.json``).

    :param model: the architecture.
    :param epochs: passes over the training set (the learning-rate schedule spans them all).
    :param batch_size: images per step, or ``None`` for 64 on CPU / 256 on CUDA.
    :param lr: peak AdamW learning rate; :param weight_decay: AdamW weight decay.
    :param warmup: fraction of all steps spent warming the learning rate up linearly from 0.
    :param label_smoothing: cross-entropy label smoothing.
    :param max_shift: random translation range in pixels (0 = no augmentation).
    :param seed: seed of the init, the data order and the augmentation.
    :param holdout: / :param holdout_seed: faces held out (see :func:`gan.data.splits.holdout_split`).
    :param checkpoint_every: steps between checkpoints (0 = only at the end and on Ctrl-C).
    """

    model: ClassifierConfig = field(default_factory=ClassifierConfig)
    epochs: int = 12
    batch_size: int | None = None
    lr: float = 3e-3
    weight_decay: float = 5e-4
    warmup: float = 0.15
    label_smoothing: float = 0.0
    max_shift: int = 3
    seed: int = 0
    holdout: int = 500
    holdout_seed: int = 0
    checkpoint_every: int = 200

    def __post_init__(self) -> None:
        if not isinstance(self.model, ClassifierConfig):
            raise ValueError("ClassifierTrainConfig.model must be a ClassifierConfig")
        for name in ("epochs",):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        for name in ("max_shift", "seed", "holdout", "holdout_seed", "checkpoint_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {getattr(self, name)!r}")
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size < 2):
            raise ValueError(f"batch_size must be an integer >= 2 or None, got {self.batch_size!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if not 0.0 <= self.warmup < 1.0:
            raise ValueError(f"warmup must be a fraction in [0, 1), got {self.warmup!r}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "ClassifierTrainConfig") -> ClassifierTrainConfig:
        """Inverse of :meth:`to_dict`; unknown or invalid fields raise ``ValueError`` naming ``source``."""
        if not isinstance(data, dict):
            raise ValueError(f"{source}: expected a JSON object, got {type(data).__name__}")
        data = dict(data)
        if "model" in data:
            data["model"] = config_from_dict(ClassifierConfig, data["model"], f"{source}: model")
        return config_from_dict(cls, data, source)

    def differences(self, other: ClassifierTrainConfig) -> list[str]:
        a, b = self.to_dict(), other.to_dict()
        return [k for k in a if a[k] != b[k] and k not in _OUTPUT_FIELDS]


def lr_at(step: int, total_steps: int, peak: float, warmup: float) -> float:
    """Learning rate at ``step`` (0-based): linear warmup over ``warmup * total`` steps, then cosine to 0."""
    warm = max(1, int(round(warmup * total_steps)))
    if step < warm:
        return peak * (step + 1) / warm
    progress = min(1.0, (step - warm) / max(1, total_steps - warm))
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


def masked_attribute_loss(logits: torch.Tensor, attributes: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """Sum over the 18 heads of the mean cross-entropy; glasses_color only over faces with glasses."""
    blocks = logits.float().split(list(NUM_VARIANTS), dim=-1)
    total = logits.new_zeros((), dtype=torch.float32)
    has_glasses = attributes[:, _GLASSES] != GLASSES_NONE
    for i, block in enumerate(blocks):
        target = attributes[:, i]
        if i == _GLASSES_COLOR:
            ce = F.cross_entropy(block, target, reduction="none", label_smoothing=label_smoothing)
            total = total + (ce * has_glasses).sum() / has_glasses.sum().clamp(min=1)
        else:
            total = total + F.cross_entropy(block, target, label_smoothing=label_smoothing)
    return total


class ClassifierTrainer:
    """Train an :class:`~gan.models.classifier.AttributeClassifier` on labelled faces.

    :param config: the recipe.
    :param data: labelled training faces (``attributes`` required).
    :param run_dir: folder for the logs, checkpoints, report and final weights (``None`` = no files).
    :param device: ``auto``, ``cpu``, ``cuda`` ...
    :param holdout: labelled held-out faces, scored after every epoch and in the final report.
    :raises ValueError: if the data are unlabelled, of another image size, or fewer than one batch.
    """

    def __init__(
        self,
        config: ClassifierTrainConfig,
        data: FaceTensors,
        run_dir: str | os.PathLike[str] | None = None,
        device: str | torch.device = "auto",
        *,
        holdout: FaceTensors | None = None,
        progress: bool = True,
    ) -> None:
        if not isinstance(config, ClassifierTrainConfig):
            raise TypeError(f"config must be a ClassifierTrainConfig, got {type(config).__name__}")
        self.device = resolve_device(device)
        self.cuda = self.device.type == "cuda"
        batch = config.batch_size or (CUDA_BATCH_SIZE if self.cuda else CPU_BATCH_SIZE)
        self.config = dataclasses.replace(config, batch_size=batch)
        self.batch_size = batch
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.progress = progress
        for faces, what in ((data, "training data"), (holdout, "holdout data")):
            if faces is None:
                continue
            if not isinstance(faces, FaceTensors) or faces.attributes is None:
                raise ValueError(f"{what} must be labelled FaceTensors (with attributes) to train a classifier")
            s = config.model.image_size
            if faces.images.shape[1:] != (config.model.channels, s, s):
                raise ValueError(
                    f"{what} has images of shape {tuple(faces.images.shape[1:])}, the classifier reads "
                    f"{(config.model.channels, s, s)}: load the data at image_size={s}"
                )
        if len(data) < batch:
            raise ValueError(f"training data has {len(data)} images, fewer than one batch of {batch}")
        self.num_images = len(data)
        self.data_fingerprint = data_fingerprint(data.names, data.images)
        self._data_content: str | None = None  # computed when a checkpoint is first written or read
        self.data_settings = decode_settings(data)
        self.images = data.images.to(self.device) if self.cuda else data.images.contiguous()
        self.attributes = data.attributes.to(self.device)
        self.holdout = holdout
        self.steps_per_epoch = self.num_images // batch
        self.total_steps = self.steps_per_epoch * self.config.epochs

        self.model = AttributeClassifier(config.model, seed=derive_seed(config.seed, "g_init")).to(self.device)
        self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=lr_at(0, self.total_steps, config.lr, config.warmup),
            weight_decay=config.weight_decay, **({"fused": True} if self.cuda else {}),
        )  # fmt: skip
        self._gens = {
            "data": torch.Generator().manual_seed(derive_seed(config.seed, "data")),
            "aug": torch.Generator(self.device).manual_seed(derive_seed(config.seed, "aug")),
        }
        self._perm = torch.randperm(self.num_images, generator=self._gens["data"])
        self._cursor = 0
        self.epoch = 0
        self.step = 0
        self._interrupted = False
        self._start_time = time.perf_counter()
        self._elapsed_before = 0.0
        self._epoch_losses: list[float] = []  # mean training loss of each finished epoch
        self._loss_sum = 0.0  # running sum and count of the current epoch's step losses (checkpointed, so a
        self._loss_count = 0  # mid-epoch resume reports the same epoch mean as an uninterrupted run)

    def _autocast(self) -> Any:
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.cuda else nullcontext()

    @property
    def elapsed_s(self) -> float:
        return self._elapsed_before + (time.perf_counter() - self._start_time)

    def train_step(self) -> float:
        """One AdamW step on the next batch; returns the loss (sum of the 18 heads' cross-entropies).

        The loss also goes into the epoch's running mean; the step that ends an epoch appends that mean to
        the per-epoch losses (``epochs.csv``'s ``train_loss``).
        """
        if self._cursor + self.batch_size > self.num_images:
            self._perm = torch.randperm(self.num_images, generator=self._gens["data"])
            self._cursor = 0
        idx = self._perm[self._cursor : self._cursor + self.batch_size]
        self._cursor += self.batch_size
        x = to_float(self.images[idx.to(self.images.device)].to(self.device))
        y = self.attributes[idx.to(self.attributes.device)]
        if self.config.max_shift:
            x = translate(x, self.config.max_shift, self._gens["aug"], fill=1.0)
        x = x.contiguous(memory_format=torch.channels_last)
        lr = lr_at(self.step, self.total_steps, self.config.lr, self.config.warmup)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        with self._autocast():
            loss = masked_attribute_loss(self.model(x), y, self.config.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        self.epoch = self.step // self.steps_per_epoch
        value = float(loss.detach())
        self._loss_sum += value
        self._loss_count += 1
        if self.step % self.steps_per_epoch == 0:
            self._epoch_losses.append(self._loss_sum / self._loss_count)
            self._loss_sum, self._loss_count = 0.0, 0
        return value

    @torch.no_grad()
    def predict(self, images: torch.Tensor, chunk: int = 250) -> torch.Tensor:
        """Predicted attributes int64 ``[N, 18]`` of uint8 images, in eval mode."""
        was = self.model.training
        self.model.eval()
        try:
            out = []
            for part in images.split(chunk):
                x = to_float(part.to(self.device)).contiguous(memory_format=torch.channels_last)
                with self._autocast():
                    out.append(self.model.predict(x).cpu())
        finally:
            self.model.train(was)
        return torch.cat(out)

    def evaluate(self, faces: FaceTensors | None = None) -> dict[str, Any]:
        """Per-attribute accuracy on ``faces`` (default: the holdout), glasses_color on faces with glasses.

        :returns: the JSON-ready summary of :func:`gan.metrics.classifier_metrics.attribute_accuracy`.
        :raises ValueError: if there is nothing to evaluate on.
        """
        from gan.metrics.classifier_metrics import attribute_accuracy

        faces = faces if faces is not None else self.holdout
        if faces is None or faces.attributes is None:
            raise ValueError("evaluate needs labelled faces (no holdout was given)")
        return attribute_accuracy(self.predict(faces.images), faces.attributes).summary()

    # -- checkpoints -----------------------------------------------------------------------------------------

    @property
    def data_content(self) -> str:
        """:func:`~gan.trainer.content_fingerprint` of the training images and labels (computed once, on first use)."""
        if self._data_content is None:
            self._data_content = content_fingerprint(self.images, self.attributes)
        return self._data_content

    def save_checkpoint(self, path: str | os.PathLike[str]) -> Path:
        """Write the full training state atomically (see :mod:`gan.checkpoint`)."""
        tensors = with_prefix(self.model.state_dict(), "model")
        opt_t, opt_s = optimizer_to_parts(self.optimizer)
        tensors.update(with_prefix(opt_t, "opt"))
        for name, gen in self._gens.items():
            tensors[f"rng.{name}"] = gen.get_state()
        tensors["data.perm"] = self._perm
        state = {
            "kind": "classifier", "config": self.config.to_dict(), "step": self.step, "epoch": self.epoch,
            "cursor": self._cursor, "opt": opt_s, "device_type": self.device.type,
            "data_fingerprint": self.data_fingerprint, "data_content": self.data_content,
            "data_settings": self.data_settings, "num_images": self.num_images,
            "elapsed_s": self.elapsed_s, "epoch_losses": self._epoch_losses,
            "epoch_loss_sum": self._loss_sum, "epoch_loss_count": self._loss_count,
        }  # fmt: skip
        return save_checkpoint(path, tensors, state)

    def load_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Restore the training state written by :meth:`save_checkpoint`.

        :raises CheckpointError: unreadable file, other config or data, tensors that do not fit.
        """
        p = Path(path)
        tensors, state = load_checkpoint(p)
        require_keys(state, ["kind", "config", "step", "cursor", "opt", "data_fingerprint"], p)
        if state["kind"] != "classifier":
            raise CheckpointError(f"{p}: a {state['kind']!r} checkpoint, not a classifier training checkpoint")
        try:
            saved = ClassifierTrainConfig.from_dict(state["config"], source=str(p))
        except ValueError as err:
            raise CheckpointError(str(err)) from None
        diff = self.config.differences(saved)
        if diff:
            details = ", ".join(f"{k}: checkpoint {state['config'][k]!r} vs now {self.config.to_dict()[k]!r}" for k in diff)
            raise CheckpointError(f"{p}: checkpoint was written with a different training config ({details})")
        check_same_data(state, p, self.num_images, self.data_fingerprint, self.data_content, self.data_settings)
        # check everything before changing anything: a bad checkpoint leaves the trainer as it was
        step = state_int(state, "step", p, maximum=self.total_steps)
        cursor = state_int(state, "cursor", p, maximum=self.num_images)
        elapsed = state_float(state, "elapsed_s", p, default=0.0)
        epoch_losses = state.get("epoch_losses", [])
        if (not isinstance(epoch_losses, list) or len(epoch_losses) != step // self.steps_per_epoch
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in epoch_losses)):
            raise CheckpointError(
                f"{p}: checkpoint field 'epoch_losses' must list the mean loss of each of the "
                f"{step // self.steps_per_epoch} finished epochs, got {epoch_losses!r}"
            )
        in_epoch = step % self.steps_per_epoch
        if "epoch_loss_count" in state:
            loss_count = state.get("epoch_loss_count")
            if loss_count != in_epoch or isinstance(loss_count, bool):
                raise CheckpointError(
                    f"{p}: checkpoint field 'epoch_loss_count' must be the {in_epoch} steps of step {step} into its "
                    f"epoch, got {loss_count!r}"
                )
            loss_sum = state_float(state, "epoch_loss_sum", p)
        else:  # written before the running loss was checkpointed
            loss_count, loss_sum = 0, 0.0
            if in_epoch:
                logger.warning(
                    "%s predates checkpointed epoch losses: epoch %d's train_loss in epochs.csv will cover only "
                    "the %d steps after this resume", p, step // self.steps_per_epoch + 1, self.steps_per_epoch - in_epoch,
                )
        perm = data_permutation(tensors, "data.perm", self.num_images, p)
        try:
            model_sd = checked_state_dict(self.model, take_prefix(tensors, "model"), p)
        except ModelFileError as err:
            raise CheckpointError(str(err)) from None
        opt = optimizer_state_from_parts(self.optimizer, take_prefix(tensors, "opt"), state["opt"], p, "opt")
        same_device = state.get("device_type") == self.device.type
        restore = {name: check_generator_state(gen, tensors, f"rng.{name}", p)
                   for name, gen in self._gens.items() if same_device or name == "data"}  # fmt: skip

        self.model.load_state_dict(model_sd)
        self.optimizer.load_state_dict(opt)
        restore_rng_streams(self._gens, restore, self.config.seed, step, p, state.get("device_type"),
                            self.device.type, "the augmentation stream is")
        self._perm = perm
        self._cursor = cursor
        self.step = step
        self.epoch = self.step // self.steps_per_epoch
        self._epoch_losses = [float(v) for v in epoch_losses]
        self._loss_sum, self._loss_count = loss_sum, loss_count
        self._elapsed_before = elapsed
        self._start_time = time.perf_counter()
        logger.info("resumed from %s at step %d (epoch %d)", p, self.step, self.epoch)

    @property
    def checkpoint_path(self) -> Path:
        if self.run_dir is None:
            raise ValueError("this trainer has no run_dir")
        return self.run_dir / "checkpoints" / "latest.safetensors"

    def interrupt(self) -> None:
        """Ask :meth:`fit` to stop after the current step, saving a checkpoint (as Ctrl-C does)."""
        self._interrupted = True

    # -- the run loop ----------------------------------------------------------------------------------------

    def fit(self) -> dict[str, Any] | None:
        """Train for ``config.epochs`` epochs, scoring the holdout after each; write the run folder.

        :returns: the final holdout accuracy summary (None without a holdout).
        :raises KeyboardInterrupt: after saving a checkpoint, on Ctrl-C / :meth:`interrupt`.
        :raises TrainingDivergedError: on a non-finite loss.
        """
        from tqdm.auto import tqdm

        from gan.run_log import CsvLog

        step_log = epoch_log = None
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.json").write_text(json.dumps(self.config.to_dict(), indent=1, sort_keys=True))
            step_log = CsvLog(self.run_dir / "log.csv", STEP_COLUMNS)
            step_log.truncate_after(self.step)
            epoch_log = CsvLog(self.run_dir / "epochs.csv", EPOCH_COLUMNS)
            epoch_log.truncate_after(self.step)
        self._interrupted = False
        saved_at = -1
        recent: list[float] = []  # for the progress bar only
        bar = tqdm(total=self.total_steps, initial=self.step, disable=not self.progress, unit="step", dynamic_ncols=True)
        try:
            with deferred_sigint(self.interrupt):
                while self.step < self.total_steps:
                    loss = self.train_step()
                    if not math.isfinite(loss):
                        raise TrainingDivergedError(f"non-finite classifier loss at step {self.step}: {loss}")
                    recent = [*recent[-49:], loss]
                    bar.update(1)
                    if self.step % 10 == 0:
                        bar.set_postfix(epoch=self.epoch, loss=f"{np.mean(recent):.3f}", refresh=False)
                    if step_log is not None:
                        lr = self.optimizer.param_groups[0]["lr"]
                        step_log.write({"step": self.step, "epoch": self.epoch, "loss": loss, "lr": lr,
                                        "elapsed_s": round(self.elapsed_s, 2)})  # fmt: skip
                    if self.step % self.steps_per_epoch == 0:
                        self._end_epoch(epoch_log)
                    if step_log is not None and self.config.checkpoint_every and self.step % self.config.checkpoint_every == 0:
                        step_log.flush()
                        self.save_checkpoint(self.checkpoint_path)
                        saved_at = self.step
                    if self._interrupted:
                        break
        finally:
            bar.close()
            for lg in (step_log, epoch_log):
                if lg is not None:
                    lg.close()
        if self.run_dir is not None and saved_at != self.step:
            self.save_checkpoint(self.checkpoint_path)
        if self._interrupted:
            raise KeyboardInterrupt(f"training interrupted at step {self.step}; checkpoint saved")
        report = self.evaluate() if self.holdout is not None else None
        if self.run_dir is not None:
            self.save_final(report)
        return report

    def _end_epoch(self, epoch_log: Any) -> None:
        mean_loss = self._epoch_losses[-1]  # appended by the train_step that ended the epoch
        row: dict[str, Any] = {"step": self.step, "epoch": self.epoch, "train_loss": mean_loss}
        if self.holdout is not None:
            summary = self.evaluate()
            row["holdout_mean_accuracy"] = summary["mean"]
            for name, v in summary["per_attribute"].items():
                row[f"acc_{name}"] = v["accuracy"]
            worst = sorted(((v["accuracy"], k) for k, v in summary["per_attribute"].items() if v["accuracy"] is not None))[:3]
            logger.info("epoch %d: train loss %.4f, holdout mean accuracy %.4f (weakest: %s)", self.epoch, mean_loss,
                        summary["mean"], ", ".join(f"{k} {a:.3f}" for a, k in worst))  # fmt: skip
        else:
            logger.info("epoch %d: train loss %.4f", self.epoch, mean_loss)
        if epoch_log is not None:
            epoch_log.write(row)
            epoch_log.flush()

    def save_final(self, report: dict[str, Any] | None) -> Path:
        """Save ``classifier.safetensors`` and, with a holdout, ``accuracy_report.json`` / ``.md``."""
        assert self.run_dir is not None
        meta: dict[str, Any] = {"step": self.step, "epochs": self.config.epochs, "train_config": self.config.to_dict(),
                                "num_images": self.num_images}  # fmt: skip
        if report is not None:
            meta["holdout_mean_accuracy"] = report["mean"]
            n = self.holdout.images.shape[0] if self.holdout is not None else 0
            full = {"holdout_images": n, "holdout_seed": self.config.holdout_seed, **report}
            (self.run_dir / "accuracy_report.json").write_text(json.dumps(full, indent=1))
            (self.run_dir / "accuracy_report.md").write_text(accuracy_markdown(report, n, self.holdout))
        return save_model(self.model, self.run_dir / "classifier.safetensors", metadata=meta)


def accuracy_markdown(report: dict[str, Any], n_images: int, faces: FaceTensors | None = None) -> str:
    """A markdown table of per-attribute holdout accuracy, with the majority-class baseline for scale."""
    lines = [
        f"# Attribute classifier: accuracy on {n_images} held-out faces",
        "",
        f"Mean per-attribute accuracy: **{report['mean']:.4f}** (glasses_color scored only on faces with glasses).",
        "",
        "| attribute | variants | accuracy | faces scored | majority-class baseline |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    attrs = faces.attributes.numpy() if faces is not None and faces.attributes is not None else None
    for i, name in enumerate(ATTRIBUTE_NAMES):
        v = report["per_attribute"][name]
        base = ""
        if attrs is not None:
            col = attrs[:, i] if i != _GLASSES_COLOR else attrs[attrs[:, _GLASSES] != GLASSES_NONE, i]
            if col.size:
                base = f"{np.bincount(col).max() / col.size:.4f}"
        acc = "n/a" if v["accuracy"] is None else f"{v['accuracy']:.4f}"
        lines.append(f"| {name} | {NUM_VARIANTS[i]} | {acc} | {v['n']} | {base} |")
    return "\n".join(lines) + "\n"
