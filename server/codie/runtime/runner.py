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
EVENTS = "pytest-events.jsonl"
ONLY = "only.txt"
MAX_SESSIONS = 4  # a session per hung test that ignored its timeout, at most


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

    @property
    def timed_out(self) -> list[dict[str, Any]]:
        return [t for t in self.tests if t.get("timed_out")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "selected": self.selected,
            "selection": self.selection,
            "backend": self.backend,
            "why": self.why,
            "run": self.run,
            "tests": self.tests,
            "errors": self.errors,
            "anomalies": [a.to_dict() for a in self.anomalies],
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        report = cls(
            root=data["root"],
            selected=list(data.get("selected", [])),
            selection=data.get("selection", ""),
            backend=data.get("backend", ""),
            why=data.get("why", ""),
            tests=list(data.get("tests", [])),
            errors=list(data.get("errors", [])),
            run=dict(data.get("run", {})),
            error=data.get("error"),
        )
        report.anomalies = [
            Anomaly(a["nodeid"], a["metric"], a["value"], a["mean"], a["stdev"], a["z"], a["samples"])
            for a in data.get("anomalies", [])
        ]
        return report


def plugin_source() -> bytes:
    return (Path(__file__).parent / "pytest_plugin.py").read_bytes()


def run_tests(
    root: Path,
    sandbox: Sandbox,
    *,
    edited: list[Path] | None = None,
    paths: list[Path] | None = None,
    limits: Limits | None = None,
    history: History | None = None,
    cancel: threading.Event | None = None,
) -> RunReport:
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
    limits = limits or Limits()
    args = [
        f"{RUN_DIR}/{PLUGIN}",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        ".",
        f"--codie-timeout={limits.test_seconds:g}",
    ]
    files = {PLUGIN: plugin_source()}
    result = sandbox.run(root, [*args, *rel], limits, files, cancel)
    _absorb(report, result)
    for _ in range(MAX_SESSIONS - 1):
        # a test ignored its timeout and the session was ended: run the tests it left
        rest = report.run.get("not_run") or []
        if not report.run.get("hung") or not rest or result.cancelled:
            break
        files[ONLY] = "\n".join(rest).encode()
        result = sandbox.run(root, [*args, f"--codie-only={RUN_DIR}/{ONLY}", *rel], limits, files, cancel)
        more = RunReport(str(root), rel, how, sandbox.name, sandbox.why)
        _absorb(more, result)
        report.tests += more.tests
        report.errors += more.errors
        report.run["sessions"] = report.run.get("sessions", 1) + 1
        for key in ("wall_s", "cpu_s"):
            report.run[key] = report.run.get(key, 0.0) + more.run.get(key, 0.0)
        report.run["hung"] = more.run.get("hung")
        report.run["not_run"] = more.run.get("not_run", [])
        report.error = report.error or more.error
    if report.run.get("not_run") and report.error is None:
        report.error = f"{len(report.run['not_run'])} test(s) did not run"
    if history is not None and report.tests and not result.cancelled:
        report.anomalies = history.anomalies(str(root), report.tests)
        history.record(str(root), sandbox.name, report.run, report.tests)
    return report


def _absorb(report: RunReport, result: RunResult) -> None:
    report.run = result.to_dict() | {"isolation": result.isolation}
    report.error = result.error
    raw = result.outputs.get("pytest.json")
    if raw is None:
        if _from_events(report, result):
            return
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


def _from_events(report: RunReport, result: RunResult) -> bool:
    """A session that was stopped (hung test, run deadline): keep every finished test's
    result, and name the test that was running as timed out."""
    collected: list[str] = []
    done: dict[str, dict[str, Any]] = {}
    running: dict[str, Any] | None = None
    hung: str | None = None
    timeout = 0.0
    for line in result.outputs.get(EVENTS, "").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # the last line may be cut off
        if not isinstance(event, dict):
            continue
        if isinstance(event.get("collected"), list):
            collected = [str(n) for n in event["collected"]]
        elif isinstance(event.get("start"), dict):
            running = event["start"]
        elif isinstance(event.get("done"), dict):
            done[str(event["done"].get("nodeid"))] = event["done"]
            running = None
        elif event.get("hung"):
            hung, timeout = str(event["hung"]), float(event.get("timeout") or 0)
    if not collected and not done and running is None:
        return False
    report.tests = list(done.values())
    if running is not None:
        if hung:
            why = (
                f"the test ran longer than the per-test timeout of {timeout:g} s and ignored it: its session was ended"
            )
        elif result.timed_out:
            why = "the run's time limit was reached during this test"
        else:
            why = f"the test process ended during this test (exit {result.returncode})"
        stopped = dict(running) | {"outcome": "failed", "timed_out": bool(hung) or result.timed_out}
        stopped["failure"] = {
            "file": running.get("file", ""),
            "line": running.get("line", 1),
            "message": f"Timeout: {why}" if stopped["timed_out"] else why,
            "raised_in": None,
        }
        if hung:
            stopped["duration"] = timeout
        report.tests.append(stopped)
        report.run["stopped_in"] = running.get("nodeid")
    report.run["hung"] = bool(hung)  # the session was ended by the watchdog: run the rest
    finished = set(done) | {str(report.run.get("stopped_in"))}
    report.run["not_run"] = [n for n in collected if n not in finished]
    if report.run["not_run"] and not hung:
        report.error = f"{len(report.run['not_run'])} test(s) did not run: {report.error or 'the session ended early'}"
    elif hung:
        report.error = None  # the hung test is reported as such; the rest runs again
    return True
