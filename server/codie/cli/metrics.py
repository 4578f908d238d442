"""`codie metrics PATH`: per-function cyclomatic and cognitive complexity, Halstead volume,
difficulty and effort, maintainability index and SLOC, as `radon cc` / `radon mi` users expect.

One row per function, method and class (and per module with --kind module). Ranks are radon's:
cyclomatic A 1-5 ... F 41+; MI A > 19, B 10-19, C <= 9. Filters only choose rows: the exit code
is 0 whenever the files could be read (2 for a usage error).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codie.analyzers.metrics import cc_rank, flatten, module_metrics
from codie.cli.main import UsageError
from codie.core.config import Settings, find_project_root, load_pyproject
from codie.core.document import parse
from codie.core.project import MAX_FILE_BYTES, iter_files, relative_path

KINDS = ("function", "method", "class", "module")
LETTER = {"function": "F", "method": "M", "class": "C", "module": "module"}
# how each --sort key orders: worst first (most complex, least maintainable, longest)
SORTS = {"cc": ("cc", True), "cognitive": ("cognitive", True), "mi": ("mi", False), "sloc": ("sloc", True)}
FIELDS = (
    "path",
    "line",
    "kind",
    "name",
    "cc",
    "cc_rank",
    "cognitive",
    "volume",
    "difficulty",
    "effort",
    "mi",
    "mi_rank",
    "sloc",
)


@dataclass(frozen=True, slots=True)
class Row:
    path: str
    line: int  # 1-based
    kind: str
    name: str
    cc: int
    cognitive: int
    volume: float
    difficulty: float
    effort: float
    mi: float
    sloc: int

    @property
    def cc_rank(self) -> str:
        return cc_rank(self.cc)

    @property
    def mi_rank(self) -> str:
        return mi_rank(self.mi)

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIELDS}


def mi_rank(mi: float) -> str:
    return "A" if mi > 19 else "B" if mi > 9 else "C"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("metrics", help="per-function complexity, Halstead, MI and SLOC")
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--format", default="text", choices=("text", "json", "csv"))
    p.add_argument(
        "--sort", choices=tuple(SORTS), help="order rows worst first by this metric (default: by file and line)"
    )
    p.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        help="rows of this kind only (repeatable; default: function, method, class)",
    )
    p.add_argument(
        "--min-cc", type=int, default=0, metavar="N", help="only rows whose cyclomatic complexity is at least N"
    )
    p.add_argument(
        "--min-cognitive", type=int, default=0, metavar="N", help="only rows whose cognitive complexity is at least N"
    )
    p.add_argument("--max-mi", type=float, metavar="X", help="only rows whose maintainability index is at most X")
    p.add_argument("--top", type=int, default=0, metavar="N", help="at most N rows (0 = all)")
    p.set_defaults(func=run)


def collect(paths: list[Path], settings: Settings, root: Path) -> tuple[list[Row], list[str]]:
    """Rows for every definition (and module) under paths; unreadable files are reported."""
    rows: list[Row] = []
    problems: list[str] = []
    for file in iter_files(paths, settings, root):
        rel = relative_path(file, root)
        try:
            source = file.read_bytes()[:MAX_FILE_BYTES]
        except OSError as exc:
            problems.append(f"{rel}: cannot read: {exc.strerror or exc}")
            continue
        if b"\0" in source:
            problems.append(f"{rel}: not a text file, skipped")
            continue
        try:
            module = module_metrics(parse(source), source, rel)
        except RecursionError:
            problems.append(f"{rel}: nested too deeply to measure, skipped")
            continue
        for m in flatten(module):
            hal = m.halstead
            rows.append(
                Row(
                    rel,
                    m.line + 1,
                    m.kind,
                    m.qualname,
                    m.cyclomatic,
                    m.cognitive,
                    round(hal.volume, 2),
                    round(hal.difficulty, 2),
                    round(hal.effort, 2),
                    round(m.maintainability, 2),
                    m.lines.sloc,
                )
            )
    return rows, problems


def select(rows: list[Row], args: argparse.Namespace) -> list[Row]:
    kinds = set(args.kind or ("function", "method", "class"))
    chosen = [
        r
        for r in rows
        if r.kind in kinds
        and r.cc >= args.min_cc
        and r.cognitive >= args.min_cognitive
        and (args.max_mi is None or r.mi <= args.max_mi)
    ]
    if args.sort:
        key, worst_high = SORTS[args.sort]
        # stable: ties keep file and line order
        chosen.sort(key=lambda r: getattr(r, key), reverse=worst_high)
    return chosen[: args.top] if args.top else chosen


def render(rows: list[Row], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([r.as_dict() for r in rows], indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r.as_dict() for r in rows)
        return out.getvalue()
    return "".join(
        f"{r.path}:{r.line}: {LETTER[r.kind]} {r.name} - {r.cc_rank} ({r.cc})"
        f"  cognitive {r.cognitive}  mi {r.mi:.2f} ({r.mi_rank})  sloc {r.sloc}"
        f"  volume {r.volume:.2f}  difficulty {r.difficulty:.2f}  effort {r.effort:.2f}\n"
        for r in rows
    )


def run(args: argparse.Namespace) -> int:
    for option in ("min_cc", "min_cognitive", "top"):
        if getattr(args, option) < 0:
            raise UsageError(f"--{option.replace('_', '-')} must be >= 0")
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    first = args.paths[0]
    root = first.resolve() if first.is_dir() and len(args.paths) == 1 else find_project_root(first.resolve())
    settings, config_problems = load_pyproject(root / "pyproject.toml")
    for problem in config_problems:
        print(f"codie: {problem.path}:{problem.line + 1}: {problem.message}", file=sys.stderr)
    rows, problems = collect([p.resolve() for p in args.paths], settings, root)
    for message in problems:
        print(f"codie: {message}", file=sys.stderr)
    sys.stdout.write(render(select(rows, args), args.format))
    return 0
