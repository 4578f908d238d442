"""Any OpenAI-compatible Chat Completions endpoint, through the `openai` SDK.

The SDK does timeouts and retries (connection errors, 408/409/429/5xx, honouring
retry-after); Chat Completions rather than the Responses API, because local servers
(llama.cpp, vLLM, Ollama's /v1) serve the former.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import openai

from codie.llm.base import Completion, LLMError, Prompt, TokenLogprob
from codie.llm.config import LLMConfig

TOP_LOGPROBS = 5


class OpenAIProvider:
    name: ClassVar[str] = "openai"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.model = config.model
        self.client = openai.AsyncOpenAI(
            # local servers need no key, but the SDK insists on one
            api_key=config.api_key or "not-needed",
            base_url=config.base_url,
            timeout=config.timeout,
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
        except openai.APIError as exc:
            raise LLMError(f"OpenAI-compatible endpoint failed: {_describe(exc)}") from exc
        try:
            async for chunk in stream:
                if chunk.choices and (delta := chunk.choices[0].delta.content):
                    yield delta
        except openai.APIError as exc:
            raise LLMError(f"OpenAI-compatible stream failed: {_describe(exc)}") from exc
        finally:
            await stream.close()  # on cancellation too: the server stops generating

    async def complete(self, prompt: Prompt) -> Completion:
        args = self._args(prompt)
        if prompt.logprobs:
            args |= {"logprobs": True, "top_logprobs": TOP_LOGPROBS}
        try:
            response = await self.client.chat.completions.create(**args)
        except openai.APIError as exc:
            raise LLMError(f"OpenAI-compatible endpoint failed: {_describe(exc)}") from exc
        if not response.choices:
            raise LLMError("OpenAI-compatible endpoint returned no choices")
        choice = response.choices[0]
        tokens: tuple[TokenLogprob, ...] = ()
        if choice.logprobs is not None and choice.logprobs.content:
            tokens = tuple(
                TokenLogprob(
                    t.token, float(t.logprob),
                    tuple((alt.token, float(alt.logprob)) for alt in t.top_logprobs or ()),
                )
                for t in choice.logprobs.content
            )
        return Completion(choice.message.content or "", tokens, self.name, response.model)


def _describe(exc: openai.APIError) -> str:
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__
    return f"{kind} {status}" if status else f"{kind}: {exc.message}"
