"""The workspace call graph: extract (tree-sitter) -> resolve (points-to) -> graph (queries,
SQLite persistence, incremental updates). See docs/insight.md."""

from __future__ import annotations

from codie.analyzers.callgraph.graph import BuildStats, CallGraph
from codie.analyzers.callgraph.resolve import Edge

__all__ = ["BuildStats", "CallGraph", "Edge"]
