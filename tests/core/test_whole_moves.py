"""A whole-document analyzer's findings are moved through edits only when someone asks for
them mid-analysis (issue 15: the per-keystroke bookkeeping of findings).

A keystroke re-runs every whole-document pass; moving the findings each pass is about to
replace was wasted work on every keystroke. They are now kept with the edits since their
own pass, and findings() moves only those whose pass has not run again. What a hover sees
mid-analysis, and what is shown once the analysis is done, are the same as before: each
finding where a fresh analysis of the current text puts it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pytest
from tree_sitter import Node

from codie.core.analyzer import Context, Unit
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding, Location
from codie.core.rules import catalogue


class Defs:
    """Whole-document: a finding on each function's name (with a related location on its
    `def`), and a Unit after each function, so a pass pauses between them."""

    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def __init__(self, name: str, rule: str) -> None:
        self.name = name
        self.rule = rule

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding | Unit]:
        for node in nodes:
            if node.type != "function_definition":
                continue
            name = node.child_by_field_name("name")
            assert name is not None
            related = (Location(node.start_byte, node.start_byte + 3, "its def"),)
            yield ctx.report(self.rule, name, related=related)
            yield Unit("a function", node.start_byte, node.end_byte)


TEXT = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(6))


def analyzers() -> list[Any]:
    return [Defs("defs-a", "Q004"), Defs("defs-b", "Q002")]


def where(found: Sequence[Finding]) -> list[tuple[str, int, int, tuple[tuple[int, int], ...]]]:
    return [(f.rule_id, f.start, f.end, tuple((loc.start, loc.end) for loc in f.related)) for f in found]


def fresh(text: bytes) -> list[Finding]:
    return analyze(Context(Document("file:///fresh.py", text), catalogue()), analyzers())


def insert(analysis: DocumentAnalysis, at: int, text: bytes) -> None:
    analysis.note_edit(analysis.doc.splice(at, at, text))


def test_a_finished_keystroke_moves_no_whole_document_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    analysis = DocumentAnalysis(Context(Document("file:///t.py", TEXT), catalogue()), analyzers())
    analysis.run()
    moved: list[Finding] = []
    shifted = Finding.shifted

    def counting(self: Finding, at: int, delta: int) -> Finding:
        moved.append(self)
        return shifted(self, at, delta)

    monkeypatch.setattr(Finding, "shifted", counting)
    for _ in range(3):
        insert(analysis, 0, b"x = 1\n")  # above every finding: all of them move
        while not analysis.step(budget=3600.0):
            pass
    assert moved == []  # (12 per keystroke when each pass's end moved the others' findings)
    assert where(analysis.findings()) == where(fresh(analysis.doc.source))


def blank_line(analysis: DocumentAnalysis, n: int) -> int:
    """The start of the nth gap's second blank line: an edit there touches no finding."""
    at = -1
    for _ in range(n + 1):
        at = analysis.doc.source.index(b"\n\n\n", at + 1)
    return at + 2


@pytest.mark.parametrize("gap", [0, 3])
def test_mid_analysis_each_analyzer_s_findings_move_through_the_edits_since_its_pass(gap: int) -> None:
    analysis = DocumentAnalysis(Context(Document("file:///t.py", TEXT), catalogue()), analyzers())
    analysis.run()
    insert(analysis, blank_line(analysis, gap), b"y = 2\n")
    # step until the first pass is done on the new text and the second is under way
    while analysis._whole_at == 0:
        assert not analysis.step(budget=0.0)
    assert analysis.pending
    insert(analysis, blank_line(analysis, 1), b"zz = 3\n\n")  # defs-a ran before it, defs-b before both
    assert where(analysis.findings()) == where(fresh(analysis.doc.source))
    insert(analysis, blank_line(analysis, 4), b"")  # (no bytes: nothing moves)
    insert(analysis, blank_line(analysis, 2), b"\n")
    assert where(analysis.findings()) == where(fresh(analysis.doc.source))  # asked again
    while not analysis.step(budget=0.0):
        pass
    assert where(analysis.findings()) == where(fresh(analysis.doc.source))
