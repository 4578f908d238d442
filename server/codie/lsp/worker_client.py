"""The LSP server's side of the worker: start it lazily, never wait on it, restart it.

All I/O is asyncio: a reader task turns frames into callbacks on the event loop. Submits
not yet acknowledged are re-sent to a restarted worker (they carry idempotency keys), and
jobs in flight are "watched" again, so a killed worker loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codie.worker.protocol import ProtocolError, encode, read_message

log = logging.getLogger(__name__)
RESTART_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)
MAX_FAILED_STARTS = 5  # consecutive deaths before its first "hello": give up on the jobs

ResultCallback = Callable[[dict[str, Any]], None]
ProgressCallback = Callable[[int, float, str], None]


@dataclass
class Pending:
    on_result: ResultCallback
    on_progress: ProgressCallback | None = None
    on_submitted: Callable[[int], None] | None = None


class WorkerClient:
    def __init__(self, db: Path, argv: list[str] | None = None) -> None:
        self.db = db
        self.argv = argv or [sys.executable, "-m", "codie", "worker", "--db", str(db)]
        self.proc: asyncio.subprocess.Process | None = None
        self.hello: dict[str, Any] = {}
        self.restarts = 0
        self.failed_starts = 0
        self.stderr_tail: list[str] = []
        self._refs = itertools.count(1)
        self._unacked: dict[int, tuple[dict[str, Any], Pending]] = {}
        self._jobs: dict[int, Pending] = {}
        self._starting: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.returncode is None else None

    # lifecycle ----------------------------------------------------------------------------
    async def ensure_started(self) -> None:
        if self.pid is not None:
            return
        if self._starting is None or self._starting.done():
            self._starting = asyncio.create_task(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        proc = self.proc
        self._spawn(self._read(proc))
        self._spawn(self._log_stderr(proc))
        # whatever a previous worker had not acknowledged or finished, ask again
        for message, _ in list(self._unacked.values()):
            self._write(message)
        if self._jobs:
            self._write({"type": "watch", "ids": sorted(self._jobs)})

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _write(self, message: dict[str, Any]) -> bool:
        proc = self.proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            return False
        try:
            proc.stdin.write(encode(message))
        except (OSError, RuntimeError, ProtocolError) as exc:
            log.warning("cannot write to the worker: %s", exc)
            return False
        return True

    async def close(self) -> None:
        self._closed = True
        proc = self.proc
        if proc is not None and proc.returncode is None:
            self._write({"type": "shutdown"})
            with contextlib.suppress(Exception):
                if proc.stdin is not None:
                    proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                proc.kill()

    # requests -----------------------------------------------------------------------------
    async def submit(self, kind: str, payload: dict[str, Any], pending: Pending, key: str | None = None) -> None:
        ref = next(self._refs)
        message = {"type": "submit", "ref": ref, "kind": kind, "payload": payload, "key": key or uuid.uuid4().hex}
        self._unacked[ref] = (message, pending)
        await self.ensure_started()
        self._write(message)

    def cancel(self, job_id: int) -> None:
        self._write({"type": "cancel", "id": job_id})

    # replies ------------------------------------------------------------------------------
    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            while (message := await read_message(proc.stdout)) is not None:
                try:
                    self._dispatch(message)
                except Exception:
                    log.exception("worker message %s failed", message.get("type"))
        except ProtocolError as exc:
            log.error("worker protocol error: %s", exc)
            proc.kill()
        await proc.wait()
        if not self._closed and proc is self.proc:
            self.proc = None
            if not self.hello or self.hello.get("pid") != proc.pid:
                self.failed_starts += 1
            if self.failed_starts >= MAX_FAILED_STARTS:
                self._give_up(proc.returncode)
                return
            log.warning("worker exited (%s); restarting", proc.returncode)
            delay = RESTART_DELAYS[min(self.restarts, len(RESTART_DELAYS) - 1)]
            self.restarts += 1
            await asyncio.sleep(delay)
            if not self._closed and (self._unacked or self._jobs):
                await self.ensure_started()

    def _give_up(self, code: int | None) -> None:
        """The worker cannot even start: fail what waits on it, start afresh next time."""
        error = f"the worker failed to start {self.failed_starts} times (exit {code}): " + " | ".join(
            self.stderr_tail[-3:]
        )
        log.error("%s", error)
        waiting = [p for _, p in self._unacked.values()] + list(self._jobs.values())
        self._unacked.clear()
        self._jobs.clear()
        self.failed_starts = 0
        for pending in waiting:
            pending.on_result({"type": "result", "id": -1, "state": "failed", "result": None, "error": error})

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "hello":
            self.hello = message
            self.failed_starts = 0
        elif kind == "submitted":
            entry = self._unacked.pop(int(message["ref"]), None)
            if entry is not None:
                pending = entry[1]
                self._jobs[int(message["id"])] = pending
                if pending.on_submitted is not None:
                    pending.on_submitted(int(message["id"]))
        elif kind == "progress":
            watcher = self._jobs.get(int(message["id"]))
            if watcher is not None and watcher.on_progress is not None:
                watcher.on_progress(int(message["id"]), float(message["fraction"]), str(message.get("message", "")))
        elif kind == "result":
            done = self._jobs.pop(int(message["id"]), None)
            if done is not None:
                done.on_result(message)
        elif kind == "error":
            log.warning("worker: %s", message.get("message"))

    async def _log_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            text = line.decode("utf-8", "replace").rstrip()
            self.stderr_tail = [*self.stderr_tail[-9:], text]
            log.info("worker: %s", text)
