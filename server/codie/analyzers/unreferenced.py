"""CPX100: functions that nothing in the workspace calls or names (a low-confidence hint).

It needs the workspace call graph, which the language server provides as the service
"callgraph" (lsp/workspace_graph.py); headless runs use `codie callgraph --unreferenced`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar, Protocol

from tree_sitter import Node

from codie.analyzers.callgraph.model import Scope
from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding


class UnreferencedSource(Protocol):
    def unreferenced_in(self, uri: str, source: bytes) -> list[Scope]: ...


class UnreferencedAnalyzer:
    name: ClassVar[str] = "unreferenced"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        source = ctx.services.get("callgraph")
        if source is None or not hasattr(source, "unreferenced_in") or not nodes:
            return
        for scope in source.unreferenced_in(ctx.doc.uri, ctx.doc.source):
            if not 0 <= scope.name_start <= scope.name_end <= len(ctx.doc.source):
                continue
            # A public name may be API used outside the workspace: weak evidence, hidden at the
            # default minimum confidence. A private one nobody uses is most likely dead.
            private = scope.name.startswith("_")
            notes = ["no call edge reaches it and its name appears nowhere else"]
            if not private:
                notes.append("it is public, so code outside the workspace may use it")
            yield ctx.report(
                "CPX100", scope.name_start, scope.name_end,
                f"`{scope.name}` is never called or referenced in the workspace",
                evidence=0.5 if private else 0.3, notes=notes,
                data={"qualname": scope.qualname},
            )


def analyzers() -> list[Analyzer]:
    return [UnreferencedAnalyzer()]
