"""security-taint alone, per keystroke: its CPU on lspbench's edits of the 6,862-line file.

The analyzer is driven directly on a Document (no engine, no server, no other analyzer),
through lspbench's own plan (a line with `eval(input())` typed before a statement, then
deleted: half the keystrokes add a sink to a function, half take it away). Each edit's
figure is the least over `--reps` replays (each from a new document and analyzer), which
a busy machine inflates less than a single run. Insertions and deletions are also given
apart: an insertion analyses the function it changed (work that goes with that function),
a deletion takes that function's earlier result back (the pass's bookkeeping).

Each pass runs inside `functools.reduce`, a C function, so callgrind can count the
instructions of the passes only, a figure that does not move with the machine's load:

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        --dump-after=functools_reduce --callgrind-out-file=/tmp/cg/out \\
        .venv/bin/python bench/taint_keystrokes.py --reps 1
    # then the `summary:` line of /tmp/cg/out.N is keystroke N's count (N = 1..--edits;
    # the few tiny dumps after them are the printout's)

    .venv/bin/python bench/taint_keystrokes.py [--edits 60] [--reps 5]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from bigfiles import stdlib_large  # noqa: E402
from codie.analyzers.security.taint import TaintAnalyzer  # noqa: E402
from codie.core.analyzer import Context  # noqa: E402
from codie.core.document import Document  # noqa: E402
from codie.core.findings import Finding  # noqa: E402
from codie.core.rules import catalogue  # noqa: E402
from editor_bench import lspbench_plan  # noqa: E402

URI = "file:///tmp/codie-keystroke/large.py"


def replay(text: str, edits: list[tuple[bool, int, str]]) -> list[float]:
    """CPU seconds of each keystroke's pass, after a first analysis of the whole file."""
    cat = catalogue()
    doc = Document(URI, text)
    analyzer = TaintAnalyzer()

    def run(*_: object) -> list[Finding]:
        return [f for f in analyzer.analyze(Context(doc, cat), doc.top_level()) if isinstance(f, Finding)]

    run()
    times = []
    for insert, line, new in edits:
        if insert:
            doc.apply_change((line, 0), (line, 0), new)
        else:
            doc.apply_change((line, 0), (line + 1, 0), "")
        doc.reparse()
        started = time.thread_time()
        functools.reduce(run, [None], None)  # (a C frame around the pass: see the docstring)
        times.append(time.thread_time() - started)
    return times


def row(label: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{label:12s} {statistics.median(ms):7.2f} {statistics.mean(ms):7.2f} {p95:7.2f} {ms[-1]:7.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=60)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    text = stdlib_large()
    edits = lspbench_plan(text, args.edits)
    best = [float("inf")] * len(edits)
    for _ in range(args.reps):
        best = [min(a, b) for a, b in zip(best, replay(text, edits), strict=True)]
    print(f"{len(edits)} edits, each the least of {args.reps} replays; CPU ms per keystroke")
    print(f"{'':12s} {'median':>7s} {'mean':>7s} {'p95':>7s} {'max':>7s}")
    print(row("all", best))
    print(row("insertions", [t for (insert, _, _), t in zip(edits, best, strict=True) if insert]))
    print(row("deletions", [t for (insert, _, _), t in zip(edits, best, strict=True) if not insert]))


if __name__ == "__main__":
    main()
