"""`codie serve` with two broken analyzers added, for the crash-recovery tests.

`raising` raises on any statement that mentions `boom`; `sleepy` (whole-document, marking
each function it finished) uses more CPU than the (lowered) time limit on any function that
mentions `slow_marker`. The limit counts CPU time of the analysing thread, so a busy machine
slows this test down but cannot change its outcome.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node

from codie.core import engine
from codie.core.analyzer import Context, Unit
from codie.core.findings import Finding
from codie.lsp.server import build_server

engine.DEFAULT_TIME_LIMIT = 0.3


class Raising:
    name: ClassVar[str] = "raising"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        for node in nodes:
            if b"boom" in ctx.doc.source[node.start_byte : node.end_byte]:
                raise RuntimeError("boom")
        yield from ()


class Sleepy:
    name: ClassVar[str] = "sleepy"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding | Unit]:
        for node in nodes:
            if node.type != "function_definition":
                continue
            if b"slow_marker" in ctx.doc.source[node.start_byte : node.end_byte]:
                started = time.thread_time()
                while time.thread_time() - started < 2 * engine.DEFAULT_TIME_LIMIT:
                    pass  # busy: CPU is what the limit counts
            yield ctx.report("Q004", node.start_byte, node.start_byte + 3, "sleepy was here")
            yield Unit("a function", node.start_byte, node.end_byte)


if __name__ == "__main__":
    server = build_server()
    server.analyzers = (*server.analyzers, Raising(), Sleepy())
    server.start_io()
