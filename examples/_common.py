"""Shared argument handling of the example scripts (not part of the library)."""

from __future__ import annotations

import argparse
from typing import Any


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--smoke", action="store_true", help="a tiny budget, just to check the script runs")
    p.add_argument("--tiny", action="store_true",
                   help="tiny random models instead of the bundled weights (for CI; results are meaningless)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    return p


def model_kwargs(args: argparse.Namespace, classifier: bool = True) -> dict[str, Any]:
    """Env keyword arguments: the device, plus tiny random models with ``--tiny`` (else the bundled ones)."""
    kwargs: dict[str, Any] = {"device": args.device}
    if args.tiny:
        from agents.benchmark.suite import tiny_models

        models = tiny_models(args.seed)
        if not classifier:
            models.pop("classifier")
        kwargs.update(models)
    return kwargs
