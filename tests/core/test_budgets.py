"""Budgets degrade one function, never the file, and never silently (issue 19).

An analyzer over its budget on one unit (a top-level statement; a function that a
whole-document analyzer marks) gets one ANA002 there, naming the analyzer and the unit, and
keeps its findings everywhere else; only a crash turns it off for the file (CFG010). A deep
expression in one function cannot hide `eval(input())` in another, in the editor's stepped
engine and in `codie check`. CPU-time budgets are tested with analyzers that burn CPU of
their own thread well past a small limit (never a wall-clock assertion).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest
from tree_sitter import Node

from codie.analyzers import registered
from codie.cli.main import main
from codie.core.analyzer import Analyzer, Context, OverBudget, Unit
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.pipeline import Inputs, analyse_file
from codie.core.rules import catalogue

LIMIT = 0.05  # CPU seconds per unit in these tests (the editor's default is 2 s)


def burn(seconds: float) -> None:
    """Use `seconds` of this thread's CPU (deterministic over the limit: not wall clock)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def text_of(ctx: Context, node: Node) -> bytes:
    return ctx.doc.source[node.start_byte : node.end_byte]


class SlowStatements:
    """Incremental: a marker per statement; burns CPU on `slow_*`, gives up on `huge_*`."""

    name: ClassVar[str] = "slow-statements"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def __init__(self) -> None:
        self.burnt = 0  # slow statements analysed

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        for node in nodes:
            body = text_of(ctx, node)
            if b"def slow_" in body:
                self.burnt += 1
                burn(2 * LIMIT)
            if b"def huge_" in body:
                raise OverBudget("it counted more than 10 steps")
            yield ctx.report("Q004", node.start_byte, node.start_byte + 1, "statement marker")


def functions(nodes: Sequence[Node]) -> Iterator[Node]:
    for node in nodes:
        inner = node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        if inner is not None and inner.type == "function_definition":
            yield node


class SlowFunctions:
    """Whole-document: a marker per function and a Unit mark after each; burns CPU on
    `slow_*`, skips `huge_*` (its own counted budget). Records its progress."""

    name: ClassVar[str] = "slow-functions"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def __init__(self) -> None:
        self.done = 0  # units finished in the current pass

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding | Unit]:
        self.done = 0
        for node in functions(nodes):
            body = text_of(ctx, node)
            name = body.split(b"def ", 1)[1].split(b"(", 1)[0].decode()
            if b"def slow_" in body:
                burn(2 * LIMIT)
            yield ctx.report("Q004", node.start_byte + 1, node.start_byte + 2, "function marker")
            self.done += 1
            skipped = "it counted more than 10 steps" if name.startswith("huge_") else ""
            yield Unit(f"function `{name}`", node.start_byte, node.end_byte, skipped)


class Crashing:
    name: ClassVar[str] = "crashing"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding | Unit]:
        for node in functions(nodes):
            yield Unit("a function", node.start_byte, node.end_byte)
        raise RuntimeError("boom")


SOURCE = """\
def fast_a():
    return 1


def slow_b():
    return 2


def huge_c():
    return 3


x = 4


def fast_d():
    return 5
"""


def line_of(text: bytes, offset: int) -> int:
    return text.count(b"\n", 0, offset) + 1


def summary(analysis: DocumentAnalysis, found: list[Finding]) -> set[tuple[str, int, str]]:
    src = analysis.doc.source
    return {
        (f.rule_id, line_of(src, f.start), f.data.get("analyzer", "") if f.rule_id == "ANA002" else "") for f in found
    }


def editor(text: str, analyzers: Sequence[Analyzer], limit: float = LIMIT) -> DocumentAnalysis:
    return DocumentAnalysis(Context(Document("file:///t.py", text), catalogue()), analyzers, time_limit=limit)


def test_an_incremental_analyzer_over_budget_on_one_statement_is_reported_there_only() -> None:
    analysis = editor(SOURCE, [SlowStatements()])
    found = analysis.run()
    assert analysis.disabled == {}
    assert summary(analysis, found) == {
        ("Q004", 1, ""),
        ("ANA002", 5, "slow-statements"),
        ("ANA002", 9, "slow-statements"),
        ("Q004", 13, ""),
        ("Q004", 16, ""),
    }
    by_line = {line_of(analysis.doc.source, f.start): f for f in found if f.rule_id == "ANA002"}
    assert "`slow-statements`" in by_line[5].message and "function `slow_b`" in by_line[5].message
    assert "CPU" in by_line[5].message
    assert "counted more than 10 steps" in by_line[9].message and "function `huge_c`" in by_line[9].message
    assert by_line[5].severity.value == "info"


def test_the_cpu_clock_is_not_read_per_statement_and_analyzer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU clock is a system call: the statements' budgets read the wall clock per
    analyzer and the CPU clock only every few ms of it (and after a call past the limit on
    the wall clock, as above), not once per statement and analyzer."""
    reads = 0
    clock = time.thread_time

    def counting() -> float:
        nonlocal reads
        reads += 1
        return clock()

    text = "".join(f"x{i} = {i}\n" for i in range(400))
    analysis = editor(text, [SlowStatements(), SlowStatements()], limit=2.0)
    monkeypatch.setattr(time, "thread_time", counting)
    found = analysis.run()
    assert len(found) == 800 and {f.rule_id for f in found} == {"Q004"}
    assert reads < 400  # fewer than one per statement; 400 statements x 2 analyzers read it 1,200 times


def test_a_whole_document_analyzer_over_budget_on_one_function_is_reported_there_only() -> None:
    analysis = editor(SOURCE, [SlowFunctions()])
    found = analysis.run()
    assert analysis.disabled == {}
    assert summary(analysis, found) == {
        ("Q004", 1, ""),
        ("ANA002", 5, "slow-functions"),
        ("ANA002", 9, "slow-functions"),
        ("Q004", 16, ""),
    }


def test_the_verdict_sticks_to_the_unit_text_and_is_not_paid_again() -> None:
    slow = SlowStatements()
    analysis = editor(SOURCE, [slow])
    analysis.run()
    # an edit elsewhere: the slow statement is not re-run (its verdict is remembered), and
    # a settings change (invalidate) re-runs everything but keeps the verdict
    assert slow.burnt == 1
    analysis.invalidate()
    again = analysis.run()
    assert slow.burnt == 1
    assert ("ANA002", 5, "slow-statements") in summary(analysis, again)
    # once the function's text changes it is analysed again (and is fast now)
    at = SOURCE.index("def slow_b") + len("def ")
    analysis.note_edit(analysis.doc.splice(at, at + len("slow"), b"quick"))
    found = analysis.run()
    assert ("Q004", 5, "") in summary(analysis, found)
    assert not any(f.rule_id == "ANA002" and line_of(analysis.doc.source, f.start) == 5 for f in found)


def test_headless_counted_budgets_degrade_the_same_units(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(SOURCE)
    inputs = Inputs([SlowStatements(), SlowFunctions()], catalogue(), Settings())  # no time limit
    outcome = analyse_file(path, inputs)
    assert outcome.disabled == {}
    (part,) = outcome.parts
    got = {(f.rule_id, line_of(part.doc.source, f.start)) for f in part.shown.visible}
    # huge_c gave up by its own count (both analyzers); slow_b is only slow: no limit here
    assert ("ANA002", 9) in got and ("ANA002", 5) not in got
    assert {("Q004", 1), ("Q004", 5), ("Q004", 13), ("Q004", 16)} <= got


def test_a_whole_document_pass_pauses_between_units() -> None:
    """With no time left in a step, the pass stops after each unit: the event loop runs."""
    text = "".join(f"def fast_{i}():\n    return {i}\n\n\n" for i in range(20))
    slow = SlowFunctions()
    analysis = editor(text, [slow])
    seen: list[int] = []
    while not analysis.step(budget=0.0):
        seen.append(slow.done)
    assert max(b - a for a, b in pairwise(seen)) <= 1  # one unit per step
    assert max(seen) >= 19
    assert len([f for f in analysis.findings() if f.rule_id == "Q004"]) == 20


def test_a_crash_still_disables_the_analyzer_for_the_file_and_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(SOURCE)
    outcome = analyse_file(path, Inputs([Crashing(), SlowStatements()], catalogue(), Settings()))
    assert set(outcome.disabled) == {"crashing"}
    (part,) = outcome.parts
    rules = [f.rule_id for f in part.shown.visible]
    assert "CFG010" in rules and "Q004" in rules


def test_incremental_equals_full_after_edits_with_over_budget_analyzers() -> None:
    rng = random.Random(19)
    analyzers: list[Analyzer] = [SlowStatements(), SlowFunctions()]
    live = editor(SOURCE, analyzers)
    live.run()
    snippets = ["\n", "slow_", "huge_", " ", "def g():\n    pass\n", "(", "z = 3\n", "def f():\n    return 0\n"]
    for _ in range(30):
        doc = live.doc
        at = rng.randrange(len(doc.source) + 1)
        edit = doc.splice(at, min(len(doc.source), at + rng.randrange(3)), rng.choice(snippets).encode())
        live.note_edit(edit)
        while not live.step(budget=0.0):  # as the editor steps it, interleaved
            pass
        incremental = live.findings()
        fresh = editor(doc.source.decode(), [SlowStatements(), SlowFunctions()]).run()
        assert summary(live, incremental) == summary(live, fresh)
        assert [(f.rule_id, f.start, f.end, f.message) for f in incremental] == [
            (f.rule_id, f.start, f.end, f.message) for f in fresh
        ]
        assert live.disabled == {}


# a deep expression in one function does not hide a sink in another ---------------------
DEEP = {
    "attribute x5000": "x = a" + ".b" * 5000,
    "parentheses x1000": "x = " + "(" * 1000 + "1" + ")" * 1000,
    "calls x1000": "x = " + "f(" * 1000 + ")" * 1000,
    "subscripts x1000": "x = a" + "[" * 1000 + "0" + "]" * 1000,
}


def deep_file(statement: str) -> str:
    return f"def deep():\n    {statement}\n    return x\n\n\ndef handler():\n    eval(input())\n"


SINK_LINE = 7


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_a_deep_expression_does_not_hide_a_sink_in_the_editor(shape: str) -> None:
    text = deep_file(DEEP[shape])
    doc = Document("file:///deep.py", text, version=1)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())  # the editor's limits
    while not analysis.step(budget=0.004):  # the scheduler's steps (lsp/scheduling.py)
        pass
    found = analysis.findings()
    assert analysis.disabled == {}
    assert any(f.rule_id == "SEC001" and line_of(doc.source, f.start) == SINK_LINE for f in found)


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_a_deep_expression_does_not_hide_a_sink_in_codie_check(
    shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "deep.py").write_text(deep_file(DEEP[shape]))
    main(["check", str(tmp_path), "--format", "json", "-j", "1", "--fail-on", "never", "--no-cache"])
    report = json.loads(capsys.readouterr().out)
    rules = {(f["rule"], f["start"]["line"]) for f in report["findings"]}
    assert ("SEC001", SINK_LINE) in rules
    assert not any(f["rule"] == "CFG010" for f in report["findings"])


def test_deep_expressions_and_headless_agree() -> None:
    for statement in DEEP.values():
        text = deep_file(statement)
        doc = Document("file:///deep.py", text)
        full = analyze(Context(doc, catalogue()), registered())
        assert any(f.rule_id == "SEC001" and line_of(doc.source, f.start) == SINK_LINE for f in full)


# the taint pass in the editor: paused between functions, and an edit mid-pass loses nothing
def handlers(count: int) -> str:
    head = "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    return head + "".join(
        f"@app.route('/r{i}')\ndef handler_{i}():\n    cmd = request.args['c{i}']\n    os.system(cmd)\n\n\n"
        for i in range(count)
    )


def test_the_taint_pass_yields_between_functions() -> None:
    from codie.analyzers.security.taint import TaintAnalyzer

    text = handlers(30)
    analysis = editor(text, [TaintAnalyzer()], limit=2.0)
    statements = len(analysis.doc.top_level())
    pauses = 0
    while not analysis.step(budget=0.0):
        pauses += 1
    # one pause per statement (incremental part) and at least one per function after it
    assert pauses >= statements + 30
    found = [f for f in analysis.findings() if f.rule_id.startswith("SEC")]
    assert len({line_of(analysis.doc.source, f.start) for f in found}) >= 30


def test_edits_that_land_while_a_whole_pass_is_paused_lose_nothing() -> None:
    rng = random.Random(1919)
    text = handlers(25)
    live = DocumentAnalysis(Context(Document("file:///h.py", text, version=1), catalogue()), registered())
    snippets = ["\n", "x", "    os.system(input())\n", "(", "eval(request.args['q'])\n", " "]
    for _ in range(25):
        for _ in range(rng.randrange(1, 40)):  # part of the way through, as under typing
            if live.step(budget=0.0):
                break
        doc = live.doc
        at = rng.randrange(len(doc.source) + 1)
        live.note_edit(doc.splice(at, min(len(doc.source), at + rng.randrange(3)), rng.choice(snippets).encode()))
    while not live.step(budget=0.0):
        pass
    fresh = analyze(Context(Document("file:///h_full.py", live.doc.source), catalogue()), registered())
    assert live.disabled == {}
    assert [(f.rule_id, f.start, f.end, f.message) for f in live.findings()] == [
        (f.rule_id, f.start, f.end, f.message) for f in fresh
    ]
