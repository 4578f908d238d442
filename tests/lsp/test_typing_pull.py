"""Typing with a client that pulls, as Codie's VS Code extension does (vscode-languageclient
9, whose DiagnosticFeature bench/editor_bench.py's typingpull describes): after each
didChange a `textDocument/diagnostic` with the last resultId; a newer change while that
pull is in flight cancels it ($/cancelRequest) and, once it is answered, pulls again with
no resultId. A real server (pull_typing_server.py: `codie serve`'s server with a gated
whole-file analyzer, so a pull waits for an analysis deterministically) and the client's
recorded capabilities (clients/vscode_languageclient_9.json). No test here times anything.

- answers are for the latest version, equal to the original text's when the edits undo
  each other; "unchanged" when nothing changed; a cancelled pull gets the LSP cancel error;
- a pull that waited for an analysis is answered inside the analysis' GC pause
  (lsp/scheduling.py): no collection between the analysis and the answer written, as none
  runs before a push client's publish is written; the hold ends with the answer (none
  left once answered, or cancelled)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.lsp.pull_typing_server import PROBE
from tests.lsp.raw_client import RawServer
from tests.lsp.test_early_open import params_of
from tests.lsp.test_early_pull import EDIT, PULL, VSCODE_LC9

SERVER = [sys.executable, str(Path(__file__).with_name("pull_typing_server.py"))]
GATE = ".gate-closed"  # (progressive_server.py's: the whole-file pass waits while it exists)
CANCELLED = -32800  # LSP RequestCancelled
TEXT = """import subprocess


def handler(request):
    try:
        subprocess.call(request.args["cmd"], shell=True)
    except:
        pass
"""


class Client(RawServer):
    """RawServer with requests sent without waiting for their answers, as an editor sends."""

    def __init__(self, folder: Path, command: list[str] | None = None) -> None:
        super().__init__(folder, env={"CODIE_CACHE_DIR": str(folder / ".cache")}, command=command or SERVER)
        self.uri = (folder / "typing.py").as_uri()
        self.version = 1
        self.lines = TEXT.splitlines(keepends=True)

    def pull(self, ident: str, previous: str | None) -> None:
        params: dict[str, Any] = {"identifier": "codie", "textDocument": {"uri": self.uri}}
        if previous is not None:
            params["previousResultId"] = previous
        self.send({"jsonrpc": "2.0", "id": ident, "method": PULL, "params": params})

    def insert(self) -> None:
        self.lines.insert(0, EDIT)
        self._change({"line": 0, "character": 0}, {"line": 0, "character": 0}, EDIT)

    def delete(self) -> None:
        del self.lines[0]
        self._change({"line": 0, "character": 0}, {"line": 1, "character": 0}, "")

    def _change(self, start: dict[str, int], end: dict[str, int], text: str) -> None:
        self.version += 1
        change = {"range": {"start": start, "end": end}, "text": text}
        params = {"textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": [change]}
        self.notify("textDocument/didChange", params)

    def waiting(self) -> dict[str, Any]:
        """codie/serverState. Its handler starts after every request sent before it (pygls
        runs their tasks in order): a pull sent before is waiting for its analysis now."""
        return self.request("codie/serverState", {})["result"]  # type: ignore[no-any-return]

    def gc_at(self) -> dict[Any, bool]:
        """Whether the GC was enabled when each response was written, by id (the probe)."""
        probes = [json.loads(line[len(PROBE) :]) for line in self.stderr().splitlines() if line.startswith(PROBE)]
        return {p["response"]: p["gc"] for p in probes}


def lines_of(report: dict[str, Any]) -> list[tuple[int, str]]:
    return sorted((d["range"]["start"]["line"], str(d.get("code"))) for d in report["items"])


def test_typing_pulls_answer_the_latest_version_and_cancel_as_lsp_says(tmp_path: Path) -> None:
    (tmp_path / "typing.py").write_text(TEXT, encoding="utf-8")
    client = Client(tmp_path)
    try:
        assert "result" in client.request("initialize", params_of(VSCODE_LC9, tmp_path))
        client.notify("initialized", {})
        client.open(client.uri, TEXT)
        client.pull("open", None)  # as VS Code pulls a document it opens
        opened = client.response("open")["result"]
        assert opened["kind"] == "full" and opened["items"]
        original = lines_of(opened)
        # nothing changed: the same id, "unchanged"
        client.pull("again", opened["resultId"])
        assert client.response("again")["result"] == {"kind": "unchanged", "resultId": opened["resultId"]}

        # a keystroke and its pull, then another keystroke while that pull waits: the
        # client cancels the first pull, which gets the LSP cancel error
        (tmp_path / GATE).write_text("")
        client.insert()
        client.pull("p1", opened["resultId"])
        client.waiting()
        client.delete()
        client.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": "p1"}})
        assert client.response("p1")["error"]["code"] == CANCELLED
        # its re-pull, with no resultId (a cancelled pull leaves the client none), answers
        # the latest version: the text is the original again, so are the diagnostics
        client.pull("p2", None)
        assert client.waiting()["held"]["answers"] == 1  # p2 waits for the analysis
        (tmp_path / GATE).unlink()
        repulled = client.response("p2")["result"]
        assert repulled["kind"] == "full"
        assert lines_of(repulled) == original
        assert repulled["resultId"] == opened["resultId"]

        # a keystroke whose pull waits for its analysis: the new finding, on line 0
        (tmp_path / GATE).write_text("")
        client.insert()
        client.pull("p3", repulled["resultId"])
        assert client.waiting()["held"]["answers"] == 1
        (tmp_path / GATE).unlink()
        typed = client.response("p3")["result"]
        assert typed["kind"] == "full"
        assert lines_of(typed) == sorted([*[(line + 1, code) for line, code in original], (0, "SEC001")])
        # nothing changed since: unchanged, and the same answer as a client without an id gets
        client.pull("p4", typed["resultId"])
        assert client.response("p4")["result"] == {"kind": "unchanged", "resultId": typed["resultId"]}
        client.pull("p5", None)
        assert client.response("p5")["result"] == typed

        # the pulls that waited for an analysis were answered with the GC held off (no
        # collection between the analysis and their answer); those that did not wait, with
        # the GC on: no hold outlives its answer, nor a cancelled pull's
        gc_at = client.gc_at()
        assert gc_at["p2"] is False and gc_at["p3"] is False
        assert gc_at["p4"] is True and gc_at["p5"] is True
        state = client.waiting()
        assert state["gcHolds"] == 0 and state["held"]["answers"] == 0
    finally:
        client.close()
