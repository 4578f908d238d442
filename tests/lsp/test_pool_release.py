"""HealingPool.release_when_idle: the server stops an idle child before its own memory peak
(a style training) rather than keeping it for the idle time; a busy child finishes its call
first (release() waits for that, up to a bound); the next call starts a new child."""

from __future__ import annotations

import asyncio
import os
import time

from codie.lsp.children import HealingPool

TIMEOUT = 60.0


async def test_an_idle_child_is_stopped_at_once_and_the_next_call_starts_one() -> None:
    pool = HealingPool("test", 1, idle=600)
    try:
        first = await pool.run(os.getpid)
        assert pool.pids() == [first]
        pool.release_when_idle()
        assert pool.pid() is None and pool.stopped_idle == 1
        pool.release_when_idle()  # nothing runs: nothing to do
        assert pool.stopped_idle == 1
        second = await pool.run(os.getpid)
        assert second != first and pool.pid() == second  # and it is kept for the idle time again
    finally:
        pool.shutdown()


async def test_a_busy_child_finishes_its_call_then_stops() -> None:
    pool = HealingPool("test", 1, idle=600)
    try:
        pid = await pool.run(os.getpid)
        call = asyncio.create_task(pool.run(time.sleep, 0.3))
        async with asyncio.timeout(TIMEOUT):
            while not pool._running:
                await asyncio.sleep(0.01)
        pool.release_when_idle()
        assert pool.pid() == pid  # not killed mid-call
        await asyncio.wait_for(call, TIMEOUT)  # the call's answer arrives
        assert pool.pid() is None and pool.stopped_idle == 1
        assert await pool.run(os.getpid) not in (pid, None)
    finally:
        pool.shutdown()


async def test_release_returns_once_the_call_in_flight_has_ended() -> None:
    pool = HealingPool("test", 1, idle=600)
    try:
        pid = await pool.run(os.getpid)
        await asyncio.wait_for(pool.release(TIMEOUT), TIMEOUT)  # idle: at once
        assert pool.pid() is None
        pid = await pool.run(os.getpid)
        call = asyncio.create_task(pool.run(time.sleep, 0.3))
        async with asyncio.timeout(TIMEOUT):
            while not pool._running:
                await asyncio.sleep(0.01)
        await asyncio.wait_for(pool.release(TIMEOUT), TIMEOUT)
        assert call.done() and pool.pid() is None  # the call ended first, then its child stopped
        assert pool.stopped_idle == 2
    finally:
        pool.shutdown()
    assert pid is not None


async def test_release_waits_no_longer_than_told() -> None:
    pool = HealingPool("test", 1, idle=600)
    try:
        pid = await pool.run(os.getpid)
        call = asyncio.create_task(pool.run(time.sleep, 3.0))
        async with asyncio.timeout(TIMEOUT):
            while not pool._running:
                await asyncio.sleep(0.01)
        await asyncio.wait_for(pool.release(0.05), TIMEOUT)
        assert not call.done() and pool.pid() == pid  # still measuring: not killed
        await asyncio.wait_for(call, TIMEOUT)
        assert pool.pid() is None  # and stopped once its call ended
    finally:
        pool.shutdown()
