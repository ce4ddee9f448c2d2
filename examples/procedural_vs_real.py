"""Side-by-side grid of procedural faces and real CartoonSet faces, at the same size and crop.

    python examples/procedural_vs_real.py --real ../shared/data/cartoonset10k_128 \\
        --out docs/images/procedural_vs_real.png

Real faces: the first ``--n`` files (sorted by name) of the real folder, read with the library's default
framing (centre crop ``DEFAULT_CROP`` of the canvas, Lanczos resize to ``--size``). Procedural faces:
``make_procedural_faces(n, seed, size)`` (same default crop). Real images appear only in the figure; the
real files are never copied.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from gan.data.cartoonset import find_pairs
from gan.data.images import DEFAULT_CROP, chw_to_hwc, load_image
from gan.data.procedural import make_procedural_faces


def grid(images: np.ndarray, cols: int, pad: int = 2) -> np.ndarray:
    """Tile uint8 ``[N, H, W, 3]`` images into rows of ``cols`` on white."""
    n, h, w, _ = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = img
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True, help="real CartoonSet folder (PNG + CSV pairs)")
    parser.add_argument("--out", type=Path, default=Path("docs/images/procedural_vs_real.png"))
    parser.add_argument("--n", type=int, default=32, help="faces per panel")
    parser.add_argument("--cols", type=int, default=8)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--zoom", type=int, default=2, help="nearest-neighbour enlargement of the figure")
    args = parser.parse_args()

    pairs = find_pairs(args.real)[: args.n]
    real = np.stack([load_image(png, args.size, DEFAULT_CROP) for png, _ in pairs])
    ours = chw_to_hwc(make_procedural_faces(args.n, seed=args.seed, size=args.size).images)
    panels = []
    for images, title in (
        (ours, f"procedural: make_procedural_faces(seed={args.seed})"),
        (real, "real CartoonSet (Google, CC BY 4.0)"),
    ):
        tiles = grid(images, args.cols)
        tiles = np.repeat(np.repeat(tiles, args.zoom, axis=0), args.zoom, axis=1)  # nearest-neighbour zoom
        panel = Image.new("RGB", (tiles.shape[1], tiles.shape[0] + 24), "white")
        panel.paste(Image.fromarray(tiles), (0, 24))
        ImageDraw.Draw(panel).text((8, 6), f"{title}, {args.size}x{args.size}, crop {DEFAULT_CROP}", fill="black")
        panels.append(panel)
    gap = 16
    figure = Image.new("RGB", (sum(p.width for p in panels) + gap, max(p.height for p in panels)), "white")
    figure.paste(panels[0], (0, 0))
    figure.paste(panels[1], (panels[0].width + gap, 0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.save(args.out, optimize=True)
    print(f"wrote {args.out} ({figure.width}x{figure.height}, {args.out.stat().st_size / 1024:.0f} KB)")

if __name__ == "__main__":
    main()
