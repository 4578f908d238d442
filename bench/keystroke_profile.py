"""Where one keystroke's time goes in `codie serve`, stage by stage, in CPU time.

Drives the real server object in-process (build_server(): every feature registered, every
analyzer on) through edits on ../shared/bench/lspbench.py's 6,862-line stdlib file (insert
`x_unused_i = eval(input())` before a statement, then delete it: top-level statements by
default, lspbench's own choice of statements with --plan lspbench), and times each stage
of the path from didChange to the bytes of publishDiagnostics:

  apply+reparse   the byte mirror, line index and incremental tree-sitter reparse
  change hooks    what features do on every change (timers, caches)
  analysis        the engine's steps: incremental analyzers on the changed statements,
                  whole-file analyzers on the whole file (each analyzer also on its own row)
  present         suppressions, baseline, new-code filter, the model/feedback rescoring
  to JSON         findings -> LSP Diagnostics in the negotiated encoding, as JSON text
                  (each diagnostic encoded once, then reused: lsp/convert.DiagnosticCache)
  serialize       the notification's text, from the diagnostics' text

CPU seconds of this thread (time.thread_time), so a busy machine does not inflate them; the
wall-clock figures, with the I/O and the event loop, are bench/editor_bench.py's (and
bench/keystroke_trace.py's, stage by stage). First line: the first analysis's CPU
(opening the file, every analyzer to the end). Last line: how much the process grew over the
edits (RSS after a collection and a malloc_trim, before and after) and how many of the
past texts something still references (each ~240 KB on the default file) PAST_WINDOW edits
later or at the end (the bench holds a text only that long: holding them all grew the RSS
figure by the bench's own copies, 14 MiB over 60 edits, and their fragments).

    .venv/bin/python bench/keystroke_profile.py [--edits 50] [--file PATH] [--plan lspbench] [--taint]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from tree_sitter import Node  # noqa: E402

from bigfiles import stdlib_large  # noqa: E402
from codie.core import engine  # noqa: E402
from codie.core.analyzer import Analyzer  # noqa: E402
from codie.core.findings import Finding  # noqa: E402
from codie.lsp.server import build_server  # noqa: E402
from editor_bench import lspbench_plan  # noqa: E402

TIMES: dict[str, list[float]] = defaultdict(list)
# CPU per analyzer within one keystroke: statements of incremental analyzers, and the
# start and steps of a whole-document analyzer's pass (it may pause between functions)
PER_KEY: dict[str, float] = defaultdict(float)
_original_statement = engine.DocumentAnalysis._run_timed
_original_start = engine.DocumentAnalysis._start_pass
_original_advance = engine.DocumentAnalysis._advance


def _label(analyzer: Analyzer) -> str:
    return f"  {analyzer.name} ({'incremental' if analyzer.incremental else 'whole-file'})"


def _timed_statement(
    self: engine.DocumentAnalysis, analyzer: Analyzer, node: Node, clock: float
) -> tuple[list[Finding], float]:
    started = time.thread_time()
    try:
        return _original_statement(self, analyzer, node, clock)
    finally:
        PER_KEY[_label(analyzer)] += time.thread_time() - started


def _timed_start(self: engine.DocumentAnalysis, analyzer: Analyzer, nodes: Sequence[Node]) -> Any:
    started = time.thread_time()
    try:
        return _original_start(self, analyzer, nodes)
    finally:
        PER_KEY[_label(analyzer)] += time.thread_time() - started


def _timed_advance(self: engine.DocumentAnalysis, p: Any, deadline: float) -> bool:
    started = time.thread_time()
    try:
        return _original_advance(self, p, deadline)
    finally:
        PER_KEY[_label(p.analyzer)] += time.thread_time() - started


# --taint: security-taint's pass split in its phases (CPU of the outermost call of each, so
# a function analysed while another one's cached result is checked counts once)
TAINT_PHASES = {
    "__init__": "    taint: the module table (ModuleInfo)",
    "_direct": "    taint: choosing the functions",
    "_callers": "    taint: choosing the functions",
    "_analyze_guarded": "    taint: analysing changed functions",
}


TAINT_SPLIT: list[bool] = []  # set by --taint


def time_taint_phases() -> None:
    from codie.analyzers.security.module import ModuleInfo

    TAINT_SPLIT.append(True)

    depth: dict[str, int] = defaultdict(int)

    def timed(name: str, label: str) -> None:
        original = getattr(ModuleInfo, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            depth[label] += 1
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                depth[label] -= 1
                if not depth[label]:
                    PER_KEY[label] += time.thread_time() - started

        setattr(ModuleInfo, name, wrapper)

    for name, label in TAINT_PHASES.items():
        timed(name, label)


def top_level_lines(text: str) -> list[int]:
    return [i for i, ln in enumerate(text.split("\n")) if ln and not ln[0].isspace() and not ln.startswith(("#", ")"))]


def top_level_plan(text: str, edits: int) -> list[tuple[bool, int, str]]:
    """Insert `x_unused_k = eval(input())` before a top-level statement, then delete it."""
    lines = top_level_lines(text)
    pairs = max(1, edits // 2)
    plan = []
    for k, line in enumerate(lines[:: max(1, len(lines) // pairs)][:pairs]):
        plan += [(True, line, f"x_unused_{k} = eval(input())\n"), (False, line, "")]
    return plan


MEMORY: dict[str, float] = {}
PAST_WINDOW = 10  # edits after which a past text should be referenced by nothing but us


def still_referenced(texts: list[bytes]) -> int:
    """How many of texts something other than the list references (after a collection)."""
    gc.collect()
    # referenced from `texts`, the loop variable and getrefcount's argument: 3 when nothing else
    return sum(sys.getrefcount(old) > 3 for old in texts)


def rss_mib() -> float:
    """RSS after a full collection and glibc's malloc_trim (what is really held)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def profile(text: str, plan: list[tuple[bool, int, str]]) -> tuple[int, int]:
    server = build_server()
    server.protocol.notify_json = lambda method, params: None  # type: ignore[method-assign]
    server.protocol.notify_params_text = lambda method, params: None  # type: ignore[method-assign]
    # never written, only a name; outside this checkout, whose pyproject.toml configures codie
    uri = (Path(tempfile.gettempdir()) / "codie-keystroke" / "large.py").as_uri()
    server.open_document(uri, text, 1, "python")
    analysis = server.analyses[uri]
    started = time.thread_time()
    while not analysis.step(3600.0):
        pass
    MEMORY["first"] = time.thread_time() - started  # (the first analysis, in CPU seconds)
    TIMES.clear()
    PER_KEY.clear()  # (what the first analysis spent in the taint phases, with --taint)
    engine.DocumentAnalysis._run_timed = _timed_statement  # type: ignore[method-assign]
    engine.DocumentAnalysis._start_pass = _timed_start  # type: ignore[method-assign]
    engine.DocumentAnalysis._advance = _timed_advance  # type: ignore[method-assign]
    version = 1
    MEMORY["before"] = rss_mib()
    past: list[bytes] = []
    for insert, line, new in plan:
        version += 1
        doc = analysis.doc
        if len(past) == 2 * PAST_WINDOW:  # the older half is PAST_WINDOW+ edits old
            older = past[:PAST_WINDOW]
            del past[:PAST_WINDOW]
            MEMORY["texts"] = MEMORY.get("texts", 0) + still_referenced(older)
            del older
        past.append(doc.source)
        t0 = time.thread_time()
        if insert:
            edit = doc.apply_change((line, 0), (line, 0), new)
        else:
            edit = doc.apply_change((line, 0), (line + 1, 0), "")
        analysis.note_edit(edit)
        analysis.note_changed_ranges(doc.reparse())
        doc.version = version
        t1 = time.thread_time()
        server.hooks.change.emit(server, doc)
        t2 = time.thread_time()
        while not analysis.step(3600.0):
            pass
        t3 = time.thread_time()
        if TAINT_SPLIT:  # (a phase a keystroke did not reach took 0)
            for label in TAINT_PHASES.values():
                PER_KEY.setdefault(label, 0.0)
        for name, cpu in PER_KEY.items():
            TIMES[name].append(cpu)
        PER_KEY.clear()
        visible = server.visible_findings(analysis)
        t4 = time.thread_time()
        # what publish() converts (server._diagnostics: the presentation above, then this)
        entries = server._encoded(analysis, visible)
        t5 = time.thread_time()
        # what publish() writes (server.publish_params): the diagnostics' JSON text joined
        params = f'{{"uri": "{uri}", "diagnostics": [' + ",".join(text for _, text in entries) + "]}"
        body = f'{{"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {params}}}'
        t6 = time.thread_time()
        TIMES["apply+reparse"].append(t1 - t0)
        TIMES["change hooks"].append(t2 - t1)
        TIMES["analysis"].append(t3 - t2)
        TIMES["present"].append(t4 - t3)
        TIMES["to JSON"].append(t5 - t4)
        TIMES["serialize"].append(t6 - t5)
        TIMES["TOTAL (one publish)"].append(t6 - t0)
        TIMES["bytes"].append(len(body))
    MEMORY["texts"] = MEMORY.get("texts", 0) + still_referenced(past)
    past.clear()  # this bench's own copies: not the server's memory
    MEMORY["after"] = rss_mib()
    return len(visible), version - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=50)
    ap.add_argument("--file", type=Path)
    ap.add_argument(
        "--plan",
        choices=("top-level", "lspbench"),
        default="top-level",
        help="top-level statements only (module-level code changes: the worst case for taint), "
        "or lspbench's edits (statements at every indent, as bench/editor_bench.py sends)",
    )
    ap.add_argument(
        "--taint",
        action="store_true",
        help="also split security-taint's CPU: the module table, choosing the functions, analysing "
        "the changed ones (the rest: checking cached results, building the findings)",
    )
    args = ap.parse_args()
    if args.taint:
        time_taint_phases()
    text = args.file.read_text(encoding="utf-8") if args.file else stdlib_large()
    plan = top_level_plan(text, args.edits) if args.plan == "top-level" else lspbench_plan(text, args.edits)
    shown, edits = asyncio.run(profile(text, plan))
    sent = TIMES.pop("bytes")
    order = ["apply+reparse", "change hooks", "analysis"]
    order += sorted(k for k in TIMES if k.startswith("  ") and not k.startswith("    "))
    order += [label for label in dict.fromkeys(TAINT_PHASES.values()) if label in TIMES]
    order += ["present", "to JSON", "serialize", "TOTAL (one publish)"]
    print(
        f"{text.count(chr(10)):,} lines, first analysis {MEMORY['first'] * 1000:,.0f} ms CPU, "
        f"{edits} edits, {shown} diagnostics shown, "
        f"{statistics.median(sent):,.0f} B/publish"
    )
    print(f"{'CPU ms per keystroke':<44}{'median':>8}{'mean':>8}{'max':>8}")
    for key in order:
        values = TIMES.get(key)
        if not values:
            continue
        per_edit = sum(values) / edits * 1000  # an analyzer may run several times per edit
        print(f"{key:<44}{statistics.median(values) * 1000:>8.2f}{per_edit:>8.2f}{max(values) * 1000:>8.2f}")
    print(
        f"memory: RSS {MEMORY['before']:.1f} -> {MEMORY['after']:.1f} MiB over the {edits} edits; "
        f"past texts still referenced: {MEMORY['texts']:.0f} of {edits}"
    )


if __name__ == "__main__":
    main()
