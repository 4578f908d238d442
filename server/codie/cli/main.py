"""The `codie` command. Subcommands are modules listed in COMMANDS; each exposes
`register(subparsers)` which adds its parser and sets `func(args) -> int`.

Exit codes: 0 success / clean, 1 findings at or above --fail-on, 2 usage error (a bad
argument, an unknown rule id, a file that cannot be read or written), 3 internal error.
Every error is one line on stderr; `-vv` adds the traceback of an internal error.
"""

from __future__ import annotations

import importlib
import sys

from codie import __version__

# `codie serve` answers `initialize` before it imports typing (a third of the imports before
# the answer): type checkers read this constant as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # argparse and logging are imported when used: see `codie serve` in main
    import argparse
    from collections.abc import Sequence

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

# commands registered by a module of another name (every other command: codie.cli.<command>)
REGISTERED_BY = {
    "advisories": "dependencies",
    "import-snyk": "dependencies",
    "sbom": "dependencies",
    "explain": "llm",
    "fix": "llm",
    "callgraph": "insight",
    "hotspots": "insight",
}

ATTRIBUTION = "Advisory data: PyPA Advisory Database, CC-BY 4.0."


class UsageError(Exception):
    """Raised by a subcommand for bad arguments: printed, exit code 2."""


def module_of(command: str | None) -> str | None:
    """`codie.cli.<this>` registers `command`; None for a word no module of COMMANDS has."""
    name = REGISTERED_BY.get(command or "", command)
    return name if f"codie.cli.{name}" in COMMANDS else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or only `codie.cli.<only>` (a faster start)."""
    import argparse

    parser = argparse.ArgumentParser(prog="codie", description="Code-quality language server and checker for Python.")
    parser.add_argument("--version", action="version", version=f"codie {__version__}\n{ATTRIBUTION}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if only is None or name == f"codie.cli.{only}":
            importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    command = next((w for w in words if not w.startswith("-")), None)
    # `codie serve` is started by every editor: importing the other subcommands (and the
    # analyzers they pull in) only delays the first diagnostics. The editor then waits for
    # the answer to `initialize`: it is sent before even argparse and logging are imported.
    if command == "serve" and argv is None:
        importlib.import_module("codie.cli.serve").answer_early(words)  # (as COMMANDS are: serve imports main)
    import logging

    # A run of one command imports that command's module only: the others and the analyzers
    # they pull in took 0.3-0.4 s of CPU before `codie callgraph` started its work. Not when
    # an option comes first (`codie --help callgraph` lists every command).
    narrow = command == "serve" or (bool(words) and words[0] == command)
    parser = build_parser(module_of(command) if narrow else None)
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
    except BrokenPipeError:  # `codie check | head`: the reader left; nothing to say
        sys.stderr.close()
        return 1
    except OSError as exc:  # a file or folder the user named could not be used
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"codie: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line (the traceback with -vv), never a wall of text
        logging.getLogger("codie.cli").debug("internal error", exc_info=True)
        print(
            f"codie: internal error: {type(exc).__name__}: {exc} (run `codie -vv "
            f"{args.command} ...` for the traceback)",
            file=sys.stderr,
        )
        return 3
