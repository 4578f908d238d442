"""`codie callgraph` writes JSON exactly as `json.dumps(..., indent=2)` would (its writer is
faster, not different); a graph compacted after a one-shot build still updates correctly; the
extraction's byte-range scoping puts defaults, decorators and nested lambdas where Python does."""

from __future__ import annotations

import dataclasses
import gc
import json
import pickle
from pathlib import Path

import msgpack
import pytest

from codie.analyzers.callgraph import CallGraph
from codie.analyzers.callgraph.extract import summarize
from codie.analyzers.callgraph.graph import PARALLEL_MIN_FILES
from codie.analyzers.callgraph.model import Call, ModuleSummary, Scope, from_plain, to_plain
from codie.cli.callgraph import json_chunks
from codie.cli.main import main as cli_main

PROGRAM = """import os


def deco(f):
    return f


@deco
def outer(cb=lambda: os.getcwd()):
    def inner(x=len("é")):
        return (lambda: (lambda: print(x))())()
    return inner(cb())


class K:
    size = len("k")

    def m(self, y=sorted([])):
        return outer()
"""


@pytest.mark.parametrize(
    "adjacency",
    [{}, {"a": []}, {"a": ["b", 'c"é\\n'], "d": [], "<builtin>.len": ["x"]}],
)
def test_json_writer_equals_the_standard_encoder(adjacency: dict[str, list[str]]) -> None:
    assert "".join(json_chunks(adjacency)) == json.dumps(adjacency, indent=2) + "\n"


def test_cli_output_is_the_graph_as_standard_json(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    out = tmp_path / "out.json"
    assert cli_main(["callgraph", str(tmp_path), "--no-cache", "--format", "pycg", "-o", str(out)]) == 0
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    assert out.read_text() == json.dumps(graph.pycg_adjacency(), indent=2) + "\n"


def test_scopes_follow_python_for_defaults_decorators_and_lambdas(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    adjacency = graph.adjacency()
    assert "main.deco" in adjacency["main"]  # the decorator runs in the module
    assert "os.getcwd" in adjacency["main.<lambda1>"]  # a default's lambda is the module's...
    assert "main.outer.<lambda1>" not in adjacency
    assert "builtins.len" in adjacency["main.outer"]  # ...and inner's default is outer's
    assert "main.<lambda1>" in adjacency["main.outer"]  # cb() calls it
    assert "builtins.print" in adjacency["main.outer.inner.<lambda1>.<lambda1>"]
    assert "builtins.len" in adjacency["main.K"] and "builtins.sorted" in adjacency["main.K"]
    assert "main.outer" in adjacency["main.K.m"]


def test_a_compacted_graph_still_updates_like_a_fresh_build(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    (tmp_path / "use.py").write_text("from main import K\n\n\ndef go():\n    return K().m()\n")
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    graph.compact()
    graph.update(tmp_path / "use.py", b"from main import outer\n\n\ndef go():\n    return outer()\n")
    (tmp_path / "use.py").write_text("from main import outer\n\n\ndef go():\n    return outer()\n")
    fresh = CallGraph(tmp_path)
    fresh.build(jobs=1)
    assert graph.edges["use"] == fresh.edges["use"]
    assert graph.incoming("main.outer") == fresh.incoming("main.outer")
    assert graph.sizes() == fresh.sizes()


def test_word_counts_are_skipped_only_where_nothing_can_ask_for_them(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    bare = CallGraph(tmp_path, words=False)
    bare.build(jobs=1)
    assert not bare.words and bare.resolver.modules["main"].words == {}
    cached = CallGraph(tmp_path, tmp_path / "cache.db", words=False)  # a cache's later reader may ask
    cached.build(jobs=1)
    assert cached.words["outer"] >= 2
    full = CallGraph(tmp_path)
    full.build(jobs=1)
    assert bare.edges == full.edges


SUITE = Path(__file__).resolve().parents[1] / "callgraph_suite"


def test_parser_processes_give_the_graph_one_process_gives() -> None:
    """Summaries cross a process boundary (pickled as constructor arguments, the cyclic GC
    off meanwhile): the graph is the same as when one process extracts everything."""
    assert len(list(SUITE.rglob("*.py"))) >= PARALLEL_MIN_FILES  # so the pool is used
    parallel, serial = CallGraph(SUITE), CallGraph(SUITE)
    parallel.build(jobs=2)
    serial.build(jobs=1)
    assert parallel.resolver.modules == serial.resolver.modules
    assert parallel.edges == serial.edges
    assert parallel.pycg_adjacency() == serial.pycg_adjacency()
    assert gc.isenabled()  # given back as it was


def test_shared_summaries_equal_unshared_ones_and_survive_pickling() -> None:
    for path in [*sorted(SUITE.rglob("*.py")), Path(__file__)]:
        source = path.read_bytes()
        shared = summarize(source, path.stem, path.name, compact=True)
        assert shared == summarize(source, path.stem, path.name, compact=False), path
        assert pickle.loads(pickle.dumps(shared)) == shared, path
        assert from_plain(msgpack.unpackb(msgpack.packb(to_plain(shared)))) == shared, path
    # equal expressions are one object in a shared summary (the point of sharing)
    summary = summarize(PROGRAM.encode(), "main", "main.py", compact=True)
    lens = [c.callee for s in summary.scopes.values() for c in s.calls if c.callee == ("n", "len")]
    assert len(lens) >= 2 and all(c is lens[0] for c in lens)
    unshared = summarize(PROGRAM.encode(), "main", "main.py", compact=False)
    lens = [c.callee for s in unshared.scopes.values() for c in s.calls if c.callee == ("n", "len")]
    assert len(lens) >= 2 and lens[0] is not lens[1]


def test_every_field_survives_pickling() -> None:
    """A field added to Scope or Call but not to its __reduce__ would be lost on the way back
    from the parser processes: every field, set away from its default, comes back."""
    call = Call(("n", "g"), (("n", "x"),), (("k", ("n", "y")),), 6, 7, 8)
    scope = Scope(
        "m.C.f", "function", "m.C", "f", 1, 2, 3, 4, 5, ("self", "x"), 2, "instance", (("n", "B"),),
        {"x": [("n", "y")]}, {"a": [("u",)]}, [("n", "x")], [call], ["os"], {"g"}, [(("n", "o"), "a", ("n", "x"))],
    )  # fmt: skip
    default = Scope("", "", None, "")
    assert all(getattr(scope, f.name) != getattr(default, f.name) for f in dataclasses.fields(Scope))
    summary = ModuleSummary("m", "m.py", "d", {scope.qualname: scope}, {"f": 1}, True)
    back = pickle.loads(pickle.dumps(summary))
    assert back == summary and back.scopes["m.C.f"].calls == [call]
