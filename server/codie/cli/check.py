"""`codie check PATH...`: headless analysis for CI and pull requests.

The same pipeline as the editor (codie.headless over core/pipeline.py): the same walker
(.gitignore, `exclude`), suppressions, the project's baseline file when it exists
(`[tool.codie.baseline] file`, default .codie-baseline.json; `--no-baseline` shows all),
and the same services (call graph, a style model trained from the checked project).
Results are cached per file under a key of everything they depend on (report/cache.py),
outside the project; `--no-cache` analyses every file afresh.

Exit codes: 0 no shown finding at or above --fail-on; 1 at least one; 2 usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from codie.cli.main import UsageError
from codie.cli.validate import check_options
from codie.core.config import find_project_root, load_pyproject
from codie.core.findings import Severity
from codie.core.git import GitError
from codie.headless import CheckOptions, check_paths
from codie.pr.gate import focus
from codie.report import FORMATS, exit_code, write_report
from codie.report.cache import project_db


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
    p.add_argument(
        "--baseline",
        type=Path,
        help="hide findings accepted in this baseline file (default: the "
        "project's, [tool.codie.baseline] file or .codie-baseline.json, "
        "when it exists)",
    )
    p.add_argument("--no-baseline", action="store_true", help="ignore every baseline file: show all findings")
    p.add_argument(
        "--baseline-show",
        choices=("hidden", "hint"),
        default=None,
        help="baselined findings: hidden (default) or reported at hint severity",
    )
    p.add_argument("--new-since", metavar="REF", help="report only code changed since a git ref")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse every file, neither reading nor writing the result cache (kept in the "
        "user's cache folder, CODIE_CACHE_DIR overrides; never in the project)",
    )
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
    options = CheckOptions(
        baseline=args.baseline,
        use_baseline=not args.no_baseline,
        baseline_show=args.baseline_show,
        cache=None if args.no_cache else project_db(root),
    )
    if args.baseline is not None and not args.no_baseline and not args.baseline.is_file():
        raise UsageError(f"--baseline: no such file: {args.baseline}")
    for flag, ref in (("--diff", args.diff), ("--new-since", args.new_since)):
        if ref:  # the same filter: lines changed since a git ref
            try:
                options = focus(options, root, ref)
            except GitError as exc:
                raise UsageError(f"{flag} {ref}: {exc}") from None
    result = check_paths(args.paths, root, settings, jobs=args.jobs, options=options)
    if args.baseline is not None and any(e.startswith("baseline not used") for e in result.errors):
        raise UsageError(next(e for e in result.errors if e.startswith("baseline not used")))
    hidden = sum(1 for r in result.results if r.suppressed == "baseline")
    hinted = sum(1 for r in result.shown if r.finding.data.get("baselined"))
    if hidden or hinted:
        print(
            f"codie: {hidden + hinted} finding(s) "
            f"{'downgraded to hints' if hinted else 'hidden'} by the baseline "
            "(--no-baseline shows them)",
            file=sys.stderr,
        )
    if options.changed is not None:
        print(
            f"codie: {result.unchanged} finding(s) in code unchanged since {args.new_since or args.diff} not shown",
            file=sys.stderr,
        )
    write_report(result, args.format, args.output)
    return exit_code(result, fail_on)
