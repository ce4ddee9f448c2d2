"""Decode time of a CartoonSet folder versus loading its decode cache, measured in one process.

Usage: python benchmarks/data_decode_cache.py [ROOT] [--size 64]
(ROOT defaults to ../shared/data/cartoonset10k_128 beside the checkout). The cache is written to a
temporary folder and removed afterwards; the data folder is only read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from gan.data.cartoonset import CartoonSetDataset

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cartoonset10k_128"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(DEFAULT_ROOT))
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        built = CartoonSetDataset(args.root, image_size=args.size, cache=Path(tmp), progress=False)
        t_decode = time.perf_counter() - t0
        t0 = time.perf_counter()
        cached = CartoonSetDataset(args.root, image_size=args.size, cache=Path(tmp), progress=False)
        t_cache = time.perf_counter() - t0
        assert cached.cache_hit and torch.equal(cached.tensors().images, built.tensors().images)
        size_mb = built.cache_path.stat().st_size / 1e6
    n = len(built)
    print(f"{n} faces at {args.size}x{args.size} from {args.root}")
    print(f"decode PNGs + write cache: {t_decode:6.2f} s ({1000 * t_decode / n:.2f} ms/face)")
    print(f"load from cache:           {t_cache:6.2f} s ({size_mb:.0f} MB file)")
    print(f"speed-up of the cache:     {t_decode / t_cache:6.1f}x")


if __name__ == "__main__":
    main()
