"""Notebook document sync: a notebook's Python cells analysed as one module.

The notebook has one DocumentAnalysis over the joined module (core/notebook.py); each
cell is registered in `server.analyses` as a CellAnalysis, whose findings are the
module's findings that start in that cell, in the cell's own coordinates. Diagnostics,
hover and code actions for a cell URI therefore work through the ordinary paths. Every
change (text, cells added, removed or moved) becomes one splice of the module, so the
incremental engine re-analyses only what changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from lsprotocol import types

from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.notebook import CellMap, build_module, cell_findings
from codie.core.textdiff import common_prefix, common_suffix
from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)


@dataclass
class Notebook:
    uri: str
    analysis: DocumentAnalysis
    order: list[str] = field(default_factory=list)  # every cell's uri, in notebook order
    languages: dict[str, str] = field(default_factory=dict)
    cmap: CellMap = field(default_factory=CellMap)

    def code_cells(self) -> list[str]:
        return [u for u in self.order if self.languages.get(u) == "python"]

    def findings_of(self, cell_uri: str) -> list[Finding]:
        if cell_uri not in self.cmap.uris:
            return []
        findings = self.analysis.findings()
        return cell_findings(findings, self.cmap, self.cmap.index(cell_uri))


class CellAnalysis(DocumentAnalysis):
    """One cell's view of its notebook's analysis (no analyzers of its own)."""

    def __init__(self, ctx: Context, notebook: Notebook) -> None:
        super().__init__(ctx, ())
        self.notebook = notebook
        self.owner_uri = notebook.uri  # for baselines: the file the cell belongs to
        self.dirty = []
        self.whole_dirty = False

    @property
    def pending(self) -> bool:
        return self.notebook.analysis.pending

    def invalidate(self) -> None:
        self.notebook.analysis.invalidate()

    def step(self, budget: float = 0.005) -> bool:
        return self.notebook.analysis.step(budget)

    def findings(self) -> list[Finding]:
        return self.notebook.findings_of(self.doc.uri)


class Notebooks(dict[str, Notebook]):
    """The open notebooks by uri (a service)."""


def notebooks(ls: CodieServer) -> Notebooks:
    return ls.services.get(Notebooks)


def _splice(notebook: Notebook, cells: dict[str, Document]) -> None:
    """Bring the module up to date with the cells as one edit (or none)."""
    module = notebook.analysis.doc
    code = notebook.code_cells()
    source, cmap = build_module([(u, cells[u].source) for u in code if u in cells])
    notebook.cmap = cmap
    old = module.source
    if source == old:
        return
    lo = common_prefix(old, source)
    hi = common_suffix(old, source, min(len(old), len(source)) - lo)
    edit = module.splice(lo, len(old) - hi, source[lo : len(source) - hi])
    notebook.analysis.note_edit(edit)
    notebook.analysis.note_changed_ranges(module.reparse())


def _cell_docs(ls: CodieServer, notebook: Notebook) -> dict[str, Document]:
    docs = {}
    for uri in notebook.order:
        analysis = ls.analyses.get(uri)
        if isinstance(analysis, CellAnalysis):
            docs[uri] = analysis.doc
    return docs


def _open_cell(ls: CodieServer, notebook: Notebook, item: types.TextDocumentItem) -> None:
    notebook.languages[item.uri] = item.language_id
    doc = Document(item.uri, item.text, item.version, "python" if item.language_id == "python" else "text")
    ctx = Context(
        doc, ls.catalogue, notebook.analysis.ctx.settings, root=notebook.analysis.ctx.root, services=ls.services.shared
    )
    ls.analyses[item.uri] = CellAnalysis(ctx, notebook)


def _refresh(ls: CodieServer, notebook: Notebook) -> None:
    _splice(notebook, _cell_docs(ls, notebook))
    cells = [u for u in notebook.order if isinstance(ls.analyses.get(u), CellAnalysis)]
    for uri in cells:
        ls.schedule(uri)
    if ls.pull_diagnostics and cells:
        # an edit in one cell can change what another shows: ask the client to pull again
        task = asyncio.get_event_loop().create_task(_refresh_when_settled(ls, cells[0]))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)


_TASKS: set[asyncio.Task[None]] = set()


async def _refresh_when_settled(ls: CodieServer, uri: str) -> None:
    await ls.settled(uri)
    ls.refresh_pull()


def _apply_text(ls: CodieServer, changes: Sequence[types.NotebookDocumentCellContentChanges]) -> None:
    enc = ls.encoding
    for content in changes:
        analysis = ls.analyses.get(content.document.uri)
        if not isinstance(analysis, CellAnalysis):
            log.warning("change for an unknown cell %s", content.document.uri)
            continue
        doc = analysis.doc
        for change in content.changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                doc.apply_change((r.start.line, r.start.character), (r.end.line, r.end.character), change.text, enc)
            else:
                doc.replace_all(change.text)
        doc.reparse()
        doc.version = content.document.version


def register(server: CodieServer) -> None:
    # notebookDocumentSync is announced by the server's constructor (lsp/server.py)
    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(ls: CodieServer, params: types.DidOpenNotebookDocumentParams) -> None:
        nb = params.notebook_document
        module = Document(nb.uri, "", nb.version, "python")
        ctx = Context(
            module,
            ls.catalogue,
            ls.settings.for_uri(nb.uri),
            root=ls.settings.folder_of(nb.uri),
            services=ls.services.shared,
        )
        notebook = Notebook(nb.uri, DocumentAnalysis(ctx, ls.analyzers, on_error=ls.analyzer_failed))
        notebook.order = [cell.document for cell in nb.cells]
        notebooks(ls)[nb.uri] = notebook
        for item in params.cell_text_documents:
            _open_cell(ls, notebook, item)
        _refresh(ls, notebook)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(ls: CodieServer, params: types.DidChangeNotebookDocumentParams) -> None:
        notebook = notebooks(ls).get(params.notebook_document.uri)
        cells = params.change.cells
        if notebook is None or cells is None:
            return
        if cells.structure is not None:
            array = cells.structure.array
            added = [c.document for c in array.cells or ()]
            notebook.order[array.start : array.start + array.delete_count] = added
            for item in cells.structure.did_open or ():
                _open_cell(ls, notebook, item)
            for ident in cells.structure.did_close or ():
                notebook.languages.pop(ident.uri, None)
                ls.close_document(ident.uri)
        _apply_text(ls, cells.text_content or ())
        notebook.analysis.doc.version = params.notebook_document.version
        _refresh(ls, notebook)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: CodieServer, params: types.DidCloseNotebookDocumentParams) -> None:
        notebook = notebooks(ls).pop(params.notebook_document.uri, None)
        for ident in params.cell_text_documents:
            ls.close_document(ident.uri)
        if notebook is not None:
            for uri in notebook.order:
                if uri in ls.analyses:
                    ls.close_document(uri)

    def settings_changed(ls: CodieServer) -> None:
        for notebook in notebooks(ls).values():
            settings = ls.settings.for_uri(notebook.uri)
            notebook.analysis.ctx.settings = settings
            for uri in notebook.order:
                analysis = ls.analyses.get(uri)
                if isinstance(analysis, CellAnalysis):
                    analysis.ctx.settings = settings
            notebook.analysis.invalidate()
            _refresh(ls, notebook)

    server.hooks.settings.connect(settings_changed)
