"""The editor's call graph build summarises a file the editor holds as on disk from the
editor's tree (`CallGraph.build(parsed=...)`), not from a second parse of it (the
6,862-line file: ~10 MiB more while the build ran). The graph is the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from tree_sitter import Tree

from codie.analyzers.callgraph import extract
from codie.analyzers.callgraph.graph import CallGraph
from codie.analyzers.callgraph.model import to_plain
from codie.core.document import parse

FILES = {
    "pkg/__init__.py": "from pkg.a import run\n",
    "pkg/a.py": "from pkg.b import helper\n\n\ndef run(x):\n    return helper(x) + len(str(x))\n",
    "pkg/b.py": "class K:\n    def m(self):\n        return 1\n\n\ndef helper(v):\n    return K().m() + v\n",
}


def _graph(root: Path, parsed: dict[str, tuple[bytes, Tree]] | None = None) -> CallGraph:
    graph = CallGraph(root)
    graph.build([root], jobs=1, parsed=parsed)
    return graph


def test_a_file_held_as_on_disk_is_summarised_from_the_given_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    parses: list[bytes] = []

    def counted(source: bytes) -> Tree:
        parses.append(source)
        return parse(source)

    monkeypatch.setattr(extract, "parse", counted)
    fresh = _graph(tmp_path)
    assert len(parses) == len(FILES)

    parses.clear()
    a, b = tmp_path / "pkg/a.py", tmp_path / "pkg/b.py"
    held = a.read_bytes()
    edited = b.read_bytes() + b"\nx = helper(1)\n"  # an unsaved edit: the disk's text is indexed
    given = _graph(tmp_path, {str(a): (held, parse(held)), str(b): (edited, parse(edited))})
    assert held not in parses and len(parses) == len(FILES) - 1

    assert any(fresh.edges.values()) and given.edges == fresh.edges
    assert {m: to_plain(s) for m, s in given.resolver.modules.items()} == {
        m: to_plain(s) for m, s in fresh.resolver.modules.items()
    }
