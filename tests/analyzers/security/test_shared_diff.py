"""What a keystroke changed, told once: taint's module table and the import lines' moves
take the bytes two texts share from the document's edit journal (Document.kept_from)
instead of each comparing the last text with the new one. The findings stay those of a
fresh analysis (the random edits of test_incremental_taint.py go through this path, and
here with every analyzer on); the comparison is no longer made on a keystroke.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from codie.analyzers import registered
from codie.analyzers.security import names
from codie.core import textdiff
from codie.core.analyzer import Context
from codie.core.document import TEXTS, Document, Edit
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.rules import catalogue
from codie.core.textdiff import common_prefix
from tests.analyzers.security.test_incremental_taint import FLOWS, URI, random_edit


def where(found: Sequence[Finding]) -> list[tuple[object, ...]]:
    return [(f.rule_id, f.start, f.end, f.message, f.fix.edits if f.fix else None) for f in found]


def fresh(src: bytes) -> list[Finding]:
    """A full analysis of a copy of the text elsewhere: no cache keyed by the text object or
    by the document's name (taint's, the import lines') can answer for it."""
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
            random_edit(doc, rng)  # two edits before the analysis: an older text, still known
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
