"""Helpers for the workspace tests (tests/lsp/test_workspace_*.py): a real `codie serve`
process driven by a pytest-lsp client, with folders, settings and capabilities per test."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "codie", "serve"]
# A safety net against a hang, never a speed budget: tests wait on events (diagnostics
# arriving), and a busy 2-core machine may take long to deliver them.
TIMEOUT = 120.0


def capabilities(*, pull: bool = False, notebooks: bool = False, refresh: bool = True) -> types.ClientCapabilities:
    """What an editor like VS Code advertises, trimmed to what these tests need (refresh:
    a pull client that pulls again on workspace/diagnostic/refresh)."""
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            workspace_folders=True,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull and refresh else None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            code_action=types.CodeActionClientCapabilities(),
            hover=types.HoverClientCapabilities(),
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        )
        if notebooks
        else None,
    )


@asynccontextmanager
async def lsp_session(
    folders: Sequence[Path] = (),
    *,
    settings: dict[str, Any] | None = None,
    folder_settings: dict[Path, dict[str, Any]] | None = None,
    pull: bool = False,
    notebooks: bool = False,
    command: Sequence[str] | None = None,
    refresh: bool = True,
) -> AsyncIterator[LanguageClient]:
    """An initialized client talking to a fresh server; shut down (and checked) afterwards."""
    config = ClientServerConfig(
        server_command=list(command or SERVER),
        server_env={**os.environ, "PYTHONPATH": str(ROOT / "server")},
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    if settings is not None:
        client.set_configuration({"codie": settings})
    for folder, raw in (folder_settings or {}).items():
        client.set_configuration({"codie": raw}, scope_uri=folder.as_uri())
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(pull=pull, notebooks=notebooks, refresh=refresh),
            root_uri=folders[0].as_uri() if folders else None,
            workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders] or None,
            initialization_options=settings,
        )
    )
    try:
        yield client
    finally:
        errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
        await client.shutdown_session()
        await client.stop()
        assert not errors, errors


def open_file(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=path.read_text() if text is None else text
            )
        )
    )
    return uri


def change(
    client: LanguageClient, uri: str, version: int, line: int, col: int, end_line: int, end_col: int, text: str
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(line, col), types.Position(end_line, end_col)), text=text
                )
            ],
        )
    )


Diagnostics = Sequence[types.Diagnostic]


async def diagnostics(
    client: LanguageClient,
    uri: str,
    until: Callable[[Diagnostics], bool] = lambda d: True,
    timeout: float = TIMEOUT,
) -> Diagnostics:
    """The diagnostics last pushed for uri, once `until` holds (polling: no missed pushes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = client.diagnostics.get(uri)
        if found is not None and until(found):
            return found
        if loop.time() > deadline:
            raise AssertionError(f"no matching diagnostics for {uri}; last: {found!r}")
        await asyncio.sleep(0.02)


def codes(diags: Diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diags)


def by_line(diags: Diagnostics) -> list[tuple[int, str]]:
    return sorted((d.range.start.line, str(d.code)) for d in diags)
