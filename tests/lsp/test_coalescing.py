"""A burst of edits is coalesced: versions superseded before their analysis finished are
never published, the newest always is, and nothing is published out of order (a version
may be published again when late results arrive: metrics, deferred analyzers)."""

from __future__ import annotations

import sysconfig
import time
from pathlib import Path

from lspclient import did_change
from tests.lsp.raw_client import TIMEOUT, RawServer

BURST = 200


def published(server: RawServer, uri: str) -> list[int]:
    return [
        n["params"]["version"]
        for n in server.notifications
        if n.get("method") == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri
    ]


def test_an_edit_burst_publishes_the_newest_version_and_no_backlog(tmp_path: Path) -> None:
    text = (Path(sysconfig.get_paths()["stdlib"]) / "inspect.py").read_text(encoding="utf-8")
    server = RawServer(tmp_path)
    try:
        server.initialize(tmp_path)
        uri = (tmp_path / "big.py").as_uri()
        server.open(uri, text)
        server.hover(uri)  # answered once version 1 is analysed (and published)
        assert set(published(server, uri)) == {1}
        line = text.count("\n") // 2
        for k in range(BURST):
            server.notify("textDocument/didChange", did_change(uri, 2 + k, (line, k), (line, k), "x"))
        # each request reads the notifications sent before its answer (a hover no longer
        # waits for the analysis: it answers from the findings as they stand)
        deadline = time.monotonic() + TIMEOUT  # a safety net against a hang only
        while BURST + 1 not in published(server, uri):
            assert time.monotonic() < deadline, published(server, uri)
            server.request("codie/serverState", {})
        versions = published(server, uri)
        assert versions[-1] == BURST + 1
        assert versions == sorted(versions), versions  # never an older one after a newer
        state = server.request("codie/serverState", {})["result"]
        assert state["superseded"] > 0 and len(set(versions)) < BURST + 1
    finally:
        server.close()
