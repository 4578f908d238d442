"""The editor's engine on the benchmark's real files: the 6,862-line stdlib file of
../shared/bench/lspbench.py --stdlib-file large (this Python's inspect.py + typing.py) and
that file repeated to 50,000 lines.

Every analyzer runs as the editor runs it (its CPU time budgets on): nothing may be
quarantined or over budget (ANA002), and after typing-like edits the incremental findings must equal a fresh full
analysis of the same text. No wall-clock assertion: speed is bench/editor_bench.py's job;
a generous safety timeout only keeps a hang from stalling the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bigfiles import stdlib_large, stdlib_repeated
from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.rules import catalogue

SAFETY_TIMEOUT = 900.0  # seconds: a hang fails the test instead of the suite; not a budget


def comparable(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return [(f.rule_id, f.start, f.end, f.message, f.fix.edits if f.fix else None) for f in findings]


def in_thread(fn: Callable[[], Any]) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(timeout=SAFETY_TIMEOUT)


def top_level_lines(text: str) -> list[int]:
    """Lines where a top-level statement starts (where lspbench inserts and deletes)."""
    return [
        i
        for i, line in enumerate(text.split("\n"))
        if line and not line[0].isspace() and not line.startswith(("#", ")", "]", "}"))
    ]


def body_lines(text: str) -> list[tuple[int, str]]:
    """(line, indentation) of statements inside functions: where typing usually happens."""
    out = []
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):
        stripped = line.lstrip()
        if stripped.startswith("def ") and line.rstrip().endswith(":"):
            nxt = lines[i + 1]
            indent = nxt[: len(nxt) - len(nxt.lstrip())]
            if indent and nxt.strip() and not nxt.strip().startswith(('"', "'")):
                out.append((i + 1, indent))
    return out


def edits(text: str, count: int) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    """Typing-like edits spread through the file: a tainted line inserted and deleted at top
    level, a line inserted into a function body, a character typed into a name, and an
    unbalanced `(` that breaks the parse of everything after it (then removed)."""
    tops = top_level_lines(text)
    bodies = body_lines(text)
    out: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    for k in range(count):
        line = tops[(k * 7919) % len(tops)]
        kind = k % 4
        if kind == 0:
            out.append(((line, 0), (line, 0), f"x_unused_{k} = eval(input())\n"))
            out.append(((line, 0), (line + 1, 0), ""))
        elif kind == 1:
            at, indent = bodies[(k * 104729) % len(bodies)]
            out.append(((at, 0), (at, 0), f"{indent}os.system(input())  # typed {k}\n"))
        elif kind == 2:
            out.append(((line, 1), (line, 1), "z"))
        else:
            out.append(((line, 0), (line, 0), "("))
            out.append(((line, 0), (line, 1), ""))
    return out


def check(text: str, name: str, count: int) -> None:
    cat = catalogue()
    analyzers = registered()
    doc = Document(f"file:///large/{name}.py", text)
    # the editor's engine: default time limits, so a slow analyzer would be quarantined
    analysis = DocumentAnalysis(Context(doc, cat), analyzers)
    first = analysis.run()
    assert analysis.disabled == {}, analysis.disabled
    assert analysis.failures.errors == {}
    # nor is any function over an analyzer's budget (ANA002: degraded per function)
    assert analysis.over_budget == {}, analysis.over_budget
    assert not [f.message for f in first if f.rule_id == "ANA002"]
    for step, (start, end, new) in enumerate(edits(text, count)):
        analysis.note_edit(doc.apply_change(start, end, new))
        analysis.note_changed_ranges(doc.reparse())
        incremental = analysis.run()
        assert analysis.disabled == {}, (step, analysis.disabled)
        assert analysis.over_budget == {}, (step, analysis.over_budget)
        # a fresh document under another name: no cache of the incremental run can help it
        full = analyze(Context(Document(f"file:///large/{name}_full.py", doc.source), cat), analyzers)
        assert comparable(incremental) == comparable(full), step
    assert analysis.failures.errors == {}


def test_stdlib_file_nothing_quarantined_and_incremental_equals_full() -> None:
    text = stdlib_large()
    assert text.count("\n") > 6_000
    in_thread(lambda: check(text, "stdlib", 8))


def test_50000_line_file_nothing_quarantined_and_incremental_equals_full() -> None:
    text = stdlib_repeated(50_000)
    assert text.count("\n") == 50_000
    in_thread(lambda: check(text, "stdlib50k", 2))
