"""Pull diagnostics (textDocument/diagnostic) for clients that ask for them.

Clients that support pull get no pushed diagnostics: never both, or they show twice.
"""

from __future__ import annotations

from lsprotocol import types

from codie.lsp.framing import JsonText
from codie.lsp.server import CodieServer


def register(server: CodieServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="codie", inter_file_dependencies=False, workspace_diagnostics=True),
    )
    async def pull(ls: CodieServer, params: types.DocumentDiagnosticParams) -> JsonText:
        # (JSON text: a full or unchanged report, written as it is by lsp/protocol.py)
        uri = params.text_document.uri
        await ls.settled(uri)
        return ls.pull_answer(uri, params.previous_result_id)
