"""What each part of the editor's process tree costs in RSS, one fresh interpreter per row.

lspbench's *tree* figure is a sum of the VmRSS of the server and its children, so this
prints the parts that sum makes: the bare interpreter, the server's start-up imports (with
and without lsp/compact.py's shrinking of attrs' per-class globals), the 6,862-line file
opened and analysed by the real server object, the style model's training as the server
runs it (one malloc arena, a pool thread, lsp/features/style.trained_model: a trim, the
model compacted, a trim at the end of the job), and the file's metrics, computed in the
server's thread pool as lsp/features/code_lens.py does (no child process since memory4),
and the call graph's resolve child (a pool child running callgraph/remote.py, as
lsp/workspace_graph.py starts it once typing pauses): its imports, its peak while it
resolves the file's graph, what it keeps.

    .venv/bin/python bench/memory_parts.py [--arenas N]

--arenas: the server's malloc arenas for its threads (default: lsp/server.MALLOC_ARENAS).

Each figure is VmRSS after a collection and glibc's malloc_trim (what is held, not the
allocator's high water), except the rows that say otherwise: the training's rows read the
RSS as the server would have it (no collection or trim before the training starts).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = f"""
import ctypes, gc, sys
sys.path[:0] = [{str(ROOT / "server")!r}, {str(ROOT / "bench")!r}]
def status(key="VmRSS"):
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status") as f:
        return [int(line.split()[1]) / 1024 for line in f if line.startswith(key + ":")][0]
def raw(key="VmRSS"):
    with open("/proc/self/status") as f:
        return [int(line.split()[1]) / 1024 for line in f if line.startswith(key + ":")][0]
def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:  # VmHWM := VmRSS (Linux 4.0+)
        f.write("5")
def say(label, value):
    print(f"{{label:<62}} {{value:7.1f}}", flush=True)
"""

STARTUP = """
say("bare interpreter", status())
from codie.lsp.codecache import cached_compiles
say("  + logging and the code cache", status())
with cached_compiles("attr._make", "cattrs.gen"):
    import lsprotocol.types
    say("  + lsprotocol.types", status())
    import codie.lsp.server as server_module
    if "--no-compact" in sys.argv:
        server_module.compact_generated_methods = lambda module: 0
        server_module.drop_generated_sources = lambda: 0
    server = server_module.build_server()
    server.protocol.prepare()
server._load()
label = "without" if "--no-compact" in sys.argv else "with"
say(f"  + pygls, build_server, the analyzers ({label} lsp/compact.py)", status())
"""

# the start of both scripts' main(): the 6,862-line file opened in a folder and analysed
OPENED = """
async def main():
    folder = Path(tempfile.mkdtemp())
    (folder / "large.py").write_text(text)
    uri = (folder / "large.py").as_uri()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(uri, text, 1, "python")
    analysis = server.analyses[uri]
    while not analysis.step(3600.0):
        pass
"""

OPEN_AND_TRAIN = (
    """
import asyncio, tempfile, threading
from pathlib import Path
from bigfiles import stdlib_large
from codie.lsp.server import build_server, limit_malloc_arenas, release_memory
limit_malloc_arenas(int(sys.argv[1]))
text = stdlib_large()
server = build_server()
server._load()
say("server after start-up, the 6,862-line text read", status())

"""
    + OPENED
    + """    server.visible_findings(analysis)
    # from here on as in the server: no collection or trim of ours before the training
    say("  + the file opened and analysed (VmRSS as it is)", raw())
    from codie.lsp.features.style import trained_model
    reset_peak()
    kept = []
    worker = threading.Thread(target=lambda: kept.append(trained_model(folder, folder / "style.db")))
    worker.start()
    worker.join()
    say("  + the style model's training in a thread, compacted: peak (VmHWM)", raw("VmHWM"))
    say("  + the same: when it ended (VmRSS)", raw())
    release_memory()
    say("  + the same: after the job's last malloc_trim (the model kept)", raw())

asyncio.run(main())
"""
)

METRICS = (
    """
import asyncio, tempfile
from pathlib import Path
from bigfiles import stdlib_large
from codie.lsp.server import build_server, limit_malloc_arenas
limit_malloc_arenas(int(sys.argv[1]))
text = stdlib_large()
server = build_server()
server._load()

"""
    + OPENED
    + """    import threading
    from codie.analyzers.metrics import module_metrics
    say("server with the file opened and analysed", status())
    reset_peak()
    # as lsp/features/code_lens.MetricsService measures: a copy of the editor's tree, in a
    # thread (a plain one: awaiting the server's pool would let its background jobs run too)
    tree, source = server.document(uri).tree.copy(), server.document(uri).source
    kept = []
    worker = threading.Thread(target=lambda: kept.append(module_metrics(tree, source)))
    worker.start()
    worker.join()
    say("  + the file's metrics, measured in a thread: peak (VmHWM)", raw("VmHWM"))
    say("  + the same: after the call (the figures kept)", status())

asyncio.run(main())
"""
)

# the call graph's whole-graph resolve child, as lsp/workspace_graph.py starts it (a
# HealingPool child, lsp/child.py), measured from here in its /proc/PID/status
RESOLVE_CHILD = """
import asyncio, tempfile
from pathlib import Path
from bigfiles import stdlib_large
from codie.analyzers.callgraph import CallGraph, remote
from codie.lsp.children import HealingPool, detach_from_server
def child(pool, key):
    with open(f"/proc/{pool.pid()}/status") as f:
        return [int(line.split()[1]) / 1024 for line in f if line.startswith(key + ":")][0]
async def main():
    folder = Path(tempfile.mkdtemp())
    (folder / "large.py").write_text(stdlib_large())
    graph = CallGraph(folder)
    graph.build([folder], jobs=1)
    pool = HealingPool("callgraph", 1, initializer=detach_from_server, idle=0)
    try:
        await pool.run(remote.forget, "")  # the child's imports, no graph yet
        say("call graph resolve child: its imports", child(pool, "VmRSS"))
        job = graph.reconcile_job()
        graph.apply_reconcile(job, await pool.run(remote.reconcile, job))
        say("  + the 6,862-line file's graph resolved: peak (VmHWM)", child(pool, "VmHWM"))
        say("  + the same: after the call (the child's state kept)", child(pool, "VmRSS"))
    finally:
        pool.shutdown()
asyncio.run(main())
"""


def run(script: str, *args: str) -> None:
    subprocess.run([sys.executable, "-c", PRELUDE + script, *args], check=True)


def main() -> None:
    sys.path.insert(0, str(ROOT / "server"))
    from codie.lsp.server import MALLOC_ARENAS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arenas", type=int, default=MALLOC_ARENAS)
    args = parser.parse_args()
    print(f"{'MiB':>70}")
    run(STARTUP, "--no-compact")
    run(STARTUP)
    print(f"(malloc arenas: {args.arenas})")
    run(OPEN_AND_TRAIN, str(args.arenas))
    run(METRICS, str(args.arenas))
    run(RESOLVE_CHILD)


if __name__ == "__main__":
    main()
