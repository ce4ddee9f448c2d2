"""``gan-latent-env benchmark``: agents x envs x seeds, resumable, with an rliable report."""

from __future__ import annotations

import argparse
import shlex
import sys

NAME = "benchmark"
HELP = "run the agents/baselines benchmark (resumable) and write report.md / report.html"

ENV_CHOICES = ("LatentWalk-v0", "LatentCodebook-v0", "HyperparamTune-v0")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``benchmark``."""
    parser.add_argument("--quick", action="store_true",
                        help="the quick profile: about 10 minutes on 2 CPU cores (default: the full profile)")
    parser.add_argument("--envs", nargs="+", choices=ENV_CHOICES, default=None, metavar="ENV",
                        help=f"envs to run (default: all of {', '.join(ENV_CHOICES)})")
    parser.add_argument("--agents", nargs="+", default=None, metavar="AGENT",
                        help="agent names to run (default: every agent of each env; see docs/benchmark.md)")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds per env, 0..N-1 (default: the profile's, e.g. 10 for LatentCodebook in full)")
    parser.add_argument("--seed-list", type=int, nargs="+", default=None, metavar="SEED",
                        help="run exactly these seeds instead of 0..N-1, to split a run over processes or machines "
                        "(merge: copy their runs/ and artifacts/ into one --out and run again with --seeds)")
    parser.add_argument("--out", default="benchmark_results",
                        help="output folder; finished runs found there are not redone (default: benchmark_results)")
    parser.add_argument("--device", default="cpu", help="torch device of the models: cpu, cuda, auto (default: cpu)")
    parser.add_argument("--tiny", action="store_true",
                        help="use tiny random models instead of the bundled weights (a smoke test of the pipeline)")
    parser.add_argument("--weights", default=None, metavar="DIR",
                        help="a folder with generator/discriminator/classifier .safetensors to use instead of the "
                        "bundled weights")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's own; on a busy machine 1 avoids oversubscription)")
    parser.add_argument("--no-report", action="store_true", help="run and write results.csv only")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print where the results and report went."""
    import torch

    from agents.benchmark.suite import run_benchmark

    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    command = "gan-latent-env " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == [NAME] else None
    result = run_benchmark(args.out, profile="quick" if args.quick else "full", envs=args.envs, agents=args.agents,
                           seeds=args.seeds, device=args.device, tiny=args.tiny, progress=not args.no_progress,
                           report=not args.no_report, command=command, weights_dir=args.weights,
                           seed_list=args.seed_list)
    print(f"runs: {result['ran']} ran, {result['skipped']} already done; {result['wall_s']:.1f} s")
    print(f"results: {result['results']}")
    if result["report"] is not None:
        print(f"report: {result['report']} (and report.html)")
    return 0
