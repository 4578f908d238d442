"""JSON-RPC and LSP base protocol, to the letter, on top of pygls's LanguageServerProtocol.

- Every request gets a response: params that do not fit the method's type (omitted, wrong
  type, a negative line) -> -32602; a request before `initialize` -> -32002; anything after
  `shutdown` -> -32600; a body that is not JSON -> -32700; not a JSON-RPC 2.0 object -> -32600.
- `exit` ends the process with 0 after `shutdown`, 1 without (server.exit_code).
- A framing error (a malformed header, an unknown header, a bad Content-Length, the stream
  ending inside a message) ends the process with a non-zero code: after one, where the next
  message starts is unknowable, and a server that stays alive but deaf cannot be restarted
  by its client (see FramedStdin).
- pygls keeps the future of every handler it runs in `_request_futures`, and forgets only
  those of requests (when it answers them): a notification's, and those of the handlers a
  generator handler yields to, stayed forever (one Future, its condition and callbacks per
  keystroke: a long session grew without bound). Here each is dropped once done.
- Codie keeps its own byte mirror of every document (core.Document): the didOpen/didChange/
  didClose (and notebook) handlers below replace pygls's built-in ones, which would keep a
  second copy of each text and re-split it on every keystroke.
"""

from __future__ import annotations

import json
import logging
import os
import re
import select
from collections.abc import Generator
from typing import IO, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import RPCError, RPCNotification, RPCRequest, RPCResponse

log = logging.getLogger(__name__)

PARSE_ERROR = types.ErrorCodes.ParseError.value  # -32700
INVALID_REQUEST = types.ErrorCodes.InvalidRequest.value  # -32600
INVALID_PARAMS = types.ErrorCodes.InvalidParams.value  # -32602
SERVER_NOT_INITIALIZED = types.ErrorCodes.ServerNotInitialized.value  # -32002

MsgId = int | str | None


class Rejected(Exception):
    """A message that gets an error response instead of a handler (raised while decoding)."""

    def __init__(self, msg_id: MsgId, code: int, message: str) -> None:
        super().__init__(message)
        self.msg_id = msg_id
        self.code = code
        self.message = message


def _valid_id(value: Any) -> MsgId:
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


class CodieProtocol(LanguageServerProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_seen = False
        self.shutdown_seen = False
        self.exit_code: int | None = None  # set by `exit`

    # decoding ---------------------------------------------------------------------------
    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            message = super().structure_message(data)
        except JsonRpcException as exc:
            if "method" in data and "id" in data:  # a request: it must get an answer
                method = data.get("method")
                raise Rejected(_valid_id(data["id"]), INVALID_PARAMS, f"invalid params for {method!r}") from exc
            raise
        if "method" in data and "id" in data and not hasattr(message, "id"):
            # a notification's method sent with an id: a request nobody handles
            raise Rejected(
                _valid_id(data["id"]), INVALID_REQUEST, f"{data['method']!r} is a notification, not a request"
            )
        return message

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, (RPCRequest, RPCNotification, RPCResponse, RPCError)) or (
            message.jsonrpc != self.VERSION
        ):
            raw_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            self.reject(_valid_id(raw_id), INVALID_REQUEST, "not a JSON-RPC 2.0 request or notification")
            return
        msg_id = _valid_id(getattr(message, "id", None))
        if hasattr(message, "id") and msg_id is None:
            self.reject(None, INVALID_REQUEST, "id must be an integer or a string")
            return
        request = isinstance(message, RPCRequest)
        method = getattr(message, "method", None)
        if method is not None:
            if not isinstance(method, str):
                if request:
                    self.reject(msg_id, INVALID_REQUEST, "method must be a string")
                return
            if method == types.EXIT:
                self.exit_code = 0 if self.shutdown_seen else 1
            elif self.shutdown_seen:
                if request:
                    self.reject(msg_id, INVALID_REQUEST, "the server is shutting down")
                return
            elif not self.initialize_seen and method != types.INITIALIZE:
                if request:  # notifications before initialize are dropped (LSP spec)
                    self.reject(msg_id, SERVER_NOT_INITIALIZED, "initialize first")
                return
            elif method == types.INITIALIZE:
                self.initialize_seen = True
        super().handle_message(message)
        if method == types.SHUTDOWN:
            self.shutdown_seen = True

    def _execute_handler(
        self,
        msg_id: int | str,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        # Private pygls API, on purpose: pygls 2.1 stores the future of every async, threaded
        # or generator handler in `_request_futures` and pops it only in
        # `_send_handler_result` (requests) or on `$/cancelRequest`. There is no public hook
        # (no option, no callback) to drop a notification's; making every notification
        # handler a plain function would not do either (pygls's own built-in handlers, e.g.
        # `initialized` and `workspace/didChangeConfiguration`, are generators, and so are
        # the document handlers below, which yield to the feature). tests/lsp/
        # test_soak_state.py counts them (serverState `held.handlerFutures`), so a pygls
        # upgrade that changes this shows there.
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        if getattr(callback, "func", None) == self._send_handler_result:
            return  # a request's: pygls forgets it when it sends the answer
        future = self._request_futures.get(msg_id)
        if future is not None:  # a notification's, or a generator's step: forget it once done
            future.add_done_callback(lambda _: self._request_futures.pop(msg_id, None))

    def reject(self, msg_id: MsgId, code: int, message: str) -> None:
        """Answer msg_id (None when it is unknowable) with a JSON-RPC error."""
        log.warning("rejected message %r: %s (%d)", msg_id, message, code)
        self.write_json({"jsonrpc": self.VERSION, "id": msg_id, "error": {"code": code, "message": message}})

    def notify_json(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose params are plain JSON already: no lsprotocol round trip
        (workspace results can be thousands of diagnostics)."""
        self.write_json({"jsonrpc": self.VERSION, "method": method, "params": params})

    def write_json(self, message: dict[str, Any]) -> None:
        if self.writer is None:
            return
        body = json.dumps(message).encode()
        self.writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    # documents: Codie's mirror only (same names as the built-ins, so these replace them) --
    def _user(self, method: str, params: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user(types.TEXT_DOCUMENT_DID_CLOSE, params)

    # Notebooks too (lsp/features/notebooks.py keeps the cells): pygls's own notebook mirror
    # raises KeyError on a change for a notebook or cell it does not know.
    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(self, params: types.DidOpenNotebookDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user(types.NOTEBOOK_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(
        self, params: types.DidChangeNotebookDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user(types.NOTEBOOK_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(
        self, params: types.DidCloseNotebookDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user(types.NOTEBOOK_DOCUMENT_DID_CLOSE, params)


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
        self._fd = raw.fileno()
        self._buf = bytearray()
        self._eof = False
        self._length: int | None = None

    def pending(self) -> bool:
        """Input is waiting to be read (thread-safe enough: a hint, never a promise)."""
        if self._buf:
            return True
        try:
            return bool(select.select([self._fd], [], [], 0)[0])
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
        log.error("LSP framing error: %s; the server stops", why)
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
