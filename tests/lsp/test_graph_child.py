"""The whole-graph resolve the editor runs in a child process (callgraph/remote.py): after
any sequence of edits, the graph it hands back equals a fresh build of the same texts; a
child that lost its state is sent everything; modules edited while it works keep their own
(newer) edges."""

from __future__ import annotations

import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from codie.analyzers.callgraph import CallGraph, remote
from codie.analyzers.callgraph.resolve import Resolver
from codie.lsp.children import HealingPool, detach_from_server

FILES = {
    "a.py": "def _helper():\n    return 1\n\n\ndef _spare():\n    return 2\n",
    "b.py": "from a import _helper\n\n\ndef use():\n    return _helper()\n",
    "c.py": "import a\n\n\ndef run(f=a._spare):\n    return f()\n",
    "d.py": "class K:\n    def go(self, cb):\n        return cb()\n\n\ndef start():\n    return K().go(lambda: 1)\n",
}
SNIPPETS = (
    "def _helper():\n    return 3\n",
    "_helper()\n",
    "from a import _helper\n",
    "a._spare()\n",
    "import a\n",
    "def _spare(g=None):\n    return g()\n",
    "from d import K\n",
    "K().go(_helper)\n",
    "x = 1\n",
)


def edges(graph: CallGraph) -> set[tuple[str, str, int, int, int]]:
    return {(e.caller, e.callee, e.start, e.end, e.line) for es in graph.edges.values() for e in es}


def fresh(root: Path, texts: dict[str, str]) -> CallGraph:
    for name, text in texts.items():
        (root / name).write_text(text)
    graph = CallGraph(root)
    graph.build([root], jobs=1)
    return graph


def settle(graph: CallGraph) -> None:
    """What the editor does once typing pauses, with the child's function called here."""
    for _ in range(2):
        job = graph.reconcile_job()
        if graph.apply_reconcile(job, remote.reconcile(job)):
            return
    raise AssertionError("the child never accepted a job")


def test_seeded_edit_sequences_settle_to_a_fresh_build(tmp_path: Path) -> None:
    rng = random.Random(17)
    (tmp_path / "work").mkdir()
    (tmp_path / "fresh").mkdir()
    texts = dict(FILES)
    graph = fresh(tmp_path / "work", texts)
    settle(graph)
    for step in range(40):
        name = rng.choice(sorted(texts))
        lines = texts[name].split("\n")
        line = rng.randrange(len(lines))
        if rng.random() < 0.6:
            lines[line:line] = rng.choice(SNIPPETS)[:-1].split("\n")
        else:
            del lines[line]
        texts[name] = "\n".join(lines)
        graph.update(tmp_path / "work" / name, texts[name].encode())  # an unsaved buffer
        if step % 5 == 4:
            settle(graph)
            assert edges(graph) == edges(fresh(tmp_path / "fresh", texts)), f"after step {step}"
    settle(graph)
    expected = fresh(tmp_path / "fresh", texts)
    assert edges(graph) == edges(expected)
    assert graph.sizes() == expected.sizes()
    assert sorted(s.qualname for s in graph.unreferenced()) == sorted(s.qualname for s in expected.unreferenced())


def test_a_child_without_the_state_is_sent_everything(tmp_path: Path) -> None:
    graph = fresh(tmp_path, FILES)
    settle(graph)
    remote.forget(graph.key)  # as if the child had been restarted
    graph.update(tmp_path / "a.py", b"def _other():\n    return 1\n")
    job = graph.reconcile_job()
    assert job.base is not None and [s.module for s in job.changed] == ["a"]
    assert remote.reconcile(job) is None
    assert not graph.apply_reconcile(job, None)
    again = graph.reconcile_job()
    assert again.base is None and sorted(s.module for s in again.changed) == ["a", "b", "c", "d"]
    assert graph.apply_reconcile(again, remote.reconcile(again))
    (tmp_path / "a.py").write_text("def _other():\n    return 1\n")
    assert edges(graph) == edges(fresh(tmp_path, {}))


def test_a_module_edited_during_the_resolve_keeps_its_newer_edges(tmp_path: Path) -> None:
    graph = fresh(tmp_path, FILES)
    settle(graph)
    graph.update(tmp_path / "b.py", b"def use():\n    return sorted([])\n")
    job = graph.reconcile_job()  # sends b as it is now
    graph.update(tmp_path / "b.py", b"def use():\n    return len([])\n")  # while the child works
    assert graph.apply_reconcile(job, remote.reconcile(job))
    assert {e.callee for e in graph.edges["b"]} == {"builtins.len"}
    settle(graph)  # the next pause sends b
    (tmp_path / "b.py").write_text("def use():\n    return len([])\n")
    assert edges(graph) == edges(fresh(tmp_path, {}))


def test_the_resolve_runs_in_a_spawned_child(tmp_path: Path) -> None:
    graph = fresh(tmp_path, FILES)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        job = graph.reconcile_job()
        assert graph.apply_reconcile(job, pool.submit(remote.reconcile, job).result(timeout=120))
        graph.update(tmp_path / "c.py", b"import b\n\n\ndef run():\n    return b.use()\n")
        job = graph.reconcile_job()
        result = pool.submit(remote.reconcile, job).result(timeout=120)
        assert result is not None and "c" in result.edges and "a" not in result.edges  # only what changed
        assert graph.apply_reconcile(job, result)
    (tmp_path / "c.py").write_text("import b\n\n\ndef run():\n    return b.use()\n")
    assert edges(graph) == edges(fresh(tmp_path, {}))


async def test_the_editors_resolve_child_imports_only_the_resolve(tmp_path: Path) -> None:
    """The child the editor resolves in (lsp/workspace_graph.py's pool) loads the summaries'
    model and the resolver, not the graph's build and store (graph.py: the project and
    pipeline modules, sqlite3, tree-sitter, msgpack, multiprocessing), ~13 MiB of that
    child's resident memory; the call graph package loads CallGraph on first use."""
    graph = fresh(tmp_path, FILES)
    pool = HealingPool("callgraph", 1, initializer=detach_from_server, idle=0)
    try:
        job = graph.reconcile_job()
        assert graph.apply_reconcile(job, await pool.run(remote.reconcile, job))
        loaded: list[str] = await pool.run(eval, "sorted(__import__('sys').modules)")
    finally:
        pool.shutdown()
    assert "codie.analyzers.callgraph.resolve" in loaded
    heavy = {"codie.analyzers.callgraph.graph", "codie.core.pipeline", "tree_sitter", "sqlite3", "msgpack"}
    assert heavy.isdisjoint(loaded) and not any(m.startswith("multiprocessing") for m in loaded)


def test_the_graph_does_not_depend_on_the_order_modules_arrive_in(tmp_path: Path) -> None:
    graph = fresh(tmp_path, FILES)
    summaries = list(graph.resolver.modules.values())
    forward = Resolver(summaries).resolve_all()
    backward = Resolver(reversed(summaries)).resolve_all()
    assert forward == {m: backward[m] for m in forward}
