"""CPX100: functions that nothing in the workspace calls or names (a low-confidence hint).

It needs the workspace call graph, which every door provides as the service "callgraph":
the language server keeps one current while the user types (lsp/workspace_graph.py);
headless runs build one over the walked files and pass an `UnreferencedIndex`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol
from urllib.parse import unquote, urlparse

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding

if TYPE_CHECKING:
    # types only: importing the call graph package loads sqlite-utils (click, pluggy,
    # dateutil), ~60 ms of CPU and 5 MiB that the first didOpen waited for (the analyzers
    # load before a document is analysed); the editor loads it after the first diagnostics
    from codie.analyzers.callgraph.graph import CallGraph
    from codie.analyzers.callgraph.model import Scope


class UnreferencedSource(Protocol):
    def unreferenced_in(self, uri: str, source: bytes) -> list[Scope]: ...


class UnreferencedIndex:
    """A built call graph's answer for every file, as small plain data (a headless run
    hands it to its worker processes): path -> (digest of the indexed text, scopes)."""

    def __init__(self, graph: CallGraph) -> None:
        self.by_path: dict[str, tuple[str, list[Scope]]] = {}
        for rel, module in graph.path_module.items():
            summary = graph.resolver.modules.get(module)
            if summary is not None:
                self.by_path[(graph.root / rel).as_posix()] = (summary.digest, graph.unreferenced(module))

    def unreferenced_in(self, uri: str, source: bytes) -> list[Scope]:
        parsed = urlparse(uri)
        if parsed.scheme != "file":
            return []
        try:
            path = Path(unquote(parsed.path)).resolve().as_posix()
        except (OSError, RuntimeError):
            return []
        entry = self.by_path.get(path)
        if entry is None or entry[0] != hashlib.blake2b(source, digest_size=12).hexdigest():
            return []  # the graph indexed another text: say nothing rather than guess
        return entry[1]


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
                "CPX100",
                scope.name_start,
                scope.name_end,
                f"`{scope.name}` is never called or referenced in the workspace",
                evidence=0.5 if private else 0.3,
                notes=notes,
                data={"qualname": scope.qualname},
            )


def analyzers() -> list[Analyzer]:
    return [UnreferencedAnalyzer()]
