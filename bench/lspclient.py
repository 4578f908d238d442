"""LSP base-protocol framing (`Content-Length` headers) for the raw clients: the benchmarks'
and the protocol tests' (tests/lsp/raw_client.py, tests/lsp/test_tcp.py). One reader, one
writer; no pygls on this side, so that what is measured or tested is the server's own framing.

Bench scripts import it as `lspclient` (bench/ is their sys.path[0]); tests put bench/ on
sys.path, as they do for the other bench helpers. The product package never imports it.
"""

from __future__ import annotations

import json
from typing import IO, Any


def frame(body: bytes) -> bytes:
    """body with its header block (the header is ASCII; the body is sent as given)."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode(message: Any) -> bytes:
    """One JSON-RPC message, framed."""
    return frame(json.dumps(message).encode())


def write_message(stream: IO[bytes], message: Any) -> None:
    stream.write(encode(message))
    stream.flush()


def read_message(stream: IO[bytes]) -> Any | None:
    """The next message from stream; None when the stream ended, or when a header block
    had no Content-Length (nothing after it can be framed)."""
    length = None
    while (line := stream.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    if not line or length is None:
        return None
    return json.loads(stream.read(length))


def did_change(uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> dict[str, Any]:
    """The params of a didChange replacing the range start..end ((line, character) each) by text."""
    (sl, sc), (el, ec) = start, end
    return {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [
            {"range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}, "text": text}
        ],
    }
