"""Argument checks shared by the subcommands: each bad value is one UsageError (one line on
stderr, exit 2), found before any work starts, so a long run never ends in a traceback."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from codie.cli.main import UsageError
from codie.core.config import is_rule_pattern, unknown_rule_message
from codie.core.rules import catalogue


def rule_patterns(value: str | None, option: str) -> tuple[str, ...] | None:
    """--select/--ignore: comma-separated rule ids or prefixes, each naming a rule."""
    if value is None:
        return None
    patterns = tuple(s.strip() for s in value.split(",") if s.strip())
    if not patterns:
        raise UsageError(f"{option} needs rule ids or prefixes, e.g. {option} SEC,Q001")
    for pattern in patterns:
        if not is_rule_pattern(pattern):
            raise UsageError(f"{option}: {unknown_rule_message(pattern)}")
    return patterns


def rule_id(value: str | None, option: str = "--rule") -> str | None:
    """One exact rule id (case-insensitive), as --rule takes."""
    if value is None:
        return None
    resolved = catalogue().resolve(value)
    if resolved is None:
        raise UsageError(f"{option}: {unknown_rule_message(value, exact=True)}")
    return resolved


def output_file(path: Path | None, option: str = "--output") -> None:
    """A file that can be written: not a folder, in a folder that exists and is writable."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name")
    folder = path.parent
    if not folder.exists():
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {path}: permission denied")


def write_text(path: Path, text: str, option: str = "--output") -> None:
    """Write a command's output file; a failure (disk full, a race) is a usage error too."""
    output_file(path, option)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def jobs(value: int | None, option: str = "--jobs") -> None:
    if value is not None and value < 1:
        raise UsageError(f"{option} must be at least 1, got {value}")


def port(value: int, option: str = "--port") -> None:
    if not 0 <= value <= 65535:
        raise UsageError(f"{option} must be between 0 and 65535, got {value}")


def readable_file(path: Path, what: str) -> str:
    """The text of a file the user named (a secret, a report), or one clear error."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from None


def check_options(args: object) -> None:
    """The options of `codie check` (and `codie baseline`) that name rules, files or counts."""
    rule_patterns(getattr(args, "select", None), "--select")
    rule_patterns(getattr(args, "ignore", None), "--ignore")
    output_file(getattr(args, "output", None))
    jobs(getattr(args, "jobs", None))


def add_lease_option(parser: argparse.ArgumentParser) -> None:
    """--lease, as every command that claims queued jobs takes it (see lease_seconds)."""
    parser.add_argument(
        "--lease",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long a claimed job stays ours without a heartbeat (default 30)",
    )


def lease_seconds(value: float | None) -> float:
    """--lease, or the queue's default: a positive number of seconds."""
    from codie.worker.queue import LEASE  # here: the queue is not needed to parse arguments

    lease = LEASE if value is None else value
    if not lease > 0:  # (also refuses nan)
        raise UsageError(f"--lease must be a positive number of seconds, got {value}")
    return lease
