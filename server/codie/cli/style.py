"""`codie style train|show|suggest [PATH]`: the adaptive style model from the command line.

`train` learns the workspace's conventions and stores them (then `codie check` reports
STY findings headlessly); `show` prints what was learned, with the evidence; `suggest`
ranks the naming model's candidates for every binding of PATH (a file or folder), each file
scored with its own saved text left out of the model (--keep-file keeps it in).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codie.cli.main import UsageError

if TYPE_CHECKING:
    from codie.analyzers.style.model import WorkspaceModel


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("style", help="train or show the workspace's learned style model")
    p.add_argument("action", choices=("train", "show", "suggest"))
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="the workspace (default: the project around the current folder); for suggest, a file or folder in it",
    )
    p.add_argument("--format", default="text", choices=("text", "json"), help="suggest: output format")
    p.add_argument("--top", type=int, default=5, metavar="N", help="suggest: candidates per binding (default 5)")
    p.add_argument("--keep-file", action="store_true", help="suggest: keep each file's own saved text in the model")
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
    if args.action == "suggest":
        if args.top < 1:
            raise UsageError("--top must be at least 1")
        rows = suggest(model, root, args.path, args.top, args.keep_file)
        if args.format == "json":
            print(json.dumps(rows, indent=2))
        else:
            for r in rows:
                names = ", ".join(f"{c['name']} {c['gain']:+.1f}" for c in r["candidates"])
                flag = "  <- suggested" if r["suggested"] else ""
                print(f"{r['path']}:{r['line']}: {r['kind']} {r['name']}: {names}{flag}")
        return 0
    print(f"{root}: {len(model.files)} files, {model.tokens_seen:,} tokens")
    for key, counts in sorted(model.stats.items()):
        total = sum(counts.values())
        if not total:
            continue
        shares = ", ".join(f"{value} {n / total:.1%}" for value, n in counts.most_common(4))
        print(f"  {key:<18} {total:>7,} seen: {shares}")
    return 0


def suggest(model: WorkspaceModel, root: Path, path: Path, top: int, keep_file: bool) -> list[dict[str, Any]]:
    """Every nameable binding of the files under `path` with its ranked candidates.

    Scores are bits per token (lower fits the project better); `gain` is how many bits a
    candidate beats the current name by; `suggested` is what STY001 would report (the gain
    above the learned margin and the best candidate clearly ahead).
    """
    from codie.analyzers.style import scopes
    from codie.analyzers.style.analyzer import MIN_SEPARATION, suggestible
    from codie.analyzers.style.model import KIND_GROUP
    from codie.analyzers.style.naming import Scorer
    from codie.analyzers.style.tokens import tokenize
    from codie.core.config import load_pyproject
    from codie.core.document import parse
    from codie.core.project import iter_files, relative_path

    settings, _ = load_pyproject(root / "pyproject.toml")
    rows: list[dict[str, Any]] = []
    for file in iter_files([path.resolve()], settings, root):
        try:
            source = file.read_bytes()
        except OSError:
            continue
        tree = parse(source)
        key = file.resolve().as_posix()
        scope_tree = scopes.build(source, tree.root_node)
        stream = tokenize(source, tree.root_node)
        scorer = Scorer(model, stream, None if keep_file else key)
        for binding in scope_tree.bindings():
            if not suggestible(binding, model, key):
                continue
            ranked = scorer.rank(binding, scope_tree)
            if ranked is None:
                continue
            margin = model.margins.get(KIND_GROUP[binding.kind], 2.0)
            rows.append(
                {
                    "path": relative_path(file, root),
                    "line": binding.definition.start_point.row + 1,
                    "column": binding.definition.start_point.column + 1,
                    "kind": binding.kind,
                    "name": binding.name,
                    "score": round(ranked.current, 3),
                    "unknown_score": round(ranked.unknown, 3),
                    "margin": round(margin, 3),
                    "suggested": ranked.gap > margin and ranked.confidence >= MIN_SEPARATION,
                    "candidates": [
                        {"name": n, "score": round(s, 3), "gain": round(ranked.current - s, 3)}
                        for n, s in ranked.names[:top]
                    ],
                }
            )
    return rows
