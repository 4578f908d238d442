"""Where the WALL time of one keystroke goes in `codie serve`: a timestamped trace.

bench/keystroke_profile.py counts CPU per stage in-process; this one runs the real server
process, driven by ../shared/bench/lspbench.py (the typing scenario of bench/editor_bench.py:
the 6,862-line stdlib file, 50 edits at --pace seconds), with probes loaded into it that
timestamp (CLOCK_MONOTONIC, `time.perf_counter`) what happens between a didChange's bytes
arriving on stdin and its publishDiagnostics written:

  read lag    the body complete in the pipe -> pygls's reader thread returned it
  hop         reader thread -> the event loop handling the message (a thread hop through
              the executor, json.loads, cattrs structuring)
  handle      the didChange handler (the byte mirror, change hooks, scheduling)
  wait        handled -> the analysis' first step (sleep(0), coalescing waits, other
              callbacks on the event loop)
  steps       the engine's steps, wall; of their wall minus their CPU, `run queue` is the
              time the thread waited for a core (the machine's load: Linux schedstat) and
              `GIL/other` the rest (another thread holding the GIL)
  between     between the steps: the yields to the event loop and whatever ran there
  publish     present + JSON + the write to stdout
  gc          cyclic-GC pauses of the event loop's thread inside the window
  threads     CPU that other threads (thread pool: deferred analyzers, indexing; children's
              reader threads) used inside the window (a job's CPU spread evenly over its
              life: an estimate)
  gate waits  time background work (a style training) spent waiting at the scheduler's
              gate inside the window (scheduling.EditorGate)

and lists, for the slowest keystrokes, what else ran on the event loop and in threads.
`--parts` splits the publish CPU by stage (the presentation and what it calls, the
encoding of the diagnostics) and counts the presentations made outside a publish, by caller.
The server-side total is from bytes-in-pipe to write returned; lspbench's figure adds the
client's send and read.

    .venv/bin/python bench/keystroke_trace.py [--pace 0.2] [--edits 50] [--parts] [--keep TRACE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS: list[tuple[Any, ...]] = []
LONG_CALLBACK = 0.0003  # seconds: event-loop callbacks shorter than this are not recorded


# ------------------------------------------------------------------------------ in the server
# what --parts times inside the server: (module, class or None, function) -> its label
PARTS = (
    ("codie.lsp.presenting", None, "published", "published (reuse)"),
    ("codie.lsp.presenting", None, "_present_misses", "  the rest presented"),
    ("codie.lsp.presenting", None, "presentation", "presentation"),
    ("codie.core.engine", "DocumentAnalysis", "findings", "  findings()"),
    ("codie.lsp.llm_support", "LLMState", "rescore_all", "  rescore_all"),
    ("codie.core.baseline", "LoadedBaseline", "rel_path", "  rel_path"),
    ("codie.lsp.presenting", None, "changed_lines", "  changed_lines"),
    ("codie.lsp.presenting", None, "present", "  present"),
    ("codie.lsp.server", "CodieServer", "_encoded", "encode"),
    ("codie.lsp.protocol", "CodieProtocol", "notify_params_text", "write"),
)


def install_parts() -> None:
    """Wrap PARTS to record each call's CPU and who called it (two frames up)."""
    import importlib
    import inspect
    import time

    cpu, now = time.thread_time, time.perf_counter
    for module, cls, name, label in PARTS:
        owner: Any = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        original = getattr(owner, name, None)
        if original is None:  # (an older tree: not there)
            continue
        static = isinstance(inspect.getattr_static(owner, name), staticmethod)

        def timed(*args: Any, _f: Any = original, _label: str = label, **kwargs: Any) -> Any:
            c0 = cpu()
            try:
                return _f(*args, **kwargs)
            finally:
                frame: Any = sys._getframe(1)
                callers: list[str] = []
                while frame is not None and len(callers) < 3:
                    if not frame.f_code.co_filename.endswith("keystroke_trace.py"):
                        callers.append(frame.f_code.co_qualname)
                    frame = frame.f_back
                EVENTS.append(("part", now(), cpu() - c0, _label, " < ".join(callers)))

        setattr(owner, name, staticmethod(timed) if static else timed)
    # (presenting.register hands the server the module's presentation: the wrapped one)


def install(out: str) -> None:
    import asyncio.events
    import atexit
    import concurrent.futures
    import gc
    import threading
    import time

    from codie.core import engine
    from codie.lsp import framing, protocol, scheduling, server

    now, cpu = time.perf_counter, time.thread_time
    add = EVENTS.append

    def runq() -> float:
        """Seconds this thread has waited on a run queue for a CPU (Linux schedstat): the
        part of wall minus CPU that is the machine's load, not another thread's GIL."""
        try:
            with open("/proc/thread-self/schedstat", "rb") as f:
                return int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0

    method_re = re.compile(rb'"method"\s*:\s*"([^"]+)"')
    version_re = re.compile(rb'"version"\s*:\s*(\d+)')

    fill = framing.FramedStdin._fill

    def _fill(self: Any) -> bool:
        got = fill(self)
        self._trace_fill = now()
        return got

    read = framing.FramedStdin.read

    def _read(self: Any, n: int) -> bytes:
        body = read(self, n)
        m, v = method_re.search(body), version_re.search(body)
        add(("body", getattr(self, "_trace_fill", 0.0), now(), m and m[1].decode(), v and int(v[1])))
        return body

    framing.FramedStdin._fill = _fill  # type: ignore[method-assign]
    framing.FramedStdin.read = _read  # type: ignore[method-assign]

    handle = protocol.CodieProtocol.handle_message

    def _handle(self: Any, message: Any) -> None:
        t0, c0 = now(), cpu()
        handle(self, message)
        doc = getattr(getattr(message, "params", None), "text_document", None)
        add(("handle", t0, now(), getattr(message, "method", None), getattr(doc, "version", None), cpu() - c0))

    protocol.CodieProtocol.handle_message = _handle  # type: ignore[method-assign]

    run = asyncio.events.Handle._run

    def _describe(h: Any) -> str:
        cb = h._callback
        owner = getattr(cb, "__self__", None)
        if isinstance(owner, asyncio.Task):
            coro = owner.get_coro()
            return f"task {getattr(coro, '__qualname__', coro)}"
        inner = getattr(cb, "func", cb)  # functools.partial
        return getattr(inner, "__qualname__", repr(inner))[:80]

    def _run(self: Any) -> None:
        t0, c0 = now(), cpu()
        run(self)
        t1 = now()
        if t1 - t0 >= LONG_CALLBACK:
            add(("cb", t0, t1, cpu() - c0, _describe(self)))

    asyncio.events.Handle._run = _run  # type: ignore[method-assign]

    step = engine.DocumentAnalysis.step

    def _step(self: Any, budget: float = 0.005) -> bool:
        t0, c0, q0 = now(), cpu(), runq()
        done = step(self, budget)
        add(("step", t0, now(), cpu() - c0, bool(done), self.doc.version, runq() - q0))
        return done

    engine.DocumentAnalysis.step = _step  # type: ignore[method-assign]

    # each analyzer's CPU inside the steps (statements of incremental analyzers; the start
    # and the steps of a whole-file analyzer's pass), so the steps' CPU splits by analyzer
    def per_analyzer(name: str, analyzer_of: Any) -> None:
        original = getattr(engine.DocumentAnalysis, name)

        def timed(self: Any, *args: Any) -> Any:
            c0 = cpu()
            try:
                return original(self, *args)
            finally:
                add(("an", now(), cpu() - c0, analyzer_of(args).name))

        setattr(engine.DocumentAnalysis, name, timed)

    from codie.core import document

    reparse_now = document.Document._reparse_now

    def _reparse(self: Any) -> Any:
        c0 = cpu()
        try:
            return reparse_now(self)
        finally:
            add(("an", now(), cpu() - c0, "(reparse)"))

    document.Document._reparse_now = _reparse  # type: ignore[method-assign]
    per_analyzer("_run_timed", lambda a: a[0])
    per_analyzer("_start_pass", lambda a: a[0])
    per_analyzer("_advance", lambda a: a[0].analyzer)

    publish = server.CodieServer.publish

    def _publish(self: Any, uri: str) -> None:
        t0, c0, q0 = now(), cpu(), runq()
        publish(self, uri)
        analysis = self.analyses.get(uri)
        add(("publish", t0, now(), cpu() - c0, analysis.doc.version if analysis else None, runq() - q0))

    server.CodieServer.publish = _publish  # type: ignore[method-assign]

    notify = protocol.CodieProtocol.notify_params_text

    def _notify(self: Any, method: str, params: str) -> None:
        t0 = now()
        notify(self, method, params)
        v = version_re.search(params[-40:].encode())
        add(("write", t0, now(), len(params), v and int(v[1])))

    protocol.CodieProtocol.notify_params_text = _notify  # type: ignore[method-assign]

    # --pull: a pull's answer (JSON text, lsp/features/diagnostics.py) is the keystroke's
    # write; it answers the document's version current when it is written
    send_data = protocol.CodieProtocol._send_data

    def _send_data(self: Any, data: Any) -> None:
        t0 = now()
        send_data(self, data)
        result = getattr(data, "result", None)
        if isinstance(result, framing.JsonText) and result.text.startswith('{"kind"'):
            versions = [a.doc.version for a in self._server.analyses.values()]
            add(("write", t0, now(), len(result.text), max(versions) if versions else None))

    protocol.CodieProtocol._send_data = _send_data  # type: ignore[method-assign]

    # the background work's waits at the scheduler's gate (scheduling.EditorGate, where
    # there is one): how much of a keystroke's window a training spent off the GIL
    gate = getattr(scheduling, "EditorGate", None)
    if gate is not None:
        wait_open = gate._wait_open

        def _wait_open(self: Any) -> float:
            t0 = now()
            try:
                return float(wait_open(self))
            finally:
                add(("gatewait", t0, now()))

        gate._wait_open = _wait_open

    gc_start: dict[int, tuple[float, float]] = {}

    def _gc(phase: str, info: dict[str, Any]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            gc_start[ident] = (now(), cpu())
        elif ident in gc_start:
            t0, c0 = gc_start.pop(ident)
            add(("gc", t0, now(), cpu() - c0, info.get("generation"), threading.current_thread().name))

    gc.callbacks.append(_gc)

    submit = concurrent.futures.ThreadPoolExecutor.submit
    quiet = {"readline", "_read"}  # the stdin reader's calls: they block, they do not compute

    def _submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        name = getattr(fn, "__qualname__", repr(fn))[:80]
        # a wrapper's closure names the job it runs (style's `_submit(..., "training", job)`)
        labels = [c.cell_contents for c in getattr(fn, "__closure__", None) or () if isinstance(c.cell_contents, str)]
        if labels:
            name = f"{name} ({', '.join(labels)})"
        if getattr(fn, "__name__", "") in quiet:
            return submit(self, fn, *args, **kwargs)

        def traced(*a: Any, **k: Any) -> Any:
            t0, c0 = now(), cpu()
            try:
                return fn(*a, **k)
            finally:
                add(("thread", t0, now(), cpu() - c0, name, threading.current_thread().name))

        return submit(self, traced, *args, **kwargs)

    concurrent.futures.ThreadPoolExecutor.submit = _submit  # type: ignore[method-assign]

    thread_run = threading.Thread.run

    def _thread_run(self: Any) -> None:
        t0, c0 = now(), cpu()
        try:
            thread_run(self)
        finally:
            if not self.name.startswith(("ThreadPoolExecutor", "codie-")) or self.name == "codie-warm-up":
                add(("thread", t0, now(), cpu() - c0, f"Thread {self.name}", self.name))

    threading.Thread.run = _thread_run  # type: ignore[method-assign]

    def dump() -> None:
        with open(out, "w", encoding="utf-8") as f:
            for event in EVENTS:
                f.write(json.dumps(event) + "\n")

    atexit.register(dump)


def serve(out: str, parts: bool) -> int:
    sys.path.insert(0, str(ROOT / "server"))
    install(out)
    if parts:
        install_parts()
    from codie.cli.main import main

    return main(["serve"])


# ------------------------------------------------------------------------------ the analysis
def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def parts_in(parts: list[list[Any]], publish: list[Any] | None) -> dict[str, float]:
    """--parts: CPU by part inside one publish (calls counted as "label n")."""
    out: dict[str, float] = defaultdict(float)
    if publish is not None:
        for e in parts:
            if publish[1] <= e[1] <= publish[2]:
                out[e[3]] += e[2]
                out[e[3] + " n"] += 1
    return out


def report_parts(rows: list[dict[str, Any]], parts: list[list[Any]], publishes: list[list[Any]]) -> None:
    labels = [label for *_, label in PARTS]
    print(f"publish CPU by part (ms per publish; n: calls per publish; {len(rows)} publishes answering a keystroke)")
    for label in labels:
        vals = [r["_parts"].get(label, 0.0) * 1000 for r in rows]
        calls = statistics.mean(r["_parts"].get(label + " n", 0) for r in rows)
        print(f"  {label:<14}{pct(vals, 50):>8.2f}{statistics.mean(vals):>8.2f}{pct(vals, 95):>8.2f}  n {calls:.2f}")
    outside: dict[str, list[float]] = defaultdict(list)
    for e in parts:
        if e[3] == "presentation" and not any(p[1] <= e[1] <= p[2] for p in publishes):
            outside[e[4]].append(e[2])
    inside = sum(1 for e in parts if e[3] == "presentation") - sum(map(len, outside.values()))
    print(f"presentations: {inside} inside the {len(publishes)} publishes; outside, by caller:")
    for caller, cpus in sorted(outside.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(cpus):>4} x {statistics.mean(cpus) * 1000:.2f} ms  {caller}")


def analyse(events: list[list[Any]], slowest: int) -> list[dict[str, Any]]:
    by: dict[str, list[list[Any]]] = defaultdict(list)
    for e in events:
        by[e[0]].append(e)
    bodies = {e[4]: e for e in by["body"] if e[3] == "textDocument/didChange"}
    handles = {e[4]: e for e in by["handle"] if e[3] == "textDocument/didChange"}
    writes: dict[int, list[Any]] = {}
    for e in by["write"]:
        if e[4] is not None:
            writes.setdefault(e[4], e)  # the first publish of a version answers it
    steps = by["step"]
    callbacks = by["cb"]
    gcs = [e for e in by["gc"] if e[5] == "MainThread"]
    threads = by["thread"]
    rows: list[dict[str, Any]] = []
    for version in sorted(handles):
        body, h, w = bodies.get(version), handles[version], writes.get(version)
        if body is None or w is None:
            continue
        t_avail, t_read = body[1], body[2]
        t_end = w[2]
        publish = next((p for p in by["publish"] if p[1] <= w[1] <= p[2]), None)
        mine = [s for s in steps if h[2] <= s[1] and s[2] <= (publish[1] if publish else t_end)]
        steps_wall = sum(s[2] - s[1] for s in mine)
        steps_cpu = sum(s[3] for s in mine)
        steps_runq = sum(s[6] for s in mine)
        window = (mine[0][1], mine[-1][2]) if mine else (0.0, 0.0)
        analyzers: dict[str, float] = defaultdict(float)
        for a in by["an"]:
            if window[0] <= a[1] <= window[1]:
                analyzers[a[3]] += a[2]
        # the steps' own work: choosing statements, moving and merging findings, bookkeeping
        analyzers["(engine)"] = steps_cpu - sum(analyzers.values())
        first = mine[0][1] if mine else (publish[1] if publish else t_end)
        last = mine[-1][2] if mine else first
        p0 = publish[1] if publish else w[1]
        others = [
            c
            for c in callbacks
            if overlap(c[1], c[2], t_avail, t_end) > 0
            and not any(s[1] >= c[1] and s[2] <= c[2] for s in mine)
            and not (c[1] <= h[1] and h[2] <= c[2])
            and not (c[1] <= p0 and t_end <= c[2])
        ]
        in_threads = [
            (t, overlap(t[1], t[2], t_avail, t_end) / max(t[2] - t[1], 1e-9) * t[3])
            for t in threads
            if overlap(t[1], t[2], t_avail, t_end) > 0
        ]
        rows.append(
            {
                "version": version,
                "total": t_end - t_avail,
                "read lag": t_read - t_avail,
                "hop": h[1] - t_read,
                "handle": h[2] - h[1],
                "  handle CPU": h[5],
                "wait": first - h[2],
                "steps": steps_wall,
                "  steps CPU": steps_cpu,
                "  run queue": steps_runq,
                "  GIL/other": steps_wall - steps_cpu - steps_runq,
                "n steps": len(mine),
                "between": (last - first) - steps_wall,
                "to publish": p0 - last,
                "publish": t_end - p0,
                "  CPU": publish[3] if publish else 0.0,
                "  run queue ": publish[5] if publish else 0.0,
                "  write": w[2] - w[1],
                "gc": sum(overlap(g[1], g[2], t_avail, t_end) for g in gcs),
                "threads CPU": sum(c for _, c in in_threads),
                "gate waits": sum(overlap(g[1], g[2], t_avail, t_end) for g in by["gatewait"]),
                "_analyzers": analyzers,
                "_parts": parts_in(by["part"], publish),
                "_others": sorted(others, key=lambda c: c[1] - c[2])[:6],
                "_threads": sorted(in_threads, key=lambda x: -x[1])[:4],
                "_gcs": [g for g in gcs if overlap(g[1], g[2], t_avail, t_end) > 0],
            }
        )
    return rows


def report(rows: list[dict[str, Any]], slowest: int, client: list[float]) -> None:
    keys = [k for k in rows[0] if not k.startswith("_") and k != "version"] if rows else []
    print(f"{len(rows)} keystrokes answered (server side: body in the pipe -> publish written)")
    print(f"{'ms per keystroke':<16}{'p50':>8}{'mean':>8}{'p95':>8}{'max':>8}")
    for k in keys:
        vals = [r[k] * (1 if k == "n steps" else 1000) for r in rows]
        print(f"{k:<16}{pct(vals, 50):>8.2f}{statistics.mean(vals):>8.2f}{pct(vals, 95):>8.2f}{max(vals):>8.2f}")
    if client:
        print(f"{'client (lspbench)':<16}{pct(client, 50):>8.2f}{statistics.mean(client):>8.2f}", end="")
        print(f"{pct(client, 95):>8.2f}{max(client):>8.2f}")
    names = sorted({n for r in rows for n in r["_analyzers"]})
    if names:
        print("steps CPU by analyzer")
    for n in sorted(names, key=lambda n: -statistics.mean(r["_analyzers"].get(n, 0.0) for r in rows)):
        vals = [r["_analyzers"].get(n, 0.0) * 1000 for r in rows]
        print(f"  {n:<14}{pct(vals, 50):>8.2f}{statistics.mean(vals):>8.2f}{pct(vals, 95):>8.2f}{max(vals):>8.2f}")
    print(f"\nthe {slowest} slowest keystrokes:")
    for r in sorted(rows, key=lambda r: -r["total"])[:slowest]:
        parts = ", ".join(f"{k.strip()} {r[k] * 1000:.1f}" for k in keys if k not in ("total", "n steps"))
        print(f"  v{r['version']}: {r['total'] * 1000:.1f} ms = {parts}")
        for c in r["_others"]:
            print(f"      loop: {c[4]} {(c[2] - c[1]) * 1000:.1f} ms wall, {c[3] * 1000:.1f} CPU")
        for t, c in r["_threads"]:
            print(f"      thread {t[5]}: {t[4]} {c * 1000:.1f} ms CPU in the window")
        for g in r["_gcs"]:
            print(f"      gc gen {g[4]}: {(g[2] - g[1]) * 1000:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", metavar="TRACE", help=argparse.SUPPRESS)
    ap.add_argument("--pace", type=float, default=0.2)
    ap.add_argument("--edits", type=int, default=50)
    ap.add_argument("--slowest", type=int, default=5)
    ap.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"), help="the server's interpreter")
    ap.add_argument("--parts", action="store_true", help="split the publish CPU by part (PARTS)")
    ap.add_argument("--keep", type=Path, help="keep the raw trace (JSON lines) here")
    ap.add_argument(
        "--pull",
        action="store_true",
        help="as a client that pulls after each edit (lspbench --diag-mode pull): the window ends "
        "when the pull's answer is written; `publish` is then publish() -> the answer written",
    )
    args = ap.parse_args()
    if args.serve:
        raise SystemExit(serve(args.serve, args.parts))
    sys.path.insert(0, str(ROOT / "bench"))
    from editor_bench import find_lspbench

    with tempfile.TemporaryDirectory(prefix="codie-keystroke-trace-") as tmp:
        trace = Path(tmp) / "trace.jsonl"
        out = Path(tmp) / "lspbench.json"
        cache = Path(tmp) / "cache"
        server = f"env CODIE_CACHE_DIR={cache} {shlex.quote(args.python)} {shlex.quote(__file__)} --serve {trace}"
        server += " --parts" * args.parts
        cmd = [sys.executable, str(find_lspbench()), "--stdlib-file", "large", "--edits", str(args.edits)]
        cmd += ["--pace", str(args.pace), "--repeat", "1", "--no-table", "--json-out", str(out)]
        cmd += ["--diag-mode", "pull", "--"] if args.pull else ["--"]
        cmd += shlex.split(server)
        load = os.getloadavg()
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
        client: list[float] = []
        if out.exists():
            lines = out.read_text().splitlines()
            for line in lines:
                run = json.loads(line)
                for r in run.get("runs", [run]):
                    client += [x for x in (r.get("edit") or {}).get("latencies_ms", []) if x is not None]
        if not trace.exists():
            raise SystemExit("the server left no trace (did it exit cleanly?)")
        if args.keep:
            args.keep.write_bytes(trace.read_bytes())
        events = [json.loads(line) for line in trace.read_text().splitlines()]
    rows = analyse(events, args.slowest)
    report(rows, args.slowest, client)
    if args.parts:
        print()
        report_parts(rows, [e for e in events if e[0] == "part"], [e for e in events if e[0] == "publish"])
    after = os.getloadavg()
    print(f"\nmachine: {os.cpu_count()} cores, load average {load[0]:.1f} before / {after[0]:.1f} after")


if __name__ == "__main__":
    main()
