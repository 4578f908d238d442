"""What training the style model costs in memory, in-process, as the editor trains it.

`refresh_model` on a folder with an empty store (what the server runs in its thread pool
when a workspace opens), after a warm-up training on a one-file folder (so the imports and
the SQLite/tree-sitter set-up are not counted) and with the 6,862-line benchmark file
parsed and held, as the server holds the open document. Prints the VmHWM and VmRSS the
training added; with --trace, tracemalloc's peak and what the model keeps (Python objects
only: tree-sitter's trees are C memory, counted by the RSS figures).

    .venv/bin/python bench/style_train_memory.py [--path DIR] [--trace] [--server]

DIR defaults to a folder holding the 6,862-line file alone (lspbench's typing workspace).
--server trains as `codie serve` does: its malloc arenas limited (lsp/server.py), the
training in a thread as lsp/features/style.trained_model runs it (a trim, the model
compacted), then the job's last trim; it also prints the RSS after that hand-back.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT / "bench"))

from bigfiles import stdlib_large  # noqa: E402
from codie.analyzers.style.training import refresh_model  # noqa: E402
from codie.core.document import Document  # noqa: E402
from codie.lsp.features.style import trained_model  # noqa: E402
from codie.lsp.server import limit_malloc_arenas, release_memory  # noqa: E402


def status() -> dict[str, float]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, help="the workspace to train on")
    parser.add_argument("--trace", action="store_true", help="tracemalloc's figures instead of the RSS")
    parser.add_argument("--server", action="store_true", help="as the server trains: arenas, a thread, a trim")
    args = parser.parse_args()
    if args.server:
        limit_malloc_arenas()  # before any thread exists, as `codie serve` does
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        (scratch / "warm").mkdir()
        (scratch / "warm" / "a.py").write_text("def f(a):\n    return a\n")
        refresh_model(scratch / "warm", scratch / "warm.db")
        text = stdlib_large()
        if args.path is None:
            args.path = scratch / "ws"
            args.path.mkdir()
            (args.path / "large.py").write_text(text, encoding="utf-8")
        doc = Document((scratch / "open.py").as_uri(), text)
        assert doc.tree is not None  # the open document, parsed
        gc.collect()
        before = status()
        if args.trace:
            tracemalloc.start()
        started = time.process_time()
        if args.server:
            trained: list[Any] = []
            worker = threading.Thread(
                target=lambda: trained.append(trained_model(args.path.resolve(), scratch / "style.db"))
            )
            worker.start()
            worker.join()
            model = trained[0]
        else:
            model = refresh_model(args.path.resolve(), scratch / "style.db")
        cpu = time.process_time() - started
        trained_rss = status()["VmRSS"]
        if args.server:
            release_memory()
        gc.collect()
        after = status()
        print(f"{args.path}: {len(model.files)} files, {len(model.lm.counts):,} n-grams, {cpu:.2f} s CPU")
        if args.trace:
            current, peak = tracemalloc.get_traced_memory()
            print(f"Python objects: peak {peak / 2**20:.1f} MiB while training, {current / 2**20:.1f} MiB kept")
        else:
            print(
                f"RSS: training added {after['VmHWM'] - before['VmHWM']:.1f} MiB to the peak (VmHWM "
                f"{before['VmHWM']:.1f} -> {after['VmHWM']:.1f}), {after['VmRSS'] - before['VmRSS']:.1f} MiB "
                "stay resident (freed memory glibc keeps included)"
            )
            if args.server:
                print(f"RSS when the training ended {trained_rss:.1f} MiB, after malloc_trim {after['VmRSS']:.1f} MiB")


if __name__ == "__main__":
    main()
