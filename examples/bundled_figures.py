"""Figures of the bundled generator for the README: samples beside real faces, and a latent interpolation strip.

    python examples/bundled_figures.py --real ../shared/data/cartoonset10k_128 --out docs/images
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gan.data.images import to_uint8
from gan.data.loading import load_faces
from gan.pretrained import load


def grid(images: torch.Tensor, cols: int) -> np.ndarray:
    """uint8 [N, 3, H, W] -> one uint8 [rows*H, cols*W, 3] image (white gaps of 2 px)."""
    n, _, h, w = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + 2), cols * (w + 2), 3), 255, dtype=np.uint8)
    for i, img in enumerate(images.permute(0, 2, 3, 1).numpy()):
        r, c = divmod(i, cols)
        out[r * (h + 2) : r * (h + 2) + h, c * (w + 2) : c * (w + 2) + w] = img
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", required=True, help="real CartoonSet folder (faces shown beside the samples)")
    ap.add_argument("--out", default="docs/images", help="output folder")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    models = load("cpu")
    gen = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        fake = to_uint8(models.generator(torch.randn(32, models.generator.config.z_dim, generator=gen)))
        real_set = load_faces(args.real, image_size=64, progress=False)
        pick = torch.randperm(len(real_set), generator=gen)[:32]
        real = real_set.images[pick]
        gap = np.full((4 * 66, 12, 3), 255, dtype=np.uint8)
        side = np.concatenate([grid(fake, 8), gap, grid(real, 8)], axis=1)
        Image.fromarray(side).resize((side.shape[1] * 2, side.shape[0] * 2), Image.NEAREST).save(
            out / "bundled_vs_real.png")
        ends = torch.randn(2, 4, models.generator.config.z_dim, generator=gen)
        t = torch.linspace(0, 1, 10).view(1, 10, 1)
        z = ends[0].unsqueeze(1) * (1 - t) + ends[1].unsqueeze(1) * t  # [4 rows, 10 steps, z_dim]
        strip = to_uint8(models.generator(z.reshape(-1, z.shape[-1])))
        img = grid(strip, 10)
        Image.fromarray(img).resize((img.shape[1] * 2, img.shape[0] * 2), Image.NEAREST).save(
            out / "bundled_interpolation.png")
    print(f"wrote {out / 'bundled_vs_real.png'} and {out / 'bundled_interpolation.png'}")


if __name__ == "__main__":
    main()
