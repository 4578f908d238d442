"""Pull diagnostics (textDocument/diagnostic) for clients that ask for them.

Clients that support pull get no pushed diagnostics: never both, or they show twice.
A large document just opened answers its per-statement set first when the client pulls
again on `workspace/diagnostic/refresh`, which it is sent once the complete set is ready
(CodieServer.pull_report): such a client sees findings as early as a push client does.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from codie.lsp.convert import report_json
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
        # No GC collection between the analysis and this answer written (scheduling.GcPause):
        # the hold is released by a callback of this task, which runs after pygls's own,
        # the one that writes the answer (or the cancel error, for a cancelled pull).
        hold = ls.scheduler.answering(uri)
        task = asyncio.current_task()
        if task is None:  # (not run as a task: nothing to write the answer after)
            ls.scheduler.answered(hold)
        else:
            task.add_done_callback(lambda _: ls.scheduler.answered(hold))
        result_id, texts = await ls.pull_report(uri)
        unchanged = params.previous_result_id == result_id  # (the client has these)
        return JsonText(report_json(result_id, None if unchanged else texts))
