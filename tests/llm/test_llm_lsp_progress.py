"""The editor's side of issue 19: chat, explain, "Ask why" and fix proposals show
cancellable work-done progress, end within the llm.timeout deadline, and say what answered
(a real `codie serve` process, a loopback OpenAI-compatible server, pytest-lsp)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.llm.llm_fakes import FakeLLM
from tests.llm.test_llm_lsp_chat import CANCELLED, CONFIG, WHOLE, finish, open_doc, start
from tests.waiting import until

STALLED = "offline explainer (openai unreachable: timeout after 1 s)"


@pytest.fixture
def model() -> Any:
    server = FakeLLM().start()
    yield server
    server.stop()


def options(fake: FakeLLM, timeout: float) -> dict[str, Any]:
    return {
        "llm": {
            "provider": "openai",
            "base-url": fake.url + "/v1",
            "model": "m",
            "verdicts": False,
            "timeout": timeout,
            "retries": 3,
        }
    }


@pytest_lsp.fixture(config=CONFIG)
async def quick(lsp_client: LanguageClient, tmp_path: Path, model: FakeLLM) -> AsyncIterator[None]:
    """A one-second deadline."""
    lsp_client.chunks = await start(lsp_client, tmp_path, options(model, 1))  # type: ignore[attr-defined]
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    yield
    await finish(lsp_client)


@pytest_lsp.fixture(config=CONFIG)
async def patient(lsp_client: LanguageClient, tmp_path: Path, model: FakeLLM) -> AsyncIterator[None]:
    """A deadline far beyond the test: only the user's cancel ends the request."""
    lsp_client.chunks = await start(lsp_client, tmp_path, options(model, 600))  # type: ignore[attr-defined]
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    yield
    await finish(lsp_client)


def progress_of(client: LanguageClient, title: str) -> list[Any]:
    """The progress values of the (one) progress whose begin has this title."""
    found = [
        values
        for values in client.progress_reports.values()
        if values and isinstance(values[0], types.WorkDoneProgressBegin) and values[0].title == title
    ]
    assert len(found) == 1, client.progress_reports
    return found[0]


async def test_chat_against_a_stalled_model_ends_at_the_deadline(quick: Any, model: FakeLLM) -> None:
    client, root = quick, quick.root
    model.stall = True
    uri = await open_doc(client, root)
    result = await asyncio.wait_for(
        client.protocol.send_request_async(
            "codie/chat", {"chatId": "s1", "message": "why?", "uri": uri, "range": WHOLE}
        ),
        60,
    )
    assert result.provider == "offline"
    assert result.label == STALLED
    assert result.error == "openai unreachable: timeout after 1 s"
    assert result.text.startswith("_Offline answer: openai unreachable: timeout after 1 s._")
    assert "no language model configured" not in result.text  # one was, and it failed
    values = progress_of(client, "Codie: chat")
    assert values[0].cancellable is True
    messages = [v.message for v in values[1:]]
    assert any(m.startswith("asking openai (m) at ") and "deadline 1 s" in m for m in messages)
    assert isinstance(values[-1], types.WorkDoneProgressEnd) and values[-1].message == STALLED


async def test_explain_ask_why_and_fix_say_what_answered(quick: Any, model: FakeLLM) -> None:
    client, root = quick, quick.root
    model.stall = True
    uri = await open_doc(client, root)
    res = await asyncio.wait_for(client.protocol.send_request_async("codie/explain", {"uri": uri, "range": WHOLE}), 60)
    assert res.provider == "offline" and res.label == STALLED
    assert progress_of(client, "Codie: explain")[-1].message == STALLED
    ref = {"uri": uri, "ruleId": "Q002"}
    why = await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams("codie.askWhy", [ref])), 60
    )
    assert why["label"] == STALLED and "### Q002" in why["markdown"]
    fix = await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams("codie.proposeFix", [ref])), 60
    )
    assert fix["provider"] == "offline" and fix["label"] == STALLED
    assert progress_of(client, "Codie: fix Q002")[-1].message == STALLED


async def test_a_malformed_chunk_is_a_cut_off_answer_not_an_error(quick: Any, model: FakeLLM) -> None:
    client, root = quick, quick.root
    model.bad_chunk = b'data: {"choices": 7}\n\n'
    uri = await open_doc(client, root)
    result = await asyncio.wait_for(
        client.protocol.send_request_async("codie/chat", {"chatId": "m1", "message": "hi", "uri": uri}), 60
    )
    assert result.provider == "openai"
    assert result.text.startswith("You ask")
    assert "The answer was cut off: openai failed: malformed answer" in result.text
    assert result.label.startswith("openai (m), cut off: failed: malformed answer")
    # finish() asserts that no error was shown to the user


@pytest.mark.parametrize("how", ["progress", "request"])
async def test_cancelling_the_progress_cancels_the_request(patient: Any, model: FakeLLM, how: str) -> None:
    """The progress's cancel button, or $/cancelRequest: either ends both."""
    client, root = patient, patient.root
    model.stall = True
    uri = await open_doc(client, root)
    future = asyncio.ensure_future(
        client.protocol.send_request_async(
            "codie/chat", {"chatId": "c1", "message": "long", "uri": uri}, msg_id="chat-c1"
        )
    )

    def asked() -> Any:  # the begin arrives once the model has been asked
        token = next(
            (t for t, v in client.progress_reports.items() if v and getattr(v[0], "title", "") == "Codie: chat"), None
        )
        return token if token is not None and model.stalled.is_set() else None

    token = await until(asked, "the chat's progress and the model stalled")
    if how == "progress":
        client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token))
    else:
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="chat-c1"))
    with pytest.raises(Exception) as info:
        await asyncio.wait_for(future, 30)
    assert getattr(info.value, "code", None) == CANCELLED
    await until(lambda: isinstance(client.progress_reports[token][-1], types.WorkDoneProgressEnd), "the progress end")
    assert client.progress_reports[token][-1].message == "cancelled"
    # the server still answers
    res = await asyncio.wait_for(
        client.protocol.send_request_async("codie/explain", {"uri": uri, "ruleId": "Q001"}), 30
    )
    assert res.markdown.startswith("**Q001")


async def test_the_clients_own_progress_token_is_used(quick: Any, model: FakeLLM) -> None:
    client, root = quick, quick.root
    model.stall = True
    uri = await open_doc(client, root)
    client.progress_reports.setdefault("client-token", [])  # the client made it
    res = await asyncio.wait_for(
        client.protocol.send_request_async(
            "codie/explain", {"uri": uri, "ruleId": "SEC001", "workDoneToken": "client-token"}
        ),
        60,
    )
    assert res.label == STALLED
    values = client.progress_reports["client-token"]
    assert values[0].title == "Codie: explain" and values[-1].message == STALLED
    assert not any(
        getattr(v[0], "title", "") == "Codie: explain"
        for t, v in client.progress_reports.items()
        if t != "client-token" and v
    )
