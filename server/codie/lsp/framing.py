"""The LSP base protocol's framing on stdin (standard library only: `codie serve` reads the
first message with it before pygls is imported, lsp/early.py)."""

from __future__ import annotations

import json
import os
import re
import select

# `codie serve` answers `initialize` before it imports typing (a third of the imports before
# the answer): type checkers read this constant as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_HEADER = re.compile(rb"([A-Za-z][A-Za-z0-9-]*):[ \t]*([^\r\n]*)\r\n")
MAX_HEADER_LINE = 4096
MAX_BODY = 256 * 1024 * 1024  # a message larger than this is treated as a framing error


class FramedStdin:
    """stdin for pygls's reader loop that enforces the LSP base protocol's framing.

    pygls skips lines it does not understand and waits for a Content-Length forever, so one
    bad header or a wrong length leaves the server alive but deaf. Here a framing error is
    remembered in `error` and reported to pygls as end of input: the server stops and
    `codie serve` exits non-zero, so the editor restarts it.

    It buffers the input itself, so that `pending()` can tell the scheduler that more
    messages are already waiting (then a burst of edits is read before analysis runs).
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self.error: str | None = None
        self._raw = raw  # held: closing it (garbage collected) would close the descriptor
        self._fd = raw.fileno()
        self._buf = bytearray()
        self._eof = False
        self._length: int | None = None

    def unread(self, header: bytes, body: bytes) -> None:
        """Put a message read whole back in front of the input (lsp/early.py reads the
        first one before the server exists; the server then reads it again)."""
        self._buf[:0] = header + body

    def pending(self) -> bool:
        """Input is waiting to be read (thread-safe enough: a hint, never a promise)."""
        if self._buf:
            return True
        try:
            return bool(select.select([self._fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def wait(self, timeout: float) -> bool:
        """Input is waiting, or arrives within `timeout` seconds (or the input ended)."""
        if self._buf:
            return True
        try:
            return bool(select.select([self._fd], [], [], timeout)[0])
        except (OSError, ValueError):
            return False

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = os.read(self._fd, 65536)
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _raw_line(self) -> bytes:
        while True:
            end = self._buf.find(b"\n", 0, MAX_HEADER_LINE)
            if end >= 0:
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                return line
            if len(self._buf) >= MAX_HEADER_LINE or not self._fill():
                line = bytes(self._buf[:MAX_HEADER_LINE])
                del self._buf[:MAX_HEADER_LINE]
                return line

    def _fail(self, why: str) -> bytes:
        self.error = why
        import logging  # here: `codie serve` reads the first message before it imports logging

        logging.getLogger(__name__).error("LSP framing error: %s; the server stops", why)
        return b""

    def readline(self) -> bytes:
        if self.error:
            return b""
        line = self._raw_line()
        if not line:
            return b"" if self._length is None else self._fail("input ended inside a header")
        if line == b"\r\n":
            if self._length is None:
                return self._fail("a header block without Content-Length")
            return line
        match = _HEADER.fullmatch(line)
        if match is None:
            return self._fail(f"malformed header line {line[:80]!r}")
        name, value = match[1].lower(), match[2].strip()
        if name == b"content-length":
            if self._length is not None or not value.isdigit():
                return self._fail(f"bad Content-Length {value[:40]!r}")
            length = int(value)
            if not 0 < length <= MAX_BODY:
                return self._fail(f"Content-Length {length} out of range")
            self._length = length
            return b"Content-Length: %d\r\n" % length  # the one form pygls parses
        if name == b"content-type":
            return line
        return self._fail(f"unknown header {match[1][:40]!r}")

    def read(self, n: int) -> bytes:
        if self.error:
            return b""
        if n != self._length:
            return self._fail("body read out of step with its header")
        self._length = None
        while len(self._buf) < n and self._fill():
            pass
        if len(self._buf) < n:
            return self._fail("input ended inside a message body")
        body = bytes(self._buf[:n])
        del self._buf[:n]
        return body


def notification(method: str, params: str) -> bytes:
    """A JSON-RPC notification, framed, whose params are JSON text already (the server's
    publishes, lsp/protocol.py, and the one the start path sends before pygls exists)."""
    body = f'{{"jsonrpc": "2.0", "method": {json.dumps(method)}, "params": {params}}}'.encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class JsonText:
    """A request handler's result that is JSON text already: lsp/protocol.py writes it as
    it is. Through lsprotocol objects and pygls's cattrs walk, a pull of the 6,862-line
    file's 76 diagnostics took 3-5 ms of CPU per keystroke; assembled from the texts
    convert.DiagnosticCache keeps, ~0.02 ms. (A plain class: this module loads before
    dataclasses would.)"""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def response(msg_id: int | str | None, result: str) -> bytes:
    """A JSON-RPC response, framed, whose result is JSON text already (a pull's answer, from
    the server, lsp/protocol.py, or from the start path before pygls exists,
    lsp/early_open.py)."""
    body = f'{{"jsonrpc": "2.0", "id": {json.dumps(msg_id)}, "result": {result}}}'.encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
