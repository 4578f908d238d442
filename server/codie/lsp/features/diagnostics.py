"""Pull diagnostics (textDocument/diagnostic) for clients that ask for them.

Clients that support pull get no pushed diagnostics: never both, or they show twice.
A large document just opened answers its per-statement set first when the client pulls
again on `workspace/diagnostic/refresh`, which it is sent once the complete set is ready
(CodieServer.pull_report): such a client sees findings as early as a push client does.
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
        result_id, items = await ls.pull_report(uri)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=[from_dict(d) for d in items], result_id=result_id)
