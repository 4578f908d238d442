"""The editor's metrics (lenses, hover, CPX004) are computed in the server's thread pool on
a copy of the editor's tree: after edits they are the figures of a fresh parse of the
document's text, and computing them starts no process."""

from __future__ import annotations

import asyncio
import sysconfig
from pathlib import Path

import pytest
from tree_sitter import Tree

from codie.analyzers.metrics import module_metrics
from codie.core import document
from codie.lsp.features.code_lens import current_metrics, metrics_service
from codie.lsp.server import build_server

STDLIB = Path(sysconfig.get_paths()["stdlib"])
EDITS = (  # (line, character, text inserted): a new function, a new branch, a deleted-ish name
    (0, 0, "def added(a, b):\n    if a and b or not a:\n        return [x for x in b if x]\n    return a\n\n"),
    (40, 0, "    if value is None:\n        value = 1\n"),
    (120, 4, "zz_"),
)


async def test_metrics_after_edits_are_those_of_a_fresh_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_parses: list[bytes] = []
    real_parse = document.parse

    def parse(source: bytes, old: Tree | None = None) -> Tree:
        if old is None:
            fresh_parses.append(source)
        tree: Tree = real_parse(source, old)
        return tree

    text = (STDLIB / "argparse.py").read_text()
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    uri = (tmp_path / "argparse_copy.py").as_uri()
    server.open_document(uri, text, 1, "python")
    try:
        doc = server.document(uri)
        assert doc is not None
        monkeypatch.setattr(document, "parse", parse)  # from here on: edits reparse from the old tree
        first = await asyncio.wait_for(current_metrics(server, doc), 60)
        assert first == module_metrics(real_parse(doc.source), doc.source)
        analysis = server.analyses[uri]
        for version, (line, character, new) in enumerate(EDITS, start=2):
            analysis.note_edit(doc.apply_change((line, character), (line, character), new, server.encoding))
            doc.version = version
        edited = await asyncio.wait_for(current_metrics(server, doc), 60)
        assert edited == module_metrics(real_parse(doc.source), doc.source) and edited != first
        assert metrics_service(server).computed == 2
        assert fresh_parses == []  # the editor's tree was measured, not a parse of its text
    finally:
        server.thread_pool.shutdown(wait=True)
