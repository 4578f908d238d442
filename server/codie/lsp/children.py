"""Processes the language server starts: they must not outlive it nor hold its stdio, and a
pool whose child died is replaced (HealingPool)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from codie.core.workspace import lower_priority

log = logging.getLogger(__name__)
T = TypeVar("T")


def detach_from_server() -> None:
    """In a child process: die with the server, and let go of its LSP stdio.

    A child that kept the server's stdout would corrupt the protocol if it wrote, and would
    keep the client waiting for the pipe to close after the server is gone.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)


def background_worker(memory_mb: int) -> None:
    """Initializer of the workspace-scan pool: detached, niced and memory-capped."""
    detach_from_server()
    lower_priority(memory_mb)


class HealingPool:
    """A process pool that replaces itself when a child dies (OOM killer, a crash, kill -9).

    A ProcessPoolExecutor whose worker died is broken for good: every later call raises
    BrokenProcessPool. Here the broken pool is dropped, a new one started, and the call
    tried once more; a call that breaks the fresh pool too raises (it is the call's fault).
    """

    def __init__(
        self,
        name: str,
        max_workers: int,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self.name = name
        self.max_workers = max_workers
        self._initializer = initializer
        self._initargs = initargs
        self._pool: ProcessPoolExecutor | None = None
        self.replaced = 0  # how many times a broken pool was replaced

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the server has threads, and a forked copy of their locks hangs
            self._pool = ProcessPoolExecutor(
                max_workers=self.max_workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=self._initializer,
                initargs=self._initargs,
            )
            atexit.register(self._pool.shutdown, wait=False, cancel_futures=True)
        return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:
            log.warning("%s pool: a child process died; starting a new one", self.name)
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.replaced += 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return await loop.run_in_executor(pool, fn, *args)
            except BrokenProcessPool:
                self._replace(pool)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def pid(self) -> int | None:
        """The pid of a child (for diagnostics and tests), or None when none runs yet."""
        if self._pool is None:
            return None
        return await self.run(os.getpid)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
