"""The per-statement groups below an edit are moved lazily (core/engine._Groups): an edit
records how far the groups from some index on moved, and a group's place is read as its
stored place plus that. So an edit costs work for what it touches, not for every statement
below it, and the findings are where a fresh analysis puts them: through random edits in
bursts (many marks pending, past the limit where they are applied), analyses paused
mid-way, and findings asked for before the analysis caught up.
"""

from __future__ import annotations

import random
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any, ClassVar

import pytest
from tree_sitter import Node

from codie.analyzers import registered
from codie.core import engine
from codie.core.analyzer import Context, Unit
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, _Group, _Groups, analyze
from codie.core.findings import Finding, Fix, Location, TextEdit
from codie.core.rules import catalogue


class Evals:
    """Incremental: a finding on each `eval` call, with a related location on its statement
    and, now and then, a fix whose edit lies at the top of the file (before the statement:
    it must stay there when the statement moves)."""

    name = "evals"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding | Unit]:
        src = ctx.doc.source
        for node in nodes:
            at = src.find(b"eval(", node.start_byte, node.end_byte)
            while at >= 0:
                related = (Location(node.start_byte, node.start_byte + 1, "its statement"),)
                f = ctx.report("SEC001", at, at + 4, related=related)
                if src[node.start_byte : node.start_byte + 1] == b"x":
                    f = f.evolve(fix=TOP_FIX)
                yield f
                at = src.find(b"eval(", at + 1, node.end_byte)


TOP_FIX = Fix("import at the top", (TextEdit(0, 0, "import ast\n"),))


def statements(n: int) -> str:
    return "".join(f"x{i} = eval(input())\n" if i % 3 == 0 else f"y{i} = {i}\n" for i in range(n))


def where(found: Sequence[Finding]) -> list[tuple[Any, ...]]:
    return [
        (
            f.rule_id,
            f.start,
            f.end,
            f.message,
            tuple((loc.start, loc.end) for loc in f.related),
            f.fix.edits if f.fix else None,
        )
        for f in found
    ]


def opcodes_of(fn: Any) -> int:
    """Python opcodes executed by fn() (a count: the same on any machine)."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "opcode":
            count += 1
        return local

    def start(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        return local

    sys.settrace(start)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def edit_cost(analysis: DocumentAnalysis, lo: int, hi: int, new: bytes) -> int:
    """The opcodes of the engine's note_edit for one edit."""
    edit = analysis.doc.splice(lo, hi, new)
    return opcodes_of(lambda: analysis.note_edit(edit))


def test_an_edit_costs_the_same_whatever_the_statements_below_it() -> None:
    costs = []
    for n in (40, 400):
        doc = Document("file:///t.py", statements(n))
        analysis = DocumentAnalysis(Context(doc, catalogue()), [Evals()])
        analysis.run()
        used = 0
        for _ in range(3):  # a line typed at the top and deleted, then typed again
            used += edit_cost(analysis, 0, 0, b"z = 1\n")
            analysis.run()
            used += edit_cost(analysis, 0, 6, b"")
            analysis.run()
        costs.append(used)
    # (moving each group below the edit: ~10 times as much for 10 times the statements)
    assert costs[1] <= costs[0] * 1.2, costs


@pytest.mark.parametrize("seed", range(4))
def test_findings_are_where_a_fresh_analysis_puts_them(seed: int) -> None:
    rng = random.Random(seed)
    cat = catalogue()
    doc = Document("file:///t.py", statements(60))
    analysis = DocumentAnalysis(Context(doc, cat), [Evals()])
    analysis.run()
    marks_applied = 0
    for step in range(60):
        # a burst: several edits before the analysis runs, spread through the file (each
        # leaves a mark pending where it was), sometimes more than the marks kept; whole
        # lines, so that no statement an edit does not touch parses otherwise
        for _ in range(rng.choice([1, 1, 2, 5, engine.MAX_MARKS + 3])):
            size = len(doc.source)
            at = rng.randrange(size + 1)
            line = doc.source.rfind(b"\n", 0, at) + 1
            if rng.random() < 0.5:
                new = rng.choice([b"w = eval(q)\n", b"xw = eval(q) + eval(r)\n", b"v = 2\n", b"\n"])
                analysis.note_edit(doc.splice(line, line, new))
            else:
                end = doc.source.find(b"\n", at)
                analysis.note_edit(doc.splice(line, size if end < 0 else end + 1, b""))
            marks = len(analysis._groups._at)
            assert marks <= engine.MAX_MARKS
            marks_applied += marks == 0
        # findings asked for before the analysis caught up: those shown are the untouched
        # statements', each at its place in the current text
        expected = where(analyze(Context(Document("file:///f.py", doc.source), cat), [Evals()]))
        assert set(where(analysis.findings())) <= set(expected), step
        while not analysis.step(budget=0.0):  # one statement at a time, findings read between
            assert set(where(analysis.findings())) <= set(expected), step
        assert where(analysis.findings()) == expected, step
    assert marks_applied  # the limit was reached, and the moves applied


def test_every_analyzer_after_random_bursts_equals_a_full_analysis() -> None:
    rng = random.Random(7)
    cat = catalogue()
    analyzers = registered()
    text = "".join(f"def f{i}(p, seen=[]):\n    return eval(p)\n\n\n" if i % 2 else f"X{i} = {i}\n" for i in range(30))
    doc = Document("file:///w/app.py", text)
    analysis = DocumentAnalysis(Context(doc, cat), analyzers)
    analysis.run()
    snippets = [b"x = eval(input())\n", b"    pass\n", b"\n", b"def g(a={}):\n    return a\n", b"(", b"assert y\n"]
    for step in range(40):
        for _ in range(rng.choice([1, 3, engine.MAX_MARKS + 2])):
            at = rng.randrange(len(doc.source) + 1)
            line = doc.source.rfind(b"\n", 0, at) + 1
            if rng.random() < 0.6:
                analysis.note_edit(doc.splice(line, line, rng.choice(snippets)))
            else:
                analysis.note_edit(doc.splice(at, min(len(doc.source), at + rng.randrange(1, 30)), b""))
        incremental = analysis.run()
        # (a copy elsewhere: no cache keyed by the text object or the name answers for it)
        full = analyze(Context(Document("file:///fresh/app.py", bytes(bytearray(doc.source))), cat), registered())
        assert where(incremental) == where(full), step


def test_the_groups_read_as_a_list_moved_eagerly() -> None:
    """_Groups against a plain list of places moved on every operation."""
    rng = random.Random(3)
    groups = _Groups()
    model: list[tuple[int, int]] = []
    for op in range(3000):
        roll = rng.random()
        if roll < 0.45 or not model:
            # replace a run of groups by new ones between the neighbours' places
            a = rng.randrange(len(model) + 1)
            b = min(len(model), a + rng.choice([0, 0, 1, 2, 5]))
            lo = model[a - 1][1] if a else 0
            hi = model[b][0] if b < len(model) else lo + 1000
            new: list[tuple[int, int]] = []
            at = lo
            for _ in range(rng.choice([0, 1, 1, 2])):
                if hi - at < 4:
                    break
                s = rng.randrange(at, at + (hi - at) // 2)
                e = rng.randrange(s, at + (hi - at) // 2 + 1)
                new.append((s, e))
                at = e + 1
            gone = groups.splice(a, b, [_Group.of(s, e, []) for s, e in new])
            assert [(g.start, g.end) for g in gone] == model[a:b], op
            model[a:b] = new
        else:
            i = rng.randrange(len(model) + 1)
            room = model[i][0] - (model[i - 1][1] if i else 0) if i < len(model) else 1000
            delta = rng.randrange(-room, 50)
            groups.shift_from(i, delta)
            model[i:] = [(s + delta, e + delta) for s, e in model[i:]]
        assert len(groups._at) <= engine.MAX_MARKS
        assert [(groups.start(i), groups.end(i)) for i in range(len(groups))] == model, op
        x = rng.randrange(-5, (model[-1][1] if model else 0) + 5)
        ends = [e for _, e in model]
        starts = [s for s, _ in model]
        assert groups.bisect(x, engine._END) == bisect_left(ends, x), op
        assert groups.bisect(x, engine._END, right=True) == bisect_right(ends, x), op
        assert groups.bisect(x, engine._START) == bisect_left(starts, x), op
