"""Processes the language server starts: they must not outlive it nor hold its stdio, and a
child that died is replaced (HealingPool).

A pool starts its child on its first call, not before (an editor that never asks for what
a pool computes never pays for a second interpreter), and stops it after IDLE seconds
without a call: a child holds the modules its calls imported (a metrics child held ~15 MiB),
memory the editor does not need while nobody edits. The next call starts a new one.

A child is `python -c BOOT` running lsp/child.py: a bare interpreter speaking pickles over
its stdin and stdout, not a multiprocessing pool. That pool's spawned child re-imported
the server's main module, and its locks made multiprocessing start a resource-tracker
process (~12 MiB) that lived as long as the server: the editor benchmark's process tree
was the server, the metrics child (30 MiB) and that tracker.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, TypeVar, cast

# the pools' initializers live in a module of their own: a child imports only what it runs
from codie.lsp.child import read_frame, write_frame
from codie.lsp.detach import background_worker as background_worker
from codie.lsp.detach import detach_from_server as detach_from_server

log = logging.getLogger(__name__)
T = TypeVar("T")
IDLE_ENV = "CODIE_POOL_IDLE_SECONDS"  # overrides IDLE (tests use a short one; 0: never)
# Seconds without a call before a pool's child is stopped. Short: a call after a longer
# pause pays ~0.1 s of CPU for a new child (in the child, off the server's GIL; the
# metrics of a big file cost 0.4 s there anyway), while a child kept for a minute after
# each call added its ~19 MiB to the editor's for most of a session.
IDLE = 5.0
# The child's program: the server's sys.path (argv[1], one entry per line), then lsp/child.
BOOT = "import sys; sys.path[:] = sys.argv[1].split('\\n'); from codie.lsp.child import main; main()"


class ChildDied(Exception):
    """The child process died during a call (OOM killer, a crash, kill -9)."""


class PoolStopped(Exception):
    """The pool was shut down while the call ran."""


def idle_seconds(default: float = IDLE) -> float:
    """default (IDLE), or the number in $CODIE_POOL_IDLE_SECONDS (a bad value is logged
    and ignored)."""
    raw = os.environ.get(IDLE_ENV)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        log.warning("%s=%r is not a number of seconds >= 0; using %g", IDLE_ENV, raw, default)
        return default
    return value


class Child:
    """One child process and its pipes; used by one call at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, "\n".join(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None  # poll() also reaps a dead child: no zombie

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bool, Any]:
        """Send one call, wait for its answer: (True, result) or (False, exception)."""
        request = pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL)
        try:
            write_frame(cast(IO[bytes], self.proc.stdin), request)
            del request
            answer = read_frame(cast(IO[bytes], self.proc.stdout))
        except (OSError, ValueError) as exc:  # a broken pipe, or pipes closed by stop()
            raise ChildDied(f"child {self.pid}: {exc}") from None
        if answer is None:
            raise ChildDied(f"child {self.pid} exited")
        try:
            reply: tuple[bool, Any] = pickle.loads(answer)
        except Exception as exc:  # e.g. an exception class whose arguments do not round-trip
            return False, RuntimeError(f"cannot read the child's answer: {exc}")
        return reply

    def stop(self) -> None:
        """Kill the child; reap it and close its pipes in the background (no zombie, and
        no wait here: a pool thread may be reading its answer, holding the pipe's lock,
        until the kill ends the child)."""
        with contextlib.suppress(OSError):
            self.proc.kill()
        threading.Thread(target=self._reap, name="codie-reap", daemon=True).start()

    def _reap(self) -> None:
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError, ValueError):
                    pipe.close()


class HealingPool:
    """Up to max_workers child processes; one that dies is replaced.

    A call whose child died is tried once more in a new child; a call that kills that one
    too raises ChildDied (it is the call's fault). Children start with the first call and
    stop after `idle` seconds without one (see the module's docstring; 0: never).
    `initializer(*initargs)` runs first in each new child. Calls are pickled and their
    answers unpickled in the pool's threads, never on the event loop; a call whose caller
    was cancelled still completes, so its child stays usable.
    """

    def __init__(
        self,
        name: str,
        max_workers: int,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        idle: float | None = None,
        default_idle: float = IDLE,
    ) -> None:
        self.name = name
        self.max_workers = max(1, max_workers)
        self._initializer = initializer
        self._initargs = initargs
        # idle: this many seconds, whatever the environment says; default_idle: unless
        # $CODIE_POOL_IDLE_SECONDS says otherwise
        self.idle = idle_seconds(default_idle) if idle is None else idle
        self._lock = threading.Lock()
        self._children: list[Child] = []  # every child started and not stopped
        self._free: list[Child] = []  # those waiting for a call
        self._threads: ThreadPoolExecutor | None = None
        self._generation = 0  # +1 at each shutdown: calls running then do not retry
        self._running = 0  # calls in flight
        self._idle_timer: asyncio.TimerHandle | None = None
        self._at_exit = False
        self.replaced = 0  # how many times a dead child was replaced
        self.stopped_idle = 0  # how many times an idle pool's children were stopped

    def _executor(self) -> ThreadPoolExecutor:
        if self._threads is None:
            # one thread per child: it writes the call and waits for the answer
            self._threads = ThreadPoolExecutor(self.max_workers, thread_name_prefix=f"codie-{self.name}")
            if not self._at_exit:  # once: whatever runs then is stopped at exit
                atexit.register(self.shutdown)
                self._at_exit = True
        return self._threads

    def _take(self, generation: int) -> Child:
        """A free live child, or a new one (with its initializer run)."""
        dead: list[Child] = []
        with self._lock:
            if generation != self._generation:
                raise PoolStopped(f"{self.name} pool was shut down")
            found = None
            while self._free and found is None:
                child = self._free.pop()
                if child.alive():
                    found = child
                else:
                    self._children.remove(child)
                    dead.append(child)
        for child in dead:  # died while waiting for a call (killed, OOM)
            child.stop()
            self._replaced()
        if found is not None:
            return found
        child = Child()  # outside the lock: pids() on the event loop never waits for a spawn
        with self._lock:
            stopped = generation != self._generation
            if not stopped:
                self._children.append(child)
        if stopped:
            child.stop()
            raise PoolStopped(f"{self.name} pool was shut down")
        if self._initializer is not None:
            try:
                ok, value = child.call(self._initializer, self._initargs)
            except ChildDied:
                self._drop(child)
                raise
            if not ok:
                self._drop(child)
                raise value
        return child

    def _replaced(self) -> None:
        log.warning("%s pool: a child process died; starting a new one", self.name)
        self.replaced += 1

    def _drop(self, child: Child) -> None:
        with self._lock:
            if child in self._children:
                self._children.remove(child)
        child.stop()

    def _give_back(self, child: Child, generation: int) -> None:
        with self._lock:
            if generation == self._generation and child in self._children:
                self._free.append(child)
                return
        child.stop()  # the pool was shut down meanwhile

    def _call(self, generation: int, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        """In a pool thread: the call in a live child, replacing a dead one once."""
        for attempt in (1, 2):
            child = None
            try:
                child = self._take(generation)
                ok, value = child.call(fn, args)
            except ChildDied:
                if child is not None:
                    self._drop(child)
                if generation != self._generation:
                    raise PoolStopped(f"{self.name} pool was shut down") from None
                self._replaced()
                if attempt == 2:
                    raise
                continue
            self._give_back(child, generation)
            if not ok:
                raise value
            return cast(T, value)
        raise AssertionError("unreachable")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        self._cancel_idle_timer()
        self._running += 1
        try:
            return await loop.run_in_executor(self._executor(), self._call, self._generation, fn, args)
        finally:
            self._running -= 1
            if self._running == 0 and self._children and self.idle > 0:
                self._idle_timer = loop.call_later(self.idle, self._stop_idle)

    def _cancel_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _stop_idle(self) -> None:
        self._cancel_idle_timer()
        if self._running == 0 and self._children:
            log.debug("%s pool: idle for %gs; stopping its children", self.name, self.idle)
            self.shutdown()
            self.stopped_idle += 1

    def pids(self) -> list[int]:
        """The pids of the children running now (for diagnostics and tests): none before
        the first call or after an idle stop. Asking starts nothing."""
        with self._lock:
            return sorted(c.pid for c in self._children if c.alive())

    def pid(self) -> int | None:
        """The pid of a running child, or None (see pids)."""
        pids = self.pids()
        return pids[0] if pids else None

    def shutdown(self) -> None:
        """Stop every child now (a call running in one raises PoolStopped)."""
        self._cancel_idle_timer()
        with self._lock:
            self._generation += 1
            children, self._children, self._free = self._children, [], []
        for child in children:
            child.stop()
        if self._threads is not None:
            self._threads.shutdown(wait=False)
            self._threads = None
