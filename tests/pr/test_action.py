"""The GitHub Action, run as written: its steps from action.yml, Codie from a freshly built wheel.

Offline and bounded: the wheel is built without build isolation, the fresh venv gets Codie's
dependencies from the development venv (symlinked, minus Codie itself) and pip runs with
`--no-index --find-links` pointing at the built wheel. `github.action_path` is the wheel:
pip installs a wheel and a source folder alike, and a source folder would need setuptools
from the index.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pr.helpers import make_repo, sh

ROOT = Path(__file__).resolve().parents[2]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TIMEOUT = 600  # a safety net only


def distribution_name() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"])


def substitute(text: str, inputs: dict[str, str], github: dict[str, str]) -> str:
    """The Action's `${{ inputs.X }}` / `${{ github.X }}` references; anything else fails the
    test, so that every expression in action.yml stays one this test can run."""

    def one(m: re.Match[str]) -> str:
        scope, _, name = m.group(1).partition(".")
        table = {"inputs": inputs, "github": github}.get(scope)
        if table is None or not re.fullmatch(r"[\w-]+", name):
            raise AssertionError(f"action.yml uses an expression this test cannot evaluate: {m.group(0)}")
        return table.get(name, "")

    return EXPRESSION.sub(one, text)


def fresh_venv(where: Path) -> Path:
    """A venv with pip, seeing the development venv's packages except Codie's own."""
    venv.EnvBuilder(with_pip=True).create(where)
    deps = where / "deps"
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("codie", "__editable__")) or name.endswith(".pth"):
            continue
        (deps / entry.name).symlink_to(entry)
    inner = next((where / "lib").glob("python3*/site-packages"))
    (inner / "codie_test_deps.pth").write_text(str(deps) + "\n")
    return where / "bin"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_is_named_for_the_distribution(wheel: Path) -> None:
    name = distribution_name()
    assert name != "codie"  # on PyPI that name is an unrelated library
    assert wheel.name.startswith(name.replace("-", "_") + "-")
    with zipfile.ZipFile(wheel) as zf:
        entry_points = next(n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt"))
        scripts = zf.read(entry_points).decode()
    assert "codie = codie.cli.main:main" in scripts  # the command stays `codie`
    # pre-commit installs this repository (language: python) and runs the same command
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["language"] == "python" and hook["entry"].split()[0] == "codie"


def run_action(tmp: Path, wheel: Path, workspace: Path, inputs: dict[str, str], base_ref: str) -> list[int]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    values = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    values.update(inputs)
    github = {"action_path": str(wheel), "base_ref": base_ref, "workspace": str(workspace)}
    bin_dir = fresh_venv(tmp / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_"))}
    env.update(
        PATH=f"{bin_dir}:/usr/bin:/bin",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheel.parent),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        HOME=str(tmp),
    )
    codes = []
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        step_env = {**env, **{k: substitute(str(v), values, github) for k, v in (step.get("env") or {}).items()}}
        done = subprocess.run(
            ["bash", "-e", "-c", substitute(step["run"], values, github)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        codes.append(done.returncode)
        if done.returncode not in (0, 1):
            raise AssertionError(f"step failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    return codes


def test_action_steps_install_the_wheel_and_check_the_change(tmp_path: Path, wheel: Path) -> None:
    origin = tmp_path / "origin"
    make_repo(origin)
    workspace = tmp_path / "workspace"
    sh(tmp_path, "clone", "--quiet", "--branch", "feature", f"file://{origin}", str(workspace))
    codes = run_action(tmp_path, wheel, workspace, {"fail-on": "error"}, base_ref="main")
    # installed (0), then the check fails the build on the SEC001 error the change adds (1)
    assert codes == [0, 1]
    assert (tmp_path / "venv" / "bin" / "codie").exists()
    installed = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-m", "pip", "show", distribution_name()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert installed.returncode == 0 and f"Location: {tmp_path / 'venv'}" in installed.stdout
    sarif: dict[str, Any] = json.loads((workspace / "codie.sarif").read_text())
    lines = sorted(
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in sarif["runs"][0]["results"]
    )
    # only the lines the branch changes: the old eval on line 9 is not reported
    assert lines == [("Q001", 15), ("SEC001", 17)]
