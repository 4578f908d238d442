"""`codie serve` with a gated whole-file analyzer, for tests/lsp/test_progressive_publish.py.

`gate` is a whole-document analyzer that does not finish while the file `.gate-closed`
exists in the workspace folder: it yields checkpoints (the engine pauses it there and the
event loop runs), so the per-statement analyzers' partial publish is out, and an edit can
arrive, while the document's whole-file pass is still running. Once the test removes the
file, it reports SEC010 on the line of `gate_suppressed` and SEC012 on that of `gate_shown`.

Every document is published progressively here, small ones too (PROGRESSIVE_BYTES = 0),
except those whose name starts with `single`: what they show is the one complete publish
of a document not published progressively, for comparison.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import ClassVar

from tree_sitter import Node

from codie.core.analyzer import Context, Unit
from codie.core.findings import Finding
from codie.lsp import scheduling
from codie.lsp.server import build_server

GATE = ".gate-closed"
POLL = 0.002  # seconds asleep between looks at the gate (sleeping: no CPU is charged)


class Gate:
    name: ClassVar[str] = "gate"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding | Unit]:
        while ctx.root is not None and (ctx.root / GATE).exists():
            time.sleep(POLL)
            yield Unit("this file", 0, 0)  # a checkpoint: the engine may pause here
        src = ctx.doc.source
        for marker, rule in ((b"gate_suppressed", "SEC010"), (b"gate_shown", "SEC012")):
            at = src.find(marker)
            if at >= 0:
                yield ctx.report(rule, at, at + len(marker), f"gate finding ({rule})")


if __name__ == "__main__":
    server = build_server()
    server.analyzers = (*server.analyzers, Gate())
    scheduling.PROGRESSIVE_BYTES = 0
    opened = server.scheduler.opened
    server.scheduler.opened = lambda uri, size: (  # type: ignore[method-assign]
        None if uri.rsplit("/", 1)[-1].startswith("single") else opened(uri, size)
    )
    server.start_io()
