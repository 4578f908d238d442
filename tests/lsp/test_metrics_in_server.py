"""The editor's metrics (lenses, hover, CPX004) are computed in the server's thread pool on
a copy of the editor's tree: after edits they are the figures of a fresh parse of the
document's text, and computing them starts no process."""

from __future__ import annotations

import asyncio
import sysconfig
from pathlib import Path

import pytest

from codie.analyzers.metrics import Metrics, metrics_of_source
from codie.lsp.features import code_lens
from codie.lsp.features.code_lens import current_metrics, metrics_service
from codie.lsp.server import build_server

STDLIB = Path(sysconfig.get_paths()["stdlib"])
EDITS = (  # (line, character, text inserted): a new function, a new branch, a deleted-ish name
    (0, 0, "def added(a, b):\n    if a and b or not a:\n        return [x for x in b if x]\n    return a\n\n"),
    (40, 0, "    if value is None:\n        value = 1\n"),
    (120, 4, "zz_"),
)


async def test_metrics_after_edits_are_those_of_a_fresh_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_again(source: bytes) -> Metrics:
        raise AssertionError("the server parsed the document again to measure it")

    monkeypatch.setattr(code_lens, "metrics_of_source", parse_again)  # the editor's tree is measured
    text = (STDLIB / "argparse.py").read_text()
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    uri = (tmp_path / "argparse_copy.py").as_uri()
    server.open_document(uri, text, 1, "python")
    try:
        doc = server.document(uri)
        assert doc is not None
        first = await asyncio.wait_for(current_metrics(server, doc), 60)
        assert first == metrics_of_source(doc.source)
        analysis = server.analyses[uri]
        for version, (line, character, new) in enumerate(EDITS, start=2):
            analysis.note_edit(doc.apply_change((line, character), (line, character), new, server.encoding))
            doc.version = version
        edited = await asyncio.wait_for(current_metrics(server, doc), 60)
        assert edited == metrics_of_source(doc.source) and edited != first
        assert metrics_service(server).computed == 2
    finally:
        server.thread_pool.shutdown(wait=True)
