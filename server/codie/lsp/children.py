"""Processes the language server starts: they must not outlive it nor hold its stdio, and a
pool whose child died is replaced (HealingPool).

A pool starts its child on its first call, not before (an editor that never asks for what
a pool computes never pays for a second interpreter), and stops it after IDLE seconds
without a call: each child is a Python interpreter with the analyzers imported, ~30 MiB of
memory the editor does not need while nobody edits. The next call starts a new one.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

# the pools' initializers live in a module of their own: a child imports only what it runs
from codie.lsp.detach import background_worker as background_worker
from codie.lsp.detach import detach_from_server as detach_from_server

log = logging.getLogger(__name__)
T = TypeVar("T")
IDLE_ENV = "CODIE_POOL_IDLE_SECONDS"  # overrides IDLE (tests use a short one; 0: never)
IDLE = 60.0  # seconds without a call before a pool's child is stopped


def idle_seconds() -> float:
    """IDLE, or the number in $CODIE_POOL_IDLE_SECONDS (a bad value is logged and ignored)."""
    raw = os.environ.get(IDLE_ENV)
    if raw is None:
        return IDLE
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        log.warning("%s=%r is not a number of seconds >= 0; using %g", IDLE_ENV, raw, IDLE)
        return IDLE
    return value


class HealingPool:
    """A process pool that replaces itself when a child dies (OOM killer, a crash, kill -9).

    A ProcessPoolExecutor whose worker died is broken for good: every later call raises
    BrokenProcessPool. Here the broken pool is dropped, a new one started, and the call
    tried once more; a call that breaks the fresh pool too raises (it is the call's fault).
    Children start with the first call and stop after `idle` seconds without one (see the
    module's docstring; 0: never).
    """

    def __init__(
        self,
        name: str,
        max_workers: int,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        idle: float | None = None,
    ) -> None:
        self.name = name
        self.max_workers = max_workers
        self._initializer = initializer
        self._initargs = initargs
        self.idle = idle_seconds() if idle is None else idle
        self._pool: ProcessPoolExecutor | None = None
        self._running = 0  # calls in flight
        self._idle_timer: asyncio.TimerHandle | None = None
        self._at_exit = False
        self.replaced = 0  # how many times a broken pool was replaced
        self.stopped_idle = 0  # how many times an idle pool's children were stopped

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the server has threads, and a forked copy of their locks hangs
            self._pool = ProcessPoolExecutor(
                max_workers=self.max_workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=self._initializer,
                initargs=self._initargs,
            )
            if not self._at_exit:  # once: the pool of the moment is stopped at exit
                atexit.register(self.shutdown)
                self._at_exit = True
        return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:
            log.warning("%s pool: a child process died; starting a new one", self.name)
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.replaced += 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        self._cancel_idle_timer()
        self._running += 1
        try:
            for attempt in (1, 2):
                pool = self._executor()
                try:
                    return await loop.run_in_executor(pool, fn, *args)
                except BrokenProcessPool:
                    self._replace(pool)
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")
        finally:
            self._running -= 1
            if self._running == 0 and self._pool is not None and self.idle > 0:
                self._idle_timer = loop.call_later(self.idle, self._stop_idle)

    def _cancel_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _stop_idle(self) -> None:
        self._idle_timer = None
        if self._running == 0 and self._pool is not None:
            log.debug("%s pool: idle for %gs; stopping its children", self.name, self.idle)
            self.shutdown()
            self.stopped_idle += 1

    def pids(self) -> list[int]:
        """The pids of the children running now (for diagnostics and tests): none before
        the first call or after an idle stop. Asking starts nothing."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}  # ProcessPoolExecutor's own
        return sorted(p.pid for p in list(processes.values()) if p.pid is not None and p.is_alive())

    def pid(self) -> int | None:
        """The pid of a running child, or None (see pids)."""
        pids = self.pids()
        return pids[0] if pids else None

    def shutdown(self) -> None:
        self._cancel_idle_timer()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
