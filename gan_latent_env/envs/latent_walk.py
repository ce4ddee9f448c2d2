"""LatentWalk-v0: walk a DCGAN latent towards a realistic face with target attributes.

The dynamics live once, batched over ``N`` walks, in :class:`LatentWalkCore`; :class:`LatentWalkEnv` is its
``N = 1`` view and :class:`LatentWalkVectorEnv` the native batched env (``gym.make_vec``).
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

from gan.data.schema import NUM_ATTRIBUTES, ONE_HOT_DIM, one_hot
from gan_latent_env.envs._common import (
    CoreBacked,
    EnvConfig,
    check_bool,
    check_choice,
    check_finite,
    check_positive,
    check_positive_int,
    check_target,
    expand_seeds,
    images_to_uint8_hwc,
)
from gan_latent_env.envs._models import ModelArg, resolve_device, resolve_models
from gan_latent_env.scoring import LatentScorer, check_weights

logger = logging.getLogger(__name__)

__all__ = ["OBS_MODES", "REWARD_MODES", "LatentWalkConfig", "LatentWalkCore", "LatentWalkEnv", "LatentWalkVectorEnv"]

OBS_MODES: Final[tuple[str, ...]] = ("latent_target", "latent", "image", "dict")
REWARD_MODES: Final[tuple[str, ...]] = ("relative", "absolute")
AUTORESET_MODES: Final[dict[str, AutoresetMode]] = {
    "next_step": AutoresetMode.NEXT_STEP,
    "same_step": AutoresetMode.SAME_STEP,
}
RENDER_FPS: Final[int] = 4
INFO_KEYS: Final[tuple[str, ...]] = ("realism", "cosine", "score", "matched_count", "matched")


@dataclass(frozen=True)
class LatentWalkConfig(EnvConfig):
    """Every knob of LatentWalk-v0 except the models, device and render mode (see :class:`LatentWalkEnv`).

    :raises ValueError: naming the field on any bad value.
    """

    ENV_NAME: ClassVar[str] = "LatentWalk"

    z_dim: int | None = None
    delta: float = 0.25
    z_bound: float = 3.0
    max_steps: int = 20
    w_real: float = 0.7
    w_attr: float = 0.3
    reward_mode: str = "relative"
    reward_scale: float = 100.0
    obs_mode: str = "latent_target"
    terminate_on_match: bool = False
    match_bonus: float = 10.0
    target: tuple[int, ...] | None = None
    image_obs_size: int = 64
    render_size: int = 128
    render_target: bool = True

    def __post_init__(self) -> None:
        store = self._store
        if self.z_dim is not None:
            store("z_dim", check_positive_int(self.z_dim, "z_dim"))
        store("delta", check_positive(self.delta, "delta", float32=True))
        store("z_bound", check_positive(self.z_bound, "z_bound", float32=True))
        store("max_steps", check_positive_int(self.max_steps, "max_steps"))
        w_real, w_attr = check_weights(self.w_real, self.w_attr)
        store("w_real", w_real)
        store("w_attr", w_attr)
        store("reward_mode", check_choice(self.reward_mode, "reward_mode", REWARD_MODES))
        store("reward_scale", check_positive(self.reward_scale, "reward_scale", float32=True))
        store("obs_mode", check_choice(self.obs_mode, "obs_mode", OBS_MODES))
        store("terminate_on_match", check_bool(self.terminate_on_match, "terminate_on_match"))
        store("match_bonus", check_finite(self.match_bonus, "match_bonus", float32=True))
        if self.target is not None:
            store("target", tuple(int(v) for v in check_target(self.target, "target")))
        store("image_obs_size", check_positive_int(self.image_obs_size, "image_obs_size"))
        store("render_size", check_positive_int(self.render_size, "render_size"))
        store("render_target", check_bool(self.render_target, "render_target"))
        if self.delta > 2 * self.z_bound:
            raise ValueError(f"delta={self.delta} is larger than the whole range [-z_bound, z_bound] = 2 * {self.z_bound}")


class WalkBatch(NamedTuple):
    """Host (numpy) results of one batched evaluation of ``N`` walks."""

    obs: np.ndarray | dict[str, np.ndarray]
    reward: np.ndarray  # float64 [N]
    terminated: np.ndarray  # bool [N]
    truncated: np.ndarray  # bool [N]
    info: dict[str, np.ndarray]


TARGET_BATCH: Final[int] = 32
"""Random targets are drawn from a walk's generator this many at a time and used in order (one call of
``sample_attributes`` per 32 episodes instead of one per episode: the per-episode draw dominated the vector
env's own overhead)."""


class TargetQueue:
    """Random targets of one walk, drawn ``TARGET_BATCH`` at a time from its generator."""

    def __init__(self) -> None:
        self._buffer: np.ndarray | None = None
        self._pos = 0

    def clear(self) -> None:
        """Forget the drawn targets (at a reset with a new seed)."""
        self._buffer = None

    def next(self, rng: np.random.Generator) -> np.ndarray:
        from gan.data.procedural.sampler import sample_attributes

        if self._buffer is None or self._pos >= len(self._buffer):
            self._buffer, self._pos = sample_attributes(TARGET_BATCH, rng), 0
        target = self._buffer[self._pos]
        self._pos += 1
        return target


def _draw_start(
    rng: np.random.Generator, z_dim: int, z_bound: float, target: np.ndarray | None, queue: TargetQueue
) -> tuple[np.ndarray, np.ndarray]:
    """One walk's start: ``z ~ N(0, I)`` clipped to ``[-z_bound, z_bound]`` (float32), then the target
    (the next from the walk's queue, drawn with CartoonSet's attribute frequencies, unless given). Draw
    order is part of the seeding contract."""
    z = np.clip(rng.standard_normal(z_dim), -z_bound, z_bound).astype(np.float32)
    tgt = target if target is not None else queue.next(rng)
    return z, tgt


class LatentWalkCore:
    """Batched state and dynamics of ``N`` latent walks: the one implementation behind both env classes.

    State on the device: ``z`` float32 ``[N, z_dim]``, the targets' one-hot ``[N, 217]`` and indices
    ``[N, 18]``. State on the host: the previous score (float64 ``[N]``), the step counters, the targets.
    One call of :meth:`advance` applies the actions, runs one batched G/D/C forward (:class:`LatentScorer`)
    and copies one packed tensor to the host.
    """

    def __init__(self, scorer: LatentScorer, config: LatentWalkConfig, num_envs: int, device: torch.device) -> None:
        self.scorer = scorer
        self.config = config
        self.num_envs = num_envs
        self.device = device
        self.z_dim = scorer.z_dim
        n = num_envs
        self.z = torch.zeros(n, self.z_dim, dtype=torch.float32, device=device)
        self.target = np.zeros((n, NUM_ATTRIBUTES), dtype=np.int64)
        self.target_one_hot = np.zeros((n, ONE_HOT_DIM), dtype=np.float32)
        self._target_dev = torch.zeros(n, ONE_HOT_DIM, dtype=torch.float32, device=device)
        self._target_idx_dev = torch.zeros(n, NUM_ATTRIBUTES, dtype=torch.int64, device=device)
        self.prev_score = np.zeros(n, dtype=np.float64)
        self.steps = np.zeros(n, dtype=np.int64)
        self._rows = torch.arange(n, device=device)
        self._need_images = config.obs_mode in ("image", "dict")
        self.z_host = np.zeros((n, self.z_dim), dtype=np.float32)

    # -- spaces -------------------------------------------------------------------------------------
    def single_observation_space(self) -> spaces.Space:
        cfg, b = self.config, float(self.config.z_bound)
        latent = spaces.Box(-b, b, (self.z_dim,), np.float32)
        target = spaces.Box(0.0, 1.0, (ONE_HOT_DIM,), np.float32)
        s = cfg.image_obs_size
        image = spaces.Box(0, 255, (s, s, 3), np.uint8)
        if cfg.obs_mode == "latent":
            return latent
        if cfg.obs_mode == "image":
            return image
        if cfg.obs_mode == "dict":
            return spaces.Dict({"latent": latent, "target": target, "image": image})
        low = np.concatenate([np.full(self.z_dim, -b, np.float32), np.zeros(ONE_HOT_DIM, np.float32)])
        high = np.concatenate([np.full(self.z_dim, b, np.float32), np.ones(ONE_HOT_DIM, np.float32)])
        return spaces.Box(low, high, dtype=np.float32)

    def single_action_space(self) -> spaces.Discrete:
        return spaces.Discrete(2 * self.z_dim)

    # -- state --------------------------------------------------------------------------------------
    def set_rows(self, rows: np.ndarray, z: np.ndarray, targets: np.ndarray) -> None:
        """Start new walks in ``rows`` (int indices) from ``z [k, z_dim]`` with ``targets [k, 18]``."""
        oh = one_hot(targets)
        self.target[rows] = targets
        self.target_one_hot[rows] = oh
        rows_dev = torch.from_numpy(rows).to(self.device)
        self.z[rows_dev] = torch.from_numpy(z).to(self.device)
        self._target_dev[rows_dev] = torch.from_numpy(oh).to(self.device)
        self._target_idx_dev[rows_dev] = torch.from_numpy(targets).to(self.device)
        self.steps[rows] = 0

    def apply_actions(self, actions: np.ndarray, moving: np.ndarray | None = None) -> None:
        """``z[i, a % z_dim] += +delta (a < z_dim) or -delta``, clipped; only rows where ``moving``."""
        a = torch.from_numpy(actions).to(self.device)
        coord = torch.remainder(a, self.z_dim)
        step = torch.where(a < self.z_dim, self.config.delta, -self.config.delta).to(torch.float32)
        if moving is not None:
            step = torch.where(torch.from_numpy(moving).to(self.device), step, 0.0)
        b = self.config.z_bound
        self.z[self._rows, coord] = (self.z[self._rows, coord] + step).clamp_(-b, b)

    # -- evaluation ---------------------------------------------------------------------------------
    def _evaluate(self, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """One batched forward of ``rows`` (all when None); returns the packed host array
        ``[k, z_dim + 3 + 18]`` (z, realism, cosine, score, matched) and the uint8 images if needed."""
        z, tgt, idx = self.z, self._target_dev, self._target_idx_dev
        if rows is not None:
            r = torch.from_numpy(rows).to(self.device)
            z, tgt, idx = z[r], tgt[r], idx[r]
        with torch.inference_mode():
            out = self.scorer(z, tgt, target_attributes=idx, return_images=self._need_images)
            packed = torch.cat(
                [z, torch.stack([out.realism, out.cosine, out.score], dim=1), out.matched.to(torch.float32)], dim=1
            ).cpu().numpy()
            images = None
            if self._need_images:
                images = images_to_uint8_hwc(out.images, self.config.image_obs_size).cpu().numpy()
        return packed, images

    def _observe(self, z: np.ndarray, targets_oh: np.ndarray, images: np.ndarray | None) -> np.ndarray | dict[str, np.ndarray]:
        mode = self.config.obs_mode
        if mode == "latent":
            return z.copy()
        if mode == "image":
            return images
        if mode == "dict":
            return {"latent": z.copy(), "target": targets_oh.copy(), "image": images}
        return np.concatenate([z, targets_oh], axis=1)

    def _unpack(self, packed: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        d = self.z_dim
        z = np.ascontiguousarray(packed[:, :d])
        matched = packed[:, d + 3 :] > 0.5
        info = {
            "realism": packed[:, d].astype(np.float64),
            "cosine": packed[:, d + 1].astype(np.float64),
            "score": packed[:, d + 2].astype(np.float64),
            "matched_count": matched.sum(axis=1).astype(np.int64),
            "matched": matched,
        }
        return z, info

    def advance(self, actions: np.ndarray | None, reset_mask: np.ndarray | None = None) -> WalkBatch:
        """Apply ``actions`` to every row not in ``reset_mask`` (rows in it were just started with
        :meth:`set_rows`; ``actions=None`` means every row was just started), evaluate all rows in one
        batched forward, and return observations, rewards, flags and infos for all rows.

        Rows that were just started get reward 0 and both flags False, as Gymnasium's next-step autoreset
        defines the reset step.
        """
        cfg = self.config
        started = np.ones(self.num_envs, dtype=bool) if actions is None else reset_mask
        if actions is not None:
            self.apply_actions(actions, None if reset_mask is None else ~reset_mask)
            self.steps += 1
        packed, images = self._evaluate(None)
        z, info = self._unpack(packed)
        self.z_host = z
        score = info["score"]
        if cfg.reward_mode == "relative":
            reward = (score - self.prev_score) * cfg.reward_scale
        else:
            reward = score * cfg.reward_scale
        terminated = info["matched_count"] == NUM_ATTRIBUTES if cfg.terminate_on_match else np.zeros(self.num_envs, bool)
        reward = np.where(terminated, reward + cfg.match_bonus, reward)
        truncated = self.steps >= cfg.max_steps
        if started is not None:
            self.steps[started] = 0
            reward[started] = 0.0
            terminated[started] = False
            truncated[started] = False
        self.prev_score = score.copy()
        obs = self._observe(z, self.target_one_hot, images)
        return WalkBatch(obs, reward, terminated, truncated, info)

    def evaluate_rows(self, rows: np.ndarray) -> WalkBatch:
        """Evaluate only ``rows`` (just started with :meth:`set_rows`): their reset observations and infos.

        Used by same-step autoreset; the batch-invariant scorer makes this agree bit for bit with
        evaluating them inside a full batch.
        """
        packed, images = self._evaluate(rows)
        z, info = self._unpack(packed)
        self.z_host[rows] = z
        self.prev_score[rows] = info["score"]
        self.steps[rows] = 0
        k = len(rows)
        obs = self._observe(z, self.target_one_hot[rows], images)
        return WalkBatch(obs, np.zeros(k), np.zeros(k, bool), np.zeros(k, bool), info)

    def render_frames(self) -> np.ndarray:
        """uint8 ``[N, H, W, 3]``: each current face at ``render_size``, beside its target face drawn by the
        procedural renderer when ``render_target`` is on (then ``W = 2 * H``)."""
        size = self.config.render_size
        with torch.inference_mode():
            faces = images_to_uint8_hwc(self.scorer.generator(self.z), size).cpu().numpy()
        if not self.config.render_target:
            return faces
        from gan.data.procedural.renderer import render_faces

        return np.concatenate([faces, render_faces(self.target, size=size)], axis=2)


def _build_core(
    num_envs: int,
    generator: ModelArg,
    discriminator: ModelArg,
    classifier: ModelArg,
    device: str | torch.device,
    config: LatentWalkConfig,
) -> LatentWalkCore:
    dev = resolve_device(device)
    g, d, c = resolve_models(generator, discriminator, classifier, dev)
    scorer = LatentScorer(g, d, c, w_real=config.w_real, w_attr=config.w_attr)
    if config.z_dim is not None and config.z_dim != scorer.z_dim:
        raise ValueError(
            f"z_dim={config.z_dim} does not match the generator's z_dim={scorer.z_dim} "
            f"(the action space is Discrete(2 * z_dim))"
        )
    return LatentWalkCore(scorer, config, num_envs, dev)


def _option_target(options: dict[str, Any] | None, batch: int | None) -> np.ndarray | None:
    if not options:
        return None
    unknown = sorted(set(options) - {"target"})
    if unknown:
        raise ValueError(f"options: unknown key(s) {unknown}; LatentWalk accepts {{'target': [18 ints]}}")
    return check_target(options["target"], "options['target']", batch=batch)


class LatentWalkEnv(CoreBacked[LatentWalkConfig], gym.Env[np.ndarray, int]):
    """
    ## Description

    Walk the latent code ``z`` of a DCGAN generator, one coordinate at a time, towards a face that the
    discriminator finds realistic and that the attribute classifier reads as a target attribute vector
    (18 CartoonSet attributes). Models: the bundled pretrained generator, discriminator and classifier
    (``gan.pretrained.load()``) unless others are given.

    ## Action Space

    ``Discrete(2 * z_dim)`` (200 for the bundled ``z_dim = 100``): action ``a < z_dim`` adds ``delta`` to
    ``z[a]``; action ``a >= z_dim`` subtracts ``delta`` from ``z[a - z_dim]``. ``z`` is then clipped to
    ``[-z_bound, z_bound]``. Anything else raises ``ValueError``.

    ## Observation Space

    By ``obs_mode``:

    - ``"latent_target"`` (default): float32 ``Box`` of shape ``(z_dim + 217,)``: ``z`` in
      ``[-z_bound, z_bound]`` followed by the target's 217-dim one-hot (18 blocks, schema order).
    - ``"latent"``: float32 ``Box(-z_bound, z_bound, (z_dim,))``.
    - ``"image"``: uint8 ``Box(0, 255, (image_obs_size, image_obs_size, 3))`` of ``G(z)`` (64x64 by default).
    - ``"dict"``: ``Dict(latent=..., target=..., image=...)`` of the three above.

    ## Rewards

    ``score = w_real * sigmoid(D(G(z))) + w_attr * cos(C(G(z)), target_one_hot)`` (defaults 0.7 / 0.3;
    ``C(.)`` is the classifier's per-attribute softmax). With ``reward_mode="relative"`` (default) the reward
    is ``(score_t - score_{t-1}) * reward_scale`` (``reward_scale = 100``), so an episode's return is the
    improvement over the start; with ``"absolute"`` it is ``score_t * reward_scale``. When
    ``terminate_on_match`` ends an episode, ``match_bonus`` is added to that step's reward.

    ## Starting State

    ``z ~ N(0, I)`` from the reset seed, clipped to ``[-z_bound, z_bound]``; then the target, drawn with
    CartoonSet's attribute frequencies (``gan.data.procedural.sample_attributes``, 32 targets at a time
    from the env's generator, used in order), unless a fixed
    ``target`` was given to the constructor or ``reset(options={"target": [18 ints]})`` gives one.

    ## Episode End

    1. Truncation: after ``max_steps`` steps (20). The env truncates itself: it is registered without a
       ``TimeLimit`` (``max_episode_steps=None``), so ``max_steps`` is the one episode-length knob.
    2. Termination (only with ``terminate_on_match=True``): the classifier's argmax matches every one of
       the 18 target attributes.

    ``info`` (at reset and every step): ``realism``, ``cosine``, ``score`` (floats), ``matched_count`` (int)
    and ``matched`` (bool ``[18]``, per attribute).

    ## Arguments

    | Parameter | Default | Description |
    |---|---|---|
    | ``generator``, ``discriminator``, ``classifier`` | ``None`` | path to a ``.safetensors`` model file or an ``nn.Module`` (never changed: used as-is, shared, when in eval mode on ``device``, else copied there in eval mode); ``None``: bundled |
    | ``device`` | ``"auto"`` | ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda[:N]"`` |
    | ``render_mode`` | ``None`` | ``"rgb_array"``: uint8 ``HxWx3`` frames |
    | ``z_dim`` | ``None`` | expected latent size; ``ValueError`` if the generator's differs |
    | ``delta`` | 0.25 | step size (> 0) |
    | ``z_bound`` | 3.0 | ``z`` is clipped to ``[-z_bound, z_bound]`` |
    | ``max_steps`` | 20 | episode length |
    | ``w_real``, ``w_attr`` | 0.7, 0.3 | score weights (>= 0, not both 0) |
    | ``reward_mode`` | ``"relative"`` | ``"relative"`` or ``"absolute"`` |
    | ``reward_scale`` | 100.0 | reward multiplier (> 0) |
    | ``obs_mode`` | ``"latent_target"`` | see Observation Space |
    | ``terminate_on_match`` | ``False`` | end the episode when all 18 attributes match |
    | ``match_bonus`` | 10.0 | reward added on that termination |
    | ``target`` | ``None`` | a fixed target for every episode (18 variant indices) |
    | ``image_obs_size`` | 64 | side of image observations |
    | ``render_size`` | 128 | side of each rendered face |
    | ``render_target`` | ``True`` | render the target face (procedural renderer) beside the current one |

    ``env.unwrapped`` exposes ``z`` (float32 ``[z_dim]``), ``target`` (int64 ``[18]``), ``scorer`` (the
    :class:`~gan_latent_env.scoring.LatentScorer`) and ``config``.

    ## Vectorized environment

    ``gym.make_vec("LatentWalk-v0", num_envs=N, vectorization_mode="vector_entry_point")`` gives a
    :class:`LatentWalkVectorEnv`: one batched forward for all ``N`` walks, bit-identical to ``N`` single envs
    seeded ``s, s+1, ...``.

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
        delta: float = 0.25,
        z_bound: float = 3.0,
        max_steps: int = 20,
        w_real: float = 0.7,
        w_attr: float = 0.3,
        reward_mode: str = "relative",
        reward_scale: float = 100.0,
        obs_mode: str = "latent_target",
        terminate_on_match: bool = False,
        match_bonus: float = 10.0,
        target: Any = None,
        image_obs_size: int = 64,
        render_size: int = 128,
        render_target: bool = True,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        cfg = LatentWalkConfig(
            z_dim=z_dim, delta=delta, z_bound=z_bound, max_steps=max_steps, w_real=w_real, w_attr=w_attr,
            reward_mode=reward_mode, reward_scale=reward_scale, obs_mode=obs_mode,
            terminate_on_match=terminate_on_match, match_bonus=match_bonus, target=target,
            image_obs_size=image_obs_size, render_size=render_size, render_target=render_target,
        )  # fmt: skip
        self._core = _build_core(1, generator, discriminator, classifier, device, cfg)
        self.observation_space = self._core.single_observation_space()
        self.action_space = self._core.single_action_space()
        self._fixed_target = None if cfg.target is None else np.asarray(cfg.target, dtype=np.int64)
        self._targets = TargetQueue()
        self._started = False

    @property
    def z(self) -> np.ndarray:
        """Current latent, float32 ``[z_dim]`` (a copy)."""
        return self._core.z_host[0].copy()

    @property
    def target(self) -> np.ndarray:
        """Current target attributes, int64 ``[18]`` (a copy)."""
        return self._core.target[0].copy()

    @staticmethod
    def _row(batch: WalkBatch) -> tuple[Any, dict[str, Any]]:
        obs = {k: v[0] for k, v in batch.obs.items()} if isinstance(batch.obs, dict) else batch.obs[0]
        info = batch.info
        return obs, {
            "realism": float(info["realism"][0]),
            "cosine": float(info["cosine"][0]),
            "score": float(info["score"][0]),
            "matched_count": int(info["matched_count"][0]),
            "matched": info["matched"][0].copy(),
        }

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self._targets.clear()
        target = _option_target(options, None)
        if target is None:
            target = self._fixed_target
        z, tgt = _draw_start(self.np_random, self._core.z_dim, self.config.z_bound, target, self._targets)
        self._core.set_rows(np.zeros(1, dtype=np.int64), z[None], tgt[None])
        self._started = True
        return self._row(self._core.advance(None))

    def step(self, action: int) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if not self._started:
            raise RuntimeError("LatentWalkEnv.step() called before reset()")
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}: expected an integer in [0, {self.action_space.n})")
        batch = self._core.advance(np.asarray([action], dtype=np.int64))
        obs, info = self._row(batch)
        return obs, float(batch.reward[0]), bool(batch.terminated[0]), bool(batch.truncated[0]), info

    def render(self) -> np.ndarray | None:
        """uint8 ``[render_size, render_size (x2 with the target), 3]`` of the current face, or ``None``
        without ``render_mode="rgb_array"``."""
        if self.render_mode is None:
            gym.logger.warn("render() called without render_mode; make the env with render_mode='rgb_array'")
            return None
        if not self._started:
            raise RuntimeError("LatentWalkEnv.render() called before reset()")
        return self._core.render_frames()[0]


class LatentWalkVectorEnv(CoreBacked[LatentWalkConfig], VectorEnv):
    """``num_envs`` LatentWalk-v0 walks in one batched env (see :class:`LatentWalkEnv` for the env itself).

    Takes the same keyword arguments as :class:`LatentWalkEnv`, plus ``num_envs`` and ``autoreset_mode``
    (``"next_step"``: Gymnasium's default; ``"same_step"``: finished walks restart within the same
    ``step()``, their last observation and info in ``info["final_obs"]`` / ``info["final_info"]``, with
    ``None`` / zeros in the rows that did not finish, as ``SyncVectorEnv`` fills them; used by the SB3
    adapter). ``metadata["autoreset_mode"]`` declares the mode.

    Per step: the actions go to the device once, one G/D/C forward runs on all walks, one packed tensor
    comes back. ``reset(seed=s)`` seeds sub-env ``i`` with ``s + i`` (a list gives one seed each), and
    each sub-env draws its starts from its own generator, so sub-env ``i`` is bit-identical to
    ``LatentWalkEnv`` reset with seed ``s + i`` and given the same actions (on CPU; see
    :mod:`gan_latent_env.scoring`). ``reset(options={"target": t})`` takes ``[18]`` (all) or ``[N, 18]``.
    ``info`` holds float64 ``realism``/``cosine``/``score`` ``[N]``, int64 ``matched_count`` ``[N]`` and
    bool ``matched`` ``[N, 18]``, each with its ``_key`` mask, as ``SyncVectorEnv`` would batch them.
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
        autoreset_mode: str = "next_step",
        **kwargs: Any,
    ) -> None:
        self.num_envs = check_positive_int(num_envs, "num_envs")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        check_choice(autoreset_mode, "autoreset_mode", tuple(AUTORESET_MODES))
        self.metadata = {**type(self).metadata, "autoreset_mode": AUTORESET_MODES[autoreset_mode]}
        self.autoreset_mode = AUTORESET_MODES[autoreset_mode]
        self.render_mode = render_mode
        cfg = LatentWalkConfig.from_kwargs(kwargs)
        self._core = _build_core(self.num_envs, generator, discriminator, classifier, device, cfg)
        self.single_observation_space = self._core.single_observation_space()
        self.single_action_space = self._core.single_action_space()
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._fixed_target = None if cfg.target is None else np.asarray(cfg.target, dtype=np.int64)
        self._rngs: list[np.random.Generator | None] = [None] * self.num_envs
        self._targets = [TargetQueue() for _ in range(self.num_envs)]
        self._prev_done = np.zeros(self.num_envs, dtype=bool)
        self._started = False

    @property
    def z(self) -> np.ndarray:
        """Current latents, float32 ``[N, z_dim]`` (a copy)."""
        return self._core.z_host.copy()

    @property
    def target(self) -> np.ndarray:
        """Current targets, int64 ``[N, 18]`` (a copy)."""
        return self._core.target.copy()

    @property
    def sub_env_np_randoms(self) -> list[np.random.Generator | None]:
        """Each sub-env's generator (what ``env.np_random`` is for the single env)."""
        return list(self._rngs)

    def _start(self, rows: np.ndarray, targets: np.ndarray | None) -> None:
        """Draw new starts for ``rows`` from each row's own generator and set them (the only per-env loop)."""
        d, b = self._core.z_dim, self.config.z_bound
        zs = np.empty((len(rows), d), dtype=np.float32)
        ts = np.empty((len(rows), NUM_ATTRIBUTES), dtype=np.int64)
        for k, i in enumerate(rows):
            fixed = targets[k] if targets is not None else self._fixed_target
            zs[k], ts[k] = _draw_start(self._rngs[i], d, b, fixed, self._targets[i])
        self._core.set_rows(rows, zs, ts)

    def _info(self, info: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for key in INFO_KEYS:
            out[key] = info[key]
            out[f"_{key}"] = np.ones(self.num_envs, dtype=bool)
        return out

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        seeds = expand_seeds(seed, self.num_envs)
        if isinstance(seed, (int, np.integer)):
            super().reset(seed=int(seed))
        for i, s in enumerate(seeds):
            if s is not None or self._rngs[i] is None:
                self._rngs[i], _ = seeding.np_random(s)
                self._targets[i].clear()
        targets = _option_target(options, self.num_envs)
        self._start(np.arange(self.num_envs), targets)
        batch = self._core.advance(None)
        self._prev_done[:] = False
        self._started = True
        return batch.obs, self._info(batch.info)

    def _check_actions(self, actions: Any) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(
                f"actions must be an integer array of shape ({self.num_envs},), got {a.dtype} {a.shape}"
            )
        n = self.single_action_space.n
        if a.min() < 0 or a.max() >= n:
            bad = int(a[(a < 0) | (a >= n)][0])
            raise ValueError(f"invalid action {bad}: every action must be an integer in [0, {n})")
        return a.astype(np.int64, copy=False)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._started:
            raise RuntimeError("LatentWalkVectorEnv.step() called before reset()")
        a = self._check_actions(actions)
        core = self._core
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and self._prev_done.any():
            rows = np.flatnonzero(self._prev_done)
            self._start(rows, None)
            batch = core.advance(a, self._prev_done.copy())
        else:
            batch = core.advance(a)
        done = batch.terminated | batch.truncated
        info = self._info(batch.info)
        obs = batch.obs
        if self.autoreset_mode == AutoresetMode.SAME_STEP and done.any():
            rows = np.flatnonzero(done)
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in rows:
                final_obs[i] = {k: v[i].copy() for k, v in obs.items()} if isinstance(obs, dict) else obs[i].copy()
            final_info: dict[str, np.ndarray] = {}
            for key in INFO_KEYS:  # as SyncVectorEnv batches it: zeros in the rows that did not finish
                final_info[key] = np.zeros_like(info[key])
                final_info[key][rows] = info[key][rows]
                final_info[f"_{key}"] = done.copy()
            self._start(rows, None)
            fresh = core.evaluate_rows(rows)
            for key in INFO_KEYS:
                info[key][rows] = fresh.info[key]
            if isinstance(obs, dict):
                for k in obs:
                    obs[k][rows] = fresh.obs[k]
            else:
                obs[rows] = fresh.obs
            info["final_obs"], info["_final_obs"] = final_obs, done.copy()
            info["final_info"], info["_final_info"] = final_info, done.copy()
        self._prev_done = done
        return obs, batch.reward, batch.terminated, batch.truncated, info

    def render(self) -> tuple[np.ndarray, ...] | None:
        """One uint8 ``HxWx3`` frame per sub-env (see :meth:`LatentWalkEnv.render`)."""
        if self.render_mode is None:
            gym.logger.warn("render() called without render_mode; make the env with render_mode='rgb_array'")
            return None
        if not self._started:
            raise RuntimeError("LatentWalkVectorEnv.render() called before reset()")
        return tuple(self._core.render_frames())
