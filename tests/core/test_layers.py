"""The import contract of `make lint` holds, and breaks on a planted upward import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_copy(tmp_path: Path, plant: str | None = None) -> subprocess.CompletedProcess[str]:
    """lint-imports over a copy of the package (optionally with one line added to
    core/files.py) and the project's own contracts."""
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "server" / "codie", src / "codie", ignore=shutil.ignore_patterns("__pycache__", "data", "_shared")
    )
    if plant is not None:
        target = src / "codie" / "core" / "files.py"
        target.write_text(target.read_text() + f"\n{plant}\n")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config["contracts"], "pyproject.toml declares the contracts"
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", "pyproject.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_contract_holds_on_the_tree(tmp_path: Path) -> None:
    done = lint_copy(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout


def test_a_planted_upward_import_breaks_it(tmp_path: Path) -> None:
    done = lint_copy(tmp_path, "from codie.analyzers import registered  # noqa")
    assert done.returncode != 0
    assert "codie.core.files -> codie.analyzers" in done.stdout
    assert "Layers: adapters > headless > llm > analyzers > report > core BROKEN" in done.stdout


RUFF = Path(sys.executable).parent / "ruff"


def format_check(tmp_path: Path, plant: str | None = None) -> subprocess.CompletedProcess[str]:
    """`make lint`'s `ruff format --check` with the project's settings, over a copy of the core
    (optionally with one badly formatted line added)."""
    shutil.copytree(ROOT / "server" / "codie" / "core", tmp_path / "core", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if plant is not None:
        target = tmp_path / "core" / "files.py"
        target.write_text(target.read_text() + f"\n{plant}\n")
    return subprocess.run(
        [str(RUFF), "format", "--check", "core"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )


def test_the_tree_is_formatted_and_unformatted_code_fails_lint(tmp_path: Path) -> None:
    assert format_check(tmp_path).returncode == 0
    done = format_check(tmp_path / "again", "x = {  'a':1 }")
    assert done.returncode == 1 and "files.py" in done.stdout + done.stderr
