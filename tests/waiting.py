"""Waiting in tests: on a condition, never for a fixed time.

A test that sleeps "long enough" fails on a busy machine and wastes time on an idle one. These
helpers poll a probe (a notification that arrived during an earlier await is never missed,
unlike a waiter registered too late) and return its first truthy value. The timeout is a
safety net against a hang, never a speed budget: the 2-core machine running the suite is busy.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
TIMEOUT = 120.0
POLL = 0.02  # how often the probe is asked, not how long anything is expected to take


async def until(probe: Callable[[], T | Awaitable[T]], what: str | Callable[[], object], timeout: float = TIMEOUT) -> T:
    """The first truthy value of probe() (which may be async); AssertionError naming `what`
    (or what it returns) when the safety net runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        await asyncio.sleep(POLL)


def wait_until(probe: Callable[[], T], what: str | Callable[[], object], timeout: float = TIMEOUT) -> T:
    """until() for code without an event loop (threads, subprocesses)."""
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        time.sleep(POLL)
    return value
