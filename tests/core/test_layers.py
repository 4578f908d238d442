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
