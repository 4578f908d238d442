"""Codie's pytest plugin and bootstrap (stdlib + pytest only; runs inside the sandbox).

Run as `python codie_pytest.py PYTEST_ARGS...`. For every test it records outcome and
call duration, the failing assertion's place, and the project functions the test refers
to (its "functions under test": names the test's code uses that resolve, through the test
module's globals, to functions defined in the project). A `benchmark(fn, *args)` fixture
(timeit-style, used when pytest-benchmark is absent) records the per-call time.
Writes $CODIE_OUT/pytest.json at the end, and as it goes one line per event to
$CODIE_OUT/pytest-events.jsonl ({"collected": [...]}, {"start": entry}, {"done": entry},
{"hung": nodeid}): a run stopped half-way still tells which tests finished and which one
was running.

Per-test timeout (--codie-timeout=SECONDS): SIGALRM raises TestTimeout in the test, which
fails it and the session goes on. A test that swallows it (or sits in C code) is caught by
a watchdog thread GRACE_S later: it records {"hung": nodeid} and ends the process, and the
runner starts a new session for the tests that did not run (--codie-only=FILE).
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest

BENCH_MIN_TIME = 0.05  # seconds of calls per round
BENCH_ROUNDS = 5
GRACE_S = 5.0  # after the per-test timeout, before the watchdog ends the session
EVENTS = "pytest-events.jsonl"
HUNG_EXIT = 124


class TestTimeout(BaseException):
    """The per-test timeout (a BaseException: `except Exception` in a test cannot hide it)."""

    __test__ = False


def _rel(path: str | os.PathLike[str], root: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None


def _is_test_path(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


class CodieRecorder:
    def __init__(self, root: Path, timeout: float = 0.0, only: set[str] | None = None) -> None:
        self.root = root
        self.tests: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.timeout = timeout
        self.only = only
        self.current: tuple[str, float] | None = None  # (nodeid, monotonic start)
        out = os.environ.get("CODIE_OUT") or "."
        os.makedirs(out, exist_ok=True)
        self._events = open(os.path.join(out, EVENTS), "a", buffering=1)  # noqa: SIM115
        self._lock = threading.Lock()
        if timeout > 0:
            threading.Thread(target=self._watchdog, daemon=True).start()

    def _event(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._events.write(json.dumps(event, default=str) + "\n")

    # per-test timeout -------------------------------------------------------------------
    def _on_alarm(self, signum: int, frame: Any) -> None:
        if self.current is None:
            return
        entry = self.tests.get(self.current[0])
        if entry is not None:
            entry["timed_out"] = True
        raise TestTimeout(f"the test ran longer than the per-test timeout of {self.timeout:g} s")

    def _watchdog(self) -> None:
        while True:
            time.sleep(0.25)
            current = self.current
            if current is not None and time.monotonic() - current[1] > self.timeout + GRACE_S:
                self._event({"hung": current[0], "timeout": self.timeout})
                os._exit(HUNG_EXIT)  # the test ignores the alarm: end this session

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        entry = self.tests.setdefault(item.nodeid, self._new_entry(item))
        self._event({"start": entry})
        self.current = (item.nodeid, time.monotonic())
        armed = self.timeout > 0 and threading.current_thread() is threading.main_thread()
        previous: Any = None
        if armed:
            previous = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            yield
        finally:
            if armed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            self.current = None
            self._event({"done": self.tests.get(item.nodeid, entry)})

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if self.only is not None:
            keep = [i for i in items if i.nodeid in self.only]
            dropped = [i for i in items if i.nodeid not in self.only]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
            items[:] = keep
        self._event({"collected": [i.nodeid for i in items]})

    # which project functions does a test use? ------------------------------------------
    def _targets(self, item: pytest.Item) -> list[dict[str, Any]]:
        fn = getattr(item, "obj", None)
        module = getattr(item, "module", None)
        code = getattr(fn, "__code__", None)
        if code is None or module is None:
            return []
        names = set(_all_names(code))
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for name in names:
            value = module.__dict__.get(name)
            candidates = [value]
            if isinstance(value, types.ModuleType):
                candidates = [getattr(value, attr, None) for attr in names]
            for obj in candidates:
                target = self._describe(obj)
                if target is not None:
                    found[(target["file"], target["name"])] = target
        return sorted(found.values(), key=lambda t: (t["file"], t["line"]))

    def _describe(self, obj: Any) -> dict[str, Any] | None:
        obj = inspect.unwrap(obj) if callable(obj) else obj
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            return None
        try:
            file = inspect.getsourcefile(obj)
            line = inspect.getsourcelines(obj)[1]
        except (OSError, TypeError):
            return None
        rel = _rel(file, self.root) if file else None
        if rel is None or _is_test_path(rel) or rel.startswith(".codie-run/"):
            return None
        return {"file": rel, "line": line, "name": obj.__name__, "qualname": obj.__qualname__}

    # hooks ------------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.tests.setdefault(item.nodeid, self._new_entry(item))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        entry = self.tests.setdefault(item.nodeid, self._new_entry(item))
        if report.when == "call":
            entry["duration"] = call.duration
            entry["outcome"] = report.outcome
        elif report.failed:
            entry["outcome"] = "error"
        elif report.skipped and entry["outcome"] == "unknown":
            entry["outcome"] = "skipped"
        if report.failed and entry.get("failure") is None:
            entry["failure"] = self._failure(item, call)

    def _new_entry(self, item: pytest.Item) -> dict[str, Any]:
        path, line, _ = item.location
        return {
            "nodeid": item.nodeid,
            "file": path,
            "line": (line or 0) + 1,
            "name": item.name,
            "outcome": "unknown",
            "duration": 0.0,
            "failure": None,
            "targets": self._targets(item),
            "bench": None,
        }

    def _failure(self, item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any]:
        excinfo = call.excinfo
        message = excinfo.exconly() if excinfo else "failed"
        frames: list[dict[str, Any]] = []
        if excinfo is not None:
            for entry in excinfo.traceback:
                rel = _rel(str(entry.path), self.root)
                if rel is not None and not rel.startswith(".codie-run/"):
                    frames.append({"file": rel, "line": entry.lineno + 1, "function": entry.name})
        test_file = item.location[0]
        in_test = [f for f in frames if f["file"] == test_file]
        in_code = [f for f in frames if not _is_test_path(f["file"])]
        where = in_test[-1] if in_test else {"file": test_file, "line": (item.location[1] or 0) + 1}
        return {
            "file": where["file"],
            "line": where["line"],
            "message": message[:2000],
            "raised_in": in_code[-1] if in_code else None,
        }

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append(
                {"nodeid": report.nodeid, "file": report.fspath, "message": str(report.longrepr)[-2000:]}
            )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        out = os.environ.get("CODIE_OUT") or "."
        os.makedirs(out, exist_ok=True)
        data = {"tests": list(self.tests.values()), "errors": self.errors, "exitstatus": int(exitstatus)}
        with open(os.path.join(out, "pytest.json"), "w") as fh:
            json.dump(data, fh)


def _all_names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):  # lambdas, comprehensions
            names.extend(_all_names(const))
    return names


class Bench:
    """timeit-style: calls per round grow until a round lasts BENCH_MIN_TIME."""

    def __init__(self, recorder: CodieRecorder, nodeid: str) -> None:
        self.recorder = recorder
        self.nodeid = nodeid

    def __call__(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        number = 1
        while True:
            start = time.perf_counter()
            for _ in range(number):
                result = fn(*args, **kwargs)
            elapsed = time.perf_counter() - start
            if elapsed >= BENCH_MIN_TIME or number >= 1 << 20:
                break
            number *= 2
        times = [elapsed / number]
        for _ in range(BENCH_ROUNDS - 1):
            start = time.perf_counter()
            for _ in range(number):
                fn(*args, **kwargs)
            times.append((time.perf_counter() - start) / number)
        entry = self.recorder.tests.get(self.nodeid)
        if entry is not None:
            entry["bench"] = {
                "min": min(times),
                "mean": sum(times) / len(times),
                "rounds": len(times),
                "number": number,
            }
        return result


class BenchFixture:
    def __init__(self, recorder: CodieRecorder) -> None:
        self.recorder = recorder

    @pytest.fixture
    def benchmark(self, request: pytest.FixtureRequest) -> Bench:
        return Bench(self.recorder, request.node.nodeid)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--codie-timeout", type=float, default=0.0, help="per-test timeout in seconds (0: none)")
    parser.addoption("--codie-only", default="", help="a file of node ids: run only these (the rest of a stopped run)")


def pytest_configure(config: pytest.Config) -> None:
    only_file = str(config.getoption("--codie-only") or "")
    only = set(Path(only_file).read_text().splitlines()) if only_file else None
    recorder = CodieRecorder(
        Path(str(config.rootpath)).resolve(), float(config.getoption("--codie-timeout") or 0.0), only
    )
    config.pluginmanager.register(recorder, "codie-recorder")
    if not config.pluginmanager.hasplugin("benchmark"):
        config.pluginmanager.register(BenchFixture(recorder), "codie-benchmark")


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())  # as `python -m pytest` does: the project is importable
    sys.exit(pytest.main(sys.argv[1:], plugins=[sys.modules[__name__]]))
