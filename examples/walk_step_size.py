"""How far can a 20-step LatentWalk get? The gradient-walk oracle at several step sizes delta.

    python examples/walk_step_size.py --deltas 0.25 0.5 1 2 --faces 16

For each ``delta`` it walks the benchmark's evaluation faces (``env.reset(seed=1_000_000 + i)``, the same start
faces and targets as ``gan-latent-env benchmark``) with ``GradientWalkOracle``, the white-box policy that takes
the +-delta move with the largest first-order score gain at every step, and prints the mean score gain,
sigma(D) of the start and delivered faces, and the attribute-match rate. It shows how much a walk policy is
limited by the action space itself (one coordinate by +-delta per step), whatever it learns.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from _common import model_kwargs, parser

import gan_latent_env  # noqa: F401  (registers the envs)
from agents.benchmark.walk_tasks import EVAL_SEED
from agents.gradient_walk import GradientWalkOracle


def walk_faces(env: gym.Env, faces: int) -> dict[str, float]:
    """Walk ``faces`` evaluation faces with the gradient-walk oracle; mean metrics."""
    cfg = env.unwrapped.config
    oracle = GradientWalkOracle(env.unwrapped.scorer, cfg.delta, cfg.z_bound)
    rows = []
    for i in range(faces):
        obs, info = env.reset(seed=EVAL_SEED + i)
        start = dict(info)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(oracle.act(obs))
            done = terminated or truncated
        rows.append((info["score"] - start["score"], start["realism"], info["realism"], info["matched_count"] / 18))
    gain, r0, r1, match = np.mean(rows, axis=0)
    return {"gain": gain, "realism_start": r0, "realism_end": r1, "match_rate": match}


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--deltas", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0])
    p.add_argument("--faces", type=int, default=16, help="evaluation faces (the full benchmark profile uses 16)")
    p.add_argument("--max-steps", type=int, default=20)
    args = p.parse_args()
    if args.smoke:
        args.deltas, args.faces, args.max_steps = args.deltas[:2], 1, 3
    print("delta | score gain | sigma(D) start -> end | match rate")
    for delta in args.deltas:
        env = gym.make("gan_latent_env:LatentWalk-v0", delta=delta, max_steps=args.max_steps, **model_kwargs(args))
        m = walk_faces(env, args.faces)
        env.close()
        print(f"{delta:g} | {m['gain']:.3f} | {m['realism_start']:.3f} -> {m['realism_end']:.3f} "
              f"(x{m['realism_end'] / m['realism_start']:.2f}) | {m['match_rate']:.3f}")


if __name__ == "__main__":
    main()
