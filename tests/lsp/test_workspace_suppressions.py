"""Suppression scopes, their quick fixes and the warnings about directives, over LSP."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import by_line, diagnostics, lsp_session, open_file

SOURCE = '''\
# codie: ignore[Q003]
"""A module whose asserts are all accepted (file scope)."""


def check(x):
    assert x
    return x


def load(a, seen=[]):  # codie: ignore[Q002, Q001]
    try:
        return eval(input(a))  # noqa: S307
    except:
        return None


value = compute(
    eval(input()),
)  # codie: ignore[SEC001]
other = eval(input())  # nosec B307
again = eval(input())
'''


async def test_each_scope_hides_what_it_covers_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "scopes.py"
    path.write_text(SOURCE)
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, path)
        diags = await diagnostics(client, uri)
        # file scope hid Q003 (line 5); block scope hid Q002 and Q001 in load(); noqa with an
        # alias hid line 11; the closing line of a multi-line statement hid line 17; nosec
        # hid line 19. Only the last eval is left.
        assert by_line(diags) == [(20, "SEC001")]


async def test_warnings_for_malformed_blanket_and_unused_directives(tmp_path: Path) -> None:
    path = tmp_path / "warn.py"
    path.write_text(
        "a = eval(input())  # codie: ignore SEC001\n"
        "b = 1  # codie: ignore[SEC001]\n"
        "c = eval(input())  # noqa\n"
        "d = eval(input())  # codie: ignore[NOSUCH1]\n"
        "e = 1  # noqa: E501\n"
    )
    settings = {"suppressions": {"warn-blanket": True}}
    async with lsp_session([tmp_path], settings=settings) as client:
        uri = open_file(client, path)
        diags = await diagnostics(client, uri, lambda d: any(x.code == "SUP002" for x in d))
        assert by_line(diags) == [
            (0, "SEC001"),
            (0, "SUP001"),  # codes without brackets suppress nothing
            (1, "SUP003"),  # nothing to suppress on line 2
            (2, "SUP002"),  # blanket (reported because configured)
            (3, "SEC001"),
            (3, "SUP001"),  # no such rule
        ]  # line 5: E501 is another tool's code, not ours to judge
        messages = {d.range.start.line: d.message for d in diags if d.code != "SEC001"}
        assert "brackets" in messages[0] and "NOSUCH1" in messages[3]


async def test_quick_fixes_add_each_scope(tmp_path: Path) -> None:
    path = tmp_path / "fixes.py"
    path.write_text(
        "#!/usr/bin/env python\nimport os\n\n\ndef run(cmd):\n    with open(cmd) as fh:\n        return eval(input())\n"
    )
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, path)
        diags = await diagnostics(client, uri, lambda d: len(d) == 1)
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diags[0].range,
                context=types.CodeActionContext(diagnostics=list(diags)),
            )
        )
        assert actions is not None
        edits = {}
        for action in actions:
            if isinstance(action, types.CodeAction) and action.title.startswith("Suppress"):
                assert action.edit is not None and action.edit.document_changes
                change = action.edit.document_changes[0]
                assert isinstance(change, types.TextDocumentEdit)
                edit = change.edits[0]
                assert isinstance(edit, types.TextEdit)
                edits[action.title] = (edit.range.start.line, edit.range.start.character, edit.new_text)
        assert edits == {
            "Suppress SEC001 on this line": (6, 28, "  # codie: ignore[SEC001]"),
            "Suppress SEC001 in this `with` block": (5, 25, "  # codie: ignore[SEC001]"),
            "Suppress SEC001 in this file": (1, 0, "# codie: ignore[SEC001]\n"),
        }
