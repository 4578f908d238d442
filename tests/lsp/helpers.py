"""Small helpers for driving the server like an editor would."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.core.reference import index_of

_versions = itertools.count(1)


async def wait_for(
    predicate: Callable[[], bool], timeout: float = 120.0, describe: Callable[[], object] | None = None
) -> None:
    """Poll: notifications that arrived during an earlier await are not missed. The timeout
    is a safety net against a hang, not a speed budget (the machine may be busy)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            seen = f": {describe()}" if describe else ""
            raise AssertionError(f"timed out waiting for the server{seen}")
        await asyncio.sleep(0.01)


def codes(client: LanguageClient, uri: str) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(uri, []))


def open_doc(client: LanguageClient, path: Path, text: str, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=next(_versions), text=text)
        )
    )
    return uri


def change(client: LanguageClient, uri: str, changes: Sequence[types.TextDocumentContentChangeEvent]) -> int:
    version = next(_versions)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=list(changes),
        )
    )
    return version


def edit(sl: int, sc: int, el: int, ec: int, text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(sl, sc), types.Position(el, ec)), text=text
    )


def apply_edits(text: str, edits: Sequence[types.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP TextEdits (all relative to the original text), last first."""
    spans = []
    for e in edits:
        a = index_of(text, e.range.start.line, e.range.start.character, encoding)
        b = index_of(text, e.range.end.line, e.range.end.character, encoding)
        spans.append((a, b, e.new_text))
    for a, b, new in sorted(spans, reverse=True):
        text = text[:a] + new + text[b:]
    return text


def workspace_edits(edit: types.WorkspaceEdit | None) -> list[types.TextEdit]:
    assert edit is not None and edit.document_changes
    out: list[types.TextEdit] = []
    for dc in edit.document_changes:
        assert isinstance(dc, types.TextDocumentEdit)
        out.extend(e for e in dc.edits if isinstance(e, types.TextEdit))
    return out
