"""`codie style train|show [PATH]`: the adaptive style model from the command line.

`train` learns the workspace's conventions and stores them (then `codie check` reports
STY findings headlessly); `show` prints what was learned, with the evidence.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codie.cli.main import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("style", help="train or show the workspace's learned style model")
    p.add_argument("action", choices=("train", "show"))
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="the workspace (default: the project around the current folder)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from codie.analyzers.style.analyzer import stored_model
    from codie.analyzers.style.training import train_workspace
    from codie.core.config import find_project_root

    if not args.path.exists():
        raise UsageError(f"no such folder: {args.path}")
    root = find_project_root(args.path)
    if args.action == "train":
        summary = train_workspace(root)
        margins = ", ".join(f"{k} {v:.2f}" for k, v in sorted(summary.margins.items()))
        print(
            f"learned the style of {summary.files} files ({summary.tokens:,} tokens) "
            f"in {summary.seconds:.1f} s; naming margins (bits): {margins}"
        )
        return 0
    model = stored_model(root)
    if model is None:
        raise UsageError(f"no style model for {root}: run `codie style train` first")
    print(f"{root}: {len(model.files)} files, {model.tokens_seen:,} tokens")
    for key, counts in sorted(model.stats.items()):
        total = sum(counts.values())
        if not total:
            continue
        shares = ", ".join(f"{value} {n / total:.1%}" for value, n in counts.most_common(4))
        print(f"  {key:<18} {total:>7,} seen: {shares}")
    return 0
