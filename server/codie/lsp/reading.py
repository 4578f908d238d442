"""Reading client messages from stdin: one thread hop per message, on a thread of its own.

pygls's stdin reader runs each `readline()` and `read(n)` as its own job in the server's
thread pool: three round trips between the event loop and a pool thread per message (the
`Content-Length` line, the blank line, the body), each a wake-up of two threads, and each
queued behind whatever the pool is running (deferred analyzers, indexing, the call
graph's update). On a loaded machine that was ~4 ms of every keystroke's latency
(bench/keystroke_trace.py: `read lag` + `hop`), and a 500-edit burst paid it 1,500 times.

`MessageReader` reads a whole message (its header lines and its body) in one job on its
own single thread and hands the parts to pygls's message loop (`pygls.io_.run_async`,
unchanged) from memory: the loop's `readline()` / `readexactly()` calls after the first of
a message return futures that are already done, so they do not even yield.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import threading
from collections import deque
from collections.abc import Awaitable
from typing import Any, BinaryIO, Protocol

from pygls.io_ import StdoutWriter, run_async

log = logging.getLogger(__name__)

_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")  # the form pygls's loop parses


class LineSource(Protocol):
    """What is read from: lsp/framing.FramedStdin, or any binary stream."""

    def readline(self) -> bytes: ...

    def read(self, n: int) -> bytes: ...


class MessageReader:
    """pygls's AsyncReader (`readline()`, `readexactly(n)`), one message per thread job."""

    def __init__(self, source: LineSource) -> None:
        self.source = source
        self._parts: deque[bytes] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        # a daemon thread, not an executor: it may be blocked reading when the process
        # exits, and an executor's thread would be joined (a hang) at interpreter exit
        self._jobs: queue.SimpleQueue[asyncio.Future[list[bytes]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def _read_message(self) -> list[bytes]:
        """The next message as pygls's loop consumes it: header lines up to the blank line
        that ends a block with a length, then the body; b"" at the end of input."""
        parts: list[bytes] = []
        length = 0
        while True:
            line = self.source.readline()
            parts.append(line)
            if not line:
                return parts
            if not length and (match := _LENGTH.fullmatch(line)):
                length = int(match[1])
            if length and not line.strip():
                parts.append(self.source.read(length))
                return parts

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                parts = self._read_message()
            except BaseException as exc:  # handed to the loop, which reports it
                loop.call_soon_threadsafe(_settle, job, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, job, parts, None)

    async def _next(self) -> bytes:
        # pygls's loop awaits one read at a time: at most one job is out
        loop = self._loop = self._loop or asyncio.get_running_loop()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(loop,), name="codie-stdin", daemon=True)
            self._thread.start()
        job: asyncio.Future[list[bytes]] = loop.create_future()
        self._jobs.put(job)
        self._parts.extend(await job)
        return self._parts.popleft()

    def _take(self) -> Awaitable[bytes]:
        if self._parts:  # read with the first part of its message: no hop, no yield
            done: asyncio.Future[bytes] = (self._loop or asyncio.get_running_loop()).create_future()
            done.set_result(self._parts.popleft())
            return done
        return self._next()

    def readline(self) -> Awaitable[bytes]:
        return self._take()

    def readexactly(self, n: int) -> Awaitable[bytes]:
        return self._take()  # the body that followed its header, read with it

    def close(self) -> None:
        self._jobs.put(None)  # the thread ends after the read it may be blocked in


def _settle(job: asyncio.Future[list[bytes]], parts: list[bytes] | None, exc: BaseException | None) -> None:
    if job.done():  # cancelled: the loop is closing
        return
    if exc is not None:
        job.set_exception(exc)
    else:
        assert parts is not None
        job.set_result(parts)


def serve_io(server: Any, stdin: BinaryIO | None, stdout: BinaryIO | None) -> None:
    """pygls's `LanguageServer._start_io_async` with MessageReader in place of its reader."""
    import sys

    server._stop_event = threading.Event()
    reader = MessageReader(stdin or sys.stdin.buffer)
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(
            run_async(
                stop_event=server._stop_event,
                reader=reader,
                protocol=server.protocol,
                logger=None,
                error_handler=server.report_server_error,
            )
        )
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        reader.close()
        server.shutdown()
