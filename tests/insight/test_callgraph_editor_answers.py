"""What the editor asks the call graph on every keystroke (`holds`, `unreferenced` of one
module) is kept between changes; kept answers equal answers computed afresh after any
change to the graph (an update, a re-resolve, a build), and a text is held only if it is
exactly the indexed one."""

import random
from pathlib import Path

from tests.insight.test_insight_callgraph import write

from codie.analyzers.callgraph.graph import CallGraph

MODULES = ["a", "b", "c"]


def module_text(rng: random.Random, name: str) -> str:
    """Three functions of its own (`_a0`, `_a1`, `_a2` in a.py), each calling one of them or
    of what it imports, or nothing: which are called anywhere changes from text to text."""
    reachable = [f"_{name}{i}" for i in range(3)]
    lines = []
    for other in MODULES:
        if other != name and rng.random() < 0.5:
            imported = f"_{other}{rng.randrange(3)}"
            lines.append(f"from {other} import {imported}")
            reachable.append(imported)
    lines.append("")
    for i in range(3):
        body = f"{rng.choice(reachable)}()" if rng.random() < 0.4 else "pass"
        lines.append(f"def _{name}{i}():\n    {body}\n")
    return "\n".join(lines)


def answers(graph: CallGraph) -> dict[str, list[str]]:
    return {m: [s.qualname for s in graph.unreferenced(m)] for m in MODULES}


def test_kept_unreferenced_answers_equal_fresh_ones_after_every_change(tmp_path: Path) -> None:
    rng = random.Random(7)
    write(tmp_path, {f"{m}.py": module_text(rng, m) for m in MODULES})
    graph = CallGraph(tmp_path)
    graph.build()
    changed_at_least_once = False
    for step in range(60):
        before = answers(graph)
        assert answers(graph) == before  # asked again, nothing changed: the kept answers
        m = rng.choice(MODULES)
        graph.update(tmp_path / f"{m}.py", module_text(rng, m).encode())
        if step % 15 == 14:
            graph.reresolve()
        kept = answers(graph)
        graph._unreferenced.clear()  # what the graph says without its kept answers
        assert kept == answers(graph), step
        changed_at_least_once |= kept != before
    assert changed_at_least_once


def test_a_text_is_held_only_if_it_is_the_indexed_one(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "def f():\n    pass\n"})
    graph = CallGraph(tmp_path)
    graph.build()
    path = tmp_path / "a.py"
    on_disk = path.read_bytes()
    same_length = on_disk.replace(b"f", b"g")
    assert len(same_length) == len(on_disk)
    # built from the disk: the length is not known until a text matches
    assert not graph.holds(path, same_length)
    assert graph.holds(path, bytes(bytearray(on_disk)))  # equal text, another object
    assert not graph.holds(path, on_disk + b"\n")
    assert not graph.holds(path, same_length)
    edited = b"def f():\n    return 1\n"
    graph.update(path, edited)
    assert graph.holds(path, bytes(bytearray(edited)))
    assert not graph.holds(path, on_disk)
    assert not graph.holds(path, edited.replace(b"1", b"2"))
    assert not graph.holds(tmp_path / "missing.py", edited)
