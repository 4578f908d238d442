"""Pull diagnostics (textDocument/diagnostic) for clients that ask for them.

Clients that support pull get no pushed diagnostics: never both, or they show twice.
"""

from __future__ import annotations

from lsprotocol import types

from codie.lsp.convert import from_dict
from codie.lsp.server import CodieServer


def register(server: CodieServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="codie", inter_file_dependencies=False, workspace_diagnostics=True),
    )
    async def pull(
        ls: CodieServer, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport | types.RelatedUnchangedDocumentDiagnosticReport:
        uri = params.text_document.uri
        await ls.settled(uri)
        result_id, items = ls.diagnostic_report(uri)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=[from_dict(d) for d in items], result_id=result_id)
