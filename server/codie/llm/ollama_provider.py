"""Ollama's native /api/chat, through the `ollama` client.

The client has no default timeout and no retries, so both are added here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

import httpx
import ollama

from codie.llm.base import Completion, LLMError, Prompt, TokenLogprob
from codie.llm.config import LLMConfig
from codie.llm.retry import stream_with_retries, with_retries

TOP_LOGPROBS = 5


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, ollama.ResponseError):
        return exc.status_code >= 500 or exc.status_code in (408, 429)
    return isinstance(exc, ConnectionError | httpx.TransportError)


class OllamaProvider:
    name: ClassVar[str] = "ollama"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.model = config.model
        self.client = ollama.AsyncClient(host=config.host, timeout=config.timeout)

    def _args(self, prompt: Prompt) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in prompt.messages],
            "options": {"temperature": self.config.temperature, "num_predict": prompt.max_tokens},
        }

    async def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        async def pieces() -> AsyncIterator[str]:
            parts = await self.client.chat(**self._args(prompt), stream=True)
            async for part in parts:
                if part.message and part.message.content:
                    yield part.message.content

        try:
            async for piece in stream_with_retries(pieces, self.config.retries, _retryable):
                yield piece
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError) as exc:
            raise LLMError(f"Ollama failed: {_describe(exc)}") from exc

    async def complete(self, prompt: Prompt) -> Completion:
        args = self._args(prompt)
        if prompt.logprobs:
            args |= {"logprobs": True, "top_logprobs": TOP_LOGPROBS}

        async def call() -> ollama.ChatResponse:
            response: ollama.ChatResponse = await self.client.chat(**args)
            return response

        try:
            response = await with_retries(call, self.config.retries, _retryable)
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError) as exc:
            raise LLMError(f"Ollama failed: {_describe(exc)}") from exc
        tokens = tuple(_token(t) for t in response.logprobs or ())
        return Completion(response.message.content or "", tokens, self.name, response.model or "")


def _token(item: Any) -> TokenLogprob:
    get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
    top = tuple(
        (str(_field(alt, "token")), float(_field(alt, "logprob")))
        for alt in get("top_logprobs") or ()
    )
    return TokenLogprob(str(get("token")), float(get("logprob") or 0.0), top)


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ollama.ResponseError):
        return f"HTTP {exc.status_code}: {exc.error}"
    return f"{type(exc).__name__}: {exc}"
