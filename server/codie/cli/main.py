"""The `codie` command. Subcommands are modules listed in COMMANDS; each exposes
`register(subparsers)` which adds its parser and sets `func(args) -> int`.

Exit codes: 0 success / clean, 1 findings at or above --fail-on, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from codie import __version__

COMMANDS = (
    "codie.cli.serve",
    "codie.cli.check",
    "codie.cli.rules",
    "codie.cli.dependencies",
    "codie.cli.webhook",
    "codie.cli.llm",
    "codie.cli.style",
    "codie.cli.test",
    "codie.cli.worker",
    "codie.cli.insight",
    "codie.cli.baseline",
    "codie.cli.metrics",
)

ATTRIBUTION = "Advisory data: PyPA Advisory Database, CC-BY 4.0."


class UsageError(Exception):
    """Raised by a subcommand for bad arguments: printed, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codie", description="Code-quality language server and checker for Python."
    )
    parser.add_argument(
        "--version", action="version", version=f"codie {__version__}\n{ATTRIBUTION}"
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"codie: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
