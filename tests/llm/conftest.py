from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm.llm_fakes import FakeLLM

LLM_ENV = (
    "CODIE_LLM_PROVIDER",
    "CODIE_LLM_MODEL",
    "CODIE_LLM_TIMEOUT",
    "CODIE_LLM_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "OLLAMA_HOST",
)


@pytest.fixture(autouse=True)
def no_llm_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own LLM settings must not leak into the tests."""
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()
