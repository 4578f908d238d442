"""Cross-file state follows the workspace: closing a buffer with unsaved edits puts the file's
disk content back into the call graph, so workspace-level findings (CPX100) equal what a
fresh server reports."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import codes, diagnostics, lsp_session, open_file

TIMEOUT = 60.0


async def test_closing_an_unsaved_buffer_restores_its_references(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def _helper():\n    return 1\n")
    (tmp_path / "b.py").write_text("from a import _helper\n\n_helper()\n")
    async with lsp_session([tmp_path]) as client:
        a = open_file(client, tmp_path / "a.py")
        b = open_file(client, tmp_path / "b.py")
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(  # unsaved
                text_document=types.VersionedTextDocumentIdentifier(uri=b, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="pass\n")],
            )
        )
        await diagnostics(client, a, lambda d: "CPX100" in codes(d), timeout=TIMEOUT)
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=b))
        )
        # on disk b.py still calls _helper(): the hint goes, as on a fresh server
        await diagnostics(client, a, lambda d: "CPX100" not in codes(d), timeout=TIMEOUT)
