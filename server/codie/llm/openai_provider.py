"""Any OpenAI-compatible Chat Completions endpoint, through the `openai` SDK.

The SDK does retries (connection errors, 408/409/429/5xx, honouring retry-after); each
attempt's timeout is the request's deadline, and the service (llm/service.py) holds the
whole request, retries included, to that deadline. Chat Completions rather than the
Responses API, because local servers (llama.cpp, vLLM, Ollama's /v1) serve the former.

Every failure leaves as an LLMError with a short reason: malformed chunks or bodies
(bad JSON, a wrong shape) included, so no caller ever sees the SDK's or pydantic's errors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import openai

from codie.core.llm_config import LLMConfig
from codie.llm.base import Completion, LLMError, Prompt, TokenLogprob

TOP_LOGPROBS = 5
CONNECT_TIMEOUT = 5.0


class OpenAIProvider:
    name: ClassVar[str] = "openai"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.model = config.model
        self.client = openai.AsyncOpenAI(
            # local servers need no key, but the SDK insists on one
            api_key=config.api_key or "not-needed",
            base_url=config.base_url,
            timeout=openai.Timeout(config.timeout, connect=min(config.timeout, CONNECT_TIMEOUT)),
            max_retries=config.retries,
        )

    def _args(self, prompt: Prompt) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in prompt.messages],
            "temperature": self.config.temperature,
            "max_tokens": prompt.max_tokens,
        }

    async def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        try:
            stream = await self.client.chat.completions.create(**self._args(prompt), stream=True)
        except Exception as exc:
            raise _error(exc) from exc
        try:
            async for chunk in stream:
                if chunk.choices and (delta := chunk.choices[0].delta.content):
                    if not isinstance(delta, str):
                        raise TypeError(f"content is {type(delta).__name__}, not text")
                    yield delta
        except Exception as exc:
            raise _error(exc) from exc
        finally:
            await stream.close()  # on cancellation too: the server stops generating

    async def complete(self, prompt: Prompt) -> Completion:
        args = self._args(prompt)
        if prompt.logprobs:
            args |= {"logprobs": True, "top_logprobs": TOP_LOGPROBS}
        try:
            response = await self.client.chat.completions.create(**args)
            if not response.choices:
                raise LLMError("OpenAI-compatible endpoint returned no choices", "failed: an answer without choices")
            choice = response.choices[0]
            tokens: tuple[TokenLogprob, ...] = ()
            if choice.logprobs is not None and choice.logprobs.content:
                tokens = tuple(
                    TokenLogprob(
                        str(t.token),
                        float(t.logprob),
                        tuple((str(alt.token), float(alt.logprob)) for alt in t.top_logprobs or ()),
                    )
                    for t in choice.logprobs.content
                )
            text = choice.message.content or ""
            if not isinstance(text, str):
                raise TypeError(f"content is {type(text).__name__}, not text")
            return Completion(text, tokens, self.name, str(response.model or self.model))
        except Exception as exc:
            raise _error(exc) from exc


def _error(exc: Exception) -> LLMError:
    """One LLMError, with a short reason, for whatever the SDK or the answer threw."""
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        reason = "unreachable: timeout"
    elif isinstance(exc, openai.APIConnectionError):
        reason = "unreachable: cannot connect"
    elif isinstance(exc, openai.APIStatusError):
        reason = f"failed: HTTP {exc.status_code}"
    elif isinstance(exc, openai.APIResponseValidationError):
        reason = "failed: malformed answer"
    elif isinstance(exc, openai.APIError):
        reason = f"failed: {_short(exc.message)}"
    else:  # bad JSON in a chunk, a wrong shape, a broken connection mid-stream
        reason = f"failed: malformed answer ({type(exc).__name__})"
    return LLMError(f"OpenAI-compatible endpoint {reason}", reason)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
