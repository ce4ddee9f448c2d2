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

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gan.data.cartoonset import find_pairs  # noqa: E402
from gan.data.images import DEFAULT_CROP, chw_to_hwc, load_image  # noqa: E402
from gan.data.procedural import make_procedural_faces  # noqa: E402


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
    args = parser.parse_args()

    pairs = find_pairs(args.real)[: args.n]
    real = np.stack([load_image(png, args.size, DEFAULT_CROP) for png, _ in pairs])
    ours = chw_to_hwc(make_procedural_faces(args.n, seed=args.seed, size=args.size).images)
    fig, axes = plt.subplots(1, 2, figsize=(2 * args.cols * args.size / 80 + 0.4, args.n // args.cols * args.size / 80 + 0.6),
                             dpi=100)
    for ax, images, title in (
        (axes[0], ours, f"procedural (make_procedural_faces, seed {args.seed})"),
        (axes[1], real, "real CartoonSet (Google, CC BY 4.0)"),
    ):
        ax.imshow(grid(images, args.cols), interpolation="nearest")
        ax.set_title(f"{title}, {args.size}x{args.size}, crop {DEFAULT_CROP}", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
