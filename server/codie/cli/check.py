"""`codie check PATH...`: headless analysis for CI and pull requests.

Exit codes: 0 no shown finding at or above --fail-on; 1 at least one; 2 usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from codie.cli.main import UsageError
from codie.cli.validate import check_options
from codie.core.baseline import Baseline, BaselineError, mark_baselined
from codie.core.check import check_paths
from codie.core.config import find_project_root, load_pyproject
from codie.core.findings import Severity
from codie.pr.diff import GitError
from codie.pr.gate import diff_run
from codie.report import FORMATS, exit_code, write_report
from codie.report.model import Run


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", help="analyse files or folders headlessly")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--format", default="text", choices=sorted(FORMATS), help="output format")
    p.add_argument("-o", "--output", type=Path, help="write the report here instead of stdout")
    p.add_argument("--min-confidence", type=float, help="hide findings below this (0..1)")
    p.add_argument("--fail-on", default="error", help="error|warning|info|hint|never")
    p.add_argument("--select", help="comma-separated rule ids or prefixes")
    p.add_argument("--ignore", help="comma-separated rule ids or prefixes")
    p.add_argument("-j", "--jobs", type=int, help="worker processes (default: all cores)")
    p.add_argument("--diff", metavar="BASE", help="only findings on lines changed since git revision BASE")
    p.add_argument("--baseline", type=Path, help="hide findings accepted in this baseline file")
    p.add_argument("--baseline-show", choices=("hidden", "hint"), default="hidden",
                   help="baselined findings: hidden (default) or reported at hint severity")
    p.add_argument("--new-since", metavar="REF", help="report only code changed since a git ref")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_options(args)
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    if args.min_confidence is not None and not 0 <= args.min_confidence <= 1:
        raise UsageError("--min-confidence must be between 0 and 1")
    fail_on = None
    if args.fail_on != "never":
        try:
            fail_on = Severity.parse(args.fail_on)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    root = find_project_root(args.paths[0])
    settings, problems = load_pyproject(root / "pyproject.toml")
    for problem in problems:
        print(f"codie: {problem.path}:{problem.line + 1}: {problem.message}", file=sys.stderr)
    overrides: dict[str, object] = {}
    if args.min_confidence is not None:
        overrides["min_confidence"] = args.min_confidence
    if args.select:
        overrides["select"] = tuple(s.strip() for s in args.select.split(",") if s.strip())
    if args.ignore:
        overrides["ignore"] = tuple(s.strip() for s in args.ignore.split(",") if s.strip())
    settings = dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]
    result = check_paths(args.paths, root, settings, jobs=args.jobs)
    if args.diff:
        try:
            result = diff_run(result, args.diff)
        except GitError as exc:
            raise UsageError(f"--diff: {exc}") from None
    result = apply_baseline_options(args, result)
    write_report(result, args.format, args.output)
    return exit_code(result, fail_on)


def apply_baseline_options(args: argparse.Namespace, result: Run) -> Run:
    """--baseline marks accepted findings as suppressed; --new-since drops older code's."""
    if args.baseline is not None:
        try:
            baseline = Baseline.load(args.baseline)
        except BaselineError as exc:
            raise UsageError(str(exc)) from None
        hints = args.baseline_show == "hint"
        hidden = mark_baselined(result, baseline, args.baseline.resolve().parent, hints)
        print(f"codie: {hidden} finding(s) {'downgraded to hints' if hints else 'hidden'} "
              "by the baseline", file=sys.stderr)
    if args.new_since:  # the same filter as --diff (codie.pr): lines changed since a ref
        before = len(result.results)
        try:
            result = diff_run(result, args.new_since)
        except GitError as exc:
            raise UsageError(f"--new-since {args.new_since}: {exc}") from None
        print(f"codie: {before - len(result.results)} finding(s) in code unchanged since "
              f"{args.new_since} not shown", file=sys.stderr)
    return result
