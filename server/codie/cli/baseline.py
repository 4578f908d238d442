"""`codie baseline [PATH] -o .codie-baseline.json`: accept today's findings.

The file lists fingerprints (see core/baseline.py) that survive line shifts; the editor,
the workspace scan and `codie check` (which applies the project's baseline file by
default) then show only findings that are not in it. It records what `codie check
--no-baseline` shows, so that a plain `codie check` right after reports nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codie.cli.main import UsageError
from codie.core.baseline import DEFAULT_NAME, Baseline, BaselineOptions, rebase
from codie.core.config import find_project_root, load_pyproject
from codie.headless import CheckOptions, check_paths


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("baseline", help="write a baseline of the current findings")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", default=[Path(".")])
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help=f"baseline file (default: [tool.codie.baseline] file, else PROJECT_ROOT/{DEFAULT_NAME})",
    )
    p.add_argument("-j", "--jobs", type=int, help="worker processes (default: all cores)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    root = find_project_root(args.paths[0])
    settings, problems = load_pyproject(root / "pyproject.toml")
    for problem in problems:
        print(f"codie: {problem.path}:{problem.line + 1}: {problem.message}", file=sys.stderr)
    output: Path = args.output or BaselineOptions.of(settings).path_in(root)
    result = check_paths(args.paths, root, settings, jobs=args.jobs, options=CheckOptions(use_baseline=False))
    base_dir = output.resolve().parent
    baseline = Baseline.from_items(
        (rebase(r.path, root, base_dir), r.finding.rule_id, r.snippet, r.start_line)
        for r in result.results
        if r.suppressed is None
    )
    try:
        baseline.save(output)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc}") from None
    print(f"codie: {len(baseline)} finding(s) in {len(baseline.files)} file(s) written to {output}", file=sys.stderr)
    return 0
