"""End to end over LSP: a deviant name gets STY001, and the rename covers exactly its scope."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.style.workspace import DEVIANT
from tests.waiting import until

# the client speaks with VS Code's capabilities: anything the server sends outside them fails
pytestmark = pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning")


async def _diagnostics(client: LanguageClient, uri: str, rule: str) -> list[types.Diagnostic]:
    """Wait until `rule` is published for uri (training runs in the background first)."""
    return await until(
        lambda: [d for d in client.diagnostics.get(uri, []) if d.code == rule],
        lambda: f"{rule} for {uri}: {client.diagnostics.get(uri)}",
    )


def _lines_of(edit: types.WorkspaceEdit) -> list[tuple[int, int, str]]:
    assert edit.document_changes is not None
    (change,) = edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    return sorted(
        (e.range.start.line, e.range.start.character, e.new_text) for e in change.edits if isinstance(e, types.TextEdit)
    )


# In DEVIANT, `thing` of cart_total is bound on line 5 and read twice on line 6;
# the other `thing` (lines 11-12) is a different binding and must stay.
EXPECTED = [(5, 8, "order"), (6, 17, "order"), (6, 31, "order")]


async def test_deviant_name_is_suggested_and_renamed_in_scope(client: LanguageClient) -> None:
    root: Path = client.workspace_root  # type: ignore[attr-defined]
    uri = (root / "shop" / "cart.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=DEVIANT)
        )
    )
    (diag,) = [d for d in await _diagnostics(client, uri, "STY001") if d.range.start.line == 5]
    assert "`order`" in diag.message and "`thing`" in diag.message

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions is not None
    (rename_action,) = [
        a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Rename `thing` to `order`")
    ]
    assert rename_action.edit is not None
    assert _lines_of(rename_action.edit) == EXPECTED
    # whatever is suggested for the other `thing` renames only that one
    for action in (
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(11, 4), types.Position(11, 9)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        or []
    ):
        if isinstance(action, types.CodeAction) and action.title.startswith("Rename"):
            assert action.edit is not None
            assert [line for line, _, _ in _lines_of(action.edit)] == [11, 12]

    position = types.Position(line=6, character=17)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    assert prepared.placeholder == "thing"
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position, new_name="order")
    )
    assert edit is not None and _lines_of(edit) == EXPECTED

    # the other binding of the same name renames on its own
    other = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=12, character=11),
            new_name="label",
        )
    )
    assert other is not None
    assert _lines_of(other) == [(11, 4, "label"), (12, 11, "label")]


async def test_rename_refuses_clashes(client: LanguageClient) -> None:
    root: Path = client.workspace_root  # type: ignore[attr-defined]
    uri = (root / "shop" / "cart.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=DEVIANT)
        )
    )
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=6, character=17),
            new_name="total",
        )
    )
    assert edit is None
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=1)
        )
    )  # on `def`: nothing to rename
    assert prepared is None
    await until(
        lambda: len([m for m in client.messages if m.type == types.MessageType.Warning]) >= 2,
        lambda: f"two warnings: {client.messages}",
    )
    warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert "already used" in warnings[0] and "No renamable name" in warnings[1]


async def test_save_updates_the_stored_model(client: LanguageClient) -> None:
    root: Path = client.workspace_root  # type: ignore[attr-defined]
    cart = root / "shop" / "cart.py"
    uri = cart.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=DEVIANT)
        )
    )
    await _diagnostics(client, uri, "STY001")  # the model is trained and stored
    db = root / ".codie" / "codie.db"

    def stored_tokens() -> bytes:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT tokens FROM style_files WHERE path = ?", [cart.resolve().as_posix()]).fetchone()
        return bytes(row[0]) if row else b""

    assert b"thing" in stored_tokens()
    cart.write_text(DEVIANT.replace("thing", "order"))
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await until(lambda: b"thing" not in stored_tokens(), "the saved file to reach the model")
