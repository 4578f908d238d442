"""Retries with backoff for providers whose client has none (ollama), and the rule that a
stream is only retried before its first piece (a half-shown answer is never repeated)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
BACKOFF = 0.25  # seconds, doubled per attempt


async def with_retries(call: Callable[[], Awaitable[T]], retries: int, retryable: Callable[[BaseException], bool]) -> T:
    for attempt in range(retries + 1):
        try:
            return await call()
        except Exception as exc:
            if attempt >= retries or not retryable(exc):
                raise
            await asyncio.sleep(BACKOFF * 2**attempt)
    raise AssertionError("unreachable")


async def stream_with_retries(
    open_stream: Callable[[], AsyncIterator[str]],
    retries: int,
    retryable: Callable[[BaseException], bool],
) -> AsyncIterator[str]:
    for attempt in range(retries + 1):
        started = False
        stream = open_stream()
        try:
            async for piece in stream:
                started = True
                yield piece
            return
        except Exception as exc:
            if started or attempt >= retries or not retryable(exc):
                raise
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
        await asyncio.sleep(BACKOFF * 2**attempt)
