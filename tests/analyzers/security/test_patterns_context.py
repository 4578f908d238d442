"""security-patterns' file context: the imports that can change a finding, and nothing else.

Typing in an import line that no rule reads (`from typing import Optional`) must not make
the engine analyse every statement again; an import that does change a finding
(`import hashlib as hl`, `from numpy import random`) must update the findings everywhere.
After any sequence of such edits the findings, fixes included, equal a full analysis.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from tree_sitter import Node

from codie.analyzers import registered
from codie.analyzers.security.patterns import PatternAnalyzer
from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.rules import catalogue

HEADER = '"""Tokens."""\nimport os\n'
BODY = (
    "\n\n"
    "def digest(x):\n"
    "    return hl.md5(x).hexdigest()\n"
    "\n\n"
    "def roll():\n"
    "    return random.randint(1, 6)\n"
    "\n\n"
    "def fetch(url):\n"
    "    return rq.get(url, verify=False)\n"
    "\n\n"
    "def weak(data):\n"
    "    return md5(data)\n"
    "\n\n"
    "def serve_app(app):\n"
    '    start("localhost", 5000, app, use_debugger=True)\n'
)
# SEC021 whose fix adds `import secrets` after the imports: where they end is then part of
# the context (only in files that have such a call)
TOKEN = "\n\ndef token(alphabet):\n    secret_token = random.choice(alphabet)\n    return secret_token\n"
# imports no rule reads, and imports that change what the body's calls are
IRRELEVANT = [
    "from typing import Optional\n",
    "import json\n",
    "from collections import OrderedDict, defaultdict\n",
    "import os.path\n",
    "from dataclasses import dataclass\n",
    "import random\n",  # `random.x` is `random.x` with or without it
]
RELEVANT = [
    "import hashlib as hl\n",
    "from hashlib import md5\n",
    "from numpy import random\n",
    "import requests as rq\n",
    "import secrets\n",
    "from mylib import md5\n",
    "from werkzeug.serving import run_simple as start\n",  # renamed: `start(...)` is `run_simple(...)`
]


class CountingPatterns(PatternAnalyzer):
    """The real analyzer, counting the top-level statements it is asked to analyse."""

    def __init__(self) -> None:
        super().__init__()
        self.statements = 0

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        self.statements += len(nodes)
        yield from super().analyze(ctx, nodes)


def comparable(findings: Sequence[Finding]) -> list[tuple[object, ...]]:
    return sorted(
        (f.rule_id, f.start, f.end, f.message, f.evidence, None if f.fix is None else f.fix.edits) for f in findings
    )


def analyzers(patterns: PatternAnalyzer | None = None) -> list[Analyzer]:
    return [patterns or PatternAnalyzer() if a.name == "security-patterns" else a for a in registered()]


def full(doc: Document) -> list[tuple[object, ...]]:
    # a fresh document under another name: no cache of the incremental run can help it
    return comparable(analyze(Context(Document("file:///w/fresh.py", doc.source), catalogue()), analyzers()))


def settle(analysis: DocumentAnalysis, budget: float) -> list[Finding]:
    while not analysis.step(budget):
        pass
    return analysis.findings()


def context(doc: Document) -> object:
    return PatternAnalyzer().file_context(Context(doc, catalogue()))


def test_only_imports_that_can_change_a_finding_are_in_the_context() -> None:
    doc = Document("file:///w/a.py", HEADER + BODY)
    before = context(doc)
    for line in IRRELEVANT:
        other = Document("file:///w/a.py", HEADER + line + BODY)
        assert context(other) == before, line
    for line in RELEVANT:
        other = Document("file:///w/a.py", HEADER + line + BODY)
        assert context(other) != before, line
    # where the imports end matters once a fix would add one after them
    with_fix = context(Document("file:///w/a.py", HEADER + BODY + TOKEN))
    assert with_fix != context(Document("file:///w/a.py", HEADER + IRRELEVANT[0] + BODY + TOKEN))
    assert with_fix == context(Document("file:///w/a.py", HEADER + BODY + "\nX = 1\n" + TOKEN))


def test_typing_an_import_no_rule_reads_analyses_only_the_line_typed() -> None:
    patterns = CountingPatterns()
    doc = Document("file:///w/b.py", HEADER + BODY)
    analysis = DocumentAnalysis(Context(doc, catalogue()), analyzers(patterns))
    settle(analysis, 0.005)
    statements = len(doc.top_level())
    line = 2  # after the docstring and `import os`
    for text in ("from typing import Optional\n", "import json\n"):
        typed = ""
        patterns.statements = 0
        for char in text:
            before = context(doc)
            analysis.note_edit(doc.apply_change((line, len(typed)), (line, len(typed)), char))
            typed += char
            settle(analysis, 0.005)
            assert context(doc) == before, typed
        # the line typed, once per keystroke (and the statements a half-typed line made
        # parse otherwise: `from typing i` is an error that reaches past it), not the file
        assert patterns.statements <= 2 * len(text) + statements, (text, patterns.statements)
        line += 1
    assert comparable(analysis.findings()) == full(doc)
    assert statements > 4  # (a whole-file pass would have shown)
    # one that changes a finding elsewhere: every statement is analysed again
    patterns.statements = 0
    analysis.note_edit(doc.apply_change((line, 0), (line, 0), "import hashlib as hl\n"))
    after = settle(analysis, 0.005)
    assert patterns.statements >= len(doc.top_level()) - 1
    assert "SEC020" in {f.rule_id for f in after}
    assert comparable(after) == full(doc)


def test_a_fix_that_adds_an_import_points_after_the_imports_through_edits() -> None:
    """SEC021's fix adds `import secrets` after the file's imports: edits above the function
    (between the imports and it, or in the imports) keep it where a full analysis puts it."""
    doc = Document("file:///w/c.py", HEADER + "import random\n" + BODY + TOKEN)
    analysis = DocumentAnalysis(Context(doc, catalogue()), analyzers())
    found = settle(analysis, 0.005)
    [weak_random] = [f for f in found if f.rule_id == "SEC021" and f.fix is not None]  # (randint: no fix)
    assert weak_random.fix is not None
    assert [e.new_text for e in weak_random.fix.edits][1:] == ["\nimport secrets"]
    assert comparable(found) == full(doc)
    for row, text in ((4, "X = 1\n"), (3, "import json\n"), (0, "# header\n"), (5, "\n\n"), (3, "")):
        end = (row + 1, 0) if not text else (row, 0)
        analysis.note_edit(doc.apply_change((row, 0), end, text))
        assert comparable(settle(analysis, 0.005)) == full(doc), doc.source.decode()


def test_random_import_edits_equal_a_full_analysis() -> None:
    """Import lines (read by a rule or not) typed whole or a character at a time, deleted,
    and lines added above the functions, with the engine stepped as slowly as it can be
    (edits land mid-refresh): after each burst the findings, fixes included, equal a full
    analysis."""
    rng = random.Random(15)
    doc = Document("file:///w/d.py", HEADER + BODY + TOKEN + BODY)
    analysis = DocumentAnalysis(Context(doc, catalogue()), analyzers())
    settle(analysis, 0.005)
    lines = IRRELEVANT + RELEVANT
    header_rows = 2
    for step in range(60):
        kind = rng.random()
        if kind < 0.35:  # a whole import line
            analysis.note_edit(doc.apply_change((header_rows, 0), (header_rows, 0), rng.choice(lines)))
            header_rows += 1
        elif kind < 0.6 and header_rows > 2:  # an import line deleted
            row = rng.randrange(1, header_rows)
            analysis.note_edit(doc.apply_change((row, 0), (row + 1, 0), ""))
            header_rows -= 1
        elif kind < 0.85:  # an import typed a character at a time
            text = rng.choice(lines)
            for column, char in enumerate(text):
                analysis.note_edit(doc.apply_change((header_rows, column), (header_rows, column), char))
                for _ in range(rng.randrange(2)):
                    analysis.step(0.0)
            header_rows += 1
        else:  # a line between the imports and the functions
            analysis.note_edit(doc.apply_change((header_rows, 0), (header_rows, 0), "X = 1\n"))
        for _ in range(rng.randrange(4)):
            analysis.step(0.0)  # part of the work, then the next edit
        if step % 5 == 4:
            assert comparable(settle(analysis, 0.0)) == full(doc), doc.source.decode()
    assert comparable(settle(analysis, 0.0)) == full(doc)
