"""Run a project's tests in a sandbox and turn the run into a report with anomalies."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codie.runtime.history import Anomaly, History
from codie.runtime.select import related_tests
from codie.sandbox.base import RUN_DIR, Limits, RunResult, Sandbox

PLUGIN = "codie_pytest.py"


@dataclass
class RunReport:
    root: str
    selected: list[str]
    selection: str  # how the tests were chosen
    backend: str
    why: str
    tests: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [t for t in self.tests if t.get("outcome") in ("failed", "error")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root, "selected": self.selected, "selection": self.selection,
            "backend": self.backend, "why": self.why, "run": self.run, "tests": self.tests,
            "errors": self.errors, "anomalies": [a.to_dict() for a in self.anomalies],
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        report = cls(root=data["root"], selected=list(data.get("selected", [])),
                     selection=data.get("selection", ""), backend=data.get("backend", ""),
                     why=data.get("why", ""), tests=list(data.get("tests", [])),
                     errors=list(data.get("errors", [])), run=dict(data.get("run", {})),
                     error=data.get("error"))
        report.anomalies = [
            Anomaly(a["nodeid"], a["metric"], a["value"], a["mean"], a["stdev"], a["z"],
                    a["samples"])
            for a in data.get("anomalies", [])
        ]
        return report


def plugin_source() -> bytes:
    return (Path(__file__).parent / "pytest_plugin.py").read_bytes()


def run_tests(root: Path, sandbox: Sandbox, *, edited: list[Path] | None = None,
              paths: list[Path] | None = None, limits: Limits | None = None,
              history: History | None = None,
              cancel: threading.Event | None = None) -> RunReport:
    """Run `paths` (test files/folders), or the tests related to `edited`, or all tests."""
    root = root.resolve()
    if paths:
        chosen, how = [p.resolve() for p in paths], "given"
    elif edited:
        chosen, how = related_tests(root, edited)
    else:
        chosen, how = [root], "all"
    rel = [p.relative_to(root).as_posix() or "." for p in chosen if p.is_relative_to(root)]
    report = RunReport(str(root), rel, how, sandbox.name, sandbox.why)
    if not rel:
        return report
    args = [f"{RUN_DIR}/{PLUGIN}", "-q", "-p", "no:cacheprovider", "--rootdir", ".", *rel]
    result = sandbox.run(root, args, limits or Limits(), {PLUGIN: plugin_source()},
                         cancel)
    _absorb(report, result)
    if history is not None and report.tests and not result.cancelled:
        report.anomalies = history.anomalies(str(root), report.tests)
        history.record(str(root), sandbox.name, report.run, report.tests)
    return report


def _absorb(report: RunReport, result: RunResult) -> None:
    report.run = result.to_dict() | {"isolation": result.isolation}
    report.error = result.error
    raw = result.outputs.get("pytest.json")
    if raw is None:
        if report.error is None:
            tail = (result.stderr or result.stdout)[-1500:]
            report.error = f"pytest produced no report (exit {result.returncode}): {tail}"
        return
    try:
        data = json.loads(raw)
    except ValueError:
        report.error = "pytest's report was not valid JSON"
        return
    report.tests = list(data.get("tests", []))
    report.errors = list(data.get("errors", []))
    report.run["pytest_exit"] = data.get("exitstatus")
