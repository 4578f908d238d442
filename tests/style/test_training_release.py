"""A training lets each file's syntax tree and scopes go before the model counts them
(reference counting, not the cyclic GC), parses the margins' sample again one file at a
time, holds one scope's visible names at a time while it ranks, and still learns the same
model and margins; a compacted model is the same model."""

from __future__ import annotations

import gc
import sys
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from codie.analyzers.style import conventions, scopes, training
from codie.analyzers.style import model as model_module
from codie.analyzers.style.conventions import Observation
from codie.analyzers.style.model import FileFacts, WorkspaceModel, extract
from codie.analyzers.style.ngram import grams
from codie.analyzers.style.scopes import Scope, ScopeTree
from codie.analyzers.style.training import build_model, learn_margins, refresh_model
from codie.core.document import parse
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


def test_build_model_counts_a_files_ngrams_with_its_scopes_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model counts a file's tokens, names and stats: its tree and scopes go before
    the counting's tables grow beside them, and the model is the same."""
    root = make_workspace(tmp_path / "ws", copies=3).resolve()
    made: list[list[weakref.ref[Scope]]] = []
    alive_when_counted: list[int] = []

    def tracked(source: bytes, *, tallies: bool = True, pause: Pause | None = None) -> FileFacts:
        facts = extract(source, tallies=tallies, pause=pause)
        made.append(scope_refs(facts))
        return facts

    real_count = model_module.count_into

    def count_into(counts: Counter[int], ids: Sequence[int], order: int = 5, pause: Pause | None = None) -> None:
        alive_when_counted.append(sum(ref() is not None for refs in made for ref in refs))
        real_count(counts, ids, order, pause)

    reference, _ = build_model(root)
    monkeypatch.setattr(training, "extract", tracked)
    monkeypatch.setattr(model_module, "count_into", count_into)
    with no_cyclic_gc():
        model, _ = build_model(root)
    gc.collect()
    assert len(alive_when_counted) == len(model.files) > 3
    assert max(alive_when_counted) == 0  # no scope of any file alive while one is counted
    assert snapshot(model) == snapshot(reference) and model.margins == reference.margins


def test_the_scope_tree_holds_none_of_the_nodes_its_walk_made() -> None:
    """A Node caches its children: a scope holding a walked node held every Node object
    below it. The scopes hold copies: the walk's Node objects are referenced by nothing."""
    tree = parse(SOURCE)
    root = tree.root_node
    walked = [root, *root.children]  # the objects the walk meets (each parent's cached list)
    before = [sys.getrefcount(node) for node in walked]
    scope_tree = scopes.build(SOURCE, root)
    assert [sys.getrefcount(node) for node in walked] == before
    kinds = [s.kind for s in scope_tree.scopes]
    assert kinds == ["module", "class", "function"]
    assert [(s.node.type, s.node.start_byte, s.node.end_byte) for s in scope_tree.scopes] == [
        (n.type, n.start_byte, n.end_byte) for n in (root, walked[1], walked[1].child_by_field_name("body").children[0])
    ]


def test_margins_hold_one_scopes_visible_names_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """learn_margins ranks its sample one scope's bindings after another and forgets each
    scope's visible names after it: the same margins as ranking them in the drawn order."""
    root = make_workspace(tmp_path / "ws", copies=3).resolve()
    sources = [(p.as_posix(), p.read_bytes()) for p in sorted(root.rglob("*.py"))]
    big = b"".join(source for _, source in sources)  # one file of many scopes
    model, _ = build_model(root)
    held: list[int] = []
    real_visible = ScopeTree.names_visible_in

    def names_visible_in(self: ScopeTree, scope: Scope) -> frozenset[str]:
        found = real_visible(self, scope)
        held.append(len(self._visible))
        return found

    monkeypatch.setattr(ScopeTree, "names_visible_in", names_visible_in)
    margins = learn_margins(model, [("big.py", big), *sources])
    assert len(held) > 20 and max(held) == 1
    held.clear()
    monkeypatch.setattr(training, "by_scope", lambda bindings, tree: iter(bindings))  # the drawn order
    assert learn_margins(model, [("big.py", big), *sources]) == margins
    assert max(held) > 1


def test_extract_tallies_the_observations_as_they_come(monkeypatch: pytest.MonkeyPatch) -> None:
    """A training's facts count the conventions from a stream of observations, never a
    list of the file's (26,000 for the 6,862-line file): the same counts as the editor's
    list gives."""
    given: list[type] = []
    real_tally = model_module.tally

    def tally(observed: Iterable[Observation], pause: Pause | None = None) -> dict[str, Counter[str]]:
        given.append(type(observed))
        return real_tally(observed, pause)

    monkeypatch.setattr(model_module, "tally", tally)
    facts = extract(SOURCE)
    assert len(given) == 1 and not issubclass(given[0], list | tuple)
    tree = parse(SOURCE)
    listed = conventions.observe(SOURCE, tree.root_node, scopes.build(SOURCE, tree.root_node))
    assert facts.stats == real_tally(listed) and facts.stats
