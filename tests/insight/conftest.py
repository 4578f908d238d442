"""A pytest-lsp client talking to `codie serve` over stdio, rooted in a temp workspace."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = Path(__file__).resolve().parent / "workspace"

CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "codie", "serve"],
    server_env={**os.environ, "PYTHONPATH": str(ROOT / "server"), "CODIE_DB": ":memory:"},
)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=WORKSPACE.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=WORKSPACE.as_uri(), name="workspace")],
        )
    )
    yield
    errors = [m.message for m in lsp_client.messages if m.type == types.MessageType.Error]
    await lsp_client.shutdown_session()
    assert not errors, errors
