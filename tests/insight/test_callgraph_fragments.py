"""An edit's update re-extracts only the top-level statements it changed (callgraph/
fragments.py): the summary put together from the statements' shares is byte for byte the
one `summarize` makes of the whole text, on this project's code, the call-graph suites and
a module made of every case where statements share the module scope; and after random
edits the graph (summaries, edges, PyCG output, callers, word counts) is the one the
whole-text extraction gives, and the one a graph built on the final text gives."""

from __future__ import annotations

import random
import textwrap
from collections import Counter
from pathlib import Path

import msgpack
import pytest

from codie.analyzers.callgraph import fragments
from codie.analyzers.callgraph import graph as graph_module
from codie.analyzers.callgraph.extract import count_words, summarize
from codie.analyzers.callgraph.fragments import assemble, fragments_of
from codie.analyzers.callgraph.graph import CallGraph
from codie.analyzers.callgraph.model import ModuleSummary, to_plain
from codie.core.document import parse

ROOT = Path(__file__).resolve().parents[2]
CALLGRAPH = ROOT / "server" / "codie" / "analyzers" / "callgraph"

# every way a top-level statement reads or adds to what others put in the module scope
SHARED = textwrap.dedent(
    """
    import os, functools
    from collections import OrderedDict as OD
    from .sibling import *
    REGISTRY = {"a": os.getcwd}
    HANDLERS = []
    key = lambda x: x
    other = lambda y: len(y)
    counter = 0
    TABLE = OD()
    for TABLE["loop"] in HANDLERS:  # a keyed store of a later phase in an earlier statement
        pass

    def register(fn, default=lambda: None):
        HANDLERS.append(fn)
        REGISTRY["b"] = fn
        return fn

    @register
    @functools.lru_cache(maxsize=None)
    def first(a, b=sorted([], key=lambda v: v)):
        global counter
        counter = len(a)
        for item in HANDLERS:
            item()
        with open(a) as handle:
            handle.read()
        if (n := len(b)) > 1:
            yield n
        return first(a)

    REGISTRY["c"] = first
    HANDLERS.extend([len, print])
    for name in REGISTRY:
        REGISTRY[name]()

    class Base(OD):
        attr = staticmethod(len)
        def __init__(self, x=lambda: 0):
            super().__init__()
            self.x = x
        def run(self):
            self.x()
            raise ValueError(self)

    Base.extra = register
    instance = Base()
    instance.run()
    table = dict(a=1)
    TABLE["set"] = first
    table["d"] = key

    def late():
        return other(REGISTRY["a"]) or counter
    """
)


def _bytes(summary: ModuleSummary) -> bytes:
    return msgpack.packb(to_plain(summary), use_bin_type=True)  # type: ignore[no-any-return]


def _from_statements(source: bytes, old: fragments.Fragments | None = None) -> tuple[bytes | None, fragments.Fragments]:
    state = fragments_of(source, parse(source), "pkg.mod", False, old, None)
    summary = assemble(state, source, "pkg/mod.py")
    return (_bytes(summary) if summary is not None else None), state


def _whole(source: bytes) -> bytes:
    return _bytes(summarize(source, "pkg.mod", "pkg/mod.py", False, compact=False))


@pytest.mark.parametrize(
    "root", [ROOT / "server", ROOT / "tests" / "callgraph_suite", ROOT / "tests" / "callgraph_pycg"], ids=str
)
def test_statements_summaries_put_together_are_the_whole_texts(root: Path) -> None:
    together = 0
    for path in sorted(root.rglob("*.py")):
        source = path.read_bytes()
        got, _ = _from_statements(source)
        if got is not None:
            together += 1
            assert got == _whole(source), path
    assert together > 10


def test_statements_sharing_the_module_scope() -> None:
    source = SHARED.encode()
    got, _ = _from_statements(source)
    assert got == _whole(source)


def test_statements_that_depend_on_one_another_are_left_to_the_whole_text() -> None:
    overloads = b"def f(a):\n    pass\n\ndef f(a, b):\n    g()\n"
    splat = b"options = {'a': 1}\nf(**options)\n"
    for source in (overloads, splat):
        got, _ = _from_statements(source)
        assert got is None


def _edit(rng: random.Random, text: str) -> str:
    """One random edit: lines inserted or deleted inside functions, definitions, classes
    and imports added or removed, a lambda at module level, bytes shifted."""
    lines = text.split("\n")
    at = rng.randrange(len(lines) + 1)
    indent = " " * (len(lines[at - 1]) - len(lines[at - 1].lstrip())) if 0 < at <= len(lines) else ""
    choice = rng.randrange(9)
    if choice == 0 and lines:
        del lines[min(at, len(lines) - 1)]
    elif choice == 1:
        lines.insert(at, f"{indent}HANDLERS.append(late)")
    elif choice == 2:
        lines.insert(at, f"def added{rng.randrange(5)}(a, b=key):\n    return register(a)")
    elif choice == 3:
        lines.insert(at, f"class Added{rng.randrange(5)}(Base):\n    def run(self):\n        super().run()")
    elif choice == 4:
        lines.insert(at, rng.choice(["import json", "from os import path as first", "late = lambda: first"]))
    elif choice == 5:
        lines.insert(at, "")  # only the offsets of what follows change
    elif choice == 6 and lines:
        where = min(at, len(lines) - 1)
        lines[where] = lines[where] + rng.choice(["  # x", " ", "x"])
    elif choice == 7:
        lines.insert(at, f"{indent}REGISTRY['k{rng.randrange(3)}'] = first")
    else:
        start = rng.randrange(len(text) + 1)
        return text[:start] + text[start + rng.randrange(1, 30) :]  # a cut, maybe mid-token
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(6))
def test_random_edits_give_the_whole_texts_summary(seed: int) -> None:
    rng = random.Random(seed)
    text = SHARED + (CALLGRAPH / "special.py").read_text()
    state = None
    for _ in range(40):
        text = _edit(rng, text)
        source = text.encode()
        got, state = _from_statements(source, state)
        if got is not None:
            assert got == _whole(source)


def _state(graph: CallGraph) -> tuple[object, ...]:
    """Everything an update changes, in order."""
    summaries = b"".join(_bytes(s) for _, s in sorted(graph.resolver.modules.items()))
    edges = [(m, [(e.caller, e.callee, e.start, e.end, e.line) for e in es]) for m, es in sorted(graph.edges.items())]
    callers = {q: [(e.caller, e.start) for e in graph.incoming(q)] for q in sorted(graph.resolver.scopes)}
    callees = {q: [(e.callee, e.start) for e in graph.outgoing(q)] for q in sorted(graph.resolver.scopes)}
    return summaries, edges, graph.pycg_adjacency(), list(graph.words.items()), callers, callees, graph.sizes()


def _workspace(root: Path) -> Path:
    for path in CALLGRAPH.glob("*.py"):
        (root / path.name).write_text(path.read_text())
    big = root / "big.py"
    big.write_text(SHARED + (CALLGRAPH / "resolve.py").read_text())
    return big


@pytest.mark.parametrize("seed", range(3))
def test_random_edits_update_the_graph_as_the_whole_text_does(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = _workspace(tmp_path)
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    whole = CallGraph(tmp_path)  # the same edits, each extracted from the whole text
    whole.build(jobs=1)
    rng = random.Random(seed)
    text = big.read_text()
    for step in range(12):
        text = _edit(rng, text)
        edges = graph.update(big, text.encode())
        with monkeypatch.context() as patch:  # (None: the whole text is summarized)
            patch.setattr(graph_module, "assemble", lambda *args, **kwargs: None)
            assert edges == whole.update(big, text.encode()), step
        assert _state(graph) == _state(whole), step
    big.write_text(text)
    fresh = CallGraph(tmp_path)
    fresh.build(jobs=1)
    assert _bytes(graph.resolver.modules["big"]) == _bytes(fresh.resolver.modules["big"])
    # the counts (their order is the order modules came in), no word kept at zero
    assert dict(graph.words) == dict(fresh.words)
    assert graph.edges["big"] == fresh.edges["big"]


def test_edits_far_apart_reuse_the_statements_between(monkeypatch: pytest.MonkeyPatch) -> None:
    source = (SHARED + (CALLGRAPH / "special.py").read_text()).encode()
    _, state = _from_statements(source)
    extracted: list[bytes] = []
    plain = fragments._extract

    def counted(node, text, *args):  # type: ignore[no-untyped-def]
        extracted.append(text)
        return plain(node, text, *args)

    monkeypatch.setattr(fragments, "_extract", counted)
    edited = source.replace(b"def late():\n", b"\n\ndef late():\n    first(1)\n", 1)
    got, state = _from_statements(edited, state)
    assert got == _whole(edited)
    assert len(extracted) == 1 and extracted[0].startswith(b"def late():")


def _words_as_before(words: Counter[str], old: dict[str, int], new: dict[str, int]) -> list[tuple[str, int]]:
    """The workspace's word counts after an edit, as they were kept before only the
    changed words were visited: everything subtracted, the spent words dropped, all added."""
    words = Counter(words)
    words.subtract(old)
    for word in old:
        if words[word] <= 0 and word not in new:
            del words[word]
    words.update(new)
    return list(words.items())


def test_word_counts_follow_edits_as_before(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def lonely_word():\n    pass\n")
    (tmp_path / "b.py").write_text("shared = 1\n")
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    texts = [b"def other():\n    shared()\n    shared()\n", b"def other():\n    shared()\n", b"new = 1\n", b""]
    rng = random.Random(1)
    texts += [(SHARED + "\n").encode()] + [_edit(rng, SHARED).encode() for _ in range(20)]
    for text in texts:
        old = graph.resolver.modules["a"].words
        expected = _words_as_before(graph.words, old, summarize(text, "a", "a.py").words)
        graph.update(tmp_path / "a.py", text)
        assert list(graph.words.items()) == expected
    assert "lonely_word" not in graph.words and "shared" in graph.words


def test_the_last_few_edited_modules_keep_their_statements(tmp_path: Path) -> None:
    for name in "abcdef":
        (tmp_path / f"{name}.py").write_text(f"def {name}():\n    pass\n")
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    for name in "abcdef":
        graph.update(tmp_path / f"{name}.py", f"def {name}():\n    {name}()\n".encode())
    assert list(graph._fragments) == ["c", "d", "e", "f"]  # (graph_module.MAX_FRAGMENTED)
    graph.update(tmp_path / "a.py", b"from b import b\n\ndef a():\n    b()\n")  # extracted anew
    assert list(graph._fragments) == ["d", "e", "f", "a"]
    assert [(e.caller, e.callee) for e in graph.edges["a"]] == [("a.a", "b.b")]


def test_an_edit_that_reuses_statements_still_pauses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = _workspace(tmp_path)
    pauses: list[str] = []
    paused = CallGraph(tmp_path, pause=lambda: pauses.append("p"))
    plain = CallGraph(tmp_path)
    for graph in (paused, plain):
        graph.build(jobs=1)
        graph.update(big, big.read_bytes())
    in_extraction: list[int] = []
    summarize_edit = paused._summarize_edit

    def counted(*args):  # type: ignore[no-untyped-def]
        before = len(pauses)
        summary = summarize_edit(*args)
        in_extraction.append(len(pauses) - before)
        return summary

    monkeypatch.setattr(paused, "_summarize_edit", counted)
    edited = big.read_bytes().replace(b"def late():\n", b"def late():\n    first(2)\n", 1)
    assert paused.update(big, edited) == plain.update(big, edited)
    assert _state(paused) == _state(plain)
    assert in_extraction[0] >= 3  # before the statement, in its phases, before putting together


def test_word_counts_come_from_the_statements_only_where_nothing_lies_between() -> None:
    source = b"import os\n\n\ndef f():\n    os.getcwd()\n"
    _, state = _from_statements(source)
    assert fragments._words(state.items, source) == count_words(source)
    between = source.replace(b"\n\n\n", b"\nz\n", 1)  # (same offsets) a word between statements
    assert fragments._words(state.items, between) is None
    source = b"x = 1;y = 2\n"  # three statements, `;` one of them, nothing between
    _, state = _from_statements(source)
    assert fragments._words(state.items, source) == count_words(source)
    assert fragments._words(state.items, b"x = 1ay = 2\n") is None  # `1ay`: a run across edges
