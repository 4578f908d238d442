from __future__ import annotations

from collections.abc import Iterator

import pytest
from llm_fakes import FakeLLM


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()
