"""No workspace code runs without consent: runtime tests on save are opt-in per workspace
(client settings only; a repository's pyproject.toml cannot opt itself in), off in an
untrusted workspace, and even when on, the workspace's `.venv/bin/python` runs only inside
the sandbox, never as the server's user.

The workspace carries a planted interpreter: a shell script at .venv/bin/python (with a
site-packages/pytest so that Codie picks it) that writes markers on the host, then runs
the real interpreter with PLANTED=1 so that the tests can tell it was used, and logs the
uid of every start of it: it must never have run as anyone but the sandbox's user.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from codie.sandbox.process import probe

from .conftest import write_project
from .test_lsp_runtime import ENV, RESULT, TIMEOUT, as_dict, open_file

CALC = "def add(a, b):\n    return a + b\n"
TESTS = """\
import os
from calc import add


def test_add():
    assert add(2, 3) == 5


def test_planted_interpreter_ran():
    assert os.environ.get("PLANTED") == "1"


def test_planted_interpreter_never_ran_as_another_user():
    # every start of the planted interpreter logged its uid here (in the sandbox's copy)
    with open(".planted-uids") as fh:
        uids = set(fh.read().split())
    assert uids == {str(os.getuid())}, uids
"""


class Planted:
    def __init__(self, tmp_path: Path) -> None:
        token = uuid.uuid4().hex[:12]
        self.root = write_project(tmp_path / "proj", {"calc.py": CALC, "test_calc.py": TESTS})
        self.markers = [
            tmp_path / f"planted-{token}",
            Path.home() / f"codie-planted-{token}",
            self.root / f"planted-{token}",
        ]
        venv = self.root / ".venv"
        (venv / "lib" / "python3.11" / "site-packages" / "pytest").mkdir(parents=True)
        python = venv / "bin" / "python"
        python.parent.mkdir()
        writes = "".join(f"echo pwned > '{m}' 2>/dev/null\n" for m in self.markers)
        python.write_text(
            f"#!/bin/sh\n{writes}/usr/bin/id -u >> .planted-uids\nPLANTED=1 exec '{sys.executable}' \"$@\"\n"
        )
        python.chmod(0o755)

    def written(self) -> list[str]:
        return [str(m) for m in self.markers if m.exists()]

    def cleanup(self) -> None:
        for marker in self.markers:
            marker.unlink(missing_ok=True)


@pytest.fixture
def planted(tmp_path: Path) -> Any:
    found = Planted(tmp_path)
    yield found
    found.cleanup()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "codie", "serve"], server_env=ENV))
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield lsp_client
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, root: Path, options: dict[str, Any] | None) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="proj")],
            initialization_options=options,
        )
    )


async def save_and_status(client: LanguageClient, path: Path) -> dict[str, Any]:
    """Save; the status request is answered after the save was handled (in order)."""
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=path.as_uri())))
    return as_dict(await client.protocol.send_request_async("codie/runtimeStatus", {"uri": path.as_uri()}))


@pytest.mark.parametrize(
    "options",
    [
        None,  # the default: off
        {"runtime": {"onSave": False}},
        {"runtime": {"onSave": True}, "workspace": {"trusted": False}},  # VS Code Restricted Mode
    ],
    ids=["default", "off", "untrusted"],
)
async def test_nothing_runs_without_consent(
    client: LanguageClient, planted: Planted, options: dict[str, Any] | None
) -> None:
    # the repository tries to opt itself in: only the client's settings count
    with (planted.root / "pyproject.toml").open("a") as fh:
        fh.write("\n[tool.codie.runtime]\nonSave = true\n[tool.codie.workspace]\ntrusted = true\n")
    await start(client, planted.root, options)
    open_file(client, planted.root / "calc.py")
    status = await save_and_status(client, planted.root / "calc.py")
    assert status["enabled"] is False and status["reason"], status
    assert status["worker_pid"] is None and not as_dict(status["running"])
    assert planted.written() == []
    if options and options.get("workspace"):  # untrusted: not even on demand
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codie.runTests", arguments=[(planted.root / "calc.py").as_uri()])
        )
        assert answer["started"] is False and "not trusted" in answer["reason"]
        status = as_dict(await client.protocol.send_request_async("codie/runtimeStatus", {}))
        assert status["worker_pid"] is None
    assert planted.written() == []


async def test_trust_granted_later_turns_it_on(client: LanguageClient, planted: Planted) -> None:
    await start(client, planted.root, {"runtime": {"onSave": True}, "workspace": {"trusted": False}})
    uri = (planted.root / "calc.py").as_uri()
    status = as_dict(await client.protocol.send_request_async("codie/runtimeStatus", {"uri": uri}))
    assert status["enabled"] is False
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"codie": {"runtime": {"onSave": True}, "workspace": {"trusted": True}}}
        )
    )
    status = as_dict(await client.protocol.send_request_async("codie/runtimeStatus", {"uri": uri}))
    assert status["enabled"] is True, status


async def test_opted_in_the_interpreter_runs_only_in_the_sandbox(client: LanguageClient, planted: Planted) -> None:
    mode, why = probe()
    if mode is None:
        pytest.skip(f"no sandbox here ({why}); the refusal is tested in test_escape.py")
    await start(client, planted.root, {"runtime": {"onSave": True}})
    open_file(client, planted.root / "calc.py")
    waiter = client.wait_for_notification(RESULT)
    status = await save_and_status(client, planted.root / "calc.py")
    assert status["enabled"] is True
    result = as_dict(await asyncio.wait_for(waiter, TIMEOUT))
    # both tests passed: the planted interpreter ran (PLANTED=1), inside the sandbox ...
    assert result["state"] == "done" and "3 passed, 0 failed" in result["summary"], result
    assert "bwrap" in " ".join(result["isolation"]) or result["backend"] == "docker"
    # ... where none of its writes reached the host
    assert planted.written() == []
    assert os.environ.get("CODIE_RUNTIME") != "off"


NO_SANDBOX_ENV = {**ENV, "PATH": "/nonexistent-bin", "DOCKER_HOST": "unix:///nonexistent.sock"}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "codie", "serve"], server_env=NO_SANDBOX_ENV)
)
async def client_without_sandbox(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_opted_in_without_a_sandbox_nothing_runs_and_the_user_is_told(
    client_without_sandbox: LanguageClient, planted: Planted
) -> None:
    client = client_without_sandbox
    await start(client, planted.root, {"runtime": {"onSave": True}})
    open_file(client, planted.root / "calc.py")
    waiter = client.wait_for_notification(RESULT)
    await save_and_status(client, planted.root / "calc.py")
    result = as_dict(await asyncio.wait_for(waiter, TIMEOUT))
    assert "install bubblewrap" in str(result["error"]) and result["issues"] == []
    # the warning is shown after the result notification: the status request answers
    # after the server handled the result, so it is in by then
    await client.protocol.send_request_async("codie/runtimeStatus", {})
    shown = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert any("tests not run" in m and "docker" in m for m in shown), shown
    assert planted.written() == []
