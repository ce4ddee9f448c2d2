"""Throughput of the procedural face renderer on ONE CPU core.

Renders ``--n`` faces at ``--size`` in one batched call of :func:`render_faces` and, as references
measured in the same process on the same faces: (1) the naive renderer, each face painted whole on the
supersampled grid and area-averaged (:func:`render_faces_supersampled`, the exact render that the sprite
compositing approximates), and (2) the fast renderer called once per face (the cost of not batching).
numpy/torch are limited to one thread. The sprite tables are painted once beforehand (their one-off cost
is printed separately). Reports faces per CPU-second (process time: the per-core figure, robust to other
load on a shared machine) and per wall-clock second.

    python benchmarks/procedural_speed.py --n 4000 --size 64
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gan.data.procedural import render_faces, sample_attributes, sprite_tables  # noqa: E402
from gan.data.procedural.renderer import render_faces_supersampled  # noqa: E402


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="faces in the batched measurement")
    parser.add_argument("--n-loop", type=int, default=500, help="faces in the per-face reference loop")
    parser.add_argument("--n-naive", type=int, default=40, help="faces in the naive supersampled reference")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    torch.set_num_threads(1)

    wall, cpu = _timed(lambda: sprite_tables(args.size))
    print(f"sprite tables at {args.size}px painted once: {cpu:.2f} s CPU ({wall:.2f} s wall)")
    attrs = sample_attributes(args.n, np.random.default_rng(0))
    loop_attrs = attrs[: args.n_loop]

    batched = min((_timed(lambda: render_faces(attrs, args.size)) for _ in range(args.repeats)), key=lambda t: t[1])
    per_face = min(
        (_timed(lambda: [render_faces(loop_attrs[i : i + 1], args.size) for i in range(len(loop_attrs))])
         for _ in range(args.repeats)),
        key=lambda t: t[1],
    )
    naive = _timed(lambda: render_faces_supersampled(attrs[: args.n_naive], args.size))
    fps_cpu, fps_wall = args.n / batched[1], args.n / batched[0]
    loop_cpu, loop_wall = len(loop_attrs) / per_face[1], len(loop_attrs) / per_face[0]
    naive_cpu, naive_wall = args.n_naive / naive[1], args.n_naive / naive[0]
    print(f"batched render_faces, {args.n} faces at {args.size}x{args.size}, 1 thread:")
    print(f"  {fps_cpu:,.0f} faces per CPU-second ({fps_wall:,.0f} faces/s wall clock)")
    print(f"reference 1: naive supersampled render, one face at a time ({args.n_naive} faces):")
    print(f"  {naive_cpu:,.1f} faces per CPU-second ({naive_wall:,.1f} faces/s wall clock)")
    print(f"reference 2: render_faces called once per face ({len(loop_attrs)} faces):")
    print(f"  {loop_cpu:,.0f} faces per CPU-second ({loop_wall:,.0f} faces/s wall clock)")
    print(f"speed-up over the naive supersampled render: {fps_cpu / naive_cpu:,.0f}x (CPU time)")
    print(f"speed-up of batching over the per-face loop: {fps_cpu / loop_cpu:.1f}x (CPU time)")
    print(f"target >= 1,000 faces/s per core: {'met' if fps_cpu >= 1000 else 'NOT met'}")

if __name__ == "__main__":
    main()
