"""`codie serve` with one slow analyzer, for tests/lsp/test_hover_pending.py.

`slow` sleeps on every statement that mentions `slow_stmt`: after an edit that adds many of
them, the document's analysis stays pending for a while (between statements the event loop
is free, as with any long analysis), so a hover arrives while it is pending.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node

from codie.core.analyzer import Context
from codie.core.findings import Finding
from codie.lsp.server import build_server

PAUSE = 0.02  # seconds per slow statement (sleeping: no CPU, so the time limit never trips)


class Slow:
    name: ClassVar[str] = "slow"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        for node in nodes:
            if b"slow_stmt" in ctx.doc.source[node.start_byte : node.end_byte]:
                time.sleep(PAUSE)
        yield from ()


if __name__ == "__main__":
    server = build_server()
    server.analyzers = (*server.analyzers, Slow())
    server.start_io()
