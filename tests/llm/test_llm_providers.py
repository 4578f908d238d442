"""The providers against loopback servers speaking the real OpenAI and Ollama protocols."""

from __future__ import annotations

import asyncio

import pytest

from codie.core.llm_config import LLMConfig, load_config
from codie.llm.base import LLMError, Message, Prompt, complete_sync
from codie.llm.context import ChatContext
from codie.llm.offline import OfflineProvider
from codie.llm.ollama_provider import OllamaProvider
from codie.llm.openai_provider import OpenAIProvider
from codie.llm.service import LLMService, make_provider
from tests.llm.llm_fakes import FakeLLM
from tests.llm.llm_helpers import SOURCE, context_for

PROMPT = Prompt((Message("system", "be brief"), Message("user", "what is eval?")))


def openai_config(fake: FakeLLM, **kw: object) -> LLMConfig:
    return LLMConfig(provider="openai", model="m1", base_url=fake.url + "/v1", timeout=5, **kw)  # type: ignore[arg-type]


def ollama_config(fake: FakeLLM, **kw: object) -> LLMConfig:
    return LLMConfig(provider="ollama", model="m2", host=fake.url, timeout=5, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_stream_and_complete(fake_llm: FakeLLM, kind: str) -> None:
    config = openai_config(fake_llm) if kind == "openai" else ollama_config(fake_llm)
    provider = make_provider(config)
    pieces = [p async for p in provider.stream(PROMPT)]
    assert len(pieces) > 1  # really streamed in several chunks
    assert "".join(pieces) == "You asked: what is eval?"
    assert fake_llm.requests[-1]["stream"] is True
    assert fake_llm.requests[-1]["messages"][0] == {"role": "system", "content": "be brief"}
    done = await provider.complete(PROMPT)
    assert done.text == "You asked: what is eval?"
    assert not fake_llm.requests[-1].get("stream")


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_verdict_from_logprobs(fake_llm: FakeLLM, kind: str) -> None:
    config = openai_config(fake_llm) if kind == "openai" else ollama_config(fake_llm)
    service = LLMService.from_config(config)
    _, _, fc = context_for("SEC001")
    p = await service.verdict(fc)
    assert fake_llm.requests[-1]["logprobs"] is True
    assert fake_llm.requests[-1]["top_logprobs"] == 5
    # true 0.9, false 0.1 in the top alternatives (" true" adds a little to true)
    assert p is not None and 0.89 < p < 0.91


async def test_no_logprobs_no_verdict(fake_llm: FakeLLM) -> None:
    fake_llm.with_logprobs = False
    service = LLMService.from_config(openai_config(fake_llm))
    _, _, fc = context_for("SEC001")
    assert await service.verdict(fc) is None


async def test_openai_retries_503(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next = 2
    provider = OpenAIProvider(openai_config(fake_llm, retries=2))
    assert (await provider.complete(PROMPT)).text.startswith("You asked")
    assert len(fake_llm.requests) == 3


async def test_ollama_retries_503_then_gives_up(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next = 1
    provider = OllamaProvider(ollama_config(fake_llm, retries=1))
    assert "".join([p async for p in provider.stream(PROMPT)]).startswith("You asked")
    fake_llm.fail_next = 5
    with pytest.raises(LLMError, match="503"):
        await provider.complete(PROMPT)
    assert len(fake_llm.requests) == 4  # 2 for the stream, 2 for the failed complete


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_unreachable_is_an_llm_error(kind: str) -> None:
    dead = LLMConfig(
        provider=kind, model="m", base_url="http://127.0.0.1:9/v1", host="http://127.0.0.1:9", timeout=2, retries=0
    )
    provider = make_provider(dead)
    with pytest.raises(LLMError):
        await provider.complete(PROMPT)
    with pytest.raises(LLMError):
        [p async for p in provider.stream(PROMPT)]


async def test_service_falls_back_to_offline() -> None:
    dead = LLMConfig(provider="openai", model="m", base_url="http://127.0.0.1:9/v1", timeout=2, retries=0)
    service = LLMService.from_config(dead)
    _, _, fc = context_for("SEC001")
    text = await service.explain(fc)
    assert "Offline answer: openai unreachable: cannot connect." in text
    assert "### SEC001" in text and "`app.py:9`" in text


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_cancelling_a_stream_closes_the_connection(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.answer = lambda body: "x" * 7 * 200  # 200 chunks
    fake_llm.chunk_delay = 0.02
    config = openai_config(fake_llm) if kind == "openai" else ollama_config(fake_llm)
    provider = make_provider(config)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in provider.stream(PROMPT):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # the server notices the closed connection while it still has chunks to send
    assert await asyncio.to_thread(fake_llm.disconnected.wait, 10)


def test_complete_sync_for_worker_jobs(fake_llm: FakeLLM) -> None:
    provider = make_provider(ollama_config(fake_llm))
    assert complete_sync(provider, PROMPT, timeout=10).text == "You asked: what is eval?"


async def test_offline_explains_from_catalogue_and_evidence() -> None:
    _, finding, fc = context_for("Q002")
    text = "".join([p async for p in OfflineProvider().stream(Prompt((), "explain", fc))])
    assert text.startswith("### Q002: Mutable default argument")
    assert "`app.py:7`" in text
    assert "> 7 | def run(expr, seen=[]):" in text  # the code, with the line marked
    assert "Default values are evaluated once" in text  # the rule's documentation
    assert f"Confidence {finding.confidence:.0%}" in text
    chat = ChatContext("why?", path="app.py", findings=(fc,))
    answer = await LLMService().complete(Prompt((), "chat", chat))
    assert "Codie found 1 issue(s) in app.py" in answer.text and "Offline answer" in answer.text


def test_config_from_settings_and_env() -> None:
    config, problems = load_config({"provider": "ollama", "model": "llama3", "timeout": 5}, env={})
    assert (config.provider, config.model, config.timeout, problems) == ("ollama", "llama3", 5, [])
    assert config.verdicts and config.redact
    config, _ = load_config(
        {"provider": "ollama"}, env={"CODIE_LLM_PROVIDER": "openai", "OPENAI_BASE_URL": "http://x/v1"}
    )
    assert (config.provider, config.base_url, config.model) == ("openai", "http://x/v1", "gpt-4o-mini")
    config, problems = load_config({"provider": "gpt", "timeout": "soon"}, env={})
    assert config.provider == "offline" and config.timeout == 30 and len(problems) == 2
    assert SOURCE  # the fixture file is shared with the redaction tests


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_a_garbled_answer_falls_back_to_offline(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.garbage = True
    config = openai_config(fake_llm) if kind == "openai" else ollama_config(fake_llm)
    service = LLMService.from_config(config)
    _, _, fc = context_for("SEC001")
    assert f"Offline answer: {kind} failed: " in await service.explain(fc)
    assert await service.verdict(fc) is None


def test_the_openai_key_never_goes_to_a_project_chosen_endpoint() -> None:
    env = {"OPENAI_API_KEY": "sk-real"}
    official, _ = load_config({"provider": "openai"}, env=env)
    assert official.api_key == "sk-real"
    evil, _ = load_config({"provider": "openai", "base-url": "https://evil.example/v1"}, env=env)
    assert evil.api_key is None
    mine, _ = load_config({"provider": "openai"}, env={**env, "OPENAI_BASE_URL": "http://gw/v1"})
    assert mine.api_key == "sk-real"
    explicit, _ = load_config(
        {"provider": "openai", "base-url": "http://local/v1"}, env={**env, "CODIE_LLM_API_KEY": "k2"}
    )
    assert explicit.api_key == "k2"
