"""Call-graph speed: the whole standard library built on N processes, then incremental
updates after edits. Prints figures; asserts nothing.

Usage: python bench/callgraph_bench.py [--jobs 2] [--root PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import time
from pathlib import Path

from codie.analyzers.callgraph import CallGraph
from codie.core.config import DEFAULT_EXCLUDE, Settings
from codie.core.document import Document

STDLIB = Path(os.__file__).parent
EDITED = ("json/decoder.py", "asyncio/base_events.py", "typing.py", "argparse.py")


def count_lines(graph: CallGraph) -> int:
    total = 0
    for summary in graph.resolver.modules.values():
        with contextlib.suppress(OSError):
            total += (graph.root / summary.path).read_bytes().count(b"\n")
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--root", type=Path, default=STDLIB)
    parser.add_argument("--db", help="SQLite cache: run twice to time a warm (cached) build")
    args = parser.parse_args()
    settings = Settings(exclude=(*DEFAULT_EXCLUDE, "site-packages/**"))
    graph = CallGraph(args.root, args.db)
    started, cpu = time.perf_counter(), time.process_time()
    stats = graph.build([args.root], settings, jobs=args.jobs)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"build: {stats.files} files ({stats.cached} from the cache), "
        f"{count_lines(graph):,} lines, {stats.edges:,} edges, "
        f"{len(graph.resolver.scopes):,} scopes in {elapsed:.1f} s wall on {args.jobs} "
        f"processes (CPU: {cpu:.1f} s main + {children.ru_utime + children.ru_stime:.1f} s "
        f"parser processes; load average {os.getloadavg()[0]:.1f})"
    )
    for rel in EDITED:
        path = args.root / rel
        if not path.is_file():
            continue
        source = path.read_bytes()
        times, cpu_times = [], []
        for i in range(7):
            edited = source + f"\n\ndef _bench_added_{i}():\n    return len([])\n".encode()
            t0, c0 = time.perf_counter(), time.process_time()
            graph.update(path, edited)
            times.append((time.perf_counter() - t0) * 1000)
            cpu_times.append((time.process_time() - c0) * 1000)
        graph.update(path, source)
        # as in the editor: the document's tree is reparsed incrementally and reused
        doc = Document(path.as_uri(), source.decode("utf-8", "replace"))
        editor_times = []
        for i in range(7):
            doc.splice(len(doc.source), len(doc.source), f"\nx_{i} = {i}\n".encode())
            t0 = time.perf_counter()
            doc.reparse()
            graph.update(path, doc.source, doc.tree)
            editor_times.append((time.perf_counter() - t0) * 1000)
        graph.update(path, source)
        lines = source.count(b"\n")
        print(
            f"incremental update of {rel} ({lines:,} lines): median "
            f"{statistics.median(times):.1f} ms wall ({statistics.median(cpu_times):.1f} ms "
            f"CPU), max {max(times):.1f} ms over {len(times)} edits; editor path (incremental "
            f"reparse + update): median {statistics.median(editor_times):.1f} ms"
        )


if __name__ == "__main__":
    main()
