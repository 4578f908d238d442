"""`codie test [PATH...]`: run the related (or all) tests in the sandbox, headlessly.

Prints outcomes, durations, CPU time, peak memory, the backend in use and why, and the
anomalies against the stored history. Exit codes: 0 all passed, 1 a test failed (or, with
--fail-on-slow, slowed down), 2 usage error or the sandbox could not run.

It fails closed: without bubblewrap (or a docker engine) it refuses, saying how to get
one; `--isolation none` runs the tests unisolated, with a loud warning, only when asked.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
from pathlib import Path

from codie.cli.main import UsageError
from codie.runtime.history import MIN_HISTORY
from codie.runtime.issues import issues
from codie.runtime.runner import RunReport
from codie.runtime.service import find_test_root, run_for
from codie.sandbox import Limits, SandboxError
from codie.sandbox.process import UNSAFE_WARNING


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("test", help="run the related tests in a sandbox, with metrics")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="edited modules (their related tests run) or test files/folders",
    )
    p.add_argument("--backend", default="auto", choices=["auto", "process", "docker"])
    p.add_argument("--format", default="text", choices=["text", "json"])
    p.add_argument("--image", help="docker image with python3 (default: $CODIE_IMAGE)")
    p.add_argument("--python", help="interpreter for the process backend")
    p.add_argument(
        "--isolation",
        default="auto",
        choices=["auto", "none"],
        help="auto: bubblewrap or docker, refusing without either (default); "
        "none: NO sandbox, the tests run with your rights (unsafe)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=Limits.test_seconds,
        help="seconds per test: a longer test fails as timed out, the others still run (default %(default)g)",
    )
    p.add_argument(
        "--run-timeout", type=float, default=600.0, help="wall-clock seconds for the whole run (default %(default)g)"
    )
    p.add_argument("--memory", type=int, default=1024, help="memory limit in MB")
    p.add_argument(
        "--min-history", type=int, default=MIN_HISTORY, help="earlier runs needed before a slow-down is reported"
    )
    p.add_argument("--db", type=Path, help="history database (default: .codie/codie.db)")
    p.add_argument("--fail-on-slow", action="store_true", help="exit 1 on a slow-down too")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    if not args.timeout > 0 or not args.run_timeout > 0 or args.memory < 32 or args.min_history < 0:
        raise UsageError(
            "--timeout and --run-timeout must be positive, --memory at least 32 MB and --min-history 0 or more"
        )
    if args.python and shutil.which(args.python) is None:
        raise UsageError(f"--python {args.python}: no such interpreter")
    start = args.paths[0] if args.paths else Path.cwd()
    root = find_test_root(start)
    limits = Limits(wall_seconds=args.run_timeout, test_seconds=args.timeout, memory_mb=args.memory)
    if args.isolation == "none":
        print(f"codie: {UNSAFE_WARNING}", file=sys.stderr)
    try:
        report = run_for(
            root,
            list(args.paths),
            backend=args.backend,
            image=args.image,
            python=args.python,
            limits=limits,
            db=args.db,
            min_history=args.min_history,
            isolation=args.isolation,
        )
    except SandboxError as exc:
        print(f"codie: sandbox: {exc}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        print(f"codie: cannot use the history store: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        data = report.to_dict()
        data["issues"] = [i.to_dict() for i in issues(report)]
        print(json.dumps(data, indent=2))
    else:
        print(render_text(report))
    if report.error and not report.tests:
        return 2
    if report.failed or report.errors or (args.fail_on_slow and report.anomalies):
        return 1
    return 0


def render_text(report: RunReport) -> str:
    run = report.run
    lines = [f"backend: {report.backend} ({report.why})"]
    if run.get("isolation"):
        lines.append("isolation: " + "; ".join(run["isolation"]))
    lines.append(f"tests: {', '.join(report.selected) or '(none)'} [{report.selection}]")
    for test in report.tests:
        bench = test.get("bench")
        extra = f"  bench {bench['mean'] * 1e6:.1f} µs/call" if bench else ""
        outcome = "TIMEOUT" if test.get("timed_out") else test["outcome"].upper()
        lines.append(f"  {outcome:7} {test['duration']:8.3f} s  {test['nodeid']}{extra}")
        failure = test.get("failure")
        if failure and test["outcome"] in ("failed", "error"):
            first = (failure.get("message") or "").strip().splitlines()[:1]
            lines.append(f"          at {failure['file']}:{failure['line']}: {first[0] if first else ''}")
    for error in report.errors:
        lines.append(f"  ERROR collecting {error.get('nodeid')}")
    if run:
        lines.append(
            f"run: wall {run.get('wall_s', 0):.2f} s, CPU {run.get('cpu_s', 0):.2f} s, "
            f"peak RSS {run.get('maxrss_kb', 0) / 1024:.1f} MB, "
            f"exit {run.get('returncode')}"
        )
    for anomaly in report.anomalies:
        lines.append(f"SLOWER {anomaly.nodeid}: {anomaly.describe()}")
    if report.error:
        lines.append(f"error: {report.error}")
    passed = sum(t["outcome"] == "passed" for t in report.tests)
    hung = [t["nodeid"] for t in report.timed_out]
    lines.append(
        f"{passed} passed, {len(report.failed)} failed, "
        f"{len(report.anomalies)} slowed down" + (f"; timed out: {', '.join(hung)}" if hung else "")
    )
    return "\n".join(lines)
