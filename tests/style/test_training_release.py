"""A training lets each file's syntax tree and scopes go as soon as the model has counted
them (reference counting, not the cyclic GC), parses the margins' sample again one file at
a time, and still learns the same model and margins; a compacted model is the same model."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from codie.analyzers.style import training
from codie.analyzers.style.model import FileFacts, WorkspaceModel, extract
from codie.analyzers.style.ngram import grams
from codie.analyzers.style.scopes import Scope
from codie.analyzers.style.training import build_model, learn_margins, refresh_model
from codie.core.pausing import Pause
from tests.style.test_model import indexes, snapshot
from tests.style.workspace import make_workspace

SOURCE = (
    b"class Cart:\n    def total(self, items):\n        total = 0\n"
    b"        for item in items:\n            total += item\n        return total\n"
)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Only reference counting frees anything meanwhile."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def scope_refs(facts: FileFacts) -> list[weakref.ref[Scope]]:
    assert facts.scopes is not None
    return [weakref.ref(scope) for scope in facts.scopes.scopes]


def test_release_frees_the_scope_tree_without_a_collection() -> None:
    with no_cyclic_gc():
        facts = extract(SOURCE)
        refs = scope_refs(facts)
        del facts
        assert all(ref() is not None for ref in refs)  # the cycles: only a collection frees them
        facts = extract(SOURCE)
        fresh = scope_refs(facts)
        facts.release()
        assert facts.scopes is None and facts.stream is None
        assert all(ref() is None for ref in fresh)
        names, stats = facts.names, facts.stats  # what the model keeps stays
        assert ("class", "Cart") in names and stats
    gc.collect()


def test_build_model_holds_one_files_facts_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "ws", copies=3).resolve()
    made: list[list[weakref.ref[Scope]]] = []
    alive_at_each_file: list[int] = []

    def tracked(source: bytes, *, tallies: bool = True, pause: Pause | None = None) -> FileFacts:
        facts = extract(source, tallies=tallies, pause=pause)
        made.append(scope_refs(facts))
        return facts

    def on_file(done: int, total: int) -> None:
        alive_at_each_file.append(sum(any(ref() is not None for ref in refs) for refs in made))

    monkeypatch.setattr(training, "extract", tracked)
    with no_cyclic_gc():
        model, _ = build_model(root, on_file=on_file)
        assert len(model.files) == len(alive_at_each_file) > 3
        assert max(alive_at_each_file) == 0  # the previous file's tree is gone when the next starts
        # every file counted, then the margins' sample parsed again; nothing left behind
        assert len(made) == 2 * len(model.files)
        assert all(ref() is None for refs in made for ref in refs)
    gc.collect()


def test_margins_from_bytes_equal_margins_from_facts(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=3).resolve()
    model, _ = build_model(root)
    sources = [(p.as_posix(), p.read_bytes()) for p in sorted(root.rglob("*.py"))]
    from_facts = learn_margins(model, [(key, extract(source)) for key, source in sources])
    assert learn_margins(model, sources) == from_facts == model.margins


def test_refresh_learns_margins_from_the_changed_files_bytes(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=4).resolve()
    db_path = tmp_path / "r.db"
    refresh_model(root, db_path)
    for path in sorted(root.rglob("*.py")):  # every file changed: the margins are learnt again
        path.write_bytes(path.read_bytes() + b"\nextra_value = 1\n")
    refreshed = refresh_model(root, db_path)
    fresh, _ = build_model(root)
    assert snapshot(refreshed) == snapshot(fresh)
    # what refresh_model learnt from the bytes: the same as from every changed file's facts
    assert refreshed.margins == learn_margins(refreshed, [(k, extract(s)) for k, s in _changed_order(root)])


def _changed_order(root: Path) -> list[tuple[str, bytes]]:
    """The files in the order refresh_model walks them (iter_files)."""
    from codie.core.config import load_pyproject
    from codie.core.project import iter_files

    settings = load_pyproject(root / "pyproject.toml")[0]
    return [(p.resolve().as_posix(), p.read_bytes()) for p in iter_files([root], settings, root)]


def test_exclusion_is_the_files_ngrams_negated() -> None:
    model = WorkspaceModel()
    model.add("a.py", extract(SOURCE))
    model.add("b.py", extract(b"def f(rows):\n    return [row for row in rows]\n"))
    excluded = model.exclusion("a.py")
    assert excluded is not None
    expected = {g: -c for g, c in grams(model.files["a.py"].ids, model.lm.order).items()}
    assert dict(excluded) == expected and list(excluded) == list(expected)
    assert model.exclusion("a.py") is excluded  # cached for the generation


def test_compact_keeps_the_same_model_and_it_goes_on_as_before(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=3).resolve()
    model, _ = build_model(root)
    key = sorted(model.files)[0]
    assert model.exclusion(key) is not None  # a cache: dropped, rebuilt on demand
    before = (indexes(model), model.margins, {p: (e.ids, e.names, e.stats) for p, e in model.files.items()})
    lock, generation = model.lock, model.generation
    types = [type(t) for t in (model.lm.counts, model.lm.followers, *model.lm.names_after.values())]
    model.compact()
    assert [type(t) for t in (model.lm.counts, model.lm.followers, *model.lm.names_after.values())] == types
    assert (indexes(model), model.margins, {p: (e.ids, e.names, e.stats) for p, e in model.files.items()}) == before
    assert model.lock is lock and model.generation == generation and not model._exclusions
    words = model.lm.vocab.ids
    canon = list(words.values())
    assert all(i is canon[i] for e in model.files.values() for i in e.ids)  # the vocabulary's ints
    # it learns and forgets as an uncompacted model does
    reference, _ = build_model(root)
    for m in (model, reference):
        m.add("new.py", extract(SOURCE))
        m.remove(key)
    assert indexes(model) == indexes(reference)
    assert model.exclusion("new.py") == reference.exclusion("new.py")
