"""Published diagnostics are written as plain JSON (lsp/convert.diagnostic_json), without
building lsprotocol objects: the bytes must be what lsprotocol would have produced, in
every position encoding, for findings with related locations, tags, fixes and non-ASCII
text, and for a refused document."""

from __future__ import annotations

import asyncio
import json

import pytest
from lsprotocol import types

from codie.lsp.convert import diagnostic_json, from_dict, report_json
from codie.lsp.framing import JsonText
from codie.lsp.server import CodieServer, build_server


def capture(server: CodieServer) -> list[dict[str, object]]:
    """The params of every publishDiagnostics the server writes, parsed back."""
    sent: list[dict[str, object]] = []

    def write(method: str, params: str) -> None:
        assert method == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        sent.append(json.loads(params))

    server.protocol.notify_params_text = write  # type: ignore[method-assign]
    return sent


def shown_json(server: CodieServer, uri: str) -> list[dict[str, object]]:
    """What the user sees of uri, as the server encodes it (one pull answer's items)."""
    return [json.loads(text) for text in server.diagnostic_report(uri)[1]]


def diagnostics_for(server: CodieServer, uri: str) -> list[types.Diagnostic]:
    """The same diagnostics as lsprotocol objects: the reference what pygls would send."""
    return [from_dict(d) for d in shown_json(server, uri)]


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
    sent = capture(server)
    uri = "file:///tmp/codie-publish-json/app.py"
    server.open_document(uri, TEXT, 3, "python")
    await asyncio.wait_for(server.settled(uri), 60)
    shown = shown_json(server, uri)
    codes = {d["code"] for d in shown}
    assert "Q004" in codes  # unreachable code: shown faded (a tag)
    assert any("relatedInformation" in d for d in shown)  # a taint path: related locations
    expected = [server.protocol._converter.unstructure(d) for d in diagnostics_for(server, uri)]
    assert shown == expected
    server.publish(uri)
    assert sent[-1] == {"uri": uri, "diagnostics": expected, "version": 3}
    # an edit above moves every diagnostic by a line and changes one message: what is
    # published (partly from convert.DiagnosticCache) is what a fresh conversion gives
    analysis = server.analyses[uri]
    doc = analysis.doc
    for start, end, new in (((0, 0), (0, 0), "import re  # 😋\n"), ((8, 4), (8, 5), "S")):
        analysis.note_edit(doc.apply_change(start, end, new, encoding))
    doc.version = 4
    server.schedule(uri, edit=True)
    await asyncio.wait_for(server.settled(uri), 60)
    fresh = [
        diagnostic_json(doc, f, encoding, analysis.ctx.settings.severity_of(f))
        for f in server.visible_findings(analysis)
    ]
    server.publish(uri)
    assert sent[-1] == {"uri": uri, "diagnostics": fresh, "version": 4}
    moved = {(d["code"], d["range"]["start"]["line"] + 1) for d in expected}
    assert moved <= {(d["code"], d["range"]["start"]["line"]) for d in fresh}


async def test_a_refused_document_publishes_the_same_json() -> None:
    server = build_server()
    sent = capture(server)
    uri = "file:///tmp/codie-publish-json/blob.py"
    server.open_document(uri, "\x00\x01\x02\x03" * 100, 1, "python")
    expected = [server.protocol._converter.unstructure(d) for d in diagnostics_for(server, uri)]
    assert len(expected) == 1 and expected[0]["severity"] == types.DiagnosticSeverity.Information.value
    assert sent[-1] == {"uri": uri, "diagnostics": expected, "version": 1}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
async def test_a_pull_answer_is_what_lsprotocol_would_send(encoding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer to textDocument/diagnostic is written as JSON text (CodieServer.
    diagnostic_report, convert.report_json, framing.JsonText written by lsp/protocol.py):
    what pygls would have sent for lsprotocol's reports,
    the full one and the unchanged one, byte for byte once parsed."""
    server = build_server()
    monkeypatch.setattr(type(server), "encoding", property(lambda self: encoding))
    written: list[bytes] = []

    class Writer:
        def write(self, data: bytes) -> None:
            written.append(data)

        def close(self) -> None:
            pass

    server.protocol.set_writer(Writer())  # type: ignore[arg-type]
    uri = "file:///tmp/codie-pull-json/app.py"
    server.open_document(uri, TEXT, 3, "python")
    await asyncio.wait_for(server.settled(uri), 60)
    result_id = server.result_id(uri)
    converter = server.protocol._converter
    reports = {
        None: types.RelatedFullDocumentDiagnosticReport(items=diagnostics_for(server, uri), result_id=result_id),
        result_id: types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id),
    }
    for msg_id, (previous, report) in enumerate(reports.items(), start=7):
        rid, texts = server.diagnostic_report(uri)
        server.protocol._send_response(msg_id, JsonText(report_json(rid, None if previous == rid else texts)))
        header, _, body = written[-1].partition(b"\r\n\r\n")
        assert header == b"Content-Length: %d" % len(body)
        assert json.loads(body) == {"jsonrpc": "2.0", "id": msg_id, "result": converter.unstructure(report)}
    assert len(json.loads(body.decode())["result"]) == 2  # (kind, resultId: the unchanged one)
    # the id is the report's: an edit that leaves every diagnostic as it was keeps it (the
    # client has them), one that changes a diagnostic changes it
    analysis = server.analyses[uri]
    end = analysis.doc.source.count(b"\n")
    for new, same in (("# the end\n", True), ("eval(input())\n", False)):
        analysis.note_edit(analysis.doc.apply_change((end, 0), (end, 0), new, encoding))
        end += 1
        analysis.doc.version = (analysis.doc.version or 0) + 1
        server.schedule(uri, edit=True)
        await asyncio.wait_for(server.settled(uri), 60)
        assert (server.result_id(uri) == result_id) is same
