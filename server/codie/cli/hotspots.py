"""`codie hotspots PATH`: files (or functions) ranked by churn x complexity, plus an SVG chart.

Churn is cached in <root>/.codie/codie.db (or CODIE_DB); a second run reads only new commits.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from codie.analyzers.churn import ChurnError, parse_window
from codie.analyzers.hotspots import compute, svg_chart, table
from codie.cli.main import UsageError
from codie.store import default_path, ensure_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("hotspots", help="rank code by churn (git) x complexity")
    p.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=Path("."),
        metavar="PATH",
        help="a folder inside a git repository (default: .)",
    )
    p.add_argument("--window", default="12 months", help="history window, e.g. '90 days'")
    p.add_argument("--top", type=int, default=20, help="rows to show (0 = all)")
    p.add_argument("--functions", action="store_true", help="rank functions instead of files")
    p.add_argument("--format", default="text", choices=("text", "json"))
    p.add_argument("--chart", type=Path, help="SVG chart path (default <root>/.codie/hotspots.svg)")
    p.add_argument("--no-chart", action="store_true", help="do not write the chart")
    p.add_argument("--no-cache", action="store_true", help="keep the churn cache in memory only")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root: Path = args.path
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    if args.top < 0:
        raise UsageError("--top must be >= 0")
    try:
        window = parse_window(args.window)
        db = ":memory:" if args.no_cache else default_path(root.resolve())
        files, functions = compute(root, window, db)
    except ChurnError as exc:
        raise UsageError(str(exc)) from None
    spots = functions if args.functions else files
    shown = spots[: args.top] if args.top else spots
    if args.format == "json":
        sys.stdout.write(json.dumps({"window": args.window, "hotspots": [s.as_dict() for s in shown]}, indent=2) + "\n")
    else:
        sys.stdout.write(table(shown, functions=args.functions))
    if not args.no_chart:
        chart = args.chart or root.resolve() / ".codie" / "hotspots.svg"
        try:
            ensure_dir(chart.parent)
            kind = "functions" if args.functions else "files"
            chart.write_text(svg_chart(shown, f"Hotspots ({kind}, last {args.window})"), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the chart: {exc}") from None
        print(f"codie: chart written to {chart}", file=sys.stderr)
    return 0
