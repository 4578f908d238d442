"""Ollama's native /api/chat, through the `ollama` client.

The client has no default timeout and no retries, so both are added here; the service
(llm/service.py) holds the whole request, retries included, to the deadline. Every failure
leaves as an LLMError with a short reason (malformed lines and shapes included).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

import httpx
import ollama

from codie.core.llm_config import LLMConfig
from codie.llm.base import Completion, LLMError, Prompt, TokenLogprob
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
                if not isinstance(piece, str):
                    raise TypeError(f"content is {type(piece).__name__}, not text")
                yield piece
        except Exception as exc:
            raise _error(exc) from exc

    async def complete(self, prompt: Prompt) -> Completion:
        args = self._args(prompt)
        if prompt.logprobs:
            args |= {"logprobs": True, "top_logprobs": TOP_LOGPROBS}

        async def call() -> ollama.ChatResponse:
            response: ollama.ChatResponse = await self.client.chat(**args)
            return response

        try:
            response = await with_retries(call, self.config.retries, _retryable)
            tokens = tuple(_token(t) for t in response.logprobs or ())
            text = response.message.content or ""
            if not isinstance(text, str):
                raise TypeError(f"content is {type(text).__name__}, not text")
            return Completion(text, tokens, self.name, str(response.model or self.model))
        except Exception as exc:
            raise _error(exc) from exc


def _token(item: Any) -> TokenLogprob:
    get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
    top = tuple((str(_field(alt, "token")), float(_field(alt, "logprob"))) for alt in get("top_logprobs") or ())
    return TokenLogprob(str(get("token")), float(get("logprob") or 0.0), top)


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def _error(exc: Exception) -> LLMError:
    """One LLMError, with a short reason, for whatever the client or the answer threw."""
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, ollama.ResponseError):
        error = " ".join(str(exc.error).split())[:80]
        reason = f"failed: HTTP {exc.status_code}" + (f" ({error})" if error else "")
    elif isinstance(exc, httpx.TimeoutException):
        reason = "unreachable: timeout"
    elif isinstance(exc, ConnectionError | httpx.ConnectError):
        reason = "unreachable: cannot connect"
    elif isinstance(exc, httpx.TransportError):
        reason = f"unreachable: {type(exc).__name__}"
    else:  # a line that is not JSON, a wrong shape
        reason = f"failed: malformed answer ({type(exc).__name__})"
    return LLMError(f"Ollama {reason}", reason)
