"""HyperparamTune-v0 overhead over the bare training loop of the same batches.

Runs, in one process and on the same instance, (a) the bare loop: ``GANTrainer.train_step()`` for
``steps x batches_per_step`` batches with the same hyperparameter changes and nothing else, and (b) the env:
``env.step(action)`` ``steps`` times, which trains exactly the same batches and adds the per-step
measurement (samples on the fixed latents, classifier features, Fréchet distance, diversity) and the
observation. The two are interleaved ``--repeats`` times and the medians compared, so background load
affects both alike. The overhead target of issue 6 is ``env / bare - 1 <= 15%``.

The reset (trainer construction, the initial Fréchet distance and probe batch) is timed and printed
separately: it happens once per episode, not per step.

Example::

    python benchmarks/hyperparam_overhead.py --preset tiny --threads 2
    python benchmarks/hyperparam_overhead.py --preset reference --steps 1 --repeats 1 --classifier-init random

Without the bundled weights use ``--classifier-init random``: a freshly initialised classifier with the
bundled architecture (``gan.presets`` ``cartoon64``: 64 px input, 256 features), so the measurement costs
the same as with the trained weights (the values of the distance differ, the time does not).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
import torch

from gan.trainer import GANTrainer
from gan_latent_env.envs.hyperparam_tune import HyperparamTuneEnv


def _classifier(init: str) -> Any:
    if init == "bundled":
        return None  # the env loads gan.pretrained (and fails clearly when the weights are absent)
    from gan.models import AttributeClassifier
    from gan.presets import CLASSIFIER_PRESETS

    return AttributeClassifier(CLASSIFIER_PRESETS["cartoon64"].config.model, seed=0)


def _bare(env: HyperparamTuneEnv, seed: int, actions: np.ndarray) -> tuple[float, float]:
    """Wall and process-CPU seconds of the bare loop: the same trainer, hyperparameter changes and batches."""
    trainer = GANTrainer(env.train_config(seed), env.data, run_dir=None, device=env.device, progress=False)
    start, cpu = time.perf_counter(), time.process_time()
    for a in actions:
        lr, beta1 = env.action_to_hyperparams(a)
        trainer.set_hyperparams(lr=lr, beta1=beta1)
        for _ in range(env.preset.batches_per_step):
            trainer.train_step()
    return time.perf_counter() - start, time.process_time() - cpu


def _env(env: HyperparamTuneEnv, actions: np.ndarray) -> tuple[float, float, float, int]:
    """Wall seconds of the reset, wall and process-CPU seconds of the steps, and the number of steps run."""
    start = time.perf_counter()
    env.reset(seed=0, options={"instance_index": 0})
    reset_s = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    done = 0
    for a in actions:
        _, _, terminated, truncated, _ = env.step(a)
        done += 1
        if terminated or truncated:
            break
    return reset_s, time.perf_counter() - start, time.process_time() - cpu, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny", choices=["tiny", "reference"])
    parser.add_argument("--steps", type=int, default=None, help="env steps per run (default: the preset's budget)")
    parser.add_argument("--batches-per-step", type=int, default=None, help="override the preset's batches per step")
    parser.add_argument("--num-faces", type=int, default=None,
                        help="override the preset's training-set size (cheaper construction; the per-batch cost is the same)")
    parser.add_argument("--project-batches", type=int, default=None,
                        help="also print the ratio projected to this many batches per step from the measured "
                             "per-batch and per-step costs (for running the reference preset with fewer batches)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved bare/env runs (medians are compared)")
    parser.add_argument("--classifier-init", default="bundled", choices=["bundled", "random"])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    kwargs: dict[str, Any] = {"preset": args.preset, "device": args.device, "classifier": _classifier(args.classifier_init)}
    if args.batches_per_step is not None:
        kwargs["batches_per_step"] = args.batches_per_step
    if args.num_faces is not None:
        kwargs["num_faces"] = args.num_faces
    t0 = time.perf_counter()
    env = HyperparamTuneEnv(**kwargs)
    build_s = time.perf_counter() - t0
    steps = args.steps if args.steps is not None else env.preset.max_steps
    if not 1 <= steps <= env.preset.max_steps:
        parser.error(f"--steps must be in [1, {env.preset.max_steps}] (the preset's budget)")
    actions = np.random.default_rng(0).uniform(-1.0, 1.0, size=(steps, 2)).astype(np.float32)
    seed = env.instances.seeds[0]

    bare_s, env_s, reset_s, bare_cpu, env_cpu = [], [], [], [], []
    for _ in range(args.repeats):
        b, bc = _bare(env, seed, actions)
        bare_s.append(b)
        bare_cpu.append(bc)
        r, e, ec, done = _env(env, actions)
        if done != steps:
            raise SystemExit(f"the episode ended after {done} of {steps} steps (diverged?): timing not comparable")
        reset_s.append(r)
        env_s.append(e)
        env_cpu.append(ec)

    batches = steps * env.preset.batches_per_step
    bare, full, reset = statistics.median(bare_s), statistics.median(env_s), statistics.median(reset_s)
    p = env.preset
    print(f"HyperparamTune-v0 overhead, preset {args.preset!r}: image {p.image_size}, ngf {p.ngf}, ndf {p.ndf}, "
          f"batch {p.batch_size}, {p.batches_per_step} batches/step, FD on {p.fd_sample_size} samples, "
          f"classifier {args.classifier_init} ({env.classifier.config.image_size} px)")
    print(f"device {env.device}, torch threads {torch.get_num_threads()}, {steps} steps = {batches} batches, "
          f"{args.repeats} interleaved repeats (medians); env construction {build_s:.2f} s (once per env)")
    print(f"bare training loop : {bare:8.3f} s  ({1000 * bare / batches:.1f} ms/batch)")
    print(f"env steps          : {full:8.3f} s  ({1000 * (full - bare) / steps:.1f} ms/step measurement overhead)")
    print(f"env reset          : {reset:8.3f} s  (once per episode)")
    ratio = full / bare
    print(f"ratio env/bare     : {ratio:.3f}  (overhead {100 * (ratio - 1):+.1f}%, target <= +15%: "
          f"{'met' if ratio - 1 <= 0.15 else 'NOT met'})")
    cpu_ratio = statistics.median(env_cpu) / statistics.median(bare_cpu)
    print(f"ratio in process CPU time (robust to other processes on the machine): {cpu_ratio:.3f} "
          f"(overhead {100 * (cpu_ratio - 1):+.1f}%)")
    print(f"episode incl. reset: {reset + full:.2f} s (ratio incl. reset {(reset + full) / bare:.3f})")
    if args.project_batches is not None:
        bare_c, full_c = statistics.median(bare_cpu), statistics.median(env_cpu)
        per_batch, per_step = bare_c / batches, (full_c - bare_c) / steps
        projected = 1.0 + per_step / (args.project_batches * per_batch)
        print(f"projected at {args.project_batches} batches/step (process CPU: {1000 * per_step:.0f} ms/step overhead over "
              f"{args.project_batches} x {1000 * per_batch:.1f} ms/batch; a projection, not a direct measurement): "
              f"ratio {projected:.3f} (overhead {100 * (projected - 1):+.1f}%)")


if __name__ == "__main__":
    main()
