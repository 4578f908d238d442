"""`codie serve` for tests/lsp/test_typing_pull.py: progressive_server.py's gated whole-file
analyzer (a document's analysis does not complete while `.gate-closed` exists in the
workspace folder, so a pull sent after an edit waits for it, deterministically), and a
probe that writes to stderr, as one JSON line after PROBE, whether the cyclic GC was
enabled when each response was written."""

from __future__ import annotations

import gc
import json
import sys
from typing import Any

from codie.lsp import protocol
from codie.lsp.server import build_server

PROBE = "PROBE "


def probe(**fields: Any) -> None:
    print(PROBE + json.dumps(fields), file=sys.stderr, flush=True)


def install() -> None:
    send_data = protocol.CodieProtocol._send_data

    def _send_data(self: protocol.CodieProtocol, data: Any) -> None:
        if not hasattr(data, "method") and getattr(data, "id", None) is not None:
            probe(response=data.id, gc=gc.isenabled())  # (before: the client may read it at once)
        send_data(self, data)

    protocol.CodieProtocol._send_data = _send_data


if __name__ == "__main__":
    from progressive_server import Gate  # (this folder is the script's: sys.path[0])

    install()
    server = build_server()
    server.analyzers = (*server.analyzers, Gate())
    server.start_io()
