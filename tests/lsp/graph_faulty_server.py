"""`codie serve` whose workspace call graph fails, for tests/lsp/test_graph_ready.py.

Indexing a text that contains `boom_graph` raises, and the folder's build task raises once
its work is done. Log records go to the file named by the first argument.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from tree_sitter import Tree

from codie.analyzers.callgraph import CallGraph, Edge
from codie.lsp.server import build_server
from codie.lsp.workspace_graph import FolderGraph, WorkspaceGraphs

update = CallGraph.update
build_steps = WorkspaceGraphs._build_steps


def failing_update(self: CallGraph, path: Path, source: bytes, tree: Tree | None = None) -> list[Edge]:
    if b"boom_graph" in source:
        raise RuntimeError("boom_graph")
    return update(self, path, source, tree)


async def failing_build_steps(self: WorkspaceGraphs, folder: FolderGraph) -> None:
    await build_steps(self, folder)
    raise RuntimeError("build task boom")


if __name__ == "__main__":
    logging.basicConfig(filename=sys.argv[1], level=logging.WARNING)
    CallGraph.update = failing_update  # type: ignore[method-assign]
    WorkspaceGraphs._build_steps = failing_build_steps  # type: ignore[method-assign]
    server = build_server()
    server.start_io()
