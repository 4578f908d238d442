"""One entry point for a test run, shared by `codie test`, the worker and its handler."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from codie.runtime.history import MIN_HISTORY, History
from codie.runtime.issues import issues
from codie.runtime.runner import RunReport, run_tests
from codie.runtime.select import is_test_file
from codie.sandbox import Limits, SandboxError, choose
from codie.store import default_path

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_test_root(start: Path) -> Path:
    """The project a test run belongs to: the nearest folder at or above `start` with a
    pyproject.toml, setup.cfg, setup.py or .git (so `codie test tests/test_x.py` imports
    the project's modules as pytest run from the project would); else `start`'s folder."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in [folder, *folder.parents]:
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


def run_for(
    root: Path,
    targets: list[Path],
    *,
    backend: str = "auto",
    image: str | None = None,
    python: str | None = None,
    limits: Limits | None = None,
    db: Path | None = None,
    min_history: int = MIN_HISTORY,
    cancel: threading.Event | None = None,
    isolation: str = "auto",
) -> RunReport:
    """Run the tests for `targets`: test files/folders as given, other modules through
    their related tests, nothing given: all tests. History goes to the project's store.

    SandboxError when no isolation is available; isolation="none" only from the CLI."""
    root = root.resolve()
    sandbox = choose(backend, image=image, python=python or project_python(root), isolation=isolation)
    history = History(db or default_path(root), min_history=min_history)
    given = [p for p in targets if p.is_dir() or is_test_file(p)]
    edited = [p for p in targets if p not in given]
    if edited and given:
        report = run_tests(root, sandbox, edited=edited, limits=limits, history=None, cancel=cancel)
        paths = [*given, *(root / s for s in report.selected)]
        return run_tests(root, sandbox, paths=paths, limits=limits, history=history, cancel=cancel)
    if edited:
        return run_tests(root, sandbox, edited=edited, limits=limits, history=history, cancel=cancel)
    return run_tests(root, sandbox, paths=given or None, limits=limits, history=history, cancel=cancel)


def project_python(root: Path) -> str | None:
    """The project's own virtualenv interpreter, when it has pytest (else Codie's)."""
    for venv in (root / ".venv", root / "venv"):
        python = venv / "bin" / "python"
        if python.exists() and any(venv.glob("lib/python3*/site-packages/pytest")):
            return str(python)
    return None


def handle_payload(
    payload: dict[str, Any], progress: Any = None, cancel: threading.Event | None = None
) -> dict[str, Any]:
    """The "runtime-tests" job: payload {root, targets, backend?, image?, python?,
    timeout?, test_timeout?, memory_mb?, min_history?, db?} -> report dict plus its issues.

    Jobs always run isolated: a payload asking for isolation "none" is refused (that is
    for a person at a terminal, `codie test --isolation none`, never for a queued job)."""
    root = Path(str(payload["root"]))
    targets = [Path(str(t)) for t in payload.get("targets", [])]
    limits = Limits(
        wall_seconds=float(payload.get("timeout", Limits.wall_seconds)),
        test_seconds=float(payload.get("test_timeout", Limits.test_seconds)),
        memory_mb=int(payload.get("memory_mb", Limits.memory_mb)),
    )
    if progress is not None:
        progress(0.1, f"running tests for {len(targets) or 'all'} file(s) in a sandbox")
    try:
        if payload.get("isolation", "auto") != "auto":
            raise SandboxError(
                f"a runtime-tests job always runs isolated; isolation {payload.get('isolation')!r} is refused"
            )
        report = run_for(
            root,
            targets,
            backend=str(payload.get("backend", "auto")),
            image=payload.get("image"),
            python=payload.get("python"),
            limits=limits,
            db=Path(payload["db"]) if payload.get("db") else None,
            min_history=int(payload.get("min_history", MIN_HISTORY)),
            cancel=cancel,
        )
    except SandboxError as exc:
        # "refused", not "none": nothing ran (isolation "none" is something else)
        report = RunReport(str(root), [], "", "refused", "nothing was run", error=str(exc))
    data = report.to_dict()
    data["issues"] = [i.to_dict() for i in issues(report)]
    return data
