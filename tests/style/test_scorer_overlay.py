"""A document the model has seen in another version is scored with the difference between
the two only (Scorer.doc_grams): the n-grams that cancel out are left out of the overlay,
and every ranking is the one the full table (zeros kept) gives. A scorer is freed when
dropped, not left to the cyclic GC."""

from __future__ import annotations

import gc
import weakref

from codie.analyzers.style.model import KIND_GROUP, extract
from codie.analyzers.style.naming import DOC_WEIGHT, Scorer
from codie.analyzers.style.ngram import grams
from tests.style.test_scoring_fast_path import STDLIB, trained


def test_an_edited_document_overlays_only_what_changed() -> None:
    model = trained()
    path = STDLIB / "json/decoder.py"
    saved = path.read_bytes()
    edited = saved.replace(b"    s = ", b"    x_unused = eval(input())\n    s = ", 1).replace(b"nextchar", b"next_char")
    assert edited != saved
    facts = extract(edited)
    assert facts.scopes is not None and facts.stream is not None
    scorer = Scorer(model, facts.stream, path.as_posix())
    full = {g: c * DOC_WEIGHT for g, c in grams(scorer.ids, model.lm.order).items()}
    excluded = model.exclusion(path.as_posix())
    assert excluded is not None
    for gram, c in excluded.items():
        full[gram] = full.get(gram, 0.0) + c
    assert scorer.doc_grams == {g: c for g, c in full.items() if c}
    assert 0 < len(scorer.doc_grams) < len(full) // 10  # most of the file cancels out
    reference = Scorer(model, facts.stream, path.as_posix())
    reference.doc_grams = full
    bindings = [b for b in facts.scopes.bindings() if b.kind in KIND_GROUP]
    for gate in (False, True):
        ranked = [scorer.rank(b, facts.scopes, gate=gate) for b in bindings]
        assert ranked == [reference.rank(b, facts.scopes, gate=gate) for b in bindings]
        assert any(r is not None and r.names for r in ranked)


def test_a_scorer_is_freed_when_dropped_without_a_collection() -> None:
    model = trained()
    path = STDLIB / "shlex.py"
    facts = extract(path.read_bytes())
    assert facts.scopes is not None and facts.stream is not None
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        scorer = Scorer(model, facts.stream, path.as_posix())
        ranked = [scorer.rank(b, facts.scopes, gate=True) for b in facts.scopes.bindings() if b.kind in KIND_GROUP]
        assert any(r is not None for r in ranked) and scorer._sifts  # the candidate lists were sifted
        ref = weakref.ref(scorer)
        del scorer
        assert ref() is None  # no cycle through its sifts: freed by reference counting
    finally:
        if was:
            gc.enable()
