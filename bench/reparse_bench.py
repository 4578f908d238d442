"""tree-sitter's incremental reparse per edit, with the document's widened tree edits and
without them, in one run.

A change next to a line break can make tree-sitter-python re-lex the file from the change
to its end (core/document.py `_tree_start` explains); the document describes such a tree
edit over a wider span. This drives `Document.apply_change` + `reparse()` through
../shared/bench/lspbench.py's own edits (insert `x_unused_k = eval(input())` before a
statement, then delete it) on the 6,862-line benchmark file, or on stdlib modules with
`--modules`, and with `--typed` types each inserted line a character at a time and deletes
it the same way. CPU of the thread per reparse, in ms; `widened` is the code as shipped,
`plain` the same documents with WIDEN_LIMIT = 0.

    .venv/bin/python bench/reparse_bench.py [--edits 100] [--modules inspect,typing] [--typed]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT / "bench"))

from bigfiles import stdlib_large  # noqa: E402
from codie.core import document  # noqa: E402
from codie.core.document import Document  # noqa: E402
from keystroke_profile import lspbench_plan  # noqa: E402

Step = tuple[tuple[int, int], tuple[int, int], str]


def steps(text: str, edits: int, typed: bool) -> list[Step]:
    """The edits as (start, end, new text) LSP changes, in order."""
    out: list[Step] = []
    for insert, line, new in lspbench_plan(text, edits):
        if not typed:
            out.append(((line, 0), (line, 0), new) if insert else ((line, 0), (line + 1, 0), ""))
            continue
        if not insert:
            continue  # (typed: each insert is deleted a character at a time right after)
        body = new.rstrip("\n")
        for i, ch in enumerate(body):
            out.append(((line, i), (line, i), ch))
        out.append(((line, len(body)), (line, len(body)), "\n"))
        out.append(((line, len(body)), (line + 1, 0), ""))
        for i in reversed(range(len(body))):
            out.append(((line, i), (line, i + 1), ""))
    return out


def run(text: str, plan: list[Step], limit: int) -> list[float]:
    document.WIDEN_LIMIT = limit
    doc = Document("file:///bench/reparse.py", text)
    times = []
    for start, end, new in plan:
        doc.apply_change(start, end, new)
        started = time.thread_time()
        doc.reparse()
        times.append((time.thread_time() - started) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=100, help="lspbench's edits per file (insert/delete pairs x 2)")
    ap.add_argument("--modules", help="stdlib modules, each a file of its own (default: inspect + typing as one)")
    ap.add_argument("--typed", action="store_true", help="type each inserted line a character at a time")
    args = ap.parse_args()
    shipped = document.WIDEN_LIMIT
    if args.modules:
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        texts = [(stdlib / f"{m}.py").read_text(encoding="utf-8") for m in args.modules.split(",")]
    else:
        texts = [stdlib_large()]
    results: dict[str, list[float]] = {"widened": [], "plain": []}
    load = os.getloadavg()[0]
    for text in texts:
        plan = steps(text, args.edits, args.typed)
        for label, limit in (("widened", shipped), ("plain", 0), ("widened", shipped), ("plain", 0)):
            results[label] += run(text, plan, limit)
    document.WIDEN_LIMIT = shipped
    lines = sum(t.count("\n") for t in texts)
    kind = "typed a character at a time" if args.typed else "whole lines"
    print(f"{len(texts)} file(s), {lines:,} lines, lspbench's edits ({kind}), each run twice; CPU ms per reparse")
    print(f"{'':10}{'edits':>7}{'median':>8}{'mean':>8}{'p95':>8}{'p99':>8}{'max':>8}{'>10 ms':>8}")
    for label, values in results.items():
        v = sorted(values)
        p95, p99 = v[int(0.95 * (len(v) - 1))], v[int(0.99 * (len(v) - 1))]
        slow = sum(x > 10 for x in v)
        print(
            f"{label:10}{len(v):>7}{statistics.median(v):>8.2f}{statistics.mean(v):>8.2f}"
            f"{p95:>8.2f}{p99:>8.2f}{v[-1]:>8.2f}{slow:>8}"
        )
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} before / {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
