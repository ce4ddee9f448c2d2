"""``gan-latent-env evaluate RUN_OR_WEIGHTS --data SOURCE [...]``: metrics JSON, markdown report, figures."""

from __future__ import annotations

import argparse

NAME = "evaluate"
HELP = "evaluate a generator/discriminator (and classifier): metrics.json, report.md and figures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", metavar="RUN_OR_WEIGHTS",
                        help="a trainer run folder, a weights folder with generator/discriminator(/classifier)"
                             ".safetensors, or 'bundled' for the weights shipped in the package")
    parser.add_argument("--data", required=True, metavar="SOURCE",
                        help="real faces: a CartoonSet folder, an image folder, a .safetensors face set or "
                             "procedural:N[:SEED]")
    parser.add_argument("--classifier", metavar="PATH",
                        help="attribute classifier file (default: the one in RUN_OR_WEIGHTS, else the bundled one)")
    parser.add_argument("--holdout", type=int, default=500, help="held-out split size (default 500)")
    parser.add_argument("--holdout-seed", type=int, default=0, help="seed of the held-out split (default 0)")
    parser.add_argument("--n-fake", type=int, default=4500,
                        help="generated faces (and real faces per set) for the distribution metrics (default 4500)")
    parser.add_argument("--extra-labelled", metavar="SOURCE",
                        help="another labelled face source to score the classifier on (e.g. the 500x500 originals)")
    parser.add_argument("--inception-weights", metavar="PATH",
                        help="pt_inception-2015-12-05-6726825d.pth for FID (default: "
                             "$GAN_LATENT_ENV_INCEPTION_WEIGHTS, then the torch hub cache)")
    parser.add_argument("--lpips-weights", metavar="PATH",
                        help="alexnet-owt-7be5be79.pth for LPIPS (default: $GAN_LATENT_ENV_LPIPS_WEIGHTS, then the "
                             "torch hub cache)")
    parser.add_argument("--out", metavar="DIR",
                        help="output folder (default: RUN_OR_WEIGHTS/evaluation)")
    parser.add_argument("--seed", type=int, default=0, help="seed of samples, subsets and pairs (default 0)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ... (default auto)")
    parser.add_argument("--batch-size", type=int, default=256, help="batch size for model calls (default 256)")
    parser.add_argument("--lpips-pairs", type=int, default=100, help="random pairs for LPIPS (default 100)")
    parser.add_argument("--crop", type=float, default=None,
                        help="centre crop for folders as a fraction of the canvas (default: the set's default)")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="cache of real-set Inception features (default: the user cache folder)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gan.data.cache import default_cache_dir
    from gan.metrics.evaluate import EvaluationSettings, evaluate

    cache_dir = args.cache_dir if args.cache_dir is not None else str(default_cache_dir() / "inception")
    if args.out is None and args.models == "bundled":
        raise ValueError("--out DIR is required with 'bundled' (results are not written into the package)")
    out = args.out if args.out is not None else str(Path(args.models) / "evaluation")
    settings = EvaluationSettings(
        models=args.models, data=args.data, out=out, classifier=args.classifier, holdout=args.holdout,
        holdout_seed=args.holdout_seed, n_fake=args.n_fake, extra_labelled=args.extra_labelled,
        inception_weights=args.inception_weights, lpips_weights=args.lpips_weights, seed=args.seed,
        device=args.device, batch_size=args.batch_size, lpips_pairs=args.lpips_pairs, crop=args.crop,
        cache_dir=cache_dir, progress=not args.no_progress,
    )
    metrics = evaluate(settings)
    print(f"wrote {Path(out) / 'metrics.json'} and {Path(out) / 'report.md'}")
    for name, check in metrics["targets"].items():
        verdict = "n/a" if check["pass"] is None else ("PASS" if check["pass"] else "FAIL")
        value = "n/a" if check["value"] is None else f"{check['value']:.4f}"
        print(f"  {name:36s} {value:>10s}  target {check['target']:>12s}  {verdict}")
    for key, label in (("inception", "FID"), ("lpips", "LPIPS")):
        if not metrics[key].get("computed"):
            print(f"  {label} {metrics[key]['reason']}")
    return 0
