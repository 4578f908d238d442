"""convert.DiagnosticCache keeps what the last two publishes of each document used: typing
that moves every diagnostic (new lines above them) does not grow it, what it gives equals a
fresh conversion, and closing the document drops its part."""

from __future__ import annotations

import asyncio
import json

from codie.lsp.convert import diagnostic_json
from codie.lsp.server import build_server

URI = "file:///tmp/codie-diagnostic-cache/typing.py"
TEXT = "import os\n" + "".join(f"def f{i}(a):\n    return eval(input(a)) + os.system(input(a))\n\n" for i in range(20))


async def test_typing_new_lines_keeps_the_cache_to_two_publishes() -> None:
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(URI, TEXT, 1, "python")
    analysis = await asyncio.wait_for(server.settled(URI), 60)
    assert analysis is not None
    cache = server.diagnostic_cache
    for i in range(40):
        doc = analysis.doc
        analysis.note_edit(doc.apply_change((1, 0), (1, 0), "\n" if i % 2 else "# x"))
        doc.version = i + 2
        server.schedule(URI, edit=True)
        analysis = await asyncio.wait_for(server.settled(URI), 60)
        assert analysis is not None
        entries = server._diagnostics(URI)
        shown = server.visible_findings(analysis)
        assert len(entries) == len(shown) >= 40
        for (d, text), f in zip(entries, shown, strict=True):
            fresh = diagnostic_json(doc, f, server.encoding, analysis.ctx.settings.severity_of(f))
            assert d == fresh and json.loads(text) == fresh
        held = len(cache._now[URI].by_id) + len(cache._before[URI].by_id)
        assert held <= 2 * len(shown)
    server.forget(URI)
    assert URI not in cache._now and URI not in cache._before
