"""Reading client messages from stdin: one thread hop per message, on a thread of its own.

pygls's stdin reader runs each `readline()` and `read(n)` as its own job in the server's
thread pool: three round trips between the event loop and a pool thread per message (the
`Content-Length` line, the blank line, the body), each a wake-up of two threads, and each
queued behind whatever the pool is running (deferred analyzers, indexing, the call
graph's update). On a loaded machine that was ~4 ms of every keystroke's latency
(bench/keystroke_trace.py: `read lag` + `hop`), and a 500-edit burst paid it 1,500 times.

`MessageReader` reads whole messages (header lines and body) on a thread of its own, ahead
of the loop, and hands them to pygls's message loop (`pygls.io_.run_async`, unchanged)
from memory: one wake-up of the loop per message, and the loop's `readline()` /
`readexactly()` calls for a message already read return futures that are already done.
It also answers the scheduler's "are client messages waiting?" (`pending()`) from what
it has read, without the system call (a `select` that released the GIL to whichever
thread wanted it, in the middle of a keystroke's analysis).

Before the first line of each message the loop yields once (`asyncio.sleep(0)`): pygls
runs an async handler as a task, which starts on the loop's next turn. Without that turn,
a notification read ahead with the request after it (`didChangeConfiguration`, then
`codie/runtimeStatus`) had the request answered before the notification's handler began:
messages must take effect in the order they were sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO, Protocol

from pygls.io_ import StdoutWriter, run_async

log = logging.getLogger(__name__)

_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")  # the form pygls's loop parses


class LineSource(Protocol):
    """What is read from: lsp/framing.FramedStdin, or any binary stream."""

    def readline(self) -> bytes: ...

    def read(self, n: int) -> bytes: ...


class MessageReader:
    """pygls's AsyncReader (`readline()`, `readexactly(n)`) fed by a thread that reads
    whole messages ahead of the loop."""

    def __init__(self, source: LineSource) -> None:
        self.source = source
        self._parts: deque[bytes] = deque()  # of whole messages read, not yet consumed
        self._messages = 0  # how many of them are waiting (pending())
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = False
        self._turn = False  # a message was consumed: give the loop a turn before the next
        # the scheduler's gate for background threads (scheduling.EditorGate): a message
        # read (called on the reading thread) and all of them handled (on the loop)
        self.on_input: Callable[[], object] = lambda: None
        self.on_handled: Callable[[], object] = lambda: None

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

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        # a daemon thread, not an executor's: it is blocked reading when the process exits,
        # and an executor's thread would be joined (a hang) at interpreter exit
        self._loop = loop
        threading.Thread(target=self._run, args=(loop,), name="codie-stdin", daemon=True).start()

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        # Reads ahead: once a message is handed over, the thread is back in the blocking
        # read (the GIL released) before the loop handles it, so it takes the GIL from a
        # keystroke's analysis only when new input arrives.
        while not self._stop:
            try:
                parts = self._read_message()
            except BaseException as exc:  # handed to the loop, which reports it
                with contextlib.suppress(RuntimeError):  # the loop is closed
                    loop.call_soon_threadsafe(self._deliver, [], exc)
                return
            if parts[-1]:
                self.on_input()
            try:
                loop.call_soon_threadsafe(self._deliver, parts, None)
            except RuntimeError:
                return  # the loop is closed
            if not parts[-1]:
                return  # the end of input

    def _deliver(self, parts: list[bytes], error: BaseException | None) -> None:
        self._parts.extend(parts)
        if parts and parts[-1]:
            self._messages += 1  # a whole message (not the end of input)
        if error is not None:
            self._error = error
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def pending(self) -> bool:
        """Whole messages are read and waiting to be handled (no system call: see
        Scheduler._analyze, which asks between the steps of an analysis)."""
        return self._messages > 0

    async def _next(self) -> bytes:
        loop = self._loop or asyncio.get_running_loop()
        if self._loop is None:
            self.start(loop)
        while not self._parts and self._error is None:
            self._waiter = loop.create_future()
            await self._waiter
            self._waiter = None
        return self._pop()

    def _pop(self) -> bytes:
        if not self._parts:
            assert self._error is not None
            raise self._error
        return self._parts.popleft()

    def _take(self) -> Awaitable[bytes]:
        if self._parts:  # read ahead (or with the first part of its message): no hop, no yield
            done: asyncio.Future[bytes] = (self._loop or asyncio.get_running_loop()).create_future()
            done.set_result(self._pop())
            return done
        return self._next()

    def readline(self) -> Awaitable[bytes]:
        if self._turn:  # the first line of the next message (see the module docstring)
            self._turn = False
            return self._after_a_turn()
        return self._take()

    async def _after_a_turn(self) -> bytes:
        await asyncio.sleep(0)  # the tasks the last message started take their first step
        if not self._messages:
            # (a message read but not yet delivered to the loop is missed here: the gate
            # then opens for the moment until it is, at worst one more unit of training)
            self.on_handled()
        return await self._take()

    def readexactly(self, n: int) -> Awaitable[bytes]:
        part = self._take()
        self._messages = max(0, self._messages - 1)  # a body: that message is consumed
        self._turn = True
        return part

    def close(self) -> None:
        self._stop = True  # the thread ends after the read it may be blocked in


# What pygls's `JsonRPCServer._start_io_async` refers to (names, local variables and
# constants other than its docstring), as in the pygls serve_io was written against
# (2.1.1). serve_io repeats that body with another reader, so a pygls whose body differs
# gets its own reader back (correct, only slower) until serve_io is checked against it.
PYGLS_BODY = (
    (
        "logger", "info", "Event", "_stop_event", "StdinAsyncReader", "sys", "stdin",
        "buffer", "thread_pool", "StdoutWriter", "stdout", "protocol", "set_writer",
        "asyncio", "run", "run_async", "report_server_error", "BrokenPipeError", "error",
        "KeyboardInterrupt", "SystemExit", "shutdown",
    ),
    ("self", "stdin", "stdout", "reader", "writer"),
    (
        "Starting async IO server",
        ("stop_event", "reader", "protocol", "logger", "error_handler"),
        "Connection to the client is lost! Shutting down the server.",
        None,
    ),
)  # fmt: skip


def pygls_body(method: Any) -> tuple[tuple[Any, ...], ...]:
    """The parts of a function's code that PYGLS_BODY records (bytecode itself differs
    between Python versions; these do not)."""
    code = method.__code__
    consts = tuple(c for c in code.co_consts if c != method.__doc__)
    return (code.co_names, code.co_varnames, consts)


def serves_pygls(method: Any) -> bool:
    """Whether serve_io is a faithful copy of this pygls `_start_io_async`."""
    try:
        return pygls_body(method) == PYGLS_BODY
    except AttributeError:  # not a plain function: not the one serve_io copies
        return False


def serve_io(server: Any, stdin: BinaryIO | None, stdout: BinaryIO | None) -> None:
    """pygls's `LanguageServer._start_io_async` with MessageReader in place of its reader
    (only called when `serves_pygls` vouches for the copy)."""
    import sys

    server._stop_event = threading.Event()
    reader = MessageReader(stdin or sys.stdin.buffer)
    server.input_pending = reader.pending  # what coalescing asks: messages read, not handled
    reader.on_input = server.scheduler.input_arrived
    reader.on_handled = server.scheduler.update_gate
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
        server.scheduler.gate.retire()  # (no `shutdown` request when the input just ended)
        server.shutdown()
