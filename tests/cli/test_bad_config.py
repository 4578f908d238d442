"""A broken [tool.codie] never stops `codie check` (or the other commands that read it):
each problem is printed and reported as CFG001 on its line, and the defaults apply."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codie.cli.main import main
from tests.cli.bad_configs import APP, BAD_CONFIGS, DEEP

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=sorted(BAD_CONFIGS))
def project(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, list[tuple[int, str]]]:
    text, expected = BAD_CONFIGS[request.param]
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "app.py").write_text(APP)
    return tmp_path, expected


def test_check_reports_each_problem_on_its_line_and_goes_on(
    project: tuple[Path, list[tuple[int, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, expected = project
    assert main(["check", str(root), "--format", "json"]) == 1  # SEC001: the defaults apply
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    data = json.loads(out)
    rules = {(f["path"], f["rule"]) for f in data["findings"]}
    assert ("app.py", "SEC001") in rules
    problems = sorted((f["start"]["line"] - 1, f["message"]) for f in data["findings"] if f["rule"] == "CFG001")
    assert [line for line, _ in problems] == [line for line, _ in expected]
    for (_, message), (_, words) in zip(problems, expected, strict=True):
        assert words in message
    # and the same problems, one line each, on stderr (file:line: message)
    for line, words in expected:
        if not words.startswith("llm."):  # the llm table is checked by the LLM features
            assert f"pyproject.toml:{line + 1}: " in err and words in err


def test_explain_and_callgraph_read_a_broken_file_too(
    project: tuple[Path, list[tuple[int, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = project
    assert main(["explain", f"{root / 'app.py'}:2"]) == 0
    assert main(["callgraph", str(root), "--no-cache"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_deep_nesting_in_a_real_process(tmp_path: Path) -> None:
    """RecursionError came out of tomllib; in a fresh process (default recursion limit)."""
    (tmp_path / "pyproject.toml").write_text("[tool.codie]\nselect = " + "[" * DEEP + "]" * DEEP + "\n")
    (tmp_path / "app.py").write_text(APP)
    done = subprocess.run(
        [sys.executable, "-m", "codie", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT / "server"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert "pyproject.toml:2: invalid TOML: arrays or tables nested too deeply" in done.stderr
    assert "SEC001" in done.stdout
