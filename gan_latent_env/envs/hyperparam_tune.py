"""HyperparamTune-v0: reinforcement-learning control of a live DCGAN training loop.

The env drives :class:`gan.trainer.GANTrainer` through its step-level API (``train_step``,
``set_hyperparams``, ``sample``); it holds no training logic of its own. What an episode is made of (the
GAN sizes, the step budget, the instance seeds) lives in :mod:`gan_latent_env.envs.hyperparam_presets`.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, SupportsFloat

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from gymnasium import spaces
from torch import nn

from gan_latent_env.envs._common import check_nonnegative, check_positive, check_positive_int
from gan_latent_env.envs._models import resolve_device
from gan_latent_env.envs.hyperparam_presets import (
    HyperparamTunePreset,
    InstanceSet,
    get_instance_set,
    get_preset,
)
from gan_latent_env.scoring import CPU_CHUNK_PIXELS, as_eval_module

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_BETA1_RANGE",
    "DEFAULT_LR_RANGE",
    "OBSERVATION_NAMES",
    "HyperparamTuneEnv",
    "InvalidActionError",
    "ReferenceFrechet",
]

DEFAULT_LR_RANGE: Final[tuple[float, float]] = (1e-4, 3e-4)
"""Adam learning rates the first action coordinate spans (log scale)."""
DEFAULT_BETA1_RANGE: Final[tuple[float, float]] = (0.3, 0.7)
"""Adam beta1 values the second action coordinate spans (linear)."""

OBSERVATION_NAMES: Final[tuple[str, ...]] = (
    "progress", "fd_norm", "loss_g", "loss_d", "lr_coord", "beta1_coord", "d_real", "d_fake",
)  # fmt: skip
"""The observation's components, in order (see the class docstring for their units)."""

_FEATURE_CHUNK: Final[int] = 256
"""Images per classifier forward when extracting features on GPU (on CPU: cache-sized chunks, as the scorer)."""
_FD_STREAM: Final[int] = 0x4844  # "HD": the seed stream of the fixed Fréchet-distance latents
_PROBE_STREAM: Final[int] = 0x5052  # "PR": the seed stream of the reset probe batch


class InvalidActionError(ValueError):
    """An action outside ``Box([-1, 1]^2)``: wrong shape, non-finite or out of range."""


class ReferenceFrechet:
    """Fréchet distance of feature sets to ONE fixed reference Gaussian, with the reference's work done once.

    ``d^2 = |mu - mu_r|^2 + Tr(S) + Tr(S_r) - 2 Tr((S S_r)^(1/2))``, the quantity of
    :func:`gan.metrics.frechet.frechet_distance`. The trace of the matrix square root is computed from the
    eigenvalues of the symmetric PSD matrix ``R S R`` with ``R = S_r^(1/2)`` (same spectrum as ``S S_r``),
    as torchmetrics' FID does with eigenvalues; ``R`` is computed once. With fewer samples ``N`` than
    feature dimensions the non-zero eigenvalues come from the ``N x N`` Gram matrix ``X S_r X^T / (N-1)``
    of the centred features ``X``, so a rank-deficient sample covariance is handled exactly and cheaply.

    :param features: reference features ``[M, D]`` (at least 2 rows, finite).
    :raises ValueError: on bad reference features.
    """

    def __init__(self, features: np.ndarray | torch.Tensor) -> None:
        from gan.metrics.frechet import gaussian_stats

        self.mu, self.sigma = gaussian_stats(features)
        w, v = np.linalg.eigh(self.sigma)
        self._root = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
        self._trace = float(np.trace(self.sigma))

    @property
    def dim(self) -> int:
        """Feature dimension D."""
        return int(self.mu.shape[0])

    def distance(self, features: np.ndarray) -> float:
        """Fréchet distance (squared) of ``features`` ``[N, D]`` (float64, finite, N >= 2) to the reference."""
        n = features.shape[0]
        mu = features.mean(axis=0)
        centred = features - mu
        diff = mu - self.mu
        trace_s = float(np.einsum("ij,ij->", centred, centred)) / (n - 1)
        if n <= self.dim:
            scaled = centred @ self._root  # eig(R S R) = eig(X R R X^T / (n-1)) on the non-zero part
            eig = np.linalg.eigvalsh(scaled @ scaled.T / (n - 1))
        else:
            sigma = centred.T @ centred / (n - 1)
            eig = np.linalg.eigvalsh(self._root @ sigma @ self._root)
        trace_root = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
        return float(diff @ diff + trace_s + self._trace - 2.0 * trace_root)


@dataclass(frozen=True)
class _Measurement:
    """What the env measured after a step (or at reset)."""

    loss_g: float
    loss_d: float
    d_real: float
    d_fake: float
    fd: float
    diversity: float


class HyperparamTuneEnv(gym.Env[np.ndarray, np.ndarray]):
    """
    ## Description

    Control the learning rate and Adam beta1 of a live DCGAN training run. Each episode trains a fresh
    DCGAN (``gan.trainer.GANTrainer``, non-saturating BCE loss, BatchNorm discriminator, as in the original
    DCGAN) from an *instance seed* on offline procedural CartoonSet-style faces
    (``gan.data.procedural.make_procedural_faces``, generated once per env). One step sets the
    hyperparameters from the action and then runs ``batches_per_step`` training batches (one D and one G
    update each). Quality is the Fréchet distance between generated and real images in the attribute
    classifier's feature space (``classifier.features``; a "Fréchet distance (classifier features)", not
    an FID), measured after every step on the episode's fixed latents.

    ## Action Space

    ``Box(-1, 1, (2,), float32)``:

    | Num | Action | Mapping |
    |-----|--------|---------|
    | 0 | learning rate of G and D | ``lr = exp(log lo + (a0 + 1) / 2 * (log hi - log lo))``, ``lr_range = (lo, hi)``, default ``(1e-4, 3e-4)`` |
    | 1 | Adam beta1 of both optimizers | ``beta1 = lo + (a1 + 1) / 2 * (hi - lo)``, ``beta1_range`` default ``(0.3, 0.7)`` |

    An action of the wrong shape, non-finite or outside ``[-1, 1]`` raises :class:`InvalidActionError`
    (a ``ValueError``).

    ## Observation Space

    ``Box(float32, (8,))``; every entry describes the state after the latest step:

    | Num | Name | Meaning and normalisation | Range |
    |-----|------|---------------------------|-------|
    | 0 | progress | steps taken / ``max_steps`` | [0, 1] |
    | 1 | fd_norm | Fréchet distance (classifier features) / the same distance of the freshly initialised G at reset | [0, fd_blowup] |
    | 2 | loss_g | ``L / (1 + L)`` of the G loss ``L`` (BCE, nats, >= 0), mean over the step's batches | [0, 1] |
    | 3 | loss_d | ``L / (1 + L)`` of the D loss (BCE real + fake), mean over the step's batches | [0, 1] |
    | 4 | lr_coord | current lr on the action scale: ``2 (log lr - log lo) / (log hi - log lo) - 1`` | [-1, 1] |
    | 5 | beta1_coord | current beta1 on the action scale: ``2 (beta1 - lo) / (hi - lo) - 1`` | [-1, 1] |
    | 6 | d_real | mean ``sigmoid(D(x))`` on real batches (train mode), mean over the step's batches | [0, 1] |
    | 7 | d_fake | mean ``sigmoid(D(G(z)))`` on fake batches, mean over the step's batches | [0, 1] |

    The losses are squashed by the monotone ``L / (1 + L)`` so that even a loss of 1e10 stays in a finite
    box (ln 2, the loss of an undecided D, reads 0.409); ``info`` has the raw values. fd_norm never exceeds
    ``fd_blowup`` because a larger value ends the episode. The Fréchet distance is measured on
    ``fd_sample_size`` generated images from latents fixed per instance (G in eval mode), against Gaussian
    statistics of all real training images computed once when the env is built. Images are resized
    (antialiased bilinear) to the classifier's input size.

    ## Rewards

    ``reward = w_fd * (fd_norm[t-1] - fd_norm[t]) + w_bal * (-|loss_g - loss_d|) + w_div * diversity[t]``

    where ``diversity`` is the mean pairwise L2 distance between the generated samples' classifier features
    divided by the same quantity for real images (about 1 when the samples are as varied as the data,
    near 0 under mode collapse). Defaults: ``w_fd = 10``, ``w_bal = 0.1``, ``w_div = 0.1``; each weight
    must be >= 0 and not all zero. A diverged step gives ``-divergence_penalty`` (default 10) instead.

    ## Starting State

    ``reset`` picks an instance seed from ``instance_set`` with ``self.np_random`` (or the one given by
    ``options={"instance_index": i}``), builds the trainer (weights, data order, noise all seeded from the
    instance seed) and sets the hyperparameters of action ``(0, 0)`` (the geometric middle of
    ``lr_range``, the middle of ``beta1_range``). The reset observation has progress 0 and fd_norm 1; its
    losses and D means are measured once, without any update, on a fixed batch of reals and fakes with G
    and D in eval mode (the step observations use the training batches in train mode).

    ## Episode End

    1. Termination (divergence): a non-finite G or D loss or D output in ANY batch of the step (training
       stops at that batch), non-finite generated features, a Fréchet distance that cannot be computed,
       or ``fd_norm > fd_blowup`` (default 5). The reward is ``-divergence_penalty``; nothing is raised.
       ``info["divergence"]`` says why; the observation keeps progress/lr/beta1 current and repeats the
       previous observation's measured entries (1-3, 6, 7), since the new ones are not finite.
    2. Truncation: after ``max_steps`` steps (the preset's budget).

    ## Arguments

    ``preset`` (``"tiny"`` default, or ``"reference"``) gives every size; each size can be overridden:
    ``image_size``, ``z_dim``, ``ngf``, ``ndf``, ``batch_size``, ``batches_per_step``, ``max_steps``,
    ``fd_sample_size``, ``num_faces``, ``data_seed``. Further: ``instance_set`` (``"train"`` default,
    ``"test"``, a list of seeds or an ``InstanceSet``), ``lr_range``, ``beta1_range``, ``w_fd``, ``w_bal``,
    ``w_div``, ``divergence_penalty``, ``fd_blowup``, ``classifier`` (``None`` = bundled
    ``gan.pretrained.load().classifier``, a path to a classifier ``.safetensors``, or a module with
    ``features(x)`` and ``config.image_size``; a module is never changed: used as-is, shared, when in eval
    mode on ``device``, else copied there in eval mode), ``device`` (``"auto"``), ``render_mode`` (``"rgb_array"``),
    ``render_samples`` (16). Bad values raise ``ValueError`` naming the argument. ``env.unwrapped.config``
    echoes everything. Step after the episode ended raises ``RuntimeError`` (call ``reset``).

    ```python
    >>> import gymnasium as gym
    >>> env = gym.make("gan_latent_env:HyperparamTune-v0", preset="tiny")
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    ```

    ## Version History

    * v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        preset: str = "tiny",
        *,
        instance_set: str | InstanceSet | list[int] | tuple[int, ...] = "train",
        image_size: int | None = None,
        z_dim: int | None = None,
        ngf: int | None = None,
        ndf: int | None = None,
        batch_size: int | None = None,
        batches_per_step: int | None = None,
        max_steps: int | None = None,
        fd_sample_size: int | None = None,
        num_faces: int | None = None,
        data_seed: int | None = None,
        lr_range: tuple[float, float] = DEFAULT_LR_RANGE,
        beta1_range: tuple[float, float] = DEFAULT_BETA1_RANGE,
        w_fd: float = 10.0,
        w_bal: float = 0.1,
        w_div: float = 0.1,
        divergence_penalty: float = 10.0,
        fd_blowup: float = 5.0,
        classifier: str | os.PathLike[str] | nn.Module | None = None,
        device: str | torch.device = "auto",
        render_mode: str | None = None,
        render_samples: int = 16,
    ) -> None:
        super().__init__()
        self.preset_name = preset
        base = get_preset(preset)
        overrides = {
            k: v
            for k, v in dict(
                image_size=image_size, z_dim=z_dim, ngf=ngf, ndf=ndf, batch_size=batch_size,
                batches_per_step=batches_per_step, max_steps=max_steps, fd_sample_size=fd_sample_size,
                num_faces=num_faces, data_seed=data_seed,
            ).items()
            if v is not None
        }  # fmt: skip
        try:
            self.preset: HyperparamTunePreset = base.replace(**overrides)
        except ValueError as err:  # "HyperparamTunePreset.ngf must ..." -> name the argument
            raise ValueError(f"invalid size argument: {err}") from None
        try:
            self.instances: InstanceSet = get_instance_set(instance_set)
        except ValueError as err:
            raise ValueError(f"instance_set: {err}") from None

        self.lr_range = _check_range(lr_range, "lr_range", low=0.0, high=None)
        self.beta1_range = _check_range(beta1_range, "beta1_range", low=0.0, high=1.0)
        self.w_fd = check_nonnegative(w_fd, "w_fd", float32=True)
        self.w_bal = check_nonnegative(w_bal, "w_bal", float32=True)
        self.w_div = check_nonnegative(w_div, "w_div", float32=True)
        if self.w_fd == self.w_bal == self.w_div == 0.0:
            raise ValueError("w_fd, w_bal and w_div are all zero: at least one reward weight must be > 0")
        self.divergence_penalty = check_nonnegative(divergence_penalty, "divergence_penalty", float32=True)
        self.fd_blowup = check_positive(fd_blowup, "fd_blowup", float32=True)
        if self.fd_blowup <= 1.0:
            raise ValueError(f"fd_blowup must be > 1 (a multiple of the initial Fréchet distance), got {fd_blowup!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.render_samples = check_positive_int(render_samples, "render_samples")
        self.device = resolve_device(device)

        self.classifier, self._classifier_desc = _resolve_classifier(classifier, self.device)
        self._classifier_size = int(self.classifier.config.image_size)

        self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.observation_space = spaces.Box(
            low=np.array([0.0, 0.0, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0], dtype=np.float32),
            high=np.array([1.0, self.fd_blowup, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], dtype=np.float32),
            dtype=np.float32,
        )

        # the embedded training data and the fixed real-set statistics, once per env
        from gan.data.procedural import make_procedural_faces

        p = self.preset
        self.data = make_procedural_faces(p.num_faces, seed=p.data_seed, size=p.image_size)
        real_features = self._features(self.data.images)
        self._reference = ReferenceFrechet(real_features)
        k = min(p.fd_sample_size, p.num_faces)
        self._real_diversity = _mean_pairwise_distance(real_features[:k])
        if not self._real_diversity > 0.0:
            raise ValueError("the classifier maps every real image to the same features: cannot normalise diversity")

        self._trainer: Any = None
        self._instance_seed: int | None = None
        self._fd_z: torch.Tensor | None = None
        self._t = 0
        self._done = False
        self._fd0 = math.nan
        self._obs: np.ndarray | None = None
        self._action = np.zeros(2, dtype=np.float64)

    # -- configuration -------------------------------------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        """Everything that defines the env, JSON-serialisable (echo it beside results)."""
        return {
            "preset": self.preset_name,
            **self.preset.to_dict(),
            "instance_set": self.instances.to_dict(),
            "lr_range": list(self.lr_range),
            "beta1_range": list(self.beta1_range),
            "w_fd": self.w_fd,
            "w_bal": self.w_bal,
            "w_div": self.w_div,
            "divergence_penalty": self.divergence_penalty,
            "fd_blowup": self.fd_blowup,
            "classifier": self._classifier_desc,
            "device": str(self.device),
            "render_mode": self.render_mode,
            "render_samples": self.render_samples,
        }

    def train_config(self, seed: int) -> Any:
        """The ``GANTrainConfig`` an episode with instance seed ``seed`` trains with."""
        from gan.models.config import DiscriminatorConfig, GeneratorConfig
        from gan.trainer import GANTrainConfig

        p = self.preset
        lr, beta1 = self.action_to_hyperparams(np.zeros(2))
        return GANTrainConfig(
            generator=GeneratorConfig(z_dim=p.z_dim, image_size=p.image_size, ngf=p.ngf),
            discriminator=DiscriminatorConfig(image_size=p.image_size, ndf=p.ndf, norm="batchnorm"),
            loss="bce",
            lr=lr,
            beta1=beta1,
            batch_size=p.batch_size,
            seed=seed,
            grid_size=self.render_samples,
        )

    # -- action mapping --------------------------------------------------------------------------------------

    def action_to_hyperparams(self, action: np.ndarray) -> tuple[float, float]:
        """Map an action in ``[-1, 1]^2`` to ``(lr, beta1)`` (see the class docstring)."""
        a = np.asarray(action, dtype=np.float64)
        lo, hi = self.lr_range
        lr = math.exp(math.log(lo) + (float(a[0]) + 1.0) / 2.0 * (math.log(hi) - math.log(lo)))
        blo, bhi = self.beta1_range
        beta1 = blo + (float(a[1]) + 1.0) / 2.0 * (bhi - blo)
        return lr, beta1

    def _check_action(self, action: Any) -> np.ndarray:
        try:
            a = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidActionError(f"action must be a numeric array of shape (2,), got {action!r}") from None
        if a.shape != (2,):
            raise InvalidActionError(f"action must have shape (2,), got shape {a.shape}: {action!r}")
        if not np.isfinite(a).all():
            raise InvalidActionError(f"action must be finite, got {action!r}")
        if np.any(np.abs(a) > 1.0):
            raise InvalidActionError(f"action must lie in [-1, 1]^2, got {action!r}")
        return a

    # -- measurement -----------------------------------------------------------------------------------------

    @torch.no_grad()
    def _features(self, images: torch.Tensor) -> np.ndarray:
        """Classifier features float64 ``[N, F]`` of images ``[N, 3, S, S]`` (uint8, or float in [-1, 1])."""
        from gan.data.images import to_float

        cpu = self.device.type == "cpu"
        chunk = max(4, CPU_CHUNK_PIXELS // self._classifier_size**2) if cpu else _FEATURE_CHUNK
        out = []
        for part in images.split(chunk):
            x = part.to(self.device)
            x = to_float(x) if x.dtype == torch.uint8 else x.float()
            if x.shape[-1] != self._classifier_size:
                x = F.interpolate(
                    x, size=(self._classifier_size,) * 2, mode="bilinear", antialias=True, align_corners=False
                )
            if cpu:  # oneDNN convolves NHWC activations faster
                x = x.contiguous(memory_format=torch.channels_last)
            out.append(self.classifier.features(x).to("cpu", torch.float64))
        return torch.cat(out).numpy()

    def _measure_quality(self) -> tuple[float, float, str | None]:
        """``(fd, diversity, failure)`` of the current G on the fixed latents; failure names a non-finite result."""
        fakes = self._trainer.sample(z=self._fd_z)
        if not torch.isfinite(fakes).all():
            return math.nan, math.nan, "non-finite generated images"
        feats = self._features(fakes)
        if not np.isfinite(feats).all():
            return math.nan, math.nan, "non-finite classifier features of the generated images"
        fd = self._reference.distance(feats)
        if not math.isfinite(fd):
            return math.nan, math.nan, "non-finite Fréchet distance"
        return fd, _mean_pairwise_distance(feats) / self._real_diversity, None

    @torch.no_grad()
    def _probe(self) -> tuple[float, float, float, float]:
        """Losses and D means of the untrained models on a fixed probe batch, eval mode, no update."""
        from gan.data.images import to_float
        from gan.losses import bce_discriminator_loss, bce_generator_loss

        tr = self._trainer
        b = self.preset.batch_size
        rng = np.random.default_rng([self._instance_seed, _PROBE_STREAM])
        idx = torch.from_numpy(np.sort(rng.choice(len(self.data), size=b, replace=False)))
        real = to_float(self.data.images[idx]).to(self.device)
        fake = tr.sample(z=self._fd_z[:b]).to(self.device)
        D = tr.discriminator
        was = D.training
        D.eval()
        try:
            real_logits, fake_logits = D(real).float(), D(fake).float()
        finally:
            D.train(was)
        loss_d = bce_discriminator_loss(real_logits, fake_logits, tr.config.real_label)
        loss_g = bce_generator_loss(fake_logits)
        return (
            float(loss_g),
            float(loss_d),
            float(torch.sigmoid(real_logits).mean()),
            float(torch.sigmoid(fake_logits).mean()),
        )

    def _observation(self, m: _Measurement) -> np.ndarray:
        return np.array(
            [
                self._t / self.preset.max_steps,
                m.fd / self._fd0,
                m.loss_g / (1.0 + m.loss_g),
                m.loss_d / (1.0 + m.loss_d),
                float(self._action[0]),
                float(self._action[1]),
                m.d_real,
                m.d_fake,
            ],
            dtype=np.float32,
        )

    # -- gymnasium API ---------------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode on an instance drawn from the instance set.

        :param options: ``{"instance_index": i}`` picks instance ``i`` of the set instead of a random one.
        :raises ValueError: on unknown options or an index out of range.
        """
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = sorted(set(options) - {"instance_index"})
        if unknown:
            raise ValueError(f"options: unknown keys {unknown} (known: ['instance_index'])")
        # always draw, so the np_random stream advances the same way whether or not an index is given
        drawn = int(self.np_random.integers(len(self.instances)))
        index = options.get("instance_index", drawn)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(self.instances):
            raise ValueError(
                f"options['instance_index'] must be an int in [0, {len(self.instances)}), got {index!r}"
            )
        self._instance_seed = int(self.instances.seeds[int(index)])

        from gan.trainer import GANTrainer

        self._trainer = GANTrainer(
            self.train_config(self._instance_seed), self.data, run_dir=None, device=self.device, progress=False
        )
        fd_gen = torch.Generator().manual_seed(
            int(np.random.SeedSequence([self._instance_seed, _FD_STREAM]).generate_state(1)[0])
        )
        self._fd_z = torch.randn(self.preset.fd_sample_size, self.preset.z_dim, generator=fd_gen)
        self._action = np.zeros(2, dtype=np.float64)
        self._t = 0
        self._done = False

        fd, diversity, failure = self._measure_quality()
        if failure is not None or not fd > 0.0:
            raise RuntimeError(
                f"cannot normalise the Fréchet distance of the initial generator (instance seed "
                f"{self._instance_seed}): {failure or f'fd = {fd}'}"
            )
        self._fd0 = fd
        loss_g, loss_d, d_real, d_fake = self._probe()
        self._last = _Measurement(loss_g, loss_d, d_real, d_fake, fd, diversity)
        self._obs = self._observation(self._last)
        lr, beta1 = self.action_to_hyperparams(self._action)
        info = {
            "instance_seed": self._instance_seed,
            "instance_index": int(index),
            "lr": lr,
            "beta1": beta1,
            "fd": fd,
            "fd_initial": fd,
            "diversity": diversity,
            "batches": 0,
        }
        return self._obs.copy(), info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Set (lr, beta1) from ``action``, train ``batches_per_step`` batches, measure, reward.

        :raises InvalidActionError: on an invalid action.
        :raises RuntimeError: before ``reset`` or after the episode ended.
        """
        if self._trainer is None:
            raise RuntimeError("HyperparamTuneEnv.step called before reset()")
        if self._done:
            raise RuntimeError("the episode has ended (terminated or truncated): call reset() before step()")
        a = self._check_action(action)
        lr, beta1 = self.action_to_hyperparams(a)
        self._trainer.set_hyperparams(lr=lr, beta1=beta1)
        self._action = a
        self._t += 1

        sums = np.zeros(4, dtype=np.float64)
        divergence: str | None = None
        done_batches = 0
        for _ in range(self.preset.batches_per_step):
            s = self._trainer.train_step()
            done_batches += 1
            values = (s.loss_g, s.loss_d, s.d_real, s.d_fake)
            if not all(math.isfinite(v) for v in values):
                divergence = f"non-finite training statistics at batch {done_batches} of the step: " + ", ".join(
                    f"{n}={v}" for n, v in zip(("loss_g", "loss_d", "d_real", "d_fake"), values)
                )
                break
            sums += values

        prev = self._last
        fd = diversity = math.nan
        if divergence is None:
            fd, diversity, divergence = self._measure_quality()
        if divergence is None and fd / self._fd0 > self.fd_blowup:
            divergence = f"Fréchet distance blew up: fd_norm {fd / self._fd0:.3g} > fd_blowup {self.fd_blowup:g}"

        info: dict[str, Any] = {
            "instance_seed": self._instance_seed,
            "lr": lr,
            "beta1": beta1,
            "batches": self._trainer.step,
            "divergence": divergence,
        }
        if divergence is None:
            loss_g, loss_d, d_real, d_fake = (sums / done_batches).tolist()
            m = _Measurement(loss_g, loss_d, d_real, d_fake, fd, diversity)
            terms = {
                "fd": self.w_fd * (prev.fd - m.fd) / self._fd0,
                "balance": -self.w_bal * abs(m.loss_g - m.loss_d),
                "diversity": self.w_div * m.diversity,
            }
            reward = float(sum(terms.values()))
            terminated = False
            self._last = m
        else:
            logger.info("episode on instance %s diverged at step %d: %s", self._instance_seed, self._t, divergence)
            m = prev  # the measured entries repeat the last finite ones (documented)
            terms = {"divergence": -self.divergence_penalty}
            reward = -self.divergence_penalty
            terminated = True
        truncated = not terminated and self._t >= self.preset.max_steps
        self._done = terminated or truncated
        self._obs = self._observation(m)
        info.update(
            {
                "fd": fd,
                "fd_norm": fd / self._fd0,
                "diversity": diversity,
                "loss_g": m.loss_g if divergence is None else math.nan,
                "loss_d": m.loss_d if divergence is None else math.nan,
                "reward_terms": terms,
            }
        )
        return self._obs.copy(), reward, terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """``rgb_array``: the current samples of G on fixed latents as one uint8 grid ``[H, W, 3]``."""
        if self.render_mode is None:
            return None
        if self._trainer is None:
            raise RuntimeError("HyperparamTuneEnv.render called before reset()")
        from gan.data.images import to_uint8
        from torchvision.utils import make_grid

        images = self._trainer.sample(z=self._trainer.fixed_z.cpu())
        images = torch.nan_to_num(images, nan=0.0).clamp(-1.0, 1.0)  # a diverged G may emit NaN: show grey
        nrow = math.ceil(math.sqrt(images.shape[0]))
        grid = make_grid(images, nrow=nrow, padding=2, pad_value=1.0)
        return to_uint8(grid).permute(1, 2, 0).contiguous().numpy()

    def close(self) -> None:
        self._trainer = None
        super().close()


def _check_range(value: Any, name: str, low: float, high: float | None) -> tuple[float, float]:
    """A pair ``(lo, hi)`` of numbers with ``low < lo < hi`` (and ``hi < high`` when given), as floats.

    :raises ValueError: naming ``name`` for a string, anything but exactly two numbers, or bad bounds.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {value!r} ({type(value).__name__})")
    items = list(value)
    if len(items) != 2:
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {len(items)} values: {value!r}")
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ValueError(f"{name} must be a pair (low, high) of numbers, got {v!r} ({type(v).__name__}) in {value!r}")
    lo, hi = (float(v) for v in items)
    if not (math.isfinite(lo) and math.isfinite(hi)) or not low < lo < hi or (high is not None and hi >= high):
        bound = f"{low} < low < high" + (f" < {high}" if high is not None else "")
        raise ValueError(f"{name} must satisfy {bound}, got {value!r}")
    return lo, hi


def _mean_pairwise_distance(features: np.ndarray) -> float:
    """Mean L2 distance over all pairs of distinct rows of ``features`` ``[N, F]`` (N >= 2)."""
    return float(torch.pdist(torch.from_numpy(np.ascontiguousarray(features))).mean())


def _resolve_classifier(value: Any, device: torch.device) -> tuple[nn.Module, str]:
    """The feature classifier (in eval mode, on ``device``) and a JSON-able description of where it came from.

    :raises FileNotFoundError: for a missing path or absent bundled weights.
    :raises ValueError: for a value of the wrong type or a module without ``features``/``config.image_size``.
    """
    if value is None:
        from gan.pretrained import load

        model, desc = load(device=device).classifier, "bundled"
    elif isinstance(value, nn.Module):
        model, desc = value, f"module:{type(value).__name__}"
    elif isinstance(value, (str, os.PathLike)):
        from gan.models.io import load_model

        path = Path(value)
        if not path.is_file():
            raise FileNotFoundError(f"classifier={str(value)!r}: model file not found")
        model, desc = load_model(path, device=device, expected_kind="classifier"), str(path)
    else:
        raise ValueError(
            f"classifier must be None (bundled), a path to a classifier .safetensors file or a torch.nn.Module, "
            f"got {type(value).__name__}"
        )
    if not callable(getattr(model, "features", None)):
        raise ValueError(f"classifier must have a features(x) method, got {type(model).__name__}")
    size = getattr(getattr(model, "config", None), "image_size", None)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError("classifier must have config.image_size (its input side in pixels)")
    # the features run under no_grad, so requires_grad is left alone; a module the caller passed is never
    # changed: used as-is in eval mode on the device, else copied (as_eval_module)
    model = as_eval_module(model, device) if isinstance(value, nn.Module) else model.to(device).eval()
    return model, desc
