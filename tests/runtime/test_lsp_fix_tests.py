"""The editor's verified fix runs the fix's related tests, in the worker and the sandbox
(never in the server process), with the runtime tests' consent, and says which ran: a model's
fix that silences SEC001 by breaking the function is refused, naming the test it breaks;
the offline fix (ast.literal_eval) is verified and lists both tests; without consent (the
default, or an untrusted workspace) the tests do not run and the answer says why."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from codie.sandbox.process import probe
from tests.llm.llm_fakes import FakeLLM

from .conftest import write_project
from .test_fix_verification import APP, NODE, TESTS

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("CODIE_LLM_", "OPENAI_", "OLLAMA_", "CODIE_DB"))}
ENV["CODIE_SANDBOX"] = "process"
BREAKING = "```diff\n@@ -1,2 +1,2 @@\n def run(user):\n-    return eval(user)\n+    return None\n```"
ON = {"runtime": {"onSave": True}}

pytestmark = pytest.mark.skipif(probe()[0] is None, reason=f"no sandbox: {probe()[1]}")


@pytest.fixture
def model() -> Any:
    server = FakeLLM(answer=lambda body: BREAKING).start()
    yield server
    server.stop()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "codie", "serve"], server_env=ENV))
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield lsp_client
    errors = [m.message for m in lsp_client.messages if m.type == types.MessageType.Error]
    await lsp_client.shutdown_session()
    assert not errors, errors


async def propose(client: LanguageClient, root: Path, options: dict[str, Any] | None) -> dict[str, Any]:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="proj")],
            initialization_options=options,
        )
    )
    path = root / "app.py"
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, path.read_text()))
    )
    for _ in range(600):
        if any(d.code == "SEC001" for d in client.diagnostics.get(uri, [])):
            break
        await asyncio.sleep(0.05)
    command = types.ExecuteCommandParams("codie.proposeFix", [{"uri": uri, "ruleId": "SEC001"}])
    return dict(await asyncio.wait_for(client.workspace_execute_command_async(command), 300))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "proj", {"app.py": APP, "test_app.py": TESTS})
    # eval of a parameter no traced source reaches is hidden by default (a library evaluating
    # what its caller passes); this project asks to see every finding, as a user can
    with (root / "pyproject.toml").open("a") as f:
        f.write("\n[tool.codie]\nmin-confidence = 0\n")
    return root


async def test_a_fix_that_keeps_the_tests_green_lists_them(client: LanguageClient, project: Path) -> None:
    answer = await propose(client, project, ON)
    assert answer["verified"] is True, answer
    assert answer["tests"] == [NODE, "test_app.py::test_unrelated"]
    assert "2 related test(s) ran in the sandbox" in answer["reason"] and NODE in answer["reason"]
    assert "ast.literal_eval" in answer["diff"]
    assert (project / "app.py").read_text() == APP  # verified on a copy


async def test_a_model_fix_that_breaks_a_test_is_refused(client: LanguageClient, project: Path, model: FakeLLM) -> None:
    llm = {"provider": "openai", "base-url": model.url + "/v1", "model": "m", "verdicts": False, "timeout": 30}
    answer = await propose(client, project, {**ON, "llm": llm})
    assert answer["provider"] == "openai"
    assert answer["verified"] is False and answer["diff"] == ""
    assert f"the fix breaks 1 related test(s): {NODE}" in answer["reason"], answer["reason"]
    assert NODE in answer["tests"]


@pytest.mark.parametrize(
    ("options", "why"),
    [
        (None, "runtime tests on save are off"),
        ({"runtime": {"onSave": True}, "workspace": {"trusted": False}}, "not trusted"),
    ],
    ids=["default", "untrusted"],
)
async def test_without_consent_no_test_runs_and_the_answer_says_so(
    client: LanguageClient, project: Path, options: dict[str, Any] | None, why: str
) -> None:
    answer = await propose(client, project, options)
    assert answer["verified"] is True and answer["tests"] == []
    assert "related tests not run: " in answer["reason"] and why in answer["reason"], answer["reason"]
    status = await client.protocol.send_request_async("codie/runtimeStatus", {"uri": (project / "app.py").as_uri()})
    assert status.worker_pid is None  # no worker was even started
