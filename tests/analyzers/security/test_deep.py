"""Hostile nesting cannot hide a vulnerability (issue 19): deep or long expressions are
either analysed fully or skipped statement by statement and reported (ANA001); a sink
elsewhere in the file is always reported, in the editor's engine and headless alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding, Severity
from codie.core.rules import catalogue

SINK = "eval(input())"
OTHER = "\n\ny = eval(input())\n"  # the sink two lines below the deep statement (line 2)


def nested_ifs(depth: int) -> str:
    lines = ["def g():"]
    lines += ["    " * (i + 1) + "if a:" for i in range(depth)]
    lines.append("    " * (depth + 1) + SINK)
    return "\n".join(lines) + "\n"


# shape -> (the deep statement, with a sink inside it; the line of that sink)
LONG = {  # long chains: walked iteratively, the sink inside is found
    "attribute x5000": ("x = " + SINK + ".b" * 5000, 0),
    "parentheses x1000": ("x = " + "(" * 1000 + SINK + ")" * 1000, 0),
    "plus x1000": ("x = eval(input() + " + " + ".join(["a"] * 1000) + ")", 0),
    "or x1000": ("x = eval(" + " or ".join(["a"] * 1000) + " or input())", 0),
}
DEEP = {  # nested: skipped where too deep, and reported as such
    "subscript x1000": ("x = a" + "[" * 1000 + SINK + "]" * 1000, 0),
    "call x1000": ("x = " + "f(" * 1000 + SINK + ")" * 1000, 0),
    "blocks x90": (nested_ifs(90).rstrip("\n"), 0),
}


def findings(text: str, editor: bool, tmp_path: Path) -> list[Finding]:
    doc = Document((tmp_path / "deep.py").as_uri(), text, version=1 if editor else None)
    ctx = Context(doc, catalogue(), root=tmp_path)
    if not editor:
        return analyze(ctx, registered())  # as `codie check` runs it
    analysis = DocumentAnalysis(ctx, registered())  # as the editor runs it: quarantine on
    found = analysis.run()
    assert analysis.disabled == {}
    return found


def by_line(found: list[Finding], text: str) -> set[tuple[int, str]]:
    data = text.encode()
    return {(data.count(b"\n", 0, f.start), f.rule_id) for f in found}


@pytest.mark.parametrize("editor", [True, False], ids=["editor", "headless"])
@pytest.mark.parametrize("shape", sorted(LONG))
def test_long_chains_are_analysed_fully(shape: str, editor: bool, tmp_path: Path) -> None:
    statement, _ = LONG[shape]
    text = statement + OTHER
    seen = by_line(findings(text, editor, tmp_path), text)
    assert (2, "SEC001") in seen  # the other sink
    assert (0, "SEC001") in seen  # and the one inside the long expression
    assert not any(rule == "ANA001" for _, rule in seen)


@pytest.mark.parametrize("editor", [True, False], ids=["editor", "headless"])
@pytest.mark.parametrize("shape", sorted(DEEP))
def test_too_deep_is_skipped_per_statement_and_reported(shape: str, editor: bool, tmp_path: Path) -> None:
    statement, _ = DEEP[shape]
    text = statement + OTHER
    found = findings(text, editor, tmp_path)
    other_line = text.count("\n") - 1
    seen = by_line(found, text)
    assert (other_line, "SEC001") in seen  # the sink elsewhere in the file is reported
    skipped = [f for f in found if f.rule_id == "ANA001"]
    assert len(skipped) == 1  # the statement that was not analysed, and only that one
    (ana,) = skipped
    assert ana.severity == Severity.INFO and ana.confidence < 0.7
    assert "Too deep to analyse" in ana.message and "would not be reported" in ana.message
    assert ana.start < len(statement.encode())  # on the deep statement itself


def test_a_deep_statement_in_a_function_skips_only_that_statement(tmp_path: Path) -> None:
    text = "def h(q):\n    x = " + "f(" * 1000 + "q" + ")" * 1000 + "\n    return eval(input())\n"
    seen = by_line(findings(text, True, tmp_path), text)
    assert {(1, "ANA001"), (2, "SEC001")} <= seen  # the next statement is still analysed


def test_a_skipped_statement_moves_with_edits_above_it(tmp_path: Path) -> None:
    """Cached module-level results follow their statement when text is inserted above."""
    deep = "x = " + "f(" * 1000 + "q" + ")" * 1000 + "\n"
    doc = Document((tmp_path / "m.py").as_uri(), deep + OTHER, version=1)
    analysis = DocumentAnalysis(Context(doc, catalogue(), root=tmp_path), registered())
    first = [f for f in analysis.run() if f.rule_id == "ANA001"]
    analysis.note_edit(doc.apply_change((0, 0), (0, 0), "import os\n"))
    analysis.note_changed_ranges(doc.reparse())
    moved = [f for f in analysis.run() if f.rule_id == "ANA001"]
    assert [f.start for f in moved] == [f.start + len("import os\n") for f in first]
