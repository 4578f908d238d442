"""The one provider interface, used by the LSP server (async) and by batch jobs (sync)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """One generated token and its alternatives (token -> logprob), as the API gave them."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    logprobs: tuple[TokenLogprob, ...] = ()
    provider: str = ""
    model: str = ""


@dataclass(frozen=True)
class Prompt:
    """What a provider is asked. Models read `messages`; the offline provider, which
    cannot read free text, composes its answer from the structured `context`."""

    messages: tuple[Message, ...]
    task: Literal["chat", "explain", "fix", "verdict"] = "chat"
    context: Any = None
    logprobs: bool = False
    max_tokens: int = 800
    extra: dict[str, Any] = field(default_factory=dict)


class LLMError(Exception):
    """A provider failed (unreachable, timed out, refused, bad answer). The message is
    safe to show the user; callers fall back to the offline answer.

    `reason` is the short form for labels, after the provider's name: "unreachable:
    timeout after 30 s", "failed: HTTP 503", "failed: malformed answer (JSONDecodeError)".
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class Provider(Protocol):
    name: ClassVar[str]
    model: str

    def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        """The answer in pieces. Cancel by cancelling the awaiting task: the HTTP
        response is closed at once."""
        ...

    async def complete(self, prompt: Prompt) -> Completion: ...


def complete_sync(provider: Provider, prompt: Prompt, timeout: float | None = None) -> Completion:
    """A blocking call for worker jobs and the CLI (never call it on the LSP loop)."""

    async def run() -> Completion:
        return await asyncio.wait_for(provider.complete(prompt), timeout)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    raise RuntimeError("complete_sync called from a running event loop; await complete()")


async def collect(provider: Provider, prompt: Prompt) -> str:
    return "".join([piece async for piece in provider.stream(prompt)])


def probability(logprob: float) -> float:
    return math.exp(max(-100.0, min(0.0, logprob)))


def as_messages(items: Sequence[tuple[Role, str]]) -> tuple[Message, ...]:
    return tuple(Message(role, text) for role, text in items)
