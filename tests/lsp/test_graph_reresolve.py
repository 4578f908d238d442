"""An edit re-resolves its own module only; `CallGraph.reresolve` (run by the server once
typing pauses) brings the other modules' edges into it back to what a fresh build finds."""

from __future__ import annotations

from pathlib import Path

from codie.analyzers.callgraph import CallGraph

A_BEFORE = "def _spare():\n    return 2\n"
A_AFTER = "def _helper():\n    return 1\n\n\ndef _spare():\n    return 2\n"
B = "from a import _helper\n\n\ndef use():\n    return _helper()\n"


def edges(graph: CallGraph) -> set[tuple[str, str, int]]:
    return {(e.caller, e.callee, e.start) for es in graph.edges.values() for e in es}


def test_a_function_defined_after_its_callers_gets_their_edges(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(A_BEFORE)
    (tmp_path / "b.py").write_text(B)
    edited = CallGraph(tmp_path)
    edited.build([tmp_path], jobs=1)
    edited.update(tmp_path / "a.py", A_AFTER.encode())  # the buffer, unsaved

    (tmp_path / "a.py").write_text(A_AFTER)
    fresh = CallGraph(tmp_path)
    fresh.build([tmp_path], jobs=1)
    assert fresh.incoming("a._helper")  # b.use calls it

    edited.reresolve()
    assert edges(edited) == edges(fresh)
    assert edited.incoming("a._helper") == fresh.incoming("a._helper")
    assert sorted(s.qualname for s in edited.unreferenced()) == sorted(s.qualname for s in fresh.unreferenced())
