"""The language server's call graph is built and updated in its thread pool: that work
pauses at the editor's gate (scheduling.EditorGate), as the style training and the file
metrics do, so that a keystroke's analysis does not wait behind it for the GIL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from codie.lsp import workspace_graph
from codie.lsp.server import build_server


async def test_the_workspace_graph_pauses_at_the_editors_gate(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    g()\n\ndef g():\n    pass\n")
    server = build_server()
    server.settings.set_folders([tmp_path])
    graphs = workspace_graph.service(server)
    folder = graphs.folder_for((tmp_path / "a.py").as_uri())
    assert folder is not None
    try:
        assert folder.graph.pause == server.scheduler.yield_to_editor
        assert folder.graph.resolver.pause == server.scheduler.yield_to_editor
        await asyncio.wait_for(folder.ready.wait(), 60)
        assert not folder.failed
        assert folder.graph.adjacency().get("a.f") == ["a.g"]
    finally:
        for task in list(graphs._tasks):
            task.cancel()
        graphs.pool.shutdown()
