"""The settings a client answers to `workspace/configuration` apply to the documents it
opened before answering (editors send didOpen right after `initialized`, without waiting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.lsp.raw_client import RawServer
from tests.lsp.test_early_open import SMALL

PUBLISH = "textDocument/publishDiagnostics"
TEXT = SMALL  # a bare except (Q001) among security findings


def codes(params: dict[str, Any]) -> set[str]:
    return {d["code"] for d in params["diagnostics"]}


def test_a_document_opened_before_the_settings_answer_is_analysed_with_them(tmp_path: Path) -> None:
    uri = (tmp_path / "app.py").as_uri()
    (tmp_path / "app.py").write_text(TEXT, encoding="utf-8")
    server = RawServer(tmp_path, env={"CODIE_CACHE_DIR": str(tmp_path / ".cache")})
    try:
        answer = server.request(
            "initialize",
            {
                "processId": None,
                "rootUri": tmp_path.as_uri(),
                "workspaceFolders": [{"uri": tmp_path.as_uri(), "name": tmp_path.name}],
                "capabilities": {
                    "workspace": {"configuration": True, "workspaceFolders": True},
                    "textDocument": {"publishDiagnostics": {"versionSupport": True}},
                },
            },
        )
        assert "result" in answer, answer
        server.notify("initialized", {})
        server.open(uri, TEXT)
        # the server's question is held until the document was published without it
        question: dict[str, Any] | None = None
        first: dict[str, Any] | None = None
        while question is None or first is None:
            msg = server.messages.get(timeout=60)
            assert msg is not None, server.stderr()
            if msg.get("method") == "workspace/configuration":
                question = msg
            elif msg.get("method") == PUBLISH and msg["params"]["uri"] == uri:
                first = msg["params"]
        bare_except = "Q001"
        assert bare_except in codes(first)
        assert len(codes(first)) >= 2  # something stays once the user's setting applies
        items = question["params"]["items"]
        server.send({"jsonrpc": "2.0", "id": question["id"], "result": [{"ignore": [bare_except]}] * len(items)})
        last = first
        while bare_except in codes(last):  # the document is published again, with them
            msg = server.messages.get(timeout=60)
            assert msg is not None, server.stderr()
            if msg.get("method") == PUBLISH and msg["params"]["uri"] == uri:
                last = msg["params"]
        assert codes(last) == codes(first) - {bare_except}
        assert server.request("shutdown")["result"] is None
        server.notify("exit")
        assert server.wait_exit() == 0
    finally:
        server.close()
