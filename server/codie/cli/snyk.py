"""`codie import-snyk FILE [PATH]`: Snyk's results merged with Codie's own check of PATH.

FILE is `snyk test --json` output (one project or an `--all-projects` array) or Snyk Code
SARIF. Vulnerabilities Codie already reports (same CVE/GHSA alias and package) are merged
into Codie's finding; the rest are added as DEP005 (open source) or DEP006 (code).
With --run, Codie runs `snyk test --json` itself (the snyk CLI must be installed and
authenticated). Exit codes as `codie check`: 1 when a shown finding is at or above
--fail-on; 2 for unreadable input or a failed snyk run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codie.analyzers.dependencies.snyk import SnykFormatError, load, merge, run_snyk
from codie.cli.main import UsageError
from codie.cli.validate import output_file
from codie.core.config import find_project_root, load_pyproject
from codie.core.findings import Severity
from codie.core.rules import catalogue
from codie.headless import check_paths
from codie.report import FORMATS, exit_code, write_report


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("import-snyk", help="merge `snyk test --json` / Snyk Code SARIF results")
    p.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="`snyk test --json` output or Snyk Code SARIF (omit with --run)",
    )
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="the project Snyk tested (default: the current folder)",
    )
    p.add_argument(
        "--run", action="store_true", help="run `snyk test --json` on PATH first (needs an authenticated snyk CLI)"
    )
    p.add_argument("--format", default="text", choices=sorted(FORMATS), help="output format")
    p.add_argument("-o", "--output", type=Path, help="write the report here instead of stdout")
    p.add_argument("--fail-on", default="error", help="error|warning|info|hint|never")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.run and args.file is not None and args.path == Path("."):
        args.path, args.file = args.file, None  # `--run PATH`: the one positional is PATH
    if not args.path.exists():
        raise UsageError(f"no such file or folder: {args.path}")
    fail_on = None if args.fail_on == "never" else _severity(args.fail_on)
    output_file(args.output)
    try:
        if args.run:
            vulns, runs = run_snyk(args.path)
        elif args.file is None or not args.file.is_file():
            raise UsageError(f"no such file: {args.file}" if args.file else "FILE or --run needed")
        else:
            vulns, runs = load(args.file)
    except SnykFormatError as exc:
        print(f"codie: {exc}", file=sys.stderr)
        return 2
    root = find_project_root(args.path)
    settings, _ = load_pyproject(root / "pyproject.toml")
    result = check_paths([args.path], root, settings)
    added, merged = merge(result, root, vulns, runs, catalogue())
    print(f"codie: Snyk: {added} added, {merged} merged with Codie's findings", file=sys.stderr)
    write_report(result, args.format, args.output)
    return exit_code(result, fail_on)


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
