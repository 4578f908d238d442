"""The program a child process of the language server runs (lsp/children.py starts it).

Standard library only, and nothing imported before a call needs it: a child is a bare
interpreter (~9 MiB) plus the modules of the functions it is asked to run. (A
multiprocessing pool's child also re-imported the server's main module, and the pool
started a resource-tracker process of its own, ~12 MiB, for as long as the server ran.)

The protocol, over the child's stdin and stdout (moved off fds 0 and 1 first, so that
nothing the called code prints can corrupt it): frames of an 8-byte big-endian length and
a pickle. The server sends `(fn, args)`; the child answers `(True, result)` or
`(False, exception)`, one answer per request, in order. End of input ends the child; so
does the server's death (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import struct
from typing import IO, Any

HEADER = struct.Struct("!Q")


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame's payload, or None at end of input (or a frame cut short)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _answer(request: bytes) -> bytes:
    try:
        fn, args = pickle.loads(request)
        reply: tuple[bool, Any] = (True, fn(*args))
    except Exception as exc:  # the caller gets it raised, as from a ProcessPoolExecutor
        reply = (False, exc)
    try:
        return pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an unpicklable result or exception: say what it was
        return pickle.dumps((False, RuntimeError(f"cannot send back {type(reply[1]).__name__}: {exc}")))


def _release_memory() -> None:
    """A collection and malloc_trim(0) after each call: a child waiting for the next call
    should hold what its modules keep, not the call's garbage and freed pages (the metrics
    of a 6,862-line file left 27 MiB without, 21 with; glibc only for the trim)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError, ImportError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)


def main() -> None:
    with contextlib.suppress(OSError, AttributeError, ImportError):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the server
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # print() and input() in called code: never on the channel
        os.dup2(devnull, fd)
    while (request := read_frame(requests)) is not None:
        answer = _answer(request)
        del request
        write_frame(answers, answer)
        del answer
        _release_memory()


if __name__ == "__main__":
    main()
