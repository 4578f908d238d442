"""`codie worker`: the background process that owns the job queue.

Spoken to over stdio (the LSP server's child) in msgpack frames (worker.protocol), or run
standalone (`--standalone`, e.g. next to the PR webhook) to drain the queue. A reader
thread takes messages; the main thread runs one job at a time. When the server goes
away (stdin closes), the worker stops; the queue keeps whatever was not done.

The queue is a SQLite file or, with `--db postgresql://...`, a PostgreSQL database that
standalone workers on many hosts share. A store that is briefly unreachable is waited
for (the worker keeps running and says so once); it never takes the worker down.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

from codie.sandbox.cgroup import pid_alive
from codie.worker import handlers
from codie.worker.protocol import ProtocolError, encode, read_frame
from codie.worker.queue import LEASE, Job, Queue
from codie.worker.queues import open_queue
from codie.worker.runner import execute

log = logging.getLogger(__name__)
IDLE_POLL = 1.0  # seconds between looks at the queue for jobs others enqueued
RETRY = 2.0  # seconds between attempts while the queue's store cannot be reached


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def one_line(exc: BaseException) -> str:
    """A driver's multi-line message on one line (one outage, one line in the log)."""
    return " ".join(str(exc).split())


def requeue_dead_local(queue: Queue) -> int:
    """Jobs held by workers of this host whose process is gone go back to the queue."""
    host = socket.gethostname()
    dead = []
    for job in queue.list("running"):
        parts = (job.worker or "").split(":")
        if len(parts) == 3 and parts[0] == host and parts[1].isdigit() and not pid_alive(int(parts[1])):
            dead.append(job.worker or "")
    return queue.requeue_abandoned(sorted(set(dead))) if dead else 0


class Worker:
    def __init__(self, queue: Queue, out: BinaryIO | None) -> None:
        self.queue = queue
        self.out = out
        self.id = new_worker_id()
        self._write_lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        # "submitted" must reach the server before any progress or result of that job
        self._claim_lock = threading.Lock()
        self.current: tuple[int, threading.Event] | None = None  # the job running now

    # output -------------------------------------------------------------------------------
    def send(self, message: dict[str, Any]) -> None:
        if self.out is None:
            return
        try:
            frame = encode(message)
            with self._write_lock:
                self.out.write(frame)
                self.out.flush()
        except (OSError, ValueError, ProtocolError):  # server gone: stop quietly
            self.stopping.set()
            self.wake.set()

    def send_result(self, job: Job) -> None:
        self.send(
            {
                "type": "result",
                "id": job.id,
                "kind": job.kind,
                "state": job.state,
                "result": job.result,
                "error": job.error,
            }
        )

    def _progress(self, job_id: int, fraction: float, message: str) -> None:
        self.send({"type": "progress", "id": job_id, "fraction": fraction, "message": message})

    # input --------------------------------------------------------------------------------
    def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        ref = message.get("ref")
        try:
            if kind == "submit":
                with self._claim_lock:
                    job_id = self.queue.enqueue(
                        str(message["kind"]), dict(message.get("payload") or {}), message.get("key")
                    )
                    self.send({"type": "submitted", "ref": ref, "id": job_id})
                job = self.queue.get(job_id)
                if job.final:  # a duplicate key of a finished job: answer at once
                    self.send_result(job)
                self.wake.set()
            elif kind == "cancel":
                ok = self.queue.cancel(int(message["id"]))
                running = self.current
                if ok and running is not None and running[0] == int(message["id"]):
                    running[1].set()  # kill its sandbox now, not at the next heartbeat
                self.send({"type": "cancelled", "id": message["id"], "ok": ok})
            elif kind == "watch":
                for job_id in message.get("ids", []):
                    try:
                        job = self.queue.get(int(job_id))
                    except KeyError:
                        continue
                    if job.final:
                        self.send_result(job)
            elif kind == "ping":
                self.send({"type": "pong", "ref": ref})
            elif kind == "shutdown":
                self.stopping.set()
                self.wake.set()
            else:
                self.send({"type": "error", "ref": ref, "message": f"unknown type {kind!r}"})
        except (KeyError, TypeError, ValueError) as exc:
            self.send({"type": "error", "ref": ref, "message": f"bad {kind} message: {exc}"})

    def read_loop(self, stream: BinaryIO) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    message = read_frame(stream)
                except ProtocolError as exc:
                    self.send({"type": "error", "message": str(exc)})
                    break  # the stream is out of step; nothing more can be trusted
                if message is None:
                    break
                self.handle(message)
        finally:
            self.stopping.set()  # the server is gone
            self.wake.set()

    # jobs ---------------------------------------------------------------------------------
    def serve(self) -> None:
        try:
            recovered = requeue_dead_local(self.queue)
        except Exception as exc:  # the store is down: serve() waits for it below
            log.warning("codie worker: cannot look for abandoned jobs: %s", exc)
            recovered = 0
        self.send(
            {"type": "hello", "worker": self.id, "pid": os.getpid(), "kinds": handlers.kinds(), "recovered": recovered}
        )
        failing = False
        while not self.stopping.is_set():
            try:
                with self._claim_lock:
                    job = self.queue.claim(self.id, handlers.kinds())
            except Exception as exc:  # the store is down or locked: wait, never die
                if not failing:  # once per outage, not once per retry
                    print(
                        f"codie worker: the job queue is unavailable ({one_line(exc)}); retrying",
                        file=sys.stderr,
                        flush=True,
                    )
                failing = True
                self.stopping.wait(RETRY)
                continue
            if failing:
                print("codie worker: the job queue is back", file=sys.stderr, flush=True)
                failing = False
            if job is None:
                self.wake.wait(IDLE_POLL)
                self.wake.clear()
                continue
            self._progress(job.id, 0.0, f"{job.kind} started")
            self.current = (job.id, threading.Event())
            try:
                done = execute(self.queue, job, self._progress, cancel=self.current[1])
            except Exception as exc:  # the store failed under the job: its lease will expire
                print(
                    f"codie worker: job {job.id} could not be recorded ({one_line(exc)}); it will be "
                    "run again when its lease expires",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            finally:
                self.current = None
            self.send_result(done)


def main(db: Path | str, standalone: bool = False, lease: float = LEASE) -> int:
    problems = handlers.load_modules()
    for problem in problems:
        print(f"codie worker: {problem}", file=sys.stderr)
    queue = open_queue(db, lease=lease)
    if standalone:
        worker = Worker(queue, None)

        def stop(signum: int, frame: object) -> None:  # finish the job at hand, then leave
            worker.stopping.set()
            worker.wake.set()

        signal.signal(signal.SIGTERM, stop)
        print(f"codie worker {worker.id} serving {queue.location}", file=sys.stderr, flush=True)
        try:
            worker.serve()
        except KeyboardInterrupt:
            return 0
        finally:
            queue.close()
        return 0
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must never corrupt the frames
    worker = Worker(queue, out)
    reader = threading.Thread(target=worker.read_loop, args=(sys.stdin.buffer,), name="worker-reader", daemon=True)
    reader.start()
    worker.serve()
    return 0
