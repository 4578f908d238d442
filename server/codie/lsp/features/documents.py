"""didOpen / didChange / didSave / didClose: keep Codie's byte mirror in step with the client.

didChange stays synchronous so that edits apply in order; analysis is scheduled after.
"""

from __future__ import annotations

import logging

from lsprotocol import types

from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)


def register(server: CodieServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CodieServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.open_document(item.uri, item.text, item.version, item.language_id)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CodieServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        analysis = ls.analyses.get(uri)
        if analysis is None:
            log.warning("didChange for a document that is not open: %s", uri)
            return
        doc = analysis.doc
        enc = ls.encoding
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                edit = doc.apply_change(
                    (r.start.line, r.start.character), (r.end.line, r.end.character),
                    change.text, enc,
                )
                analysis.note_edit(edit)
            else:
                doc.replace_all(change.text)
                analysis.invalidate()
        analysis.note_changed_ranges(doc.reparse())
        doc.version = params.text_document.version
        ls.emit("change", doc)
        ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CodieServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("/pyproject.toml"):
            ls.reconfigure()
        ls.emit("save", uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CodieServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close_document(params.text_document.uri)
