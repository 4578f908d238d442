"""pytest-lsp fixtures: a client talking to a real `codie serve` process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "codie", "serve"],
    server_env={**os.environ, "PYTHONPATH": str(ROOT / "server")},
)


def capabilities(encodings: list[str] | None = None, pull: bool = False) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind(e) for e in encodings] if encodings else None
        ),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(configuration=False),
    )


async def start(client: LanguageClient, root: Path, caps: types.ClientCapabilities) -> None:
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    client.codie_capabilities = result.capabilities  # type: ignore[attr-defined]


async def stop(client: LanguageClient) -> None:
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    await client.shutdown_session()
    assert not errors, errors


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    await start(lsp_client, tmp_path, capabilities())
    yield
    await stop(lsp_client)


@pytest_lsp.fixture(config=CONFIG)
async def pull_client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    await start(lsp_client, tmp_path, capabilities(pull=True))
    yield
    await stop(lsp_client)


@pytest_lsp.fixture(config=CONFIG, params=["utf-8", "utf-16", "utf-32"])
async def encoding_client(lsp_client: LanguageClient, tmp_path: Path, request):  # type: ignore[no-untyped-def]
    await start(lsp_client, tmp_path, capabilities([request.param]))
    yield
    await stop(lsp_client)
