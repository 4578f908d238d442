"""`codie callgraph PATH`: the workspace call graph, headless.

JSON is an adjacency list {"module.func": ["module.callee", ...]}; DOT is for Graphviz;
"pycg" is PyCG's micro-benchmark format (`<builtin>.len`, `Class.__init__`, every node a key).
Output is deterministic: the same tree gives the same bytes.
Summaries are cached in <root>/.codie/codie.db (or CODIE_DB) unless --no-cache.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring_ascii
from pathlib import Path

from codie.analyzers.callgraph import CallGraph
from codie.analyzers.callgraph.model import gc_paused
from codie.cli.main import UsageError
from codie.cli.validate import jobs, output_file, write_text
from codie.core.config import find_project_root, load_pyproject
from codie.store import default_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("callgraph", help="print the workspace call graph (JSON or DOT)")
    p.add_argument("path", type=Path, metavar="PATH", help="project folder (or a file in it)")
    p.add_argument("--format", default="json", choices=("json", "dot", "text", "pycg"))
    p.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    p.add_argument("--no-external", action="store_true", help="leave out stdlib / third-party / builtin callees")
    p.add_argument(
        "--unreferenced", action="store_true", help="list functions nothing refers to (low-confidence hints) instead"
    )
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("-j", "--jobs", type=int, help="parser processes (default: all cores)")
    p.set_defaults(func=run)


def build_graph(path: Path, no_cache: bool = False, jobs: int | None = None, words: bool = True) -> CallGraph:
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    root = path.resolve() if path.is_dir() else find_project_root(path)
    settings, problems = load_pyproject(root / "pyproject.toml")
    for problem in problems:
        print(f"codie: {problem.path}:{problem.line + 1}: {problem.message}", file=sys.stderr)
    graph = CallGraph(root, None if no_cache else default_path(root), words=words)
    started = time.perf_counter()
    stats = graph.build([root], settings, jobs=jobs, one_shot=True)  # nothing is updated after this
    graph.compact()
    print(
        f"codie: call graph of {stats.files} files ({stats.parsed} parsed, {stats.cached} "
        f"cached, {stats.failed} unreadable), {stats.edges} edges in "
        f"{time.perf_counter() - started:.2f} s",
        file=sys.stderr,
    )
    return graph


def to_dot(adjacency: dict[str, list[str]], graph: CallGraph) -> str:
    lines = ["digraph callgraph {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    externals = sorted({c for callees in adjacency.values() for c in callees if graph.is_external(c)})
    for name in externals:
        lines.append(f"  {json.dumps(name)} [style=dashed];")
    for caller, callees in adjacency.items():
        for callee in callees:
            lines.append(f"  {json.dumps(caller)} -> {json.dumps(callee)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def json_chunks(adjacency: dict[str, list[str]]) -> Iterator[str]:
    """`json.dumps(adjacency, indent=2) + "\\n"`, byte for byte, one caller at a time: the
    generic encoder (pure Python once indenting) took longer than building the graph's
    output, and held the whole document as pieces and as one string. A string is encoded
    as `json.dumps` encodes one (ASCII-only, by its C encoder), without its per-call
    wrapper: a million strings for the standard library."""
    quote = encode_basestring_ascii
    yield "{"
    sep = "\n"
    for caller, callees in adjacency.items():
        if callees:
            inner = ",\n    ".join(map(quote, callees))
            yield f"{sep}  {quote(caller)}: [\n    {inner}\n  ]"
        else:
            yield f"{sep}  {quote(caller)}: []"
        sep = ",\n"
    yield "\n}\n" if adjacency else "}\n"


def run(args: argparse.Namespace) -> int:
    jobs(args.jobs)
    output_file(args.output)
    graph = build_graph(args.path, args.no_cache, args.jobs, words=args.unreferenced)
    # the output's half a million sets, lists and strings set off full collections (0.14 s
    # on the standard library) that find nothing: none of it is in a cycle
    with gc_paused():
        return output(args, graph)


def output(args: argparse.Namespace, graph: CallGraph) -> int:
    """The graph, or the functions nothing refers to, in the chosen format, to -o or stdout."""
    if args.unreferenced:
        rows = []
        for scope in sorted(graph.unreferenced(), key=lambda s: s.qualname):
            path = graph.path_of(scope.qualname)
            rel = graph.relative(path) if path else "?"
            rows.append({"function": scope.qualname, "path": rel, "line": scope.line + 1})
        text = (
            json.dumps(rows, indent=2) + "\n"
            if args.format == "json"
            else "".join(f"{r['path']}:{r['line']}: {r['function']} is never referenced (hint)\n" for r in rows)
        )
    else:
        adjacency = graph.pycg_adjacency() if args.format == "pycg" else graph.adjacency(external=not args.no_external)
        if args.format == "pycg" and args.no_external:
            adjacency = {
                k: [c for c in v if not graph.is_external(c)] for k, v in adjacency.items() if not graph.is_external(k)
            }
        if args.format in ("json", "pycg"):
            # written as it is made: the document (13 MB for the standard library) is never
            # held whole, nor again as the encoded bytes
            write_chunks(args.output, json_chunks(adjacency))
            return 0
        if args.format == "dot":
            text = to_dot(adjacency, graph)
        else:
            text = "".join(f"{a} -> {b}\n" for a, callees in adjacency.items() for b in callees)
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def write_chunks(path: Path | None, chunks: Iterable[str]) -> None:
    """Write a document piece by piece to path (or stdout); a failure is a usage error, as
    in write_text."""
    if path is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    output_file(path)
    try:
        with path.open("w", encoding="utf-8") as out:
            out.writelines(chunks)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
