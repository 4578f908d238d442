"""An incremental analyzer's findings that depend on a fact of the file (its imports) follow
an edit of that fact everywhere, not only in the statements the edit touched.

`from hashlib import md5 as h` makes `h(x)` in a function far below a weak hash: adding the
import must add that finding, removing it must take it away, in the editor's stepped
engine as in a full analysis (Analyzer.file_context, core/engine.py).
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node

from codie.analyzers import registered
from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.rules import catalogue

BODY = (
    "import os\n"
    "\n"
    "\n"
    "def digest(x):\n"
    "    return h(x).hexdigest()\n"
    "\n"
    "\n"
    "def run(cmd):\n"
    "    sp.call(cmd, shell=True)\n"
    "    return rq.get('http://example.org', verify=False)\n"
)
IMPORTS = "from hashlib import md5 as h\nimport subprocess as sp\nimport requests as rq\n"


def rules(findings: Sequence[Finding]) -> list[tuple[str, int, int]]:
    return sorted((f.rule_id, f.start, f.end) for f in findings)


def full(doc: Document) -> list[tuple[str, int, int]]:
    # a fresh document under another name: no cache of the incremental run can help it
    return rules(analyze(Context(Document("file:///w/fresh.py", doc.source), catalogue()), registered()))


def settle(analysis: DocumentAnalysis, budget: float) -> list[Finding]:
    while not analysis.step(budget):
        pass
    return analysis.findings()


def test_adding_and_removing_an_import_updates_findings_in_untouched_statements() -> None:
    doc = Document("file:///w/a.py", BODY)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())
    before = {f.rule_id for f in settle(analysis, 0.005)}
    assert "SEC020" not in before  # `h` is nothing yet

    analysis.note_edit(doc.apply_change((0, 0), (0, 0), IMPORTS))
    after = settle(analysis, 0.005)
    assert {"SEC020", "SEC029"} <= {f.rule_id for f in after}
    assert rules(after) == full(doc)

    analysis.note_edit(doc.apply_change((0, 0), (3, 0), ""))
    again = settle(analysis, 0.005)
    assert "SEC020" not in {f.rule_id for f in again}
    assert rules(again) == full(doc)


def test_random_edits_with_zero_budget_steps_equal_a_full_analysis() -> None:
    """Import lines typed and deleted while the engine is stepped as slowly as it can be
    (one statement per step, edits landing mid-refresh): the findings equal a full run."""
    rng = random.Random(15)
    doc = Document("file:///w/b.py", BODY * 3)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())
    settle(analysis, 0.005)
    lines = IMPORTS.splitlines(keepends=True)
    for _ in range(40):
        text = doc.source.decode()
        present = [i for i, line in enumerate(text.splitlines(keepends=True)) if line in lines]
        if present and rng.random() < 0.5:
            row = rng.choice(present)
            analysis.note_edit(doc.apply_change((row, 0), (row + 1, 0), ""))
        else:
            analysis.note_edit(doc.apply_change((0, 0), (0, 0), rng.choice(lines)))
        for _ in range(rng.randrange(4)):
            analysis.step(0.0)  # part of the work, then the next edit
    assert rules(settle(analysis, 0.0)) == full(doc)


class Marks:
    """Incremental: one finding per call, its file context is a counter the test turns."""

    name: ClassVar[str] = "marks"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.context = 0
        self.calls = 0

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        for node in nodes:
            self.calls += 1
            yield ctx.report(self.rule, node.start_byte, node.start_byte + 1, f"{self.rule} under {self.context}")


class ContextMarks(Marks):
    name: ClassVar[str] = "context-marks"

    def file_context(self, ctx: Context) -> Hashable:
        return self.context


def test_only_the_analyzer_whose_context_changed_runs_again() -> None:
    plain, contextual = Marks("Q001"), ContextMarks("Q004")
    analyzers: list[Analyzer] = [plain, contextual]
    doc = Document("file:///w/c.py", "a = 1\nb = 2\nc = 3\n")
    analysis = DocumentAnalysis(Context(doc, catalogue()), analyzers)
    settle(analysis, 0.005)
    assert (plain.calls, contextual.calls) == (3, 3)

    contextual.context = 1
    found = settle(analysis, 0.005)
    assert (plain.calls, contextual.calls) == (3, 6)
    assert sorted(f.message for f in found) == ["Q001 under 0"] * 3 + ["Q004 under 1"] * 3

    settle(analysis, 0.005)  # unchanged: nothing runs again
    assert (plain.calls, contextual.calls) == (3, 6)


DEFAULTS = (
    "def load(path, cache={}):\n"
    "    cache[path] = 1\n"
    "    return cache\n"
    "\n\n"
    "class Box:\n"
    "    def put(self, item, seen=[]):\n"
    "        seen.append(item)\n"
    "        return seen\n"
)
HEADERS = [
    "# Generated by the protocol buffer compiler.  DO NOT EDIT!\n",
    "# ruff: noqa\n",
    "# a comment that says nothing of the kind\n",
    '"""Docstring."""\n',
]


def comparable(findings: Sequence[Finding]) -> list[tuple[object, ...]]:
    return sorted((f.rule_id, f.start, f.end, f.message, f.evidence, tuple(f.evidence_notes)) for f in findings)


def test_a_generated_header_weighs_on_every_mutable_default_as_in_a_full_analysis() -> None:
    """quality-defaults (Q002) runs per statement; the file's header is its file context: a
    header typed, changed or removed updates the mutable defaults below it."""
    rng = random.Random(7)
    doc = Document("file:///w/d.py", DEFAULTS)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())
    found = settle(analysis, 0.005)
    plain = {f.evidence for f in found if f.rule_id == "Q002"}
    assert len([f for f in found if f.rule_id == "Q002"]) == 2
    analysis.note_edit(doc.apply_change((0, 0), (0, 0), HEADERS[0]))
    found = settle(analysis, 0.005)
    assert {f.evidence for f in found if f.rule_id == "Q002"} != plain  # the header weighs on both
    assert comparable(found) == comparable(
        analyze(Context(Document("file:///w/fresh.py", doc.source), catalogue()), registered())
    )
    for _ in range(20):
        if rng.random() < 0.5 and doc.source.startswith((b"#", b'"')):
            analysis.note_edit(doc.apply_change((0, 0), (1, 0), ""))
        else:
            analysis.note_edit(doc.apply_change((0, 0), (0, 0), rng.choice(HEADERS)))
        for _ in range(rng.randrange(3)):
            analysis.step(0.0)
        found = settle(analysis, 0.0)
        assert comparable(found) == comparable(
            analyze(Context(Document("file:///w/fresh.py", doc.source), catalogue()), registered())
        ), doc.source.decode()
