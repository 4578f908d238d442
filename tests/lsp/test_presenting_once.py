"""A code action or hover request asks several providers, and each looks at the visible
findings: the document is presented once per request (server.presenting_once), and the
answers are the ones each provider gets from a presentation of its own."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from codie.lsp.server import CodieServer, build_server

URI = "file:///tmp/codie-presenting-once/shop.py"
TEXT = "import os\n" + "".join(f"def f{i}(a):\n    return eval(input(a)) + os.system(input(a))\n\n" for i in range(5))


def counting(server: CodieServer) -> list[int]:
    calls = [0]
    presenter = server.presenter
    assert presenter is not None

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return presenter(*args, **kwargs)

    server.presenter = counted
    return calls


async def test_a_request_presents_the_document_once() -> None:
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(URI, TEXT, 1, "python")
    analysis = await asyncio.wait_for(server.settled(URI), 60)
    assert analysis is not None
    doc = analysis.doc
    where = types.Range(types.Position(2, 0), types.Position(2, 40))
    action = types.CodeActionParams(types.TextDocumentIdentifier(URI), where, types.CodeActionContext(diagnostics=[]))
    hover = types.HoverParams(types.TextDocumentIdentifier(URI), types.Position(2, 12))
    # what each provider answers on its own (a presentation per provider)
    alone_actions = [a for provider in server.hooks.code_action for a in provider(server, doc, action)]
    alone_hover = [provider(server, doc, hover) for provider in server.hooks.hover]
    calls = counting(server)
    features = server.protocol.fm.features
    actions = await features[types.TEXT_DOCUMENT_CODE_ACTION](action)
    assert calls[0] == 1
    assert actions == alone_actions and len(actions) >= 2
    answer = await features[types.TEXT_DOCUMENT_HOVER](hover)
    assert calls[0] == 2
    assert answer is not None and answer.contents.value == "\n\n---\n\n".join(filter(None, alone_hover))
    # outside a request nothing is kept: a later presentation sees what changed since
    server.visible_findings(analysis)
    server.visible_findings(analysis)
    assert calls[0] == 4
