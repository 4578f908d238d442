"""The call graph's build and an edit's update pause in their work when the language server
runs them in its thread pool (core/pausing.py: the editor's gate), and the graph is the
same as without pauses."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from codie.analyzers.callgraph.graph import CallGraph
from codie.analyzers.callgraph.model import to_plain
from codie.lsp.scheduling import EditorGate

CALLGRAPH = Path(__file__).resolve().parents[2] / "server" / "codie" / "analyzers" / "callgraph"


def workspace(root: Path) -> Path:
    """The call graph's own modules, plus one large module made of them (several thousand
    lines: an update of it is the 50-150 ms the pauses cut up)."""
    texts = {p.name: p.read_text() for p in sorted(CALLGRAPH.glob("*.py")) if p.name != "__init__.py"}
    for name, text in texts.items():
        (root / name).write_text(text)
    big = root / "big.py"
    big.write_text("\n".join(texts.values()))
    return big


def graph_state(graph: CallGraph) -> tuple[object, object]:
    summaries = {m: to_plain(s) for m, s in sorted(graph.resolver.modules.items())}
    return summaries, graph.adjacency()


def test_a_paused_build_and_update_equal_unpaused_ones(tmp_path: Path) -> None:
    big = workspace(tmp_path)
    pauses: list[str] = []
    paused = CallGraph(tmp_path, pause=lambda: pauses.append("p"))
    plain = CallGraph(tmp_path)
    paused.build(jobs=1)
    plain.build(jobs=1)
    assert graph_state(paused) == graph_state(plain)
    in_build = len(pauses)
    assert in_build > 100  # every file's extraction, and every pass of the resolve

    edited = big.read_bytes().replace(b"def ", b"def edited_", 40)
    assert paused.update(big, edited) == plain.update(big, edited)
    assert graph_state(paused) == graph_state(plain)
    # one module's update: its extraction and its call sites, a pause every ~millisecond
    assert len(pauses) - in_build > 30

    paused.reresolve()
    plain.reresolve()
    assert graph_state(paused) == graph_state(plain)
    assert paused.resolver.pause is not None  # a re-resolve's new resolver pauses too


def test_an_update_waits_while_the_editor_needs_the_gil(tmp_path: Path) -> None:
    big = workspace(tmp_path)
    gate = EditorGate()
    graph = CallGraph(tmp_path, pause=gate.pause)
    graph.build(jobs=1)
    edited = big.read_bytes().replace(b"def ", b"def edited_", 40)
    gate.shut()  # a keystroke is being analysed
    done = threading.Event()
    worker = threading.Thread(target=lambda: (graph.update(big, edited), done.set()))
    worker.start()
    deadline = time.monotonic() + 60
    while gate.waits == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert gate.waits >= 1  # the update stopped at the gate
    gate.reopen()  # the keystroke's diagnostics are published
    worker.join(60)
    assert done.is_set()
    fresh = CallGraph(tmp_path)
    fresh.build(jobs=1)
    fresh.update(big, edited)
    assert graph_state(graph) == graph_state(fresh)
