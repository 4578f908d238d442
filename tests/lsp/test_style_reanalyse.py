"""A new style model re-runs only the deferred analyzers of the folder's documents (the
style analyzer reads the model); the per-statement and whole-file findings stand."""

import dataclasses
from pathlib import Path

from codie.core import engine
from codie.lsp.features import style
from codie.lsp.server import build_server

TEXT = "def f(a):\n    return eval(a)\n\n\nclass C:\n    def m(self):\n        return 1\n"


async def test_a_new_model_reruns_only_the_deferred_analyzers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = build_server()
    uri = (tmp_path / "m.py").as_uri()
    server.open_document(uri, TEXT, 1, "python")
    analysis = server.analyses[uri]
    analysis.ctx = dataclasses.replace(analysis.ctx, root=tmp_path)
    while not analysis.step(3600.0):
        pass
    analysis.deferred_dirty = False
    before = analysis.findings()
    analysed: list[object] = []
    real = engine.DocumentAnalysis._analyze_statement
    monkeypatch.setattr(
        engine.DocumentAnalysis, "_analyze_statement", lambda self, node: (analysed.append(node), real(self, node))
    )
    scheduled: list[str] = []
    monkeypatch.setattr(server, "schedule", lambda u, **kw: scheduled.append(u))
    style._reanalyse(server, tmp_path)
    assert scheduled == [uri]
    assert analysis.deferred_dirty  # the style analyzer runs again, off the event loop
    while not analysis.step(3600.0):
        pass
    assert analysed == []  # no statement analysed again
    assert analysis.findings() == before
    # a document of another folder is left alone
    style._reanalyse(server, tmp_path / "elsewhere")
    assert scheduled == [uri]
