"""End to end over stdio: code lens with metrics, call hierarchy and codie/callGraph."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

WORKSPACE = Path(__file__).resolve().parent / "workspace"

UTIL = WORKSPACE / "app" / "util.py"
MAIN = WORKSPACE / "app" / "main.py"


def open_file(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=path.read_text())))
    return uri


async def test_code_lens_shows_function_metrics(client: LanguageClient) -> None:
    uri = open_file(client, UTIL)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    titles = {lens.range.start.line: lens.command.title for lens in lenses if lens.command}
    assert titles[0].startswith("CC 3 (A) · cognitive 2 ·"), titles
    assert titles[6].startswith("CC 1 (A) · cognitive 0 ·"), titles
    figures = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="codie.functionMetrics", arguments=[uri, "helper"]))
    assert figures["cyclomatic"] == 3
    assert figures["halstead"]["N1"] > 0


async def test_code_lens_follows_edits(client: LanguageClient) -> None:
    uri = open_file(client, UTIL)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(1, 4), types.Position(1, 4)),
            text="if x:\n        pass\n    ")]))
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    titles = {lens.range.start.line: lens.command.title for lens in lenses if lens.command}
    assert titles[0].startswith("CC 4 (A)"), titles
