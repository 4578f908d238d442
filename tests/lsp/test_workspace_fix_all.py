"""source.fixAll.codie: safe fixes only; on save, nothing that removes code."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import diagnostics, lsp_session, open_file

SOURCE = (
    "x = eval(input())  # codie: ignore SEC001\n"  # malformed: safe fix writes the brackets
    "z = 1  # codie: ignore[Q001]\n"  # suppresses nothing: safe, but not on save
    "try:\n    pass\nexcept:\n    pass\n"  # Q001: its fix changes behaviour (not safe)
)


async def fix_all(client, uri: str, trigger: types.CodeActionTriggerKind) -> list[types.TextEdit]:  # type: ignore[no-untyped-def]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.codie"], trigger_kind=trigger),
        )
    )
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert isinstance(action, types.CodeAction) and action.kind == "source.fixAll.codie"
    assert action.edit is not None and action.edit.document_changes
    change = action.edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    return [e for e in change.edits if isinstance(e, types.TextEdit)]


async def test_fix_on_save_applies_only_safe_non_removing_fixes(tmp_path: Path) -> None:
    path = tmp_path / "save.py"
    path.write_text(SOURCE)
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, path)
        await diagnostics(client, uri, lambda d: len(d) >= 3)
        on_save = await fix_all(client, uri, types.CodeActionTriggerKind.Automatic)
        assert [(e.range.start.line, e.new_text) for e in on_save] == [(0, "# codie: ignore[SEC001]")]
        invoked = await fix_all(client, uri, types.CodeActionTriggerKind.Invoked)
        assert [(e.range.start.line, e.new_text) for e in invoked] == [(0, "# codie: ignore[SEC001]"), (1, "")]
        # quick-fix requests never get the fix-all action
        quick = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri),
                range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert not any(isinstance(a, types.CodeAction) and a.kind == "source.fixAll.codie" for a in quick or [])
