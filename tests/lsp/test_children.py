"""lsp/children.HealingPool: a child starts with the first call, stops when idle and starts
again on the next call; a killed child is replaced (end to end: test_limits_and_pools)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time

import pytest

from codie.lsp import children
from codie.lsp.children import HealingPool

TIMEOUT = 60.0


async def until(predicate: object, timeout: float = TIMEOUT) -> None:
    """Wait (on the loop) until predicate() is true; fail after timeout (a safety net)."""
    assert callable(predicate)
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_a_child_starts_on_first_use_stops_when_idle_and_starts_again() -> None:
    pool = HealingPool("test", 1, idle=0.2)
    try:
        assert pool.pids() == [] and pool.pid() is None  # nothing asked: nothing runs
        first = await pool.run(os.getpid)
        assert first != os.getpid() and pool.pids() == [first]
        await until(lambda: pool.pid() is None)  # idle: stopped, without being asked
        assert pool.stopped_idle == 1 and pool.replaced == 0
        second = await pool.run(os.getpid)  # a call starts a new child
        assert second not in (first, os.getpid()) and pool.pid() == second
    finally:
        pool.shutdown()
    assert pool.pid() is None


async def test_a_busy_child_is_not_stopped_for_being_idle() -> None:
    pool = HealingPool("test", 1, idle=0.05)
    try:
        pid = await pool.run(os.getpid)
        # a call longer than the idle time: the timer starts after it, not during it
        await pool.run(time.sleep, 0.3)
        assert pool.stopped_idle == 0 and pool.pid() == pid
        await until(lambda: pool.pid() is None)
        assert pool.stopped_idle == 1
    finally:
        pool.shutdown()


async def test_idle_zero_keeps_the_child() -> None:
    pool = HealingPool("test", 1, idle=0)
    try:
        pid = await pool.run(os.getpid)
        await asyncio.sleep(0.2)
        assert pool.pid() == pid and pool.stopped_idle == 0
    finally:
        pool.shutdown()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, children.IDLE),
        ("5", 5.0),
        ("0", 0.0),
        ("x", children.IDLE),
        ("-1", children.IDLE),
        ("nan", children.IDLE),
    ],
)
def test_the_idle_time_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: float
) -> None:
    if raw is None:
        monkeypatch.delenv(children.IDLE_ENV, raising=False)
    else:
        monkeypatch.setenv(children.IDLE_ENV, raw)
    assert children.idle_seconds() == expected
    assert not math.isnan(children.idle_seconds())


def child_pids() -> list[int]:
    """This process's children, from /proc (every thread's list)."""
    found: list[int] = []
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with contextlib.suppress(FileNotFoundError), open(f"/proc/{os.getpid()}/task/{task}/children") as f:
            found += [int(p) for p in f.read().split()]  # (a thread that ended meanwhile: none)
    return sorted(found)


async def test_the_pool_starts_its_children_and_no_other_process() -> None:
    # a multiprocessing pool also started a resource tracker (~12 MiB) for the server's life
    before = set(child_pids())  # e.g. servers of other tests, still being stopped
    pool = HealingPool("test", 2, idle=0)
    try:
        await asyncio.gather(pool.run(time.sleep, 0.2), pool.run(time.sleep, 0.2))
        assert len(pool.pids()) == 2
        assert set(child_pids()) - before == set(pool.pids())
    finally:
        pool.shutdown()
    await until(lambda: not set(child_pids()) - before)  # stopped and reaped: no zombie left


async def test_a_call_raises_what_the_function_raised_and_the_child_stays() -> None:
    pool = HealingPool("test", 1, idle=0)
    try:
        pid = await pool.run(os.getpid)
        with pytest.raises(ValueError, match="invalid literal"):
            await pool.run(int, "x")
        assert await pool.run(print, "printed by the child") is None  # not on the channel
        assert await pool.run(os.getpid) == pid and pool.replaced == 0
    finally:
        pool.shutdown()


async def test_a_child_killed_during_a_call_is_replaced_and_the_call_tried_again() -> None:
    pool = HealingPool("test", 1, idle=0)
    try:
        first = await pool.run(os.getpid)
        call = asyncio.ensure_future(pool.run(time.sleep, 0.5))
        await asyncio.sleep(0.1)
        os.kill(first, 9)
        assert await asyncio.wait_for(call, TIMEOUT) is None
        assert pool.replaced == 1 and await pool.run(os.getpid) not in (first, None)
    finally:
        pool.shutdown()


async def test_a_cancelled_call_leaves_its_child_usable() -> None:
    pool = HealingPool("test", 1, idle=0)
    try:
        pid = await pool.run(os.getpid)
        call = asyncio.ensure_future(pool.run(time.sleep, 0.2))
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert await asyncio.wait_for(pool.run(os.getpid), TIMEOUT) == pid and pool.replaced == 0
    finally:
        pool.shutdown()
