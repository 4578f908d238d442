from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.style.workspace import make_workspace

ROOT = Path(__file__).resolve().parents[2]

CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "codie", "serve"],
    # the model goes to <workspace>/.codie/codie.db: never to a CODIE_DB of the caller
    server_env={**{k: v for k, v in os.environ.items() if k != "CODIE_DB"}, "PYTHONPATH": str(ROOT / "server")},
)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    workspace = make_workspace(tmp_path / "shop").resolve()

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        return None  # VS Code accepts the server's file watchers (pyproject.toml, ...)

    await lsp_client.initialize_session(
        types.InitializeParams(
            # a real editor's capabilities: messages are checked against them
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="shop")],
        )
    )
    lsp_client.workspace_root = workspace  # type: ignore[attr-defined]
    yield
    errors = [m.message for m in lsp_client.messages if m.type == types.MessageType.Error]
    await lsp_client.shutdown_session()
    assert not errors, errors
