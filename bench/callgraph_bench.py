"""Call-graph speed and memory, from a cold start: `codie callgraph` on the whole standard
library (a fresh process, no cache), then the editor's incremental update after an edit and
the whole-graph resolve it runs in a child process once typing pauses. With --pycg PYTHON
(a Python that can `import pycg`, see bench/callgraph_pycg.py), PyCG runs on subsets of the
same tree (it does not finish on the whole standard library in a useful time: --pycg-timeout)
and Codie on the same subsets. Prints figures; asserts nothing.

With --phases, the cold build is also run in this process and its CPU split by phase: the
parser processes (parse, query, summaries, pickling), receiving their summaries, each
resolve pass (and how many call sites it found), the PyCG-format adjacency and its JSON.

Usage: python bench/callgraph_bench.py [--root PATH] [--jobs N] [--edits N] [--phases] [--pycg PYTHON]
       python bench/callgraph_bench.py --incremental-only [--root PATH] [--edits N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codie.analyzers.callgraph import CallGraph, remote
from codie.analyzers.callgraph.model import gc_paused
from codie.analyzers.callgraph.resolve import Resolver, Site
from codie.cli.callgraph import json_chunks
from codie.core.config import DEFAULT_EXCLUDE, Settings
from codie.core.document import Document
from codie.core.project import iter_files

STDLIB = Path(os.__file__).parent
EDITED = ("json/decoder.py", "asyncio/base_events.py", "typing.py", "argparse.py")
NL = b"\n"
SUBSETS = ("json", "email", "asyncio", "")  # "" = the whole tree


# runs a command and reports the peak RSS of the largest process under it (KB on Linux)
WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def measured(argv: list[str], cwd: Path, timeout: float) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB of its largest process, "" or why it did not finish)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    rss = 0.0
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, *argv], cwd=cwd, stdout=sink, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, err = proc.communicate(timeout=timeout)
            finished = "" if proc.returncode == 0 else f"failed with exit code {proc.returncode}"
            text = err.decode(errors="replace")
            rss = next((int(line.split()[1]) / 1024 for line in text.splitlines() if line.startswith("maxrss ")), 0.0)
            if finished:
                print(text[-2000:], file=sys.stderr)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the wrapper's group: the command too
            proc.communicate()
            finished = f"did not finish: stopped after {timeout:.0f} s"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, rss, finished


def codie_cold(root: Path, jobs: int, out: Path) -> tuple[float, float, float, str]:
    argv = [sys.executable, "-m", "codie", "callgraph", str(root), "--no-cache", "--format", "pycg"]
    return measured([*argv, "-j", str(jobs), "-o", str(out)], root, 3600)


def incremental(root: Path, jobs: int, edits: int = 7) -> list[dict[str, float | str]]:
    """Prints, and returns per edited module: its lines and the update's median wall / CPU
    ms and max wall ms over `edits` edits (bench/perf_table.py reads them)."""
    figures: list[dict[str, float | str]] = []
    settings = Settings(exclude=(*DEFAULT_EXCLUDE, "site-packages/**"))
    graph = CallGraph(root)
    graph.build([root], settings, jobs=jobs)
    started = time.process_time()
    job = graph.reconcile_job()
    full = remote.reconcile(job)  # as the child does on its first request
    graph.apply_reconcile(job, full)
    print(
        f"  whole-graph resolve (the editor's child process, first request): {time.process_time() - started:.1f} s CPU"
    )
    for rel in EDITED:
        path = root / rel
        if not path.is_file():
            continue
        source = path.read_bytes()
        doc = Document(path.as_uri(), source.decode("utf-8", "replace"))
        times, cpu_times, update_cpu = [], [], []
        for i in range(edits):  # as in the editor: the tree is reparsed incrementally and reused
            doc.splice(len(doc.source), len(doc.source), f"\ndef _bench_{i}():\n    return len([])\n".encode())
            t0, c0 = time.perf_counter(), time.process_time()
            doc.reparse()
            c1 = time.process_time()
            graph.update(path, doc.source, doc.tree)
            times.append((time.perf_counter() - t0) * 1000)
            cpu_times.append((time.process_time() - c0) * 1000)
            update_cpu.append((time.process_time() - c1) * 1000)
        t0 = time.process_time()
        job = graph.reconcile_job()
        result = remote.reconcile(job)
        graph.apply_reconcile(job, result)
        settle = time.process_time() - t0
        changed = len(result.edges) if result is not None else 0
        graph.update(path, source)
        print(
            f"  edit in {rel} ({source.count(NL):,} lines): update median {statistics.median(times):.1f} ms "
            f"wall ({statistics.median(cpu_times):.1f} ms CPU; without the reparse {statistics.median(update_cpu):.1f} "
            f"ms CPU), max {max(times):.1f} ms over {len(times)} edits; "
            f"then the child's whole resolve {settle:.1f} s CPU, {changed} modules' edges sent back"
        )
        figures.append(
            {
                "module": rel,
                "lines": source.count(NL),
                "median_ms": statistics.median(times),
                "median_cpu_ms": statistics.median(cpu_times),
                "max_ms": max(times),
                "median_update_cpu_ms": statistics.median(update_cpu),
            }
        )
    return figures


def phases(root: Path, jobs: int) -> None:
    """The cold one-shot build of `codie callgraph --format pycg`, in this process, by phase
    (CPU: this process's, and its parser processes' apart)."""
    graph = CallGraph(root, words=False)
    passes: list[list[float]] = []  # per resolve pass: [CPU s, call sites]
    plain = Resolver._module_sites
    first: list[str] = []

    def timed(self: Resolver, module: str) -> list[Site]:
        if not first:
            first.append(min(self.modules))
        if module == first[0]:  # each pass resolves every module, in name order
            passes.append([0.0, 0.0])
        t0 = time.process_time()
        sites: list[Site] = plain(self, module)
        passes[-1][0] += time.process_time() - t0
        passes[-1][1] += len(sites)
        return sites

    def children() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    start, started_children = time.process_time(), children()
    with gc_paused():
        files = list(iter_files([root], Settings(), graph.root))
        todo = []
        for file in files:
            rel = graph.relative(file)
            module, is_package = graph.module_for(rel)
            todo.append((str(file), rel, module, is_package, False))
        t0, c0 = time.process_time(), children()
        parsed, _ = graph._parse(todo, jobs)
        received, parsers = time.process_time() - t0, children() - c0
        for summary in parsed:
            graph.resolver.add(summary)
            graph.path_module[summary.path] = summary.module
        t0 = time.process_time()
        Resolver._module_sites = timed
        try:
            graph.edges = graph.resolver.resolve_all(keep_caches=False)
        finally:
            Resolver._module_sites = plain
        resolve = time.process_time() - t0
        t0 = time.process_time()
        with open(os.devnull, "w", encoding="utf-8") as sink:
            sink.writelines(json_chunks(graph.pycg_adjacency()))
        output = time.process_time() - t0
    total = time.process_time() - start + children() - started_children
    print(f"phases of the cold build (in this process, {len(files):,} files, {jobs} parser processes):")
    print(f"  parser processes (parse, query, summaries, pickling): {parsers:.2f} s CPU")
    print(f"  receiving the summaries (this process): {received:.2f} s CPU")
    split = ", ".join(f"pass {i + 1} {cpu:.2f} s ({int(n):,} sites)" for i, (cpu, n) in enumerate(passes))
    print(f"  resolve: {resolve:.2f} s CPU ({split}; the rest between passes and making edges)")
    print(f"  PyCG-format adjacency and JSON: {output:.2f} s CPU")
    print(f"  all: {total:.2f} s CPU (load average {os.getloadavg()[0]:.1f} after)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=STDLIB, help="a tree to copy (default: this stdlib)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pycg", help="a Python that can `import pycg`")
    parser.add_argument("--pycg-timeout", type=float, default=600.0)
    parser.add_argument("--edits", type=int, default=7, help="edits per module for the update's median")
    parser.add_argument("--phases", action="store_true", help="also split the cold build's CPU by phase")
    parser.add_argument(
        "--incremental-only", action="store_true", help="only the editor's per-edit update (no cold run, no PyCG)"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; {sys.version.split()[0]}")
    if args.incremental_only:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "stdlib"
            shutil.copytree(args.root, root, ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
            print("incremental (in this process):")
            incremental(root, args.jobs, args.edits)
            print(f"  (load average {os.getloadavg()[0]:.1f} after)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "stdlib"  # a copy: no site-packages, no __pycache__, no .codie/
        shutil.copytree(args.root, root, ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
        files = list(root.rglob("*.py"))
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        out = Path(tmp) / "codie.json"
        wall, cpu, rss, failed = codie_cold(root, args.jobs, out)
        edges = 0 if failed else sum(len(v) for v in json.loads(out.read_text()).values())
        digest = "" if failed else hashlib.sha256(out.read_bytes()).hexdigest()
        print(
            f"codie callgraph --no-cache --format pycg -j {args.jobs}, {len(files):,} files, {lines:,} lines: "
            f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MB, {edges:,} caller->callee pairs "
            f"(load average {os.getloadavg()[0]:.1f} after), output sha256 {digest}"
        )
        if args.phases:
            phases(root, args.jobs)
        print("incremental (in this process):")
        incremental(root, args.jobs, args.edits)
        if args.pycg:
            for subset in SUBSETS:
                where = root / subset if subset else root
                if not where.is_dir():
                    continue
                sources = sorted(str(p.relative_to(root)) for p in where.rglob("*.py"))
                pycg_run = measured([args.pycg, "-m", "pycg", "--package", ".", *sources], root, args.pycg_timeout)
                sub = Path(tmp) / "sub" / (subset or "all")
                shutil.copytree(where, sub / (subset or "."), dirs_exist_ok=True)
                ours = codie_cold(sub, args.jobs, Path(tmp) / "sub.json")
                name = subset or "whole tree"
                for who, (w, c, r, failed) in (("PyCG", pycg_run), ("Codie", ours)):
                    state = f" ({failed})" if failed else ""
                    print(
                        f"  {who:5} on {name} ({len(sources):,} files): {w:.1f} s wall, {c:.1f} s CPU, "
                        f"peak RSS {r:.0f} MB{state}"
                    )


if __name__ == "__main__":
    main()
