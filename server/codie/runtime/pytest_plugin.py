"""Codie's pytest plugin and bootstrap (stdlib + pytest only; runs inside the sandbox).

Run as `python codie_pytest.py PYTEST_ARGS...`. For every test it records outcome and
call duration, the failing assertion's place, and the project functions the test refers
to (its "functions under test": names the test's code uses that resolve, through the test
module's globals, to functions defined in the project). A `benchmark(fn, *args)` fixture
(timeit-style, used when pytest-benchmark is absent) records the per-call time.
Writes $CODIE_OUT/pytest.json.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest

BENCH_MIN_TIME = 0.05  # seconds of calls per round
BENCH_ROUNDS = 5


def _rel(path: str | os.PathLike[str], root: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None


def _is_test_path(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


class CodieRecorder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tests: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []

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
            "nodeid": item.nodeid, "file": path, "line": (line or 0) + 1, "name": item.name,
            "outcome": "unknown", "duration": 0.0, "failure": None,
            "targets": self._targets(item), "bench": None,
        }

    def _failure(self, item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any]:
        excinfo = call.excinfo
        message = excinfo.exconly() if excinfo else "failed"
        frames: list[dict[str, Any]] = []
        if excinfo is not None:
            for entry in excinfo.traceback:
                rel = _rel(str(entry.path), self.root)
                if rel is not None and not rel.startswith(".codie-run/"):
                    frames.append({"file": rel, "line": entry.lineno + 1,
                                   "function": entry.name})
        test_file = item.location[0]
        in_test = [f for f in frames if f["file"] == test_file]
        in_code = [f for f in frames if not _is_test_path(f["file"])]
        where = in_test[-1] if in_test else {"file": test_file, "line": (item.location[1] or 0) + 1}
        return {"file": where["file"], "line": where["line"], "message": message[:2000],
                "raised_in": in_code[-1] if in_code else None}

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append({"nodeid": report.nodeid, "file": report.fspath,
                                "message": str(report.longrepr)[-2000:]})

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        out = os.environ.get("CODIE_OUT") or "."
        os.makedirs(out, exist_ok=True)
        data = {"tests": list(self.tests.values()), "errors": self.errors,
                "exitstatus": int(exitstatus)}
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
            entry["bench"] = {"min": min(times), "mean": sum(times) / len(times),
                              "rounds": len(times), "number": number}
        return result


class BenchFixture:
    def __init__(self, recorder: CodieRecorder) -> None:
        self.recorder = recorder

    @pytest.fixture
    def benchmark(self, request: pytest.FixtureRequest) -> Bench:
        return Bench(self.recorder, request.node.nodeid)


def pytest_configure(config: pytest.Config) -> None:
    recorder = CodieRecorder(Path(str(config.rootpath)).resolve())
    config.pluginmanager.register(recorder, "codie-recorder")
    if not config.pluginmanager.hasplugin("benchmark"):
        config.pluginmanager.register(BenchFixture(recorder), "codie-benchmark")


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())  # as `python -m pytest` does: the project is importable
    sys.exit(pytest.main(sys.argv[1:], plugins=[sys.modules[__name__]]))
