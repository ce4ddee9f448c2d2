"""``gan-latent-env bundle-weights --gan RUN --classifier RUN [--out DIR] [--dtype float16]``."""

from __future__ import annotations

import argparse

NAME = "bundle-weights"
HELP = "write generator/discriminator/classifier weights (and model_card.json) from training runs into a weights folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gan", required=True, metavar="RUN_DIR", help="a train-gan run folder (its final files or latest checkpoint, whichever is newer by step)")
    parser.add_argument("--classifier", required=True, metavar="RUN_DIR", help="a train-classifier run folder")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: the package's bundled weights folder)")
    parser.add_argument("--dtype", default="float16", choices=("float16", "float32"), help="stored precision")


def run(args: argparse.Namespace) -> int:
    from gan.pretrained import WEIGHTS_DIR
    from gan.pretrained.bundle import bundle_weights

    out = bundle_weights(args.gan, args.classifier, args.out or WEIGHTS_DIR, dtype=args.dtype)
    print(f"bundled weights written to {out}")
    return 0
