"""The call graph: the suite's precision/recall targets, incremental updates, persistence."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from callgraph_score import SUITE, score_suite, totals
from codie.analyzers.callgraph import CallGraph
from codie.cli.main import main as cli_main


def test_suite_has_at_least_60_programs_with_expectations() -> None:
    programs = [f for f in SUITE.iterdir() if (f / "expected.json").is_file()]
    assert len(programs) >= 60
    for folder in programs:
        assert any((folder / "src").rglob("*.py")), folder


def test_suite_precision_and_recall_meet_targets() -> None:
    scores = score_suite()
    precision, recall = totals(scores)
    misses = [(s.name, sorted(s.expected - s.found)) for s in scores if s.expected - s.found]
    extras = [(s.name, sorted(s.found - s.expected)) for s in scores if s.found - s.expected]
    assert precision >= 0.95, extras
    assert recall >= 0.85, misses


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def edges(graph: CallGraph) -> set[tuple[str, str]]:
    return {(a, b) for a, callees in graph.adjacency().items() for b in callees}


def test_incremental_update_touches_only_the_edited_module(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": "from b import one, two\n\ndef main():\n    one()\n",
            "b.py": "def one():\n    two()\n\ndef two():\n    pass\n",
        },
    )
    graph = CallGraph(tmp_path)
    graph.build()
    assert ("a.main", "b.one") in edges(graph)
    before_b = list(graph.edges["b"])
    new = graph.update(tmp_path / "a.py", b"from b import one, two\n\ndef main():\n    two()\n")
    assert {(e.caller, e.callee) for e in new} == {("a.main", "b.two")}
    assert graph.edges["b"] == before_b
    assert [e.caller for e in graph.incoming("b.two")] == ["a.main", "b.one"]
    assert graph.incoming("b.one") == []


def test_summaries_persist_between_runs(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "def f():\n    g()\n\ndef g():\n    pass\n"})
    db = tmp_path / "cg.db"
    first = CallGraph(tmp_path, db)
    stats = first.build()
    assert (stats.parsed, stats.cached) == (1, 0)
    second = CallGraph(tmp_path, db)
    stats = second.build()
    assert (stats.parsed, stats.cached) == (0, 1)
    assert edges(second) == edges(first) == {("a.f", "a.g")}
    assert second.db is not None
    rows = second.db.execute("SELECT caller, callee FROM callgraph_edges").fetchall()
    assert rows == [("a.f", "a.g")]


def test_broken_and_binary_files_do_not_stop_the_build(tmp_path: Path) -> None:
    write(tmp_path, {"ok.py": "def f():\n    g()\n\ndef g():\n    pass\n", "broken.py": "def f(:\n    return [\n"})
    (tmp_path / "binary.py").write_bytes(b"\x00\xff\xfe" * 100)
    graph = CallGraph(tmp_path)
    graph.build()
    assert ("ok.f", "ok.g") in edges(graph)


def test_unreferenced_functions(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": "__all__ = ['exported']\n\ndef used():\n    pass\n\n"
            "def exported():\n    pass\n\ndef dead():\n    used()\n"
        },
    )
    graph = CallGraph(tmp_path)
    graph.build()
    assert [s.qualname for s in graph.unreferenced()] == ["a.dead"]


def test_cli_json_and_dot(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"a.py": "import os\n\ndef f():\n    os.getcwd()\n    g()\n\ndef g():\n    pass\n"})
    assert cli_main(["callgraph", str(tmp_path), "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out) == {"a": [], "a.f": ["a.g", "os.getcwd"], "a.g": []}
    assert cli_main(["callgraph", str(tmp_path), "--no-cache", "--format", "dot", "--no-external"]) == 0
    dot = capsys.readouterr().out
    assert '"a.f" -> "a.g";' in dot and "os.getcwd" not in dot
    assert cli_main(["callgraph", str(tmp_path / "missing")]) == 2


def test_unreferenced_follows_incremental_updates(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "def lonely():\n    pass\n", "b.py": "x = 1\n"})
    graph = CallGraph(tmp_path)
    graph.build()
    assert [s.qualname for s in graph.unreferenced("a")] == ["a.lonely"]
    graph.update(tmp_path / "b.py", b"from a import lonely\n")
    assert graph.unreferenced("a") == []
    graph.update(tmp_path / "b.py", b"x = 2\n")
    assert [s.qualname for s in graph.unreferenced()] == ["a.lonely"]


def test_custom_request_schemas_are_described() -> None:
    schema_file = Path(__file__).resolve().parents[2] / "shared/schema/custom-requests.json"
    schemas = json.loads(schema_file.read_text())
    for method in ("codie/callGraph", "codie/hotspots"):
        assert {"description", "params", "result"} <= set(schemas[method])
