"""The ``gan-latent-env`` command line: a thin layer over library functions.

Every module in this package (other than this one) is one subcommand. A subcommand module defines::

    NAME: str                    # the subcommand, e.g. "train-gan"
    HELP: str                    # one line for ``gan-latent-env --help``
    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...   # exit status

Subcommand modules import heavy libraries inside ``run`` so that ``--help`` stays fast. The CLI is the
only layer allowed to import every package (``agents`` included), and only lazily inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType


def _subcommand_modules() -> list[ModuleType]:
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return modules


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with one subparser per subcommand module."""
    parser = argparse.ArgumentParser(
        prog="gan-latent-env",
        description="DCGAN latent-space Gymnasium environments: data, GAN training, evaluation, benchmarks.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _subcommand_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gan-latent-env`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args._run(args) or 0)
    except (ValueError, FileNotFoundError) as err:  # bad input: a clear one-line error, no traceback
        print(f"gan-latent-env {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
