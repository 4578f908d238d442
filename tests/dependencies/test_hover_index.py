"""A hover loads the advisory index only when it is about a pin: a hover anywhere in a
Python file without an import hint (DEP004) there answers without it (the index is ~5 MiB
resident once loaded, and the editor's hovers came at its memory peak). The hover on a
DEP004 import still lists the advisories: tests/dependencies/test_lsp.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from codie.analyzers.dependencies import advisories
from codie.lsp.features.dependencies import dependency_hover
from codie.lsp.server import build_server

TEXT = "import os\n\n\ndef run(data):\n    return os.path.join(data, 'x')\n"


async def test_a_python_hover_without_an_import_hint_loads_no_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[object] = []
    real = advisories.load_index

    def counted(path: Path | None = None) -> advisories.AdvisoryIndex:
        loads.append(path)
        return real(path)

    monkeypatch.setattr(advisories, "load_index", counted)
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None  # type: ignore[method-assign]
    uri = (tmp_path / "app.py").as_uri()
    server.open_document(uri, TEXT, 1, "python")
    await asyncio.wait_for(server.settled(uri), 60)
    doc = server.document(uri)
    assert doc is not None
    for line, character in ((0, 8), (3, 5), (4, 14)):
        params = types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(line, character))
        assert dependency_hover(server, doc, params) is None
    assert loads == []
