"""`codie test`: outcomes, metrics, history and anomalies, text and JSON, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codie.cli.main import main

from .conftest import write_project

WORK = "import time\n\nDELAY = {delay}\n\n\ndef work():\n    time.sleep(DELAY)\n    return 1\n"
BENCH = "from work import work\n\n\ndef test_work(benchmark):\n    assert benchmark(work) == 1\n"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["test", "--backend", "process", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_failures_and_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "calc.py": "def add(a, b):\n    return a - b\n",
            "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n",
        },
    )
    code, data = run_json(capsys, str(root / "calc.py"), "--db", str(tmp_path / "h.db"))
    assert code == 1
    assert data["backend"] == "process" and data["why"]
    [test] = data["tests"]  # type: ignore[misc]
    assert test["outcome"] == "failed" and test["failure"]["line"] == 5
    assert data["run"]["maxrss_kb"] > 0 and data["run"]["cpu_s"] > 0  # type: ignore[index]
    rules = sorted(i["rule_id"] for i in data["issues"])  # type: ignore[attr-defined]
    assert rules == ["RUN001", "RUN002"]
    assert main(["test", "--backend", "process", str(root), "--db", str(tmp_path / "h.db")]) == 1
    text = capsys.readouterr().out
    assert "FAILED" in text and "peak RSS" in text and "backend: process" in text


def test_benchmark_slow_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "p", {"work.py": WORK.format(delay=0), "test_work.py": BENCH})
    db = str(tmp_path / "h.db")
    for _ in range(2):
        code, data = run_json(capsys, str(root / "work.py"), "--db", db, "--min-history", "2")
        assert code == 0 and data["anomalies"] == []
        assert data["tests"][0]["bench"]["mean"] > 0  # type: ignore[index]
    (root / "work.py").write_text(WORK.format(delay=0.001))
    code, data = run_json(capsys, str(root / "work.py"), "--db", db, "--min-history", "2", "--fail-on-slow")
    assert code == 1
    [anomaly] = data["anomalies"]  # type: ignore[misc]
    assert anomaly["metric"] == "benchmark" and anomaly["z"] > 3
    issues = data["issues"]
    assert {i["rule_id"] for i in issues} == {"RUN004"}  # type: ignore[attr-defined]
    assert any(i["file"] == "work.py" and i["function"] == "work" for i in issues)  # type: ignore[attr-defined]


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(tmp_path / "missing.py")]) == 2
    assert main(["test", "--timeout", "0", str(tmp_path)]) == 2
    assert "error" in capsys.readouterr().err


def test_collection_error_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "p", {"test_bad.py": "import no_such_module\n"})
    code, data = run_json(capsys, str(root), "--db", str(tmp_path / "h.db"))
    assert code == 1
    assert [i["rule_id"] for i in data["issues"]] == ["RUN005"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("marker", ["setup.cfg", "setup.py", ".git", "pyproject.toml"])
def test_root_is_the_project_not_the_tests_folder(
    tmp_path: Path, marker: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    (root / "tests").mkdir(parents=True)
    if marker == ".git":
        (root / ".git").mkdir()
    else:
        (root / marker).write_text("")
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests" / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    monkeypatch.chdir(root)
    code, data = run_json(capsys, "tests/test_calc.py", "--db", str(tmp_path / "h.db"))
    assert data["root"] == str(root.resolve())
    assert [t["outcome"] for t in data["tests"]] == ["passed"], data  # type: ignore[union-attr]
    assert code == 0


HANGS = """\
import time


def test_first():
    assert True


def test_hangs():
    time.sleep(600)


def test_ignores_the_timeout():
    while True:
        try:
            time.sleep(600)
        except BaseException:
            pass


def test_last():
    assert True
"""


def test_per_test_timeout_keeps_every_other_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "p", {"test_hangs.py": HANGS})
    code, data = run_json(capsys, str(root / "test_hangs.py"), "--timeout", "2", "--db", str(tmp_path / "h.db"))
    tests = {t["nodeid"].split("::")[1]: t for t in data["tests"]}  # type: ignore[union-attr]
    assert code == 1
    assert set(tests) == {"test_first", "test_hangs", "test_ignores_the_timeout", "test_last"}
    assert tests["test_first"]["outcome"] == tests["test_last"]["outcome"] == "passed"
    for name in ("test_hangs", "test_ignores_the_timeout"):
        assert tests[name]["outcome"] == "failed" and tests[name]["timed_out"], tests[name]
        assert "timeout of 2 s" in tests[name]["failure"]["message"]
    assert tests["test_hangs"]["failure"]["line"] == 9  # where it was stopped
    main(
        ["test", "--backend", "process", str(root / "test_hangs.py"), "--timeout", "2", "--db", str(tmp_path / "h.db")]
    )
    text = capsys.readouterr().out
    assert "2 passed, 2 failed" in text and "timed out: " in text
    assert "TIMEOUT" in text and "test_hangs.py::test_hangs" in text


def test_run_deadline_keeps_the_finished_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "p", {"test_hangs.py": HANGS})
    code, data = run_json(
        capsys, str(root / "test_hangs.py"), "--timeout", "600", "--run-timeout", "30", "--db", str(tmp_path / "h.db")
    )
    tests = {t["nodeid"].split("::")[1]: t for t in data["tests"]}  # type: ignore[union-attr]
    assert code == 1
    assert tests["test_first"]["outcome"] == "passed"
    assert tests["test_hangs"]["outcome"] == "failed" and tests["test_hangs"]["timed_out"]
    assert "time limit" in tests["test_hangs"]["failure"]["message"]
    assert "did not run" in str(data["error"])  # the two after it, said so
