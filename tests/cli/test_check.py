"""`codie check`: the readable table, JSON, exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codie.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_examples_table_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ROOT / "examples")]) == 1
    out = capsys.readouterr().out
    rows = {tuple(line.split()[:3]) for line in out.splitlines() if line.startswith("examples/")}
    # eval of what the console gives it: the operator's own input, a warning
    assert ("examples/shop/app.py:16:12", "warning", "SEC001") in rows
    assert ("examples/shop/views.py:14:5", "error", "SEC002") in rows  # request data -> shell
    assert ("examples/shop/views.py:24:14", "error", "SEC003") in rows  # string-built SQL
    assert ("examples/shop/requirements.txt:3:1", "error", "DEP001") in rows  # PyYAML 5.3
    assert not any(r[0].startswith("examples/shop/views.py:23") for r in rows)  # parameterized SQL
    assert not any("clean.py" in r[0] for r in rows)
    assert f"{len(rows)} finding(s) in 4 file(s)" in out


def test_clean_folder_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.py").write_text("def f(x: int) -> int:\n    return x\n")
    assert main(["check", str(tmp_path)]) == 0
    assert "No findings" in capsys.readouterr().out


def test_fail_on_and_min_confidence(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_text("try:\n    x()\nexcept:\n    pass\n")  # a warning only
    assert main(["check", str(tmp_path)]) == 0
    assert main(["check", str(tmp_path), "--fail-on", "warning"]) == 1
    assert main(["check", str(tmp_path), "--fail-on", "warning", "--min-confidence", "0.95"]) == 0
    assert main(["check", str(tmp_path), "--fail-on", "never", "--select", "Q001"]) == 0


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert main(["check", str(tmp_path / "missing")]) == 2
    assert main(["check", str(tmp_path), "--fail-on", "loud"]) == 2
    assert main(["check", str(tmp_path), "--min-confidence", "3"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["check"])
    assert exit_info.value.code == 2


def test_json_output_and_parallel_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(40):  # enough files for the process pool
        (tmp_path / f"m{i}.py").write_text(
            f"from flask import request\n\n\ndef f{i}(a=[]):\n    return eval(request.args[a])\n"
        )
    (tmp_path / "broken.py").write_bytes(b"\xff\xfe not utf-8 \x00 def (:\n")
    assert main(["check", str(tmp_path), "--format", "json", "-j", "2"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == 41
    rules = sorted({f["rule"] for f in data["findings"]})
    assert rules == ["CFG021", "Q002", "SEC001"]  # the binary file: one finding, no SYN001
    assert [f["path"] for f in data["findings"] if f["rule"] == "CFG021"] == ["broken.py"]
    first = next(f for f in data["findings"] if f["path"] == "m0.py" and f["rule"] == "SEC001")
    assert first["start"] == {"line": 5, "column": 12} and 0 < first["confidence"] <= 1


def test_excluded_paths_are_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.codie]\nexclude = ["gen/**"]\n')
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "bad.py").write_text("x = eval(input())\n")
    assert main(["check", str(tmp_path)]) == 0


def test_version_credits_the_advisory_data() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "codie", "--version"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "server")},
        check=True,
    ).stdout
    assert out.startswith("codie 0.1.0") and "PyPA Advisory Database, CC-BY 4.0" in out


def test_output_does_not_depend_on_a_local_style_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Style findings come from a model trained on the checked files, never from `.codie`."""
    from tests.style.workspace import make_workspace

    monkeypatch.delenv("CODIE_DB", raising=False)
    root = make_workspace(tmp_path / "shop")
    (root / "shop" / "late.py").write_text("def loadOrders(orders):\n    return list(orders)\n")
    # --no-cache: the second run must analyse again, not read the first one's results
    args = ["check", str(root), "--format", "json", "--fail-on", "never", "-j", "1", "--no-cache"]
    assert main(args) == 0
    fresh = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["rule"].startswith("STY") for f in fresh)  # the model was trained
    # a store trained elsewhere (here: on a different project) must change nothing
    other = make_workspace(tmp_path / "other")
    for path in other.rglob("*.py"):
        path.write_text(path.read_text().replace('"', "'"))
    assert main(["style", "train", str(other)]) == 0
    store = other / ".codie"
    assert store.exists()
    (root / ".codie").mkdir(exist_ok=True)
    for item in store.iterdir():
        (root / ".codie" / item.name).write_bytes(item.read_bytes())
    capsys.readouterr()
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == fresh


def test_check_applies_the_baseline_that_codie_baseline_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "a.py").write_text("x = eval(input())\ntry:\n    pass\nexcept:\n    pass\n")
    assert main(["baseline", str(tmp_path)]) == 0
    assert (tmp_path / ".codie-baseline.json").is_file()
    capsys.readouterr()
    assert main(["check", str(tmp_path), "--format", "json"]) == 0  # nothing new
    report = json.loads(capsys.readouterr().out)
    assert sorted(f["suppressed"] for f in report["findings"]) == ["baseline", "baseline"]
    assert main(["check", str(tmp_path), "--format", "json", "--no-baseline", "--fail-on", "warning"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(f["rule"] for f in report["findings"] if f["suppressed"] is None) == ["Q001", "SEC001"]
    # a file named in [tool.codie.baseline] is the project's baseline for both commands
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\n\n[tool.codie.baseline]\nfile = "ci/accepted.json"\n'
    )
    (tmp_path / "ci").mkdir()
    assert main(["baseline", str(tmp_path)]) == 0
    assert (tmp_path / "ci" / "accepted.json").is_file()
    (tmp_path / ".codie-baseline.json").unlink()
    assert main(["check", str(tmp_path)]) == 0
    # a baseline named on the command line that cannot be read is a usage error
    assert main(["check", str(tmp_path), "--baseline", str(tmp_path / "missing.json")]) == 2


def test_unreferenced_functions_need_the_whole_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CPX100 fires headless (the call graph is built), but only when the whole project is
    checked: a part alone would call a function that another part uses unreferenced."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("def _dead():\n    return 1\n\n\ndef _shared():\n    return 2\n")
    (tmp_path / "b.py").write_text("from pkg.a import _shared\n\nprint(_shared())\n")
    args = ["--format", "json", "--fail-on", "never", "-j", "1"]
    assert main(["check", str(tmp_path), *args]) == 0
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["path"], f["rule"], f["start"]["line"]) for f in found] == [("pkg/a.py", "CPX100", 1)]
    assert main(["check", str(tmp_path / "pkg"), *args]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
