"""Steps per second of the latent envs: naive loop vs SyncVectorEnv vs the native vector env vs the bare forward.

Measured in one process, on the same models and batch size ``N``:

(a) naive: one single env, one G/D/C forward per step, a plain Python loop;
(b) ``gymnasium.vector.SyncVectorEnv`` of ``N`` single envs;
(c) the native vector env (``gym.make_vec(..., vectorization_mode="vector_entry_point")``);
(d) the raw batched forward (:class:`~gan_latent_env.scoring.LatentScorer` on ``N`` latents, the scorer
    the envs call) with no env around it: the ceiling for (c).

Then the ratios (c)/(d) (target >= 0.9 at N = 64 on CPU), (c)/(a) (target >= 3) and (c)/(b). Each figure is
the best of ``--repeats`` runs. On CPU the steps are counted per CPU-second of this process (robust to other
load on a shared machine; torch limited to ``--threads``) and per wall-clock second; on CUDA per
wall-clock second (synchronised). ``--memory-steps K`` then runs K env steps of (c) and prints the resident
memory before and after (it must stay flat).

    python benchmarks/env_throughput.py --models tiny --num-envs 64
    python benchmarks/env_throughput.py --models bundled --num-envs 64 --env walk --naive-steps 20 --vec-steps 4
    python benchmarks/env_throughput.py --models bundled --device cuda --num-envs 4096 --skip-sync --naive-steps 200
"""

from __future__ import annotations

import argparse
import os
import sys

if "--threads" in sys.argv:  # must be set before numpy / torch load their thread pools
    _threads = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[_var] = _threads
else:
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import gan_latent_env  # noqa: E402,F401  (registers the ids)
from gan.data.procedural.sampler import sample_attributes  # noqa: E402
from gan.data.schema import one_hot  # noqa: E402
from gan.device import resolve_device  # noqa: E402

ENV_IDS = {"walk": "LatentWalk-v0", "codebook": "LatentCodebook-v0"}


def tiny_models(device: torch.device) -> dict[str, torch.nn.Module]:
    """Small random models (image 32, ngf/ndf 8, a 4-wide classifier), as in the env tests."""
    from gan.models import AttributeClassifier, ClassifierConfig, Discriminator, DiscriminatorConfig, Generator, GeneratorConfig

    models = {
        "generator": Generator(GeneratorConfig(z_dim=100, image_size=32, ngf=8), seed=0),
        "discriminator": Discriminator(DiscriminatorConfig(image_size=32, ndf=8), seed=1),
        "classifier": AttributeClassifier(ClassifierConfig(image_size=32, width=4, stages=1), seed=2),
    }
    for m in models.values():
        m.to(device).eval().requires_grad_(False)
    return models


def default_arch_models(device: torch.device) -> dict[str, torch.nn.Module]:
    """Random models of the bundled architecture (the ``cartoon64`` presets, which a test keeps equal to the
    bundled configs): its cost when the weights are not at hand (throughput does not depend on the weights)."""
    from gan.models import AttributeClassifier, Discriminator, Generator
    from gan.presets import get_classifier_preset, get_gan_preset

    gan = get_gan_preset("cartoon64").config
    models = {
        "generator": Generator(gan.generator, seed=0),
        "discriminator": Discriminator(gan.discriminator, seed=1),
        "classifier": AttributeClassifier(get_classifier_preset("cartoon64").config.model, seed=2),
    }
    for m in models.values():
        m.to(device).eval().requires_grad_(False)
    return models


def bundled_models(device: torch.device) -> dict[str, torch.nn.Module]:
    from gan import pretrained

    p = pretrained.load(device=device)
    return {"generator": p.generator, "discriminator": p.discriminator, "classifier": p.classifier}


class Clock:
    """Wall-clock or process-CPU seconds (CUDA work is synchronised before reading the wall clock)."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"

    def __call__(self) -> tuple[float, float]:
        if self.cuda:
            torch.cuda.synchronize()
        return time.perf_counter(), time.process_time()


def best_rate(fn: Callable[[], int], clock: Clock, repeats: int) -> tuple[float, float]:
    """Best (wall, cpu) steps per second of ``fn`` (which returns the number of env steps it made)."""
    fn()  # warm-up
    wall_best = cpu_best = 0.0
    for _ in range(repeats):
        w0, c0 = clock()
        steps = fn()
        w1, c1 = clock()
        wall_best = max(wall_best, steps / max(w1 - w0, 1e-9))
        cpu_best = max(cpu_best, steps / max(c1 - c0, 1e-9))
    return wall_best, cpu_best


def measure(env_key: str, args: argparse.Namespace, models: dict[str, Any], device: torch.device) -> dict[str, tuple[float, float]]:
    env_id = ENV_IDS[env_key]
    n = args.num_envs
    kwargs: dict[str, Any] = {**models, "device": device}
    if env_key == "codebook":
        kwargs.update(num_arms=args.num_arms, mc_samples=args.mc_samples, horizon=10**9)
    else:
        kwargs.update(max_steps=args.max_steps)
    clock = Clock(device)
    rng = np.random.default_rng(0)
    results: dict[str, tuple[float, float]] = {}

    single = gym.make(env_id, **kwargs).unwrapped  # no checker/order wrappers: the bare env
    single.reset(seed=0)
    n_actions = single.action_space.n
    naive_actions = rng.integers(0, n_actions, size=args.naive_steps)

    def naive() -> int:
        for a in naive_actions:
            _, _, terminated, truncated, _ = single.step(int(a))
            if terminated or truncated:
                single.reset()
        return len(naive_actions)

    results["(a) naive single env"] = best_rate(naive, clock, args.repeats)

    vec_actions = rng.integers(0, n_actions, size=(args.vec_steps, n))
    if not args.skip_sync:
        sync = gym.vector.SyncVectorEnv([lambda: gym.make(env_id, **kwargs).unwrapped for _ in range(n)])
        sync.reset(seed=0)
        sync_steps = max(1, args.vec_steps // 4)

        def run_sync() -> int:
            for t in range(sync_steps):
                sync.step(vec_actions[t])
            return sync_steps * n

        results[f"(b) SyncVectorEnv x{n}"] = best_rate(run_sync, clock, args.repeats)
        sync.close()

    native = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    native.reset(seed=0)

    def run_native() -> int:
        for t in range(args.vec_steps):
            native.step(vec_actions[t])
        return args.vec_steps * n

    results[f"(c) native vector env x{n}"] = best_rate(run_native, clock, args.repeats)

    scorer = native.unwrapped.scorer
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(n, scorer.z_dim, generator=gen).clamp_(-3, 3).to(device)
    attrs = sample_attributes(n, np.random.default_rng(0))
    target = torch.from_numpy(one_hot(attrs)).to(device) if scorer.w_attr > 0 or env_key == "walk" else None
    target_idx = torch.from_numpy(attrs).to(device) if target is not None else None

    def run_forward() -> int:
        with torch.inference_mode():
            for _ in range(args.vec_steps):
                if target is None:
                    scorer(z)
                else:
                    scorer(z, target, target_attributes=target_idx)
        return args.vec_steps * n

    results[f"(d) bare batched forward x{n}"] = best_rate(run_forward, clock, args.repeats)

    if args.memory_steps:
        rss0 = rss_mib()
        iterations = max(1, args.memory_steps // n)
        acts = rng.integers(0, n_actions, size=(64, n))
        for t in range(iterations):
            native.step(acts[t % 64])
        rss1 = rss_mib()
        print(f"  memory: {iterations * n:,} env steps of (c): RSS {rss0:.1f} MiB -> {rss1:.1f} MiB ({rss1 - rss0:+.1f} MiB)")
    native.close()
    return results


def rss_mib() -> float:
    """Current resident set size of this process in MiB (Linux /proc; else the peak from getrusage)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", choices=("tiny", "default-arch", "bundled"), default="tiny",
        help="tiny random models, random models of the default (bundled) architecture, or the bundled weights",
    )
    parser.add_argument("--env", choices=("walk", "codebook", "both"), default="both")
    parser.add_argument("--num-envs", type=int, default=64, help="N, the batch size of (b), (c), (d)")
    parser.add_argument("--vec-steps", type=int, default=50, help="vector steps per timed run of (c) and (d); (b) runs a quarter")
    parser.add_argument("--naive-steps", type=int, default=400, help="steps per timed run of (a)")
    parser.add_argument("--max-steps", type=int, default=20, help="LatentWalk episode length")
    parser.add_argument("--num-arms", type=int, default=100)
    parser.add_argument("--mc-samples", type=int, default=8, help="LatentCodebook Monte Carlo samples per arm (reset cost only)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timed runs")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (also OMP/MKL)")
    parser.add_argument("--device", default="cpu", help="'cpu', 'cuda' or 'auto'")
    parser.add_argument("--skip-sync", action="store_true", help="skip (b) (slow for large N)")
    parser.add_argument("--memory-steps", type=int, default=0, help="then run this many env steps of (c) and report RSS")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    builders = {"tiny": tiny_models, "default-arch": default_arch_models, "bundled": bundled_models}
    models = builders[args.models](device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {args.threads} thread(s)"
    print(f"models: {args.models}; device: {device} ({name}); N = {args.num_envs}; best of {args.repeats}")
    use_cpu_time = device.type == "cpu"
    unit = "steps per CPU-second" if use_cpu_time else "steps/s (wall clock)"
    for env_key in (("walk", "codebook") if args.env == "both" else (args.env,)):
        print(f"\n{ENV_IDS[env_key]}:")
        res = measure(env_key, args, models, device)
        for label, (wall, cpu) in res.items():
            extra = f"   ({wall:>12,.0f} steps/s wall clock)" if use_cpu_time else ""
            print(f"  {label:<32} {cpu if use_cpu_time else wall:>12,.0f} {unit}{extra}")
        pick = {k.split(")")[0] + ")": (v[1] if use_cpu_time else v[0]) for k, v in res.items()}
        c = pick["(c)"]
        print(f"  ratio (c)/(d) = {c / pick['(d)']:.2f}   (target >= 0.9)")
        print(f"  ratio (c)/(a) = {c / pick['(a)']:.1f}   (target >= 3)")
        if "(b)" in pick:
            print(f"  ratio (c)/(b) = {c / pick['(b)']:.1f}")


if __name__ == "__main__":
    main()
