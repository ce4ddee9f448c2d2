"""``gan-latent-env make-dataset OUT --n N --seed S [--size 64] [--format cartoonset|tensor]``."""

from __future__ import annotations

import argparse

NAME = "make-dataset"
HELP = "render an offline procedural CartoonSet-compatible face set (PNG+CSV pairs or one tensor file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT",
                        help="output folder (cartoonset format) or .safetensors file (tensor format)")
    parser.add_argument("--n", type=int, required=True, help="number of faces")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the attributes (default 0)")
    parser.add_argument("--size", type=int, default=64, help="image side in pixels (default 64)")
    parser.add_argument("--crop", type=float, default=1.0,
                        help="centre fraction of the canvas rendered (default 1.0: whole canvases like the real "
                             "CartoonSet files, which readers then crop; 0.8 matches the library's default crop)")
    parser.add_argument("--format", choices=("cartoonset", "tensor"), default="cartoonset",
                        help="cartoonset: NAME.png + NAME.csv pairs (the real reader loads them); "
                             "tensor: one FaceTensors safetensors file (default cartoonset)")
    parser.add_argument("--chunk", type=int, default=1024, help="faces rendered at a time (bounds memory)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch
    from tqdm.auto import tqdm

    from gan.data.faces import FaceTensors
    from gan.data.procedural import iter_procedural_faces
    from gan.data.writer import write_cartoonset

    if args.n < 1:
        raise ValueError(f"--n must be a positive integer, got {args.n}")
    out = Path(args.out)
    if args.format == "tensor":
        if out.suffix != ".safetensors":
            raise ValueError(f"{out}: the tensor format writes one .safetensors file; give a path ending in .safetensors")
        if out.exists() and not args.overwrite:
            raise ValueError(f"{out}: already exists (pass --overwrite)")
    chunks = iter_procedural_faces(args.n, seed=args.seed, size=args.size, crop=args.crop, chunk=args.chunk)
    parts: list[FaceTensors] = []
    with tqdm(total=args.n, desc="rendering faces", unit="face") as bar:
        for part in chunks:
            if args.format == "cartoonset":
                write_cartoonset(part, out, overwrite=args.overwrite)
            else:
                parts.append(part)
            bar.update(len(part))
    if args.format == "tensor":
        faces = FaceTensors(
            images=torch.cat([p.images for p in parts]),
            attributes=torch.cat([p.attributes for p in parts]),
            names=[name for p in parts for name in p.names],
            settings=dict(parts[0].settings),
        )
        faces.save(out)
        print(f"wrote {len(faces)} faces ({args.size}x{args.size}) to {out}")
    else:
        print(f"wrote {args.n} CartoonSet pairs ({args.size}x{args.size}) to {out}/")
    return 0
