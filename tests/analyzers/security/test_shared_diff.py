"""What a keystroke changed, told once: taint's module table and the import lines' moves
take the bytes two texts share from the document's edit journal (Document.kept_from)
instead of each comparing the last text with the new one, and whether the text names a
sink or a source is known again after an edit below the first it named. The findings stay
those of a fresh analysis (the random edits of test_incremental_taint.py go through this
path, and here with every analyzer on); the comparison and the scans are no longer made.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import pytest

from codie.analyzers import registered
from codie.analyzers.security import module, names, taint
from codie.core import textdiff
from codie.core.analyzer import Context
from codie.core.document import TEXTS, Document, Edit
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.rules import catalogue
from codie.core.textdiff import common_prefix
from tests.analyzers.security.helpers import from_scratch
from tests.analyzers.security.test_incremental_taint import FLOWS, URI, random_edit


def where(found: Sequence[Finding]) -> list[tuple[object, ...]]:
    return [(f.rule_id, f.start, f.end, f.message, f.fix.edits if f.fix else None) for f in found]


def fresh(src: bytes) -> list[Finding]:
    """A full analysis of a copy of the text elsewhere: no cache keyed by the text object or
    by the document's name (taint's, the import lines') can answer for it, and no
    process-wide memo is left from the incremental analysis."""
    with from_scratch():
        return analyze(Context(Document("file:///fresh/app.py", bytes(bytearray(src))), catalogue()), registered())


def test_a_keystroke_compares_no_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Document(URI, FLOWS)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())
    analysis.run()
    compared: list[int] = []

    def counting(a: bytes, b: bytes) -> int:
        compared.append(len(a))
        return common_prefix(a, b)

    monkeypatch.setattr(textdiff, "common_prefix", counting)
    names._last_key.clear()  # (another test's text: one comparison to know it is not this one)
    names._last_source.clear()
    analysis.run()
    for at in (FLOWS.index("def helper"), FLOWS.index("def outer"), 0):
        for new in (b"x_unused = eval(input())\n", b""):
            end = at if new else at + len(b"x_unused = eval(input())\n")
            analysis.note_edit(doc.splice(at, end, new))
            analysis.run()
    assert compared == []
    assert where(analysis.findings()) == where(fresh(doc.source))


# words and their twins of the same length: an edit that changes no statement's length or
# place, told apart from no edit only by which bytes changed
TWINS = [(b"system", b"systex"), (b"request", b"reqwest"), (b"eval", b"evil"), (b"call", b"cull")]


def twin_edit(doc: Document, rng: random.Random) -> None:
    word, twin = rng.choice(TWINS)
    if rng.random() < 0.5:
        word, twin = twin, word
    at = doc.source.find(word, rng.randrange(len(doc.source)))
    if at < 0:
        at = doc.source.find(word)
    if at >= 0:
        doc.splice(at, at + len(word), twin)
        doc.reparse()


def test_every_analyzer_after_random_edits_equals_a_full_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Document(URI, FLOWS)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())
    analysis.run()
    # random_edit splices and reparses the document itself: the engine hears of both
    splice, reparse = doc.splice, doc.reparse

    def noted(lo: int, hi: int, new: bytes) -> Edit:
        edit = splice(lo, hi, new)
        analysis.note_edit(edit)
        return edit

    def reparsed() -> list[tuple[int, int]]:
        changed = reparse()
        analysis.note_changed_ranges(changed)
        return changed

    monkeypatch.setattr(doc, "splice", noted)
    monkeypatch.setattr(doc, "reparse", reparsed)
    rng = random.Random(11)
    for step in range(60):
        if rng.random() < 0.4:
            twin_edit(doc, rng)
        else:
            random_edit(doc, rng)
        if rng.random() < 0.3:
            random_edit(doc, rng)  # two edits before the analysis: a text the document no longer knows
        found = analysis.run()
        assert where(found) == where(fresh(doc.source)), step


def test_kept_from_is_a_bound_of_what_two_texts_share() -> None:
    rng = random.Random(5)
    doc = Document(URI, FLOWS)
    texts = [doc.source]
    for _ in range(200):
        at = rng.randrange(len(doc.source) + 1)
        end = min(len(doc.source), at + rng.choice([0, 0, 1, 7, 40]))
        doc.splice(at, end, rng.choice([b"", b"x", b"    y = 1\n", b"\n", b"\xc3\xa9"]))
        texts.append(doc.source)
        assert doc.kept_from(doc.source) == (len(doc.source), 0)
        for back, old in enumerate(reversed(texts[:-1]), 1):
            kept = doc.kept_from(old)
            if back > TEXTS:
                assert kept is None  # not known any more
                break
            assert kept is not None
            prefix, suffix = kept
            new = doc.source
            assert prefix <= common_prefix(old, new)
            assert prefix + suffix <= min(len(old), len(new))
            assert old[len(old) - suffix :] == new[len(new) - suffix :]
    assert doc.kept_from(bytes(doc.source[:-1]) + b"!") is None  # a text it never had


class Counted:
    """A compiled pattern whose searches are counted."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern
        self.searches = 0

    def search(self, text: bytes) -> re.Match[bytes] | None:
        self.searches += 1
        return self.pattern.search(text)


def test_a_keystroke_below_the_first_sink_and_source_scans_for_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    sinks, sources = Counted(module.SINK_RE), Counted(module.SOURCE_RE)
    monkeypatch.setattr(taint, "SINK_RE", sinks)
    monkeypatch.setattr(module, "SOURCE_RE", sources)
    doc = Document(URI, FLOWS)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())
    analysis.run()
    assert (sinks.searches, sources.searches) == (1, 1)
    at = FLOWS.index("def outer")  # below the first sink (`subprocess`) and source (`request`)
    for new in (b"x_unused = eval(input())\n", b""):
        end = at if new else at + len(b"x_unused = eval(input())\n")
        analysis.note_edit(doc.splice(at, end, new))
        analysis.run()
    assert (sinks.searches, sources.searches) == (1, 1)
    # an edit above the first sink and source (line 2): both searched again; then one
    # above the first sink but below the first source (`requests`, line 3): the sink alone
    for word in (b"import subprocess", b"from flask import Flask, request"):
        at = doc.source.index(word)
        analysis.note_edit(doc.splice(at, at + len(word), b"pass"))
        analysis.run()
    assert (sinks.searches, sources.searches) == (3, 2)
    assert where(analysis.findings()) == where(fresh(doc.source))


def test_findings_follow_the_only_source_typed_and_deleted() -> None:
    text = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n\n\n" + "".join(f"X{i} = {i}\n" for i in range(20))
    doc = Document(URI, text)
    analysis = DocumentAnalysis(Context(doc, catalogue()), registered())
    analysis.run()
    source = b"run(input())\n"
    for _ in range(3):
        at = len(doc.source)
        analysis.note_edit(doc.splice(at, at, source))  # the file's only source, at its end
        assert where(analysis.run()) == where(fresh(doc.source))
        analysis.note_edit(doc.splice(at, at + len(source), b""))
        assert where(analysis.run()) == where(fresh(doc.source))
        at = 0  # and at its top
        analysis.note_edit(doc.splice(at, at, b"X = input()\n"))
        assert where(analysis.run()) == where(fresh(doc.source))
        analysis.note_edit(doc.splice(at, at + len(b"X = input()\n"), b""))
        assert where(analysis.run()) == where(fresh(doc.source))
