"""Every subcommand, given bad input, says so in one line on stderr and exits 2: never a
traceback, never a silent success (issue 19)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from codie.cli import main as cli_main
from codie.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
APP = "x = eval(input())\n"

# {subcommand: [(argv after the subcommand, a phrase the error must hold), ...]};
# T is the project folder (app.py, garbage.json), M a path that does not exist.
BAD: dict[str, list[tuple[list[str], str]]] = {
    "check": [
        (["T", "-o", "M/r.txt"], "does not exist"),
        (["T", "-o", "T"], "is a folder"),
        (["T", "--select", "NOPE"], "unknown rule id or prefix 'NOPE'"),
        (["T", "--ignore", "NOPE"], "unknown rule id or prefix 'NOPE'"),
        (["T", "--select", "sec"], "did you mean 'SEC'"),
        (["T", "-j", "0"], "--jobs"),
        (["M"], "no such file"),
        (["T", "--baseline", "T/garbage.json"], "garbage.json"),
        (["T", "--fail-on", "loud"], "loud"),
    ],
    "rules": [(["NOPE"], "unknown rule id 'NOPE'")],
    "advisories": [
        (["check", "django", "notaversion"], "'notaversion' is not a valid version"),
        (["check", "not a name!", "1.0"], "not a valid package name"),
        (["build", "M"], "no such file"),
        (["build", "T/garbage.json", "-o", "M/index.json"], "does not exist"),
        (["import", "T/garbage.json", "-o", "T/index.json"], "cannot read"),
        (["update", "--url", "ftp://x"], "unsupported URL"),
        (["env", "--python", "M/python"], "cannot list the packages"),
    ],
    "import-snyk": [
        (["M"], "no such file"),
        (["T/garbage.json", "T"], "not readable JSON"),
        (["T/garbage.json", "T", "-o", "T"], "is a folder"),
    ],
    "sbom": [(["M"], "not a folder"), (["T", "-o", "M/bom.json"], "does not exist")],
    "webhook": [
        (["--secret-file", "M"], "does not exist"),
        (["--secret-file", "T"], "folder"),
        (["--port", "70000"], "--port"),
    ],
    "serve": [(["--tcp", "nohost"], "HOST:PORT"), (["--tcp", "127.0.0.1:99999"], "HOST:PORT")],
    "explain": [
        (["M/app.py:1"], "no such file"),
        (["T/app.py:0"], "1-based line"),
        (["T/app.py:1", "--rule", "NOPE"], "unknown rule id 'NOPE'"),
    ],
    "fix": [(["T/app.py:x"], "1-based line"), (["T/app.py:1", "--rule", "XX9"], "unknown rule")],
    "style": [(["show", "M"], "no such folder"), (["show", "T"], "no style model")],
    "test": [
        (["M"], "no such file"),
        (["--timeout", "-1"], "--timeout"),
        (["--timeout", "nan"], "--timeout"),
        (["--memory", "1"], "--memory"),
        (["--min-history", "-3"], "--min-history"),
        (["--python", "M/python", "T/app.py"], "no such interpreter"),
    ],
    "worker": [(["--db", "T"], "cannot open the job queue")],
    "callgraph": [(["M"], "no such file"), (["T", "-o", "T"], "is a folder"), (["T", "-j", "0"], "--jobs")],
    "hotspots": [(["M"], "not a folder"), (["T"], "not inside a git repository"), (["T", "--top", "-1"], "--top")],
    "baseline": [(["M"], "no such file"), (["T", "-o", "T"], "cannot write")],
}
# argparse's own refusals (a choice, a type): also one message and exit 2
ARGPARSE_BAD = [
    ["check", "T", "--format", "nope"],
    ["explain", "T/app.py:1", "--provider", "gpt"],
    ["style", "bogus"],
    ["test", "--timeout", "soon"],
    ["nosuchcommand"],
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(APP)
    (root / "garbage.json").write_text("garbage{\n")
    monkeypatch.setenv("CODIE_DB", str(tmp_path / "codie.db"))
    monkeypatch.delenv("CODIE_WEBHOOK_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    return root


def expand(argv: list[str], root: Path) -> list[str]:
    missing = root.parent / "missing"
    return [
        a.replace("T", str(root), 1)
        if a.startswith("T")
        else a.replace("M", str(missing), 1)
        if a.startswith("M")
        else a
        for a in argv
    ]


def subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(action.choices)


def test_every_subcommand_has_bad_input_cases() -> None:
    assert subcommands() == set(BAD)


@pytest.mark.parametrize("command", sorted(BAD))
def test_bad_input_is_one_line_and_exit_two(command: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, phrase in BAD[command]:
        full = [command, *expand(argv, project)]
        code = main(full)
        err = capsys.readouterr().err
        assert code == 2, (full, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("codie"), (full, err)
        assert phrase in lines[0], (full, err)
        assert "Traceback" not in err


@pytest.mark.parametrize("argv", ARGPARSE_BAD)
def test_argparse_refusals_exit_two(argv: list[str], project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(expand(argv, project))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_valid_prefixes_stay_valid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(project), "--select", "SEC", "--ignore", "SEC002,Q"]) == 1
    assert main(["check", str(project), "--select", "ALL", "--ignore", "SEC"]) == 0
    assert main(["rules", "sec001"]) == 0  # a rule id in any case
    assert "Traceback" not in capsys.readouterr().err


def test_output_is_written_where_asked(project: Path) -> None:
    report = project / "out" / "report.json"
    report.parent.mkdir()
    assert main(["check", str(project), "-o", str(report), "--format", "json"]) == 1
    assert '"SEC001"' in report.read_text()


def test_an_internal_error_is_one_line_with_exit_three(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("something inside broke")

    real = cli_main.build_parser

    def parser() -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = real()
        action = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
        action.choices["rules"].set_defaults(func=broken)
        return p

    monkeypatch.setattr(cli_main, "build_parser", parser)
    assert main(["rules"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: something inside broke" in err


def test_a_real_process_prints_no_traceback(project: Path) -> None:
    env = {"PYTHONPATH": str(ROOT / "server"), "PATH": "/usr/bin:/bin"}
    for argv in (
        ["check", str(project), "-o", str(project)],
        ["check", str(project), "-o", str(project / "no" / "r.txt")],
        ["advisories", "check", "django", "notaversion"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "codie", *argv], capture_output=True, text=True, timeout=120, env=env
        )
        assert done.returncode == 2, (argv, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    # a write that fails half-way (a full disk) is one line too
    done = subprocess.run(
        [sys.executable, "-m", "codie", "check", str(project), "-o", "/dev/full"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == "codie: error: No space left on device\n"
