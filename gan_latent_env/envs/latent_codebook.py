"""LatentCodebook-v0: a K-armed bandit whose arms are regions of a DCGAN's latent space.

The dynamics live once, batched over ``N`` bandits, in :class:`LatentCodebookCore`; :class:`LatentCodebookEnv`
is its ``N = 1`` view and :class:`LatentCodebookVectorEnv` the native batched env (``gym.make_vec``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Final, NamedTuple

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from gan.data.schema import NUM_ATTRIBUTES, one_hot
from gan_latent_env.envs._common import (
    CoreBacked,
    EnvConfig,
    check_nonnegative,
    check_positive_int,
    check_seed,
    check_target,
    expand_seeds,
    images_to_uint8_hwc,
)
from gan_latent_env.envs._models import ModelArg, resolve_device, resolve_models
from gan_latent_env.scoring import LatentScorer, check_weights

logger = logging.getLogger(__name__)

__all__ = ["LatentCodebookConfig", "LatentCodebookCore", "LatentCodebookEnv", "LatentCodebookVectorEnv"]

RENDER_FPS: Final[int] = 4
NOISE_CHUNK: Final[int] = 64
"""Pull noise is drawn from each bandit's generator in chunks of this many pulls."""
MC_BATCH: Final[int] = 1024
"""Latents per forward when estimating the arm means (a fixed size, so the estimate is batch-invariant)."""
STEP_INFO_KEYS: Final[tuple[str, ...]] = ("realism", "arm_mean", "best_arm", "best_mean", "regret")
RESET_INFO_KEYS: Final[tuple[str, ...]] = ("best_arm", "best_mean")


@dataclass(frozen=True)
class LatentCodebookConfig(EnvConfig):
    """Every knob of LatentCodebook-v0 except the models, device and render mode.

    :raises ValueError: naming the field on any bad value.
    """

    ENV_NAME: ClassVar[str] = "LatentCodebook"

    z_dim: int | None = None
    num_arms: int = 100
    arm_radius: float = 0.5
    horizon: int = 1000
    w_real: float = 1.0
    w_attr: float = 0.0
    target: tuple[int, ...] | None = None
    codebook_seed: int | None = None
    mc_samples: int = 64
    render_size: int = 128

    def __post_init__(self) -> None:
        store = self._store
        if self.z_dim is not None:
            store("z_dim", check_positive_int(self.z_dim, "z_dim"))
        store("num_arms", check_positive_int(self.num_arms, "num_arms"))
        store("arm_radius", check_nonnegative(self.arm_radius, "arm_radius", float32=True))
        store("horizon", check_positive_int(self.horizon, "horizon"))
        w_real, w_attr = check_weights(self.w_real, self.w_attr)
        store("w_real", w_real)
        store("w_attr", w_attr)
        if self.target is not None:
            if self.w_attr == 0:
                raise ValueError(
                    "target is given but w_attr=0, so the reward has no attribute term to use it: pass w_attr > 0 "
                    "to score the attributes against this target, or leave target=None"
                )
            store("target", tuple(int(v) for v in check_target(self.target, "target")))
        store("codebook_seed", check_seed(self.codebook_seed, "codebook_seed"))
        store("mc_samples", check_positive_int(self.mc_samples, "mc_samples"))
        store("render_size", check_positive_int(self.render_size, "render_size"))


class Codebook(NamedTuple):
    """One bandit instance: arm centres float32 ``[K, z_dim]``, target int64 ``[18]`` (or None), estimated
    arm means float64 ``[K]``."""

    latents: np.ndarray
    target: np.ndarray | None
    means: np.ndarray


class PullBatch(NamedTuple):
    reward: np.ndarray  # float64 [N]
    truncated: np.ndarray  # bool [N]
    info: dict[str, np.ndarray]


class LatentCodebookCore:
    """Batched state of ``N`` codebook bandits: the one implementation behind both env classes.

    :meth:`draw_codebook` makes an instance from a generator (codebook, target, Monte Carlo arm means);
    :meth:`pull` runs one batched G/D(/C) forward for ``N`` pulls.
    """

    def __init__(self, scorer: LatentScorer, config: LatentCodebookConfig, num_envs: int, device: torch.device) -> None:
        self.scorer = scorer
        self.config = config
        self.num_envs = num_envs
        self.device = device
        self.z_dim = scorer.z_dim
        k = config.num_arms
        self.latents = np.zeros((num_envs, k, self.z_dim), dtype=np.float32)  # host: a pull gathers + adds here
        self.means = np.zeros((num_envs, k), dtype=np.float64)
        self.best_arm = np.zeros(num_envs, dtype=np.int64)
        self.best_mean = np.zeros(num_envs, dtype=np.float64)
        self.targets = np.zeros((num_envs, NUM_ATTRIBUTES), dtype=np.int64)
        self._targets_dev: torch.Tensor | None = None
        self.steps = np.zeros(num_envs, dtype=np.int64)
        self._noise = np.zeros((num_envs, NOISE_CHUNK, self.z_dim), dtype=np.float32)
        self._noise_pos = np.full(num_envs, NOISE_CHUNK, dtype=np.int64)
        self._rows = np.arange(num_envs)
        self.last_z = np.zeros((num_envs, self.z_dim), dtype=np.float32)

    @property
    def uses_target(self) -> bool:
        return self.config.w_attr > 0

    # -- instances ----------------------------------------------------------------------------------
    def _score(self, z: torch.Tensor, target_one_hot: torch.Tensor | None) -> Any:
        return self.scorer(z, target_one_hot if self.uses_target else None)

    def draw_codebook(self, rng: np.random.Generator) -> Codebook:
        """Draw an instance from ``rng``: ``K`` centres ``~ N(0, I)``, then the target (CartoonSet
        frequencies, when the score uses attributes and no fixed target was given), then the Monte Carlo
        noise; the arm means are the average score of ``mc_samples`` latents ``z_a + r * eps`` per arm
        (one exact latent per arm when ``r = 0``). Draw order is part of the seeding contract."""
        from gan.data.procedural.sampler import sample_attributes

        cfg = self.config
        latents = rng.standard_normal((cfg.num_arms, self.z_dim), dtype=np.float32)
        target = None
        if self.uses_target:
            target = np.asarray(cfg.target, dtype=np.int64) if cfg.target is not None else sample_attributes(1, rng)[0]
        m = cfg.mc_samples if cfg.arm_radius > 0 else 1
        samples = np.repeat(latents, m, axis=0)  # [K * m, z_dim], arm-major
        if cfg.arm_radius > 0:
            samples += np.float32(cfg.arm_radius) * rng.standard_normal(samples.shape, dtype=np.float32)
        tgt = None if target is None else torch.from_numpy(one_hot(target)).to(self.device)
        scores = np.empty(len(samples), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(samples), MC_BATCH):
                chunk = torch.from_numpy(samples[start : start + MC_BATCH]).to(self.device)
                scores[start : start + MC_BATCH] = self._score(chunk, tgt).score.cpu().numpy()
        means = scores.astype(np.float64).reshape(cfg.num_arms, m).mean(axis=1)
        return Codebook(latents, target, means)

    def set_codebook(self, rows: np.ndarray, book: Codebook) -> None:
        """Give the bandits in ``rows`` the instance ``book``."""
        self.latents[rows] = book.latents
        self.means[rows] = book.means
        self.best_arm[rows] = int(np.argmax(book.means))
        self.best_mean[rows] = float(book.means.max())
        if book.target is not None:
            self.targets[rows] = book.target
            self._targets_dev = torch.from_numpy(one_hot(self.targets)).to(self.device)
        self.last_z[rows] = book.latents[int(self.best_arm[rows[0]])]

    def restart(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Start a new episode (same instance) in ``rows``: the pull counter goes to 0 and the next pull
        draws a fresh chunk of noise. Returns the reset info of those rows."""
        self.steps[rows] = 0
        self._noise_pos[rows] = NOISE_CHUNK
        return {"best_arm": self.best_arm[rows].copy(), "best_mean": self.best_mean[rows].copy()}

    # -- pulls --------------------------------------------------------------------------------------
    def pull(self, arms: np.ndarray, rngs: list[np.random.Generator], moving: np.ndarray | None = None) -> PullBatch:
        """Pull ``arms [N]`` (one forward for all rows). ``rngs[i]`` supplies row ``i``'s noise; rows not in
        ``moving`` are evaluated but their results are to be discarded by the caller."""
        cfg = self.config
        if cfg.arm_radius > 0:
            need = self._noise_pos >= NOISE_CHUNK
            if moving is not None:
                need &= moving
            refill = np.flatnonzero(need)
            for i in refill:  # once every NOISE_CHUNK pulls per bandit: the only per-env loop in a step
                self._noise[i] = rngs[i].standard_normal((NOISE_CHUNK, self.z_dim), dtype=np.float32)
            self._noise_pos[refill] = 0
            eps = self._noise[self._rows, np.minimum(self._noise_pos, NOISE_CHUNK - 1)]
            self._noise_pos += 1 if moving is None else moving.astype(np.int64)
        z = self.latents[self._rows, arms]  # [N, z_dim], float32 on the host (as the Monte Carlo samples)
        if cfg.arm_radius > 0:
            z += np.float32(cfg.arm_radius) * eps
        self.last_z = z
        z = torch.from_numpy(z).to(self.device)
        with torch.inference_mode():
            out = self._score(z, self._targets_dev)
            packed = torch.stack([out.score, out.realism], dim=1).cpu().numpy()
        self.steps += 1 if moving is None else moving.astype(np.int64)
        arm_mean = self.means[self._rows, arms]
        info = {
            "realism": packed[:, 1].astype(np.float64),
            "arm_mean": arm_mean,
            "best_arm": self.best_arm.copy(),
            "best_mean": self.best_mean.copy(),
            "regret": self.best_mean - arm_mean,
        }
        return PullBatch(packed[:, 0].astype(np.float64), self.steps >= cfg.horizon, info)

    def render_frames(self) -> np.ndarray:
        """uint8 ``[N, render_size, render_size, 3]``: the last pulled face (the best arm's centre before
        the first pull)."""
        with torch.inference_mode():
            z = torch.from_numpy(self.last_z).to(self.device)
            return images_to_uint8_hwc(self.scorer.generator(z), self.config.render_size).cpu().numpy()


def _build_core(
    num_envs: int,
    generator: ModelArg,
    discriminator: ModelArg,
    classifier: ModelArg,
    device: str | torch.device,
    config: LatentCodebookConfig,
) -> LatentCodebookCore:
    dev = resolve_device(device)
    g, d, c = resolve_models(generator, discriminator, classifier, dev, need_classifier=config.w_attr > 0)
    scorer = LatentScorer(g, d, c, w_real=config.w_real, w_attr=config.w_attr)
    if config.z_dim is not None and config.z_dim != scorer.z_dim:
        raise ValueError(f"z_dim={config.z_dim} does not match the generator's z_dim={scorer.z_dim}")
    return LatentCodebookCore(scorer, config, num_envs, dev)


def _check_options(options: dict[str, Any] | None) -> None:
    if options:
        raise ValueError(f"options: LatentCodebook takes no reset options, got keys {sorted(options)}")


def _observation_space() -> spaces.Box:
    """The one constant observation's space, a new object per env (spaces carry their own RNG)."""
    return spaces.Box(0.0, 1.0, (1,), np.float32)


class LatentCodebookEnv(CoreBacked[LatentCodebookConfig], gym.Env[np.ndarray, int]):
    """
    ## Description

    A ``num_arms``-armed bandit over a codebook of DCGAN latents. Arm ``a`` is the region of latent space
    around the centre ``z_a``: a pull scores ``z_a + arm_radius * eps`` with fresh ``eps ~ N(0, I)``, so
    rewards are stochastic (``arm_radius = 0`` gives the deterministic single-latent setting). The true mean
    reward of every arm is estimated once per codebook by batched Monte Carlo, so each pull reports its
    regret and cumulative regret is measurable.

    ## Action Space

    ``Discrete(num_arms)`` (100): the arm to pull. Anything else raises ``ValueError``.

    ## Observation Space

    One constant observation: float32 ``Box(0, 1, (1,))``, always ``[0.0]``.

    ## Rewards

    ``w_real * sigmoid(D(G(z))) + w_attr * cos(C(G(z)), target_one_hot)`` of the pulled latent
    ``z = z_a + arm_radius * eps`` (defaults ``w_real = 1``, ``w_attr = 0``: the realism alone). With
    ``w_attr > 0`` the attribute-match term uses a target drawn with the codebook (CartoonSet frequencies)
    or the fixed ``target`` argument.

    ## Starting State

    The codebook (``num_arms`` centres ``~ N(0, I)``), the target when used and the Monte Carlo estimate of
    the arm means are drawn from the env's generator at a reset with a seed (and at the first reset);
    ``reset()`` without a seed keeps the instance and starts a new episode of ``horizon`` pulls.
    ``codebook_seed=s`` fixes the instance to the one drawn from seed ``s`` whatever the reset seed (the
    reset seed then only drives the pull noise).

    ## Episode End

    Truncation after ``horizon`` pulls (1000). There is no termination.

    ``info`` after a pull: ``realism`` (of the pulled face), ``arm_mean`` (the pulled arm's estimated
    mean), ``best_arm``, ``best_mean`` and ``regret = best_mean - arm_mean`` (>= 0, the pseudo-regret);
    after reset: ``best_arm``, ``best_mean``. ``env.unwrapped.arm_means`` holds all ``K`` means.

    ## Arguments

    | Parameter | Default | Description |
    |---|---|---|
    | ``generator``, ``discriminator``, ``classifier`` | ``None`` | path or ``nn.Module`` (never changed: used as-is, shared, when in eval mode on ``device``, else copied there in eval mode); ``None``: bundled (the classifier only when ``w_attr > 0``; one given with ``w_attr = 0`` is not used) |
    | ``device`` | ``"auto"`` | ``"auto"``, ``"cpu"``, ``"cuda[:N]"`` |
    | ``render_mode`` | ``None`` | ``"rgb_array"``: the last pulled face |
    | ``z_dim`` | ``None`` | expected latent size; ``ValueError`` if the generator's differs |
    | ``num_arms`` | 100 | K, the codebook size (>= 1) |
    | ``arm_radius`` | 0.5 | r >= 0, the noise scale of a pull |
    | ``horizon`` | 1000 | pulls per episode |
    | ``w_real``, ``w_attr`` | 1.0, 0.0 | reward weights (>= 0, not both 0) |
    | ``target`` | ``None`` | fixed target attributes for the attribute term (``ValueError`` with ``w_attr = 0``) |
    | ``codebook_seed`` | ``None`` | fix the instance to this seed |
    | ``mc_samples`` | 64 | Monte Carlo samples per arm for the arm means (1 when r = 0) |
    | ``render_size`` | 128 | side of the rendered face |

    ## Vectorized environment

    ``gym.make_vec("LatentCodebook-v0", num_envs=N, vectorization_mode="vector_entry_point")`` gives a
    :class:`LatentCodebookVectorEnv`: one batched forward per step for all ``N`` bandits, bit-identical to
    ``N`` single envs seeded ``s, s+1, ...``.

    ## Version History

    * v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": RENDER_FPS}

    def __init__(
        self,
        generator: ModelArg = None,
        discriminator: ModelArg = None,
        classifier: ModelArg = None,
        *,
        device: str | torch.device = "auto",
        render_mode: str | None = None,
        z_dim: int | None = None,
        num_arms: int = 100,
        arm_radius: float = 0.5,
        horizon: int = 1000,
        w_real: float = 1.0,
        w_attr: float = 0.0,
        target: Any = None,
        codebook_seed: int | None = None,
        mc_samples: int = 64,
        render_size: int = 128,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        cfg = LatentCodebookConfig(
            z_dim=z_dim, num_arms=num_arms, arm_radius=arm_radius, horizon=horizon, w_real=w_real,
            w_attr=w_attr, target=target, codebook_seed=codebook_seed, mc_samples=mc_samples,
            render_size=render_size,
        )  # fmt: skip
        self._core = _build_core(1, generator, discriminator, classifier, device, cfg)
        self.observation_space = _observation_space()
        self.action_space = spaces.Discrete(cfg.num_arms)
        self._has_codebook = False
        self._started = False

    @property
    def arm_means(self) -> np.ndarray:
        """Estimated mean reward of every arm, float64 ``[K]`` (a copy)."""
        return self._core.means[0].copy()

    @property
    def codebook(self) -> np.ndarray:
        """The arm centres, float32 ``[K, z_dim]``."""
        return self._core.latents[0].copy()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        _check_options(options)
        cfg = self.config
        if cfg.codebook_seed is not None:
            if not self._has_codebook:
                self._core.set_codebook(np.zeros(1, np.int64), self._core.draw_codebook(seeding.np_random(cfg.codebook_seed)[0]))
        elif seed is not None or not self._has_codebook:
            self._core.set_codebook(np.zeros(1, np.int64), self._core.draw_codebook(self.np_random))
        self._has_codebook = True
        info = self._core.restart(np.zeros(1, np.int64))
        self._started = True
        return np.zeros(1, np.float32), {k: v[0].item() for k, v in info.items()}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self._started:
            raise RuntimeError("LatentCodebookEnv.step() called before reset()")
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}: expected an integer arm in [0, {self.action_space.n})")
        batch = self._core.pull(np.asarray([action], dtype=np.int64), [self.np_random])
        info = {k: v[0].item() for k, v in batch.info.items()}
        return np.zeros(1, np.float32), float(batch.reward[0]), False, bool(batch.truncated[0]), info

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without render_mode; make the env with render_mode='rgb_array'")
            return None
        if not self._started:
            raise RuntimeError("LatentCodebookEnv.render() called before reset()")
        return self._core.render_frames()[0]


class LatentCodebookVectorEnv(CoreBacked[LatentCodebookConfig], VectorEnv):
    """``num_envs`` LatentCodebook-v0 bandits in one batched env (see :class:`LatentCodebookEnv`).

    Same keyword arguments as :class:`LatentCodebookEnv`, plus ``num_envs``. Next-step autoreset
    (``metadata["autoreset_mode"]``): the step after a truncation restarts that bandit's episode (same
    instance; reward 0, its info holds only ``best_arm``/``best_mean``, see the ``_key`` masks).
    ``reset(seed=s)`` seeds sub-env ``i`` with ``s + i``; each draws its own codebook unless
    ``codebook_seed`` is set, in which case all share one instance, estimated once.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": RENDER_FPS, "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        generator: ModelArg = None,
        discriminator: ModelArg = None,
        classifier: ModelArg = None,
        *,
        device: str | torch.device = "auto",
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.num_envs = check_positive_int(num_envs, "num_envs")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        cfg = LatentCodebookConfig.from_kwargs(kwargs)
        self._core = _build_core(self.num_envs, generator, discriminator, classifier, device, cfg)
        self.single_observation_space = _observation_space()
        self.single_action_space = spaces.Discrete(cfg.num_arms)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._rngs: list[np.random.Generator | None] = [None] * self.num_envs
        self._has_codebook = np.zeros(self.num_envs, dtype=bool)
        self._prev_done = np.zeros(self.num_envs, dtype=bool)
        self._started = False

    @property
    def arm_means(self) -> np.ndarray:
        """Estimated arm means, float64 ``[N, K]`` (a copy)."""
        return self._core.means.copy()

    def _obs(self) -> np.ndarray:
        return np.zeros((self.num_envs, 1), np.float32)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        _check_options(options)
        seeds = expand_seeds(seed, self.num_envs)
        if isinstance(seed, (int, np.integer)):
            super().reset(seed=int(seed))
        for i, s in enumerate(seeds):
            if s is not None or self._rngs[i] is None:
                self._rngs[i], _ = seeding.np_random(s)
        cfg, core = self.config, self._core
        if cfg.codebook_seed is not None:
            if not self._has_codebook.all():
                core.set_codebook(np.arange(self.num_envs), core.draw_codebook(seeding.np_random(cfg.codebook_seed)[0]))
        else:
            for i, s in enumerate(seeds):  # a new instance per seeded sub-env (and at the first reset)
                if s is not None or not self._has_codebook[i]:
                    core.set_codebook(np.array([i]), core.draw_codebook(self._rngs[i]))
        self._has_codebook[:] = True
        info = core.restart(np.arange(self.num_envs))
        self._prev_done[:] = False
        self._started = True
        out: dict[str, Any] = {}
        for key in RESET_INFO_KEYS:
            out[key], out[f"_{key}"] = info[key], np.ones(self.num_envs, dtype=bool)
        return self._obs(), out

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._started:
            raise RuntimeError("LatentCodebookVectorEnv.step() called before reset()")
        a = np.asarray(actions)
        k = self.single_action_space.n
        if a.shape != (self.num_envs,) or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"actions must be an integer array of shape ({self.num_envs},), got {a.dtype} {a.shape}")
        if a.min() < 0 or a.max() >= k:
            bad = int(a[(a < 0) | (a >= k)][0])
            raise ValueError(f"invalid action {bad}: every action must be an integer arm in [0, {k})")
        a = a.astype(np.int64, copy=False)
        core = self._core
        restarting = self._prev_done
        any_restart = bool(restarting.any())
        if any_restart:
            reset_info = core.restart(np.flatnonzero(restarting))
        batch = core.pull(a, self._rngs, None if not any_restart else ~restarting)
        reward, truncated = batch.reward, batch.truncated
        terminated = np.zeros(self.num_envs, dtype=bool)
        info: dict[str, Any] = {}
        moving = ~restarting
        for key in STEP_INFO_KEYS:
            info[key], info[f"_{key}"] = batch.info[key], moving.copy()
        if any_restart:
            reward[restarting] = 0.0
            truncated[restarting] = False
            for key in RESET_INFO_KEYS:
                info[key][restarting] = reset_info[key]
                info[f"_{key}"] = np.ones(self.num_envs, dtype=bool)
            for key in STEP_INFO_KEYS:
                if key in RESET_INFO_KEYS:
                    continue
                if moving.any():
                    info[key][restarting] = 0
                else:  # no sub-env pulled: as SyncVectorEnv batches it, the pull-only keys are absent
                    del info[key], info[f"_{key}"]
        self._prev_done = truncated.copy()
        return self._obs(), reward, terminated, truncated, info

    def render(self) -> tuple[np.ndarray, ...] | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without render_mode; make the env with render_mode='rgb_array'")
            return None
        if not self._started:
            raise RuntimeError("LatentCodebookVectorEnv.render() called before reset()")
        return tuple(self._core.render_frames())
