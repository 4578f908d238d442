"""Call hierarchy (prepare, incoming, outgoing) and `codie/callGraph` from the workspace
call graph (lsp/workspace_graph.py). The request schema is in shared/schema/custom-requests.json.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from tree_sitter import Node

from codie.core.document import Document
from codie.lsp.convert import lsp_range
from codie.lsp.server import CodieServer
from codie.lsp.settings import uri_to_path
from codie.lsp.workspace_graph import FolderGraph, WorkspaceGraphs, service

if TYPE_CHECKING:  # annotations only: the call graph loads after the first diagnostics
    from codie.analyzers.callgraph import CallGraph, Edge
    from codie.analyzers.callgraph.model import Scope

log = logging.getLogger(__name__)
CALL_GRAPH = "codie/callGraph"
MAX_DEPTH = 3
MAX_NODES = 500
KINDS = {
    "module": types.SymbolKind.Module,
    "class": types.SymbolKind.Class,
    "function": types.SymbolKind.Function,
    "lambda": types.SymbolKind.Function,
}


def _kind(graph: CallGraph, scope: Scope) -> types.SymbolKind:
    parent = graph.scope(scope.parent or "")
    if scope.kind == "function" and parent is not None and parent.kind == "class":
        return types.SymbolKind.Method
    return KINDS.get(scope.kind, types.SymbolKind.Function)


def _item(
    ls: CodieServer, graphs: WorkspaceGraphs, folder: FolderGraph, qualname: str
) -> types.CallHierarchyItem | None:
    graph = folder.graph
    scope, path = graph.scope(qualname), graph.path_of(qualname)
    doc = graphs.document_for(path) if path is not None else None
    if scope is None or path is None or doc is None:
        return None
    enc = ls.encoding
    whole = lsp_range(doc, scope.start, scope.end if scope.kind != "module" else 0, enc)
    name = lsp_range(doc, scope.name_start, scope.name_end, enc)
    return types.CallHierarchyItem(
        name=scope.name,
        kind=_kind(graph, scope),
        uri=path.as_uri(),
        range=whole,
        selection_range=name,
        detail=qualname,
        data={"qualname": qualname, "root": str(folder.root)},
    )


def _site_ranges(ls: CodieServer, doc: Document | None, edges: list[Edge]) -> list[types.Range]:
    if doc is None:
        return []
    return [lsp_range(doc, e.start, e.end, ls.encoding) for e in edges]


def _qualname(item: types.CallHierarchyItem) -> str:
    data = item.data
    if isinstance(data, dict) and isinstance(data.get("qualname"), str):
        return str(data["qualname"])
    return item.detail or ""


async def prepare(ls: CodieServer, uri: str, line: int, character: int) -> list[str]:
    """The qualnames at a position: the callee of a call there, else the enclosing def."""
    graphs = service(ls)
    folder = await graphs.ready(uri)
    path = uri_to_path(uri)
    doc = ls.document(uri) or (graphs.document_for(path) if path else None)
    if folder is None or path is None or doc is None:
        return []
    offset = doc.offset_at(line, character, ls.encoding)
    graph = folder.graph
    callees = [q for q in graph.callee_at(path, offset) if not graph.is_external(q)]
    if callees:
        return callees
    if _in_called_expression(doc, offset):
        inferred = await _jedi_callees(ls, folder, path, doc, offset)
        if inferred:
            return inferred
    scope = graph.definition_at(path, offset)
    return [scope.qualname] if scope is not None else []


def _in_called_expression(doc: Document, offset: int) -> bool:
    """Is offset inside the called part of a call (`a.b.c` in `a.b.c(...)`)?"""
    if doc.tree is None:
        return False
    node: Node | None = doc.tree.root_node.descendant_for_byte_range(offset, offset)
    for _ in range(8):
        if node is None:
            return False
        parent = node.parent
        if parent is not None and parent.type == "call":
            fn = parent.child_by_field_name("function")
            return fn is not None and fn.start_byte <= offset <= fn.end_byte
        node = parent
    return False


async def _jedi_callees(ls: CodieServer, folder: FolderGraph, path: Path, doc: Document, offset: int) -> list[str]:
    """Where the graph has no answer for a call, jedi's inference may (typeshed generics,
    builtins' return types). On demand only: it is too slow for the whole workspace."""
    line, column = doc.position_at(offset, "utf-32")  # jedi counts code points
    text, root = doc.text, str(folder.root)

    def goto() -> list[tuple[Path, int, str]]:
        import jedi

        try:
            names = jedi.Script(text, path=str(path), project=jedi.Project(root)).goto(
                line + 1, column, follow_imports=True
            )
        except Exception:  # jedi fails on some code: then there is simply no answer
            log.debug("jedi goto failed", exc_info=True)
            return []
        return [(Path(n.module_path), n.line or 0, n.name) for n in names if n.module_path]

    found = await asyncio.get_running_loop().run_in_executor(ls.thread_pool, goto)
    graph = folder.graph
    out = []
    for module_path, def_line, name in found:
        module = graph.path_module.get(graph.relative(module_path))
        summary = graph.resolver.modules.get(module or "")
        for scope in summary.scopes.values() if summary is not None else ():
            if scope.kind != "module" and scope.name == name and scope.line == def_line - 1:
                out.append(scope.qualname)
    return sorted(set(out))


def neighbourhood(
    graph: CallGraph, center: str, depth: int, direction: str, external: bool
) -> tuple[set[str], list[Edge]]:
    seen, frontier, edges = {center}, [center], []
    for _ in range(depth):
        following: list[str] = []
        for q in frontier:
            step: list[Edge] = []
            if direction in ("both", "outgoing"):
                step += graph.outgoing(q)
            if direction in ("both", "incoming"):
                step += graph.incoming(q)
            for e in step:
                if not external and graph.is_external(e.callee):
                    continue
                edges.append(e)
                for n in (e.caller, e.callee):
                    if n not in seen and len(seen) < MAX_NODES:
                        seen.add(n)
                        following.append(n)
        frontier = following
    unique = {(e.caller, e.callee, e.start): e for e in edges if e.caller in seen and e.callee in seen}
    return seen, list(unique.values())


def _field(params: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = params.get(name) if isinstance(params, dict) else getattr(params, name, None)
        if value is not None:
            return value
    return default


def register(server: CodieServer) -> None:
    def on_open(ls: CodieServer, doc: Document) -> None:
        if doc.is_python:  # starts the folder's first build (after the first diagnostics)
            ls.after_startup(lambda: service(ls).opened(doc))

    server.hooks.open.connect(on_open)
    server.hooks.change.connect(lambda ls, doc: service(ls).changed(doc))

    def on_save(ls: CodieServer, uri: str) -> None:
        service(ls).spawn(service(ls).saved(uri))

    server.hooks.save.connect(on_save)
    server.hooks.close.connect(lambda ls, uri: service(ls).closed(uri))

    @server.feature(types.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY)
    async def prepare_call_hierarchy(
        ls: CodieServer, params: types.CallHierarchyPrepareParams
    ) -> list[types.CallHierarchyItem] | None:
        uri = params.text_document.uri
        names = await prepare(ls, uri, params.position.line, params.position.character)
        graphs = service(ls)
        folder = graphs.folder_for(uri)
        if folder is None:
            return None
        async with folder.lock:
            items = [i for q in names if (i := _item(ls, graphs, folder, q)) is not None]
        return items or None

    @server.feature(types.CALL_HIERARCHY_INCOMING_CALLS)
    async def incoming_calls(
        ls: CodieServer, params: types.CallHierarchyIncomingCallsParams
    ) -> list[types.CallHierarchyIncomingCall] | None:
        graphs = service(ls)
        folder = await graphs.ready(params.item.uri)
        if folder is None:
            return None
        async with folder.lock:
            by_caller: defaultdict[str, list[Edge]] = defaultdict(list)
            for e in folder.graph.incoming(_qualname(params.item)):
                by_caller[e.caller].append(e)
            calls = []
            for caller, edges in by_caller.items():
                item = _item(ls, graphs, folder, caller)
                path = folder.graph.path_of(caller)
                if item is None or path is None:
                    continue
                ranges = _site_ranges(ls, graphs.document_for(path), edges)
                calls.append(types.CallHierarchyIncomingCall(from_=item, from_ranges=ranges))
        return calls

    @server.feature(types.CALL_HIERARCHY_OUTGOING_CALLS)
    async def outgoing_calls(
        ls: CodieServer, params: types.CallHierarchyOutgoingCallsParams
    ) -> list[types.CallHierarchyOutgoingCall] | None:
        graphs = service(ls)
        folder = await graphs.ready(params.item.uri)
        if folder is None:
            return None
        qualname = _qualname(params.item)
        async with folder.lock:
            path = folder.graph.path_of(qualname)
            doc = graphs.document_for(path) if path is not None else None
            by_callee: defaultdict[str, list[Edge]] = defaultdict(list)
            for e in folder.graph.outgoing(qualname):
                by_callee[e.callee].append(e)
            calls = []
            for callee, edges in by_callee.items():
                item = _item(ls, graphs, folder, callee)  # external callees have no file
                if item is not None:
                    calls.append(types.CallHierarchyOutgoingCall(to=item, from_ranges=_site_ranges(ls, doc, edges)))
        return calls

    @server.feature(CALL_GRAPH)
    async def call_graph(ls: CodieServer, params: Any) -> dict[str, Any]:
        uri = _field(_field(params, "textDocument", "text_document", default={}), "uri")
        symbol = _field(params, "symbol")
        if not isinstance(uri, str):
            return {"error": "textDocument.uri is required"}
        try:
            depth = max(1, min(int(_field(params, "depth", default=1)), MAX_DEPTH))
        except (TypeError, ValueError):
            return {"error": "depth must be an integer (1-3)"}
        direction = str(_field(params, "direction", default="both"))
        if direction not in ("both", "incoming", "outgoing"):
            return {"error": f"direction must be both|incoming|outgoing, got {direction!r}"}
        external = bool(_field(params, "includeExternal", default=True))
        if not isinstance(symbol, str):
            position = _field(params, "position")
            if position is None:
                return {"error": "give a symbol or a position"}
            try:
                line = int(_field(position, "line", default=0))
                character = int(_field(position, "character", default=0))
            except (TypeError, ValueError):
                return {"error": "position needs integer line and character"}
            names = await prepare(ls, uri, line, character)
            symbol = names[0] if names else None
        graphs = service(ls)
        folder = await graphs.ready(uri)
        if folder is None or symbol is None:
            return {"error": "no symbol with a call graph here", "nodes": [], "edges": []}
        async with folder.lock:
            return _graph_result(ls, graphs, folder, symbol, depth, direction, external)


def _graph_result(
    ls: CodieServer,
    graphs: WorkspaceGraphs,
    folder: FolderGraph,
    symbol: str,
    depth: int,
    direction: str,
    external: bool,
) -> dict[str, Any]:
    graph = folder.graph
    nodes, edges = neighbourhood(graph, symbol, depth, direction, external)
    out_nodes = []
    for q in sorted(nodes):
        scope, path = graph.scope(q), graph.path_of(q)
        node: dict[str, Any] = {"id": q, "name": q.rpartition(".")[2], "external": scope is None}
        if scope is not None and path is not None:
            node["kind"] = "method" if _kind(graph, scope) == types.SymbolKind.Method else scope.kind
            node["uri"] = path.as_uri()
            doc = graphs.document_for(path)
            if doc is not None:
                r = lsp_range(doc, scope.name_start, scope.name_end, ls.encoding)
                node["range"] = _plain_range(r)
        out_nodes.append(node)
    out_edges: dict[tuple[str, str], dict[str, Any]] = {}
    for e in edges:
        entry = out_edges.setdefault((e.caller, e.callee), {"caller": e.caller, "callee": e.callee, "sites": []})
        path = graph.path_of(e.caller)
        doc = graphs.document_for(path) if path is not None else None
        if doc is not None and path is not None:
            entry["sites"].append(
                {"uri": path.as_uri(), "range": _plain_range(lsp_range(doc, e.start, e.end, ls.encoding))}
            )
    return {"root": symbol, "nodes": out_nodes, "edges": list(out_edges.values())}


def _plain_range(r: types.Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }
