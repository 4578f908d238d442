"""The document reparses lazily: edits of several notifications pile up on the old tree
and the next reader (the engine, a feature reading `doc.tree`, a snapshot) reparses once.
Random bursts, with the tree sometimes read in the middle of one: the tree must equal a
fresh parse and the incremental findings a full analysis, after every burst."""

import random

import pytest

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document, parse
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.rules import catalogue
from tests.core.reference import apply
from tests.core.test_incremental import SEED_TEXT, comparable, random_edit


@pytest.mark.parametrize("seed", [11, 12])
def test_bursts_reparse_once_and_incremental_equals_full(seed: int) -> None:
    rng = random.Random(seed)
    cat = catalogue()
    analyzers = registered()
    text = SEED_TEXT
    doc = Document("file:///w/lazy.py", text)
    analysis = DocumentAnalysis(Context(doc, cat), analyzers)
    analysis.run()
    for step in range(150):
        for _ in range(rng.choice([1, 2, 3, 5, 8])):  # notifications in one burst
            start, end, new = random_edit(rng, text)
            text = apply(text, start, end, new, "utf-16")
            analysis.note_edit(doc.apply_change(start, end, new))
            if rng.random() < 0.2:  # a feature reads the tree mid-burst: it is current
                assert doc.tree is not None
                assert str(doc.tree.root_node) == str(parse(doc.source).root_node), step
            if rng.random() < 0.1:
                snap = doc.snapshot()
                assert snap.tree is not None and snap.source == doc.source
        incremental = analysis.run()  # the engine takes the changed ranges itself
        assert doc.text == text, step
        assert doc.tree is not None
        assert str(doc.tree.root_node) == str(parse(doc.source).root_node), step
        full = analyze(Context(Document("file:///w/lazy.py", text), cat), analyzers)
        assert comparable(incremental) == comparable(full), step


def test_edits_wait_for_one_reparse() -> None:
    doc = Document("file:///w/lazy.py", "def f():\n    return 1\n")
    before = doc.tree
    doc.apply_change((1, 11), (1, 12), "(")
    doc.apply_change((1, 12), (1, 12), "2)")
    assert doc.source == b"def f():\n    return (2)\n"
    assert doc._stale  # nothing reparsed yet
    changed = doc.reparse()
    assert not doc._stale and doc.tree is not before
    assert str(doc.tree.root_node) == str(parse(doc.source).root_node)
    assert doc.reparse() == []  # taken once
    assert all(0 <= a <= b <= len(doc.source) for a, b in changed)
