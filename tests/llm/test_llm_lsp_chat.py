"""codie/chat, codie/explain, codie/feedback and the review code actions, end to end
through the real server process (pytest-lsp)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Union

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from codie.core.rules import catalogue
from tests.llm.llm_fakes import FakeLLM
from tests.llm.llm_helpers import SOURCE
from tests.waiting import TIMEOUT, until

CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "codie", "serve"],
    server_env={k: v for k, v in os.environ.items() if not k.startswith(("CODIE_LLM_", "OPENAI_", "OLLAMA_"))},
)
CANCELLED = -32800


async def start(client: LanguageClient, root: Path, options: dict[str, Any]) -> list[Any]:
    chunks: list[Any] = []
    read_code_actions_like_editors(client)

    @client.feature("codie/chatChunk")
    def on_chunk(params: Any) -> None:
        chunks.append(params)

    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="proj")],
            initialization_options=options,
        )
    )
    return chunks


async def finish(client: LanguageClient) -> None:
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    await client.shutdown_session()
    assert not errors, errors


@pytest_lsp.fixture(config=CONFIG)
async def offline(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    lsp_client.chunks = await start(lsp_client, tmp_path, {})  # type: ignore[attr-defined]
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    yield
    await finish(lsp_client)


@pytest.fixture
def remote_llm() -> Any:
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest_lsp.fixture(config=CONFIG)
async def remote(lsp_client: LanguageClient, tmp_path: Path, remote_llm: FakeLLM) -> AsyncIterator[None]:
    options = {
        "llm": {
            "provider": "openai",
            "base-url": remote_llm.url + "/v1",
            "model": "m",
            "verdicts": False,
            "timeout": 10,
        }
    }
    lsp_client.chunks = await start(lsp_client, tmp_path, options)  # type: ignore[attr-defined]
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    yield
    await finish(lsp_client)


@pytest_lsp.fixture(config=CONFIG)
async def judged(lsp_client: LanguageClient, tmp_path: Path, remote_llm: FakeLLM) -> AsyncIterator[None]:
    options = {
        "llm": {"provider": "ollama", "host": remote_llm.url, "model": "m", "timeout": 10}
    }  # verdicts default to on with a model
    lsp_client.chunks = await start(lsp_client, tmp_path, options)  # type: ignore[attr-defined]
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    yield
    await finish(lsp_client)


async def open_doc(client: LanguageClient, root: Path, text: str = SOURCE) -> str:
    uri = (root / "app.py").as_uri()
    # registered now, before the trigger (client.wait_for_notification would register on first await)
    published = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    )
    await asyncio.wait_for(published, 10)
    return uri


def command_of(action: types.CodeAction) -> types.ExecuteCommandParams:
    assert action.command is not None
    return types.ExecuteCommandParams(action.command.command, action.command.arguments)


def read_code_actions_like_editors(client: LanguageClient) -> None:
    """lsprotocol's client-side hook reads every item with a "command" key as a Command,
    dropping a CodeAction's edit; editors test whether "command" is a string."""
    conv = client.protocol._converter

    def hook(obj: Any, _: type) -> Any:
        if isinstance(obj.get("command"), str):
            return conv.structure(obj, types.Command)
        return conv.structure(obj, types.CodeAction)

    conv.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


def codes(client: LanguageClient, uri: str) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(uri, []))


WHOLE = {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}


async def test_chat_streams_offline_answer(offline: Any) -> None:
    client, root, chunks = offline, offline.root, offline.chunks
    uri = await open_doc(client, root)
    result = await asyncio.wait_for(
        client.protocol.send_request_async(
            "codie/chat", {"chatId": "c1", "message": "What is wrong here?", "uri": uri, "range": WHOLE}
        ),
        20,
    )
    assert result.chatId == "c1" and result.done is True and result.provider == "offline"
    assert len(chunks) > 1 and all(c.chatId == "c1" for c in chunks)
    assert "".join(c.delta for c in chunks) == result.text
    assert "### SEC001" in result.text and "### Q002" in result.text
    assert "`app.py:9`" in result.text  # cites the code


async def test_chat_through_openai_endpoint_redacts(remote: Any, remote_llm: FakeLLM) -> None:
    client, root, chunks, llm = remote, remote.root, remote.chunks, remote_llm
    uri = await open_doc(client, root)
    question = "Should jane.doe@example.org own this token?"
    result = await asyncio.wait_for(
        client.protocol.send_request_async(
            "codie/chat",
            {
                "chatId": "c2",
                "message": question,
                "uri": uri,
                "range": WHOLE,
                "history": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
            },
        ),
        20,
    )
    assert result.provider == "openai"
    assert result.text == "You asked: " + question  # placeholders restored
    assert "".join(c.delta for c in chunks) == result.text
    body = llm.requests[-1]
    assert body["stream"] is True
    assert [m["role"] for m in body["messages"]] == ["system", "system", "user", "assistant", "user"]
    sent = llm.sent_text()
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in sent  # from the file
    assert "jane.doe@example.org" not in sent  # from the file and the question
    assert "eval(expr)" in sent  # the code itself is sent


async def test_chat_cancellation(remote: Any, remote_llm: FakeLLM) -> None:
    client, root, chunks, llm = remote, remote.root, remote.chunks, remote_llm
    llm.answer = lambda body: "y" * 7 * 300
    llm.chunk_delay = 0.02
    uri = await open_doc(client, root)
    future = asyncio.ensure_future(
        client.protocol.send_request_async(
            "codie/chat", {"chatId": "c3", "message": "long", "uri": uri}, msg_id="chat-3"
        )
    )
    await until(lambda: chunks, "a first chunk")
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="chat-3"))
    with pytest.raises(Exception) as info:
        await asyncio.wait_for(future, TIMEOUT)
    assert getattr(info.value, "code", None) == CANCELLED
    assert await asyncio.to_thread(llm.disconnected.wait, TIMEOUT)  # the model stream was closed
    received = len(chunks)
    # chunks come from the chat's task, which is over: a later request's answer comes after
    # anything the server sent before it, so a stray chunk would have arrived by then
    await asyncio.wait_for(client.protocol.send_request_async("codie/serverState", {}), TIMEOUT)
    assert len(chunks) == received  # nothing after the cancellation


async def test_bad_chat_params_are_an_error_not_a_crash(offline: Any) -> None:
    client, root = offline, offline.root
    with pytest.raises(Exception, match="chatId"):
        await asyncio.wait_for(client.protocol.send_request_async("codie/chat", {"x": 1}), 10)
    uri = await open_doc(client, root)
    res = await client.protocol.send_request_async("codie/explain", {"uri": uri, "range": WHOLE})
    assert "### Q002" in res.markdown and res.provider == "offline"
    res = await client.protocol.send_request_async("codie/explain", {"uri": uri, "ruleId": "Q001"})
    assert res.markdown.startswith("**Q001")  # no such finding: the rule's documentation


async def test_feedback_hides_a_noisy_rule_and_hover_shows_parts(offline: Any) -> None:
    client, root = offline, offline.root
    uri = await open_doc(client, root)
    assert "Q002" in codes(client, uri)
    result = None
    for _ in range(30):
        result = await client.protocol.send_request_async(
            "codie/feedback", {"uri": uri, "ruleId": "Q002", "verdict": "dismiss"}
        )
    assert result is not None and result.rejects == 30 and result.precision < 0.3
    # the server republishes before it answers, so the diagnostics are current here
    assert "Q002" not in codes(client, uri)
    assert "SEC001" in codes(client, uri)
    at_sec001 = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(8, 12))
    hover = await client.text_document_hover_async(at_sec001)
    assert hover is not None
    assert "feedback" not in hover.contents.value  # SEC001 had no feedback
    prior = catalogue()["SEC001"].confidence  # the calibrated prior, from the catalogue
    assert f"prior {prior:.2f}" in hover.contents.value
    # one explanation of the confidence per finding, with the team's record once there is one
    await client.protocol.send_request_async("codie/feedback", {"uri": uri, "ruleId": "SEC001", "verdict": "accept"})
    hover = await client.text_document_hover_async(at_sec001)
    assert hover is not None
    assert hover.contents.value.count("**Confidence") == 1, hover.contents.value
    assert "your team's feedback on this rule: 1 accepted, 0 dismissed; precision now" in hover.contents.value
    assert (root / ".codie" / "codie.db").is_file()  # stored per project
    # ... in a folder that keeps itself out of the user's `git status`
    assert (root / ".codie" / ".gitignore").read_text().splitlines()[-1] == "*"


async def test_verified_fix_is_offered_after_proposal(offline: Any) -> None:
    client, root = offline, offline.root
    text = "def f():\n    try:\n        run()\n    except:\n        pass\n"
    uri = await open_doc(client, root, text)
    rng = types.Range(types.Position(3, 4), types.Position(3, 10))
    params = types.CodeActionParams(types.TextDocumentIdentifier(uri), rng, types.CodeActionContext(diagnostics=[]))
    actions = await client.text_document_code_action_async(params)
    titles = [a.title for a in actions or []]
    assert "Propose a verified fix for Q001" in titles and "Ask why: Q001" in titles
    assert not any(t.startswith("Apply fix (verified)") for t in titles)
    propose = next(a for a in actions if a.title == "Propose a verified fix for Q001")
    result = await client.workspace_execute_command_async(command_of(propose))
    assert result["verified"] is True, result
    actions = await client.text_document_code_action_async(params)
    fix = next(a for a in actions if a.title == "Apply fix (verified): Q001")
    edit = fix.edit.document_changes[0].edits[0]
    assert edit.new_text == " Exception"
    assert fix.command.command == "codie.feedback"
    assert fix.command.arguments[0]["verdict"] == "accept"
    # the chat offers the same verified fix, for this document version only
    answer = await client.protocol.send_request_async("codie/chat", {"chatId": "c1", "message": "fix it", "uri": uri})
    [chat_fix] = answer.fixes
    assert chat_fix.version == 1 and chat_fix.ruleId == "Q001" and "+" in chat_fix.diff
    change = chat_fix.edit.documentChanges[0]
    assert change.textDocument.version == 1 and change.edits[0].newText == " Exception"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangeWholeDocument(text=text + "\n")],
        )
    )
    answer = await client.protocol.send_request_async("codie/chat", {"chatId": "c2", "message": "fix it", "uri": uri})
    assert not getattr(answer, "fixes", None)  # the document moved on: nothing to apply
    why = next(a for a in actions if a.title == "Ask why: Q001")
    answer = await client.workspace_execute_command_async(command_of(why))
    assert "### Q001" in answer["markdown"] and "`app.py:4`" in answer["markdown"]


async def test_model_verdicts_join_the_confidence(judged: Any, remote_llm: FakeLLM) -> None:
    client, root = judged, judged.root
    uri = await open_doc(client, root)

    def judged() -> list[types.Diagnostic]:  # verdicts are asked in the background, then republished
        diags = list(client.diagnostics.get(uri, []))
        return diags if all("model" in d.data["parts"] for d in diags) else []

    diags = await until(judged, lambda: f"a model verdict in every diagnostic: {client.diagnostics.get(uri)}")
    assert diags and all(d.data["parts"]["model"] == pytest.approx(0.9, abs=0.01) for d in diags)
    verdict_requests = [r for r in remote_llm.requests if r.get("logprobs")]
    assert len(verdict_requests) == len(diags)
    assert all(r["top_logprobs"] == 5 and r["stream"] is False for r in verdict_requests)
    assert "jane.doe@example.org" not in remote_llm.sent_text()
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(8, 12))
    )
    assert hover is not None
    assert "a model judged it real" in hover.contents.value and "model 0.90" in hover.contents.value
