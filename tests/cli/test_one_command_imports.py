"""A run of one command imports that command's module only (issue 15): `codie callgraph`
spent 0.3-0.4 s of CPU importing every other subcommand and what they pull in before its
work began, and a build without a cache never needs sqlite-utils. The narrowed parser
parses every command as the full one does, and an option before the command keeps them all."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from codie.cli.main import COMMANDS, build_parser, module_of

ROOT = Path(__file__).resolve().parents[2]


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def _imported_after(argv: list[str], tmp_path: Path) -> set[str]:
    """The modules a fresh process holds after `codie ARGV` (run in-process there)."""
    code = (
        "import sys; from codie.cli.main import main; main(sys.argv[1:]); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('codie.cli.', 'sqlite_utils')))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    return set(done.stdout.split())


def test_callgraph_imports_neither_other_commands_nor_sqlite_utils(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    return len([])\n")
    imported = _imported_after(["callgraph", str(tmp_path), "--no-cache", "-o", str(tmp_path / "out.json")], tmp_path)
    assert "codie.cli.callgraph" in imported
    assert (tmp_path / "out.json").read_text().startswith("{")
    assert not {"codie.cli.check", "codie.cli.dependencies", "codie.cli.llm", "codie.cli.metrics"} & imported
    assert not any(m.startswith("sqlite_utils") for m in imported)


def test_an_option_first_keeps_every_command(tmp_path: Path) -> None:
    imported = _imported_after(["-v", "callgraph", str(tmp_path / "missing")], tmp_path)
    assert {"codie.cli.check", "codie.cli.callgraph"} <= imported


def test_every_command_is_found_by_its_module() -> None:
    every = _commands(build_parser())
    for command in every:
        only = module_of(command)
        assert only is not None and f"codie.cli.{only}" in COMMANDS
        assert command in _commands(build_parser(only))
    assert module_of("no-such-command") is None and module_of(None) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["callgraph", "x", "--format", "pycg", "--no-cache", "-j", "2"],
        ["hotspots", "x"],
        ["check", "x", "--select", "SEC"],
        ["sbom", "x"],
        ["metrics", "x"],
    ],
)
def test_the_narrowed_parser_parses_as_the_full_one(argv: list[str]) -> None:
    narrowed = vars(build_parser(module_of(argv[0])).parse_args(argv))
    full = vars(build_parser().parse_args(argv))
    assert narrowed == full
