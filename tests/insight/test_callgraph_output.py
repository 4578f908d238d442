"""`codie callgraph` writes JSON exactly as `json.dumps(..., indent=2)` would (its writer is
faster, not different); a graph compacted after a one-shot build still updates correctly; the
extraction's byte-range scoping puts defaults, decorators and nested lambdas where Python does."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest

from codie.analyzers.callgraph import CallGraph, remote
from codie.analyzers.callgraph.extract import summarize
from codie.analyzers.callgraph.graph import PARALLEL_MIN_FILES
from codie.analyzers.callgraph.model import Call, ModuleSummary, Scope, from_plain, gc_paused, to_plain
from codie.cli import callgraph as callgraph_cli
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
    [
        {},
        {"a": []},
        {"a": ["b", 'c"é\\n'], "d": [], "<builtin>.len": ["x"]},
        {"\x00\t\x7f/": ["😀", "\ud800", "\u2028"], "k\\": []},
    ],
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


def test_cli_streams_the_same_document_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    out = tmp_path / "out.json"
    assert cli_main(["callgraph", str(tmp_path), "--no-cache", "-o", str(out)]) == 0
    capsys.readouterr()
    assert cli_main(["callgraph", str(tmp_path), "--no-cache"]) == 0
    assert capsys.readouterr().out == out.read_text()
    assert json.loads(out.read_text())["main.K.m"] == ["main.outer"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_cli_output_that_cannot_be_written_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    code = cli_main(["callgraph", str(tmp_path), "--no-cache", "--format", "pycg", "-o", "/dev/full"])
    assert code != 0
    assert "cannot write /dev/full" in capsys.readouterr().err


def test_a_one_shot_build_gives_the_graph_and_keeps_no_caches() -> None:
    """`codie callgraph` lets the resolver's caches go before the edges are made (a lower
    peak): the graph is the one a kept graph has, and an update still works."""
    kept, one_shot = CallGraph(SUITE), CallGraph(SUITE)
    kept.build(jobs=1)
    one_shot.build(jobs=1, one_shot=True)
    assert kept.resolver._memo and not one_shot.resolver._memo
    assert one_shot.edges == kept.edges
    assert one_shot.pycg_adjacency() == kept.pycg_adjacency()
    path = next(iter(sorted(SUITE.rglob("main.py"))))
    source = path.read_bytes() + b"\n\ndef _added():\n    return len([])\n"
    assert one_shot.update(path, source) == kept.update(path, source)


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


def test_the_gc_pause_nests_and_gives_the_collector_back_even_on_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause found it off: it stays off
        raise RuntimeError("in the middle of a build")
    assert gc.isenabled()


def test_the_cli_writes_the_graph_with_the_collector_paused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    paused: list[bool] = []
    real = callgraph_cli.output

    def spy(args: argparse.Namespace, graph: CallGraph) -> int:
        paused.append(not gc.isenabled())
        return real(args, graph)

    monkeypatch.setattr(callgraph_cli, "output", spy)
    out = tmp_path / "out.json"
    assert cli_main(["callgraph", str(tmp_path), "--no-cache", "--format", "pycg", "-o", str(out)]) == 0
    assert paused == [True]
    assert gc.isenabled()
    assert json.loads(out.read_text())


@pytest.mark.parametrize("jobs", [1, 2])
def test_no_collection_runs_while_a_graph_is_built(jobs: int) -> None:
    """The cyclic GC stays off from the first summary to the frozen graph (re-enabled between
    the phases, its next run scanned every summary only for gc.freeze to exempt them), and
    is given back as it was."""
    try:
        with collections_seen() as runs:
            assert gc.isenabled()
            CallGraph(SUITE).build(jobs=jobs)
            assert runs == []
            assert gc.isenabled()
            gc.disable()
            CallGraph(SUITE).build(jobs=jobs)
            assert not gc.isenabled()
    finally:
        gc.enable()


def test_no_collection_runs_while_the_child_resolves_and_its_edges_are_a_fresh_builds() -> None:
    graph = CallGraph(SUITE)
    graph.build(jobs=1)
    try:
        with collections_seen() as runs:
            job = graph.reconcile_job()
            result = remote.reconcile(job)
            assert graph.apply_reconcile(job, result)
            again = remote.reconcile(graph.reconcile_job())  # nothing changed: nothing sent back
            assert runs == []
            assert gc.isenabled()
    finally:
        remote.forget(graph.key)
    assert result is not None and again is not None
    assert result.edges == graph.edges
    assert again.edges == {}


@contextlib.contextmanager
def collections_seen() -> Iterator[list[str]]:
    """The cyclic GC's collections that start meanwhile (one "start" each)."""
    runs: list[str] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(phase)

    gc.callbacks.append(seen)
    try:
        yield runs
    finally:
        gc.callbacks.remove(seen)


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
    # unshared (an edit's update) only a name's ("n", name) is one object, made once per
    # distinct name in the file; what is built around it is not looked up
    source = b"import os\nos.path.join('a')\nos.path.join('b')\n"
    joins = [c.callee for c in summarize(source, "m", "m.py", compact=False).scopes["m"].calls]
    assert len(joins) == 2 and joins[0] == joins[1] and joins[0] is not joins[1]
    assert joins[0][1][1] is joins[1][1][1] == ("n", "os")
    joins = [c.callee for c in summarize(source, "m", "m.py", compact=True).scopes["m"].calls]
    assert len(joins) == 2 and joins[0] is joins[1]


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


@pytest.mark.parametrize(
    ("literal", "kind"),
    [
        ("'x'", "str"),
        ('"""doc\nstring"""', "str"),
        ("u'x'", "str"),
        ("f'{y}'", "str"),
        ("r'x'", "str"),
        ("b'x'", "bytes"),
        ("B'x'", "bytes"),
        ("rb'x'", "bytes"),
        ("Rb'x'", "bytes"),
        ("br'x'", "bytes"),
        ("b'a' b'b'", "bytes"),
        ("'a' 'b'", "str"),
        ("'é' b'x'", "str"),
    ],
)
def test_a_literal_is_bytes_by_its_prefix_only(literal: str, kind: str) -> None:
    """Read from the prefix in the source's bytes (a docstring is never decoded whole)."""
    summary = summarize(f"x = {literal}\n".encode(), "m", "m.py")
    assert summary.scopes["m"].assigns["x"] == [("X", f"builtins.{kind}")]
