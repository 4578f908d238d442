"""`codie baseline [PATH] -o .codie-baseline.json`: accept today's findings.

The file lists fingerprints (see core/baseline.py) that survive line shifts; the editor
and `codie check --baseline FILE` then show only findings that are not in it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codie.cli.main import UsageError
from codie.core.baseline import DEFAULT_NAME, Baseline
from codie.core.check import check_paths
from codie.core.config import find_project_root, load_pyproject


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("baseline", help="write a baseline of the current findings")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", default=[Path(".")])
    p.add_argument("-o", "--output", type=Path,
                   help=f"baseline file (default: PROJECT_ROOT/{DEFAULT_NAME})")
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
    output: Path = args.output or root / DEFAULT_NAME
    result = check_paths(args.paths, root, settings, jobs=args.jobs)
    baseline = Baseline.from_located(result.results, root, output.resolve().parent)
    try:
        baseline.save(output)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc}") from None
    print(f"codie: {len(baseline)} finding(s) in {len(baseline.files)} file(s) "
          f"written to {output}", file=sys.stderr)
    return 0
