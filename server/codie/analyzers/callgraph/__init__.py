"""The workspace call graph: extract (tree-sitter) -> resolve (points-to) -> graph (queries,
SQLite persistence, incremental updates). See docs/insight.md.

`CallGraph`, `BuildStats` and `Edge` load on first use (PEP 562), not with the package: the
editor's resolve child (remote.py) unpickles summaries from model.py and resolves with
resolve.py, and importing graph.py there too (the project and pipeline modules, sqlite3,
tree-sitter, msgpack, multiprocessing) was ~13 MiB of that child's ~25 after its imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codie.analyzers.callgraph.graph import BuildStats, CallGraph
    from codie.analyzers.callgraph.resolve import Edge

__all__ = ["BuildStats", "CallGraph", "Edge"]
_WHERE = {"BuildStats": "graph", "CallGraph": "graph", "Edge": "resolve"}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{where}"), name)
