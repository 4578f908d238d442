"""Published diagnostics are written as plain JSON (lsp/convert.diagnostic_json), without
building lsprotocol objects: the bytes must be what lsprotocol would have produced, in
every position encoding, for findings with related locations, tags, fixes and non-ASCII
text, and for a refused document."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from codie.lsp.server import build_server

TEXT = '''import os
import sys


def handler(request):
    """Look it up: ünïcödé 😋 before the sink."""
    s = "héllo 😋"; value = request.args.get("q")
    return eval(s + value)


def run():
    data = input()
    os.system(data)
    return data
    print("never")  # unreachable: a tag
'''


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
async def test_published_json_is_what_lsprotocol_would_send(encoding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    server = build_server()
    # the negotiated encoding (set by initialize in a real session)
    monkeypatch.setattr(type(server), "encoding", property(lambda self: encoding))
    sent: list[dict[str, object]] = []
    server.protocol.notify_json = lambda method, params: sent.append(params)  # type: ignore[method-assign]
    uri = "file:///tmp/codie-publish-json/app.py"
    server.open_document(uri, TEXT, 3, "python")
    await asyncio.wait_for(server.settled(uri), 60)
    shown = server.diagnostics_json(uri)
    codes = {d["code"] for d in shown}
    assert "Q004" in codes  # unreachable code: shown faded (a tag)
    assert any("relatedInformation" in d for d in shown)  # a taint path: related locations
    expected = [server.protocol._converter.unstructure(d) for d in server.diagnostics_for(uri)]
    assert shown == expected
    server.publish(uri)
    assert sent[-1] == {"uri": uri, "diagnostics": expected, "version": 3}


async def test_a_refused_document_publishes_the_same_json() -> None:
    server = build_server()
    sent: list[dict[str, object]] = []
    server.protocol.notify_json = lambda method, params: sent.append(params)  # type: ignore[method-assign]
    uri = "file:///tmp/codie-publish-json/blob.py"
    server.open_document(uri, "\x00\x01\x02\x03" * 100, 1, "python")
    expected = [server.protocol._converter.unstructure(d) for d in server.diagnostics_for(uri)]
    assert len(expected) == 1 and expected[0]["severity"] == types.DiagnosticSeverity.Information.value
    assert sent[-1] == {"uri": uri, "diagnostics": expected, "version": 1}
