"""The batched gradient-ascent oracle against one face at a time, on the bundled LatentWalk models.

Runs, in one process, ``gradient_ascent`` on ``--alone`` evaluation faces one at a time and
``gradient_ascent_batch`` on ``--faces`` faces in one batch (the benchmark's evaluation faces:
``env.reset(seed=1_000_000 + i)``), each for ``--steps`` steps, alternating ``--repeats`` times; prints the
median time per face-step of each, their ratio, and the largest difference between the batched curves and
the one-face curves of the same faces (0.0 when the batch changes nothing).

Example::

    python benchmarks/gradient_ascent_batch.py --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np
import torch

import gan_latent_env  # noqa: F401  (registers the ids)
from agents.baselines import gradient_ascent_batch, run_search, scorer_objective
from agents.benchmark.walk_tasks import EVAL_SEED
from gan.data.schema import one_hot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=16, help="faces in the batch (the full profile's 16)")
    parser.add_argument("--alone", type=int, default=4, help="of those, faces also run one at a time")
    parser.add_argument("--steps", type=int, default=40, help="gradient steps (generator calls) per face")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if not 1 <= args.alone <= args.faces:
        parser.error(f"--alone must be in [1, --faces={args.faces}], got {args.alone}")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    env = gym.make("gan_latent_env:LatentWalk-v0")
    scorer = env.unwrapped.scorer
    starts = []
    for i in range(args.faces):
        env.reset(seed=EVAL_SEED + i)
        starts.append((torch.as_tensor(env.unwrapped.z), torch.as_tensor(one_hot(env.unwrapped.target))))
    z0s, targets = (torch.stack(t) for t in zip(*starts))
    alone_s, batch_s = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        alone = [run_search("gradient_ascent", scorer_objective(scorer, t), z, args.steps, seed=0)
                 for z, t in starts[: args.alone]]
        t1 = time.perf_counter()
        batched = gradient_ascent_batch(lambda z: scorer(z, targets), z0s, args.steps)
        t2 = time.perf_counter()
        alone_s.append((t1 - t0) / (args.alone * args.steps))
        batch_s.append((t2 - t1) / (args.faces * args.steps))
    a, b = statistics.median(alone_s), statistics.median(batch_s)
    diff = max(float(np.abs(x.curve - y.curve).max()) for x, y in zip(alone, batched))
    print(f"threads {torch.get_num_threads()}, {args.steps} steps, median of {args.repeats}")
    print(f"one face at a time: {1e3 * a:.1f} ms per face-step")
    print(f"{args.faces} faces in one batch: {1e3 * b:.1f} ms per face-step")
    print(f"batched speed-up: {a / b:.2f}x; largest curve difference vs one at a time: {diff:.3g}")


if __name__ == "__main__":
    main()
