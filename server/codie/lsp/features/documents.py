"""didOpen / didChange / didSave / didClose: keep Codie's byte mirror in step with the client.

didChange stays synchronous so that edits apply in order; analysis is scheduled after
(lsp/scheduling.py coalesces bursts). A document Codie refused (too large, not text) keeps
no text: only a whole-document change can bring it back.
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
        version = params.text_document.version
        if (refused := ls.refused.get(uri)) is not None:
            whole = [c for c in params.content_changes if isinstance(c, types.TextDocumentContentChangeWholeDocument)]
            if whole:
                ls.open_document(uri, whole[-1].text, version, None)
            else:
                refused.version = version
                ls.publish(uri)
            return
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
                    (r.start.line, r.start.character),
                    (r.end.line, r.end.character),
                    change.text,
                    enc,
                )
                analysis.note_edit(edit)
            elif (reason := ls.refusal(uri, change.text)) is not None:
                ls.refuse(uri, version, reason)
                return
            else:
                doc.replace_all(change.text)
                analysis.invalidate()
        if (reason := ls.refusal(uri, None, len(doc.source))) is not None:
            ls.refuse(uri, version, reason)  # it grew past the limit
            return
        # no reparse here: the analysis reparses once when it starts (core/document.py), so a
        # burst of didChange notifications costs one reparse, not one per keystroke
        doc.version = version
        ls.hooks.change.emit(ls, doc)
        ls.schedule(uri, edit=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CodieServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("/pyproject.toml"):
            ls.reconfigure()
        ls.hooks.save.emit(ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CodieServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close_document(params.text_document.uri)
