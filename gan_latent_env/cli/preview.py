"""``gan-latent-env preview DATA --out grid.png``: a labelled sample grid of a face set."""

from __future__ import annotations

import argparse
import logging

NAME = "preview"
HELP = "write a labelled sample grid (PNG) of real, folder, saved or procedural faces"

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``preview``."""
    parser.add_argument(
        "data",
        metavar="DATA",
        help="a CartoonSet folder (csNNN.png + csNNN.csv), an image folder, a .safetensors face set, "
        "or procedural:N[:SEED]",
    )
    parser.add_argument("--out", required=True, help="output image path, e.g. grid.png")
    parser.add_argument("--n", type=int, default=32, help="number of faces to show (default: 32)")
    parser.add_argument("--size", type=int, default=64, help="image side in pixels (default: 64)")
    parser.add_argument(
        "--crop",
        type=float,
        default=None,
        help="centre crop as a fraction of the canvas side, in (0, 1] (default: 0.8 for CartoonSet folders, "
        "1.0 for image folders)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default: 0)")
    parser.add_argument("--cols", type=int, default=8, help="faces per row (default: 8)")


def run(args: argparse.Namespace) -> int:
    """Sample, decode and draw the grid; print where it went."""
    from gan.data.preview import sample_faces, save_preview_grid

    faces = sample_faces(args.data, n=args.n, image_size=args.size, crop=args.crop, seed=args.seed)
    crop = faces.settings.get("crop", args.crop)
    kind = "labelled" if faces.attributes is not None else "unlabelled"
    title = f"{args.data}: {len(faces)} {kind} faces, {args.size}x{args.size}"
    if crop is not None:
        title += f", centre crop {crop:g}"
    if faces.attributes is not None:
        title += "\nlabels: hair style, hair colour (col), skin = face_color, gl = glasses, fh = facial_hair"
    out = save_preview_grid(faces, args.out, cols=args.cols, title=title)
    print(f"wrote {out} ({len(faces)} faces)")
    return 0
