"""What a document's publishDiagnostics says depends on the document, not on its history:
through edits that move diagnostics, change their lines or columns without moving their
offsets (a line break or a wider character of the same byte length above or before them),
or touch them, every publish is byte for byte the text a cold cache gives for the same
state (lsp/convert.DiagnosticCache reuses what it encoded before)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest

from codie.core.baseline import Baseline
from codie.lsp.convert import DiagnosticCache
from codie.lsp.server import CodieServer, build_server

URI = "file:///tmp/codie-publish-same/shop.py"
TEXT = "import os\n# a b\n" + "".join(
    f"def f{i}(a):\n    s = 'é'; return eval(input(a)) + os.system(input(a))\n\n" for i in range(8)
)
EDITS = [  # (text to replace, which occurrence, new text)
    ("# a b", 0, "# a\nb"),  # a line break: every line below moves, no offset does
    ("'é'", 3, "'ab'"),  # 2 bytes each: f3's columns after it move, its offsets do not
    ("", 0, "import sys\n"),  # everything moves
    ("s = 'ab'", 0, "t = 1; s = 'ab'"),  # on f3's line, before its findings
    ("def f6", 0, "z = eval(input())\ndef f6"),  # a new finding among the others
    ("import sys\n", 0, ""),  # undo the import
    ("t = 1; ", 0, ""),  # and the assignment
    ("'ab'", 0, "'é'"),
    ("# a\nb", 0, "# a b"),
    ("def f1(a):\n", 0, "def f1(a):\n    return a\n\ndef g(a):\n"),  # a function split
    ("\n\ndef f5", 0, "\n\n\n\n# c\r\ndef f5"),  # lines (one \r\n) inserted between functions
    ("\n\n\n\n# c\r\n", 0, "\n"),  # and deleted, with a blank line more
    ("(a):\n    s", 6, "(a):  # codie: ignore[SEC001]\n    s"),  # a suppression above the findings
    ("    s = 'é'", 6, "    s = 'é' ; u = 1"),  # on their line, before them
    ("  # codie: ignore[SEC001]", 0, ""),  # the suppression gone
]


def cold(server: CodieServer, version: int, uri: str = URI) -> str:
    """publishDiagnostics' params for the document now, from an empty cache."""
    warm = server.diagnostic_cache
    server.diagnostic_cache = DiagnosticCache()
    try:
        return server.publish_params(uri, version)
    finally:
        server.diagnostic_cache = warm


@pytest.mark.parametrize("baseline", ["", "shown", "hint"])
async def test_every_publish_is_the_text_a_cold_cache_gives(baseline: str, tmp_path: Path) -> None:
    """With a baseline (`baseline`: none, one that accepts 3 of the 8 identical lines, or the
    same shown as hints), which the edits make accept other findings."""
    server = build_server()
    uri = URI
    sent: list[str] = []
    server.protocol.notify_params_text = lambda method, params: sent.append(params)
    if baseline:
        uri = (tmp_path / "shop.py").as_uri()
        server.settings.set_folders([tmp_path])
        accepted = Baseline()
        for _ in range(3):
            accepted.add("shop.py", "SEC001", "    s = 'é'; return eval(input(a)) + os.system(input(a))")
        (tmp_path / ".codie-baseline.json").write_text(json.dumps(accepted.to_json()))
        if baseline == "hint":
            server.settings.set_client({"baseline": {"show": "hint"}})
    server.open_document(uri, TEXT, 1, "python")
    analysis = await asyncio.wait_for(server.settled(uri), 60)
    assert analysis is not None
    assert sent[-1] == cold(server, 1, uri)
    for version, (old, nth, new) in enumerate(EDITS + EDITS[:3], start=2):
        doc = analysis.doc
        at = -1
        for _ in range(nth + 1):
            at = doc.source.index(old.encode(), at + 1)
        start, end = doc.position_at(at), doc.position_at(at + len(old.encode()))
        analysis.note_edit(doc.apply_change(start, end, new))
        doc.version = version
        server.hooks.change.emit(server, doc)
        server.schedule(uri, edit=True)
        analysis = await asyncio.wait_for(server.settled(uri), 60)
        assert analysis is not None
        assert sent[-1].endswith(f'"version": {version}}}')
        assert sent[-1] == cold(server, version, uri), (version, new)
        assert sent[-1].count('"code": "SEC001"') >= (8 if baseline != "shown" else 5)
        assert '"category": "syntax"' not in sent[-1]
        assert ('"severity": 4, "code": "SEC001"' in sent[-1]) is (baseline == "hint")  # baselined: hints


def test_a_finding_kept_whole_is_placed_again_when_the_line_break_after_it_changes() -> None:
    """The same finding object, its offsets unchanged, but an edit right after its end
    turns the \\r\\n it ends in into a lone \\r: its end is on the next line now."""
    from codie.core.document import Document
    from codie.core.findings import Location, Severity
    from codie.core.presenting import make_finding
    from codie.core.rules import catalogue as load_catalogue
    from codie.lsp.convert import diagnostic_json

    doc = Document("file:///tmp/codie-publish-same/cr.py", "s = 'é'\r\nb = 2\r\n")
    finding = make_finding(load_catalogue(), "SEC001", 7, 9, "ends inside the line break")
    cache = DiagnosticCache()
    cache.begin(doc)
    first, _ = cache.get(doc, finding, "utf-16", finding.severity)
    assert first["range"]["end"] == {"line": 0, "character": 7}
    doc.splice(9, 10, b"x")  # the \n after the \r
    cache.begin(doc)
    d, text = cache.get(doc, finding, "utf-16", finding.severity)
    assert d == diagnostic_json(doc, finding, "utf-16", finding.severity)
    assert d["range"]["end"] == {"line": 1, "character": 0}
    assert text == json.dumps(d)
    # the same finding again, nothing edited: another severity or encoding is another text
    cache.begin(doc)
    for encoding, severity in (("utf-16", Severity.HINT), ("utf-8", finding.severity)):
        d, text = cache.get(doc, finding, encoding, severity)
        assert d == diagnostic_json(doc, finding, encoding, severity) and text == json.dumps(d)
    # a copy that shares the finding's data dict (as moved copies do) but says another thing
    other = dataclasses.replace(finding, message="says another thing")
    assert other.data is finding.data
    cache.begin(doc)
    d, text = cache.get(doc, other, "utf-16", finding.severity)
    assert d == diagnostic_json(doc, other, "utf-16", finding.severity) and text == json.dumps(d)
    # related places in other files only
    elsewhere = dataclasses.replace(
        finding, related=(Location(0, 0, "there", uri="file:///tmp/b.py", line=2, column=1),)
    )
    for _ in range(2):
        cache.begin(doc)
        d, text = cache.get(doc, elsewhere, "utf-16", finding.severity)
        assert d == diagnostic_json(doc, elsewhere, "utf-16", finding.severity) and text == json.dumps(d)
