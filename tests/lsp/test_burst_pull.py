"""A client that pulls, typing in a burst (vscode-languageclient 9: a pull after each edit,
the one in flight cancelled by the next edit): its pull ends the burst's wait
(lsp/scheduling.py), so the newest version is answered once analysed, not BURST_GAP after
the last edit. The server (pull_burst_server.py) never ends a burst by itself: without
that, the pulls below are never answered. No test here times anything."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.lsp.test_early_open import params_of
from tests.lsp.test_early_pull import VSCODE_LC9
from tests.lsp.test_typing_pull import CANCELLED, GATE, TEXT, Client, lines_of

SERVER = [sys.executable, str(Path(__file__).with_name("pull_burst_server.py"))]


def test_a_pull_in_a_burst_is_answered_for_the_newest_version_without_the_bursts_wait(tmp_path: Path) -> None:
    (tmp_path / "typing.py").write_text(TEXT, encoding="utf-8")
    client = Client(tmp_path, SERVER)
    try:
        assert "result" in client.request("initialize", params_of(VSCODE_LC9, tmp_path))
        client.notify("initialized", {})
        client.open(client.uri, TEXT)
        client.pull("open", None)
        opened = client.response("open")["result"]
        original = lines_of(opened)
        assert opened["kind"] == "full" and original

        # a burst: each edit pulls, the next edit cancels the pull in flight, which gets the
        # LSP cancel error at once (its analysis cannot complete: the gate is closed), and
        # the client pulls again once it is answered
        (tmp_path / GATE).write_text("")
        client.insert()
        client.pull("p1", opened["resultId"])
        client.waiting()  # (p1 waits for its analysis now)
        client.insert()
        client.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": "p1"}})
        assert client.response("p1")["error"]["code"] == CANCELLED
        client.delete()
        client.pull("p2", None)
        assert client.waiting()["held"]["answers"] == 1  # p2 waits for the analysis
        (tmp_path / GATE).unlink()
        # answered, for the newest version: one inserted line left, with its finding on line 0
        answered = client.response("p2")["result"]
        assert answered["kind"] == "full"
        assert lines_of(answered) == sorted([*[(line + 1, code) for line, code in original], (0, "SEC001")])
        # the same as a pull of a document opened with that text gets (a fresh reference)
        fresh = (tmp_path / "fresh.py").as_uri()
        client.open(fresh, "".join(client.lines))
        client.send(
            {
                "jsonrpc": "2.0",
                "id": "fresh",
                "method": "textDocument/diagnostic",
                "params": {"identifier": "codie", "textDocument": {"uri": fresh}},
            }
        )
        assert lines_of(client.response("fresh")["result"]) == lines_of(answered)

        # more edits in the same burst, then a pull: answered too, back to the original text
        client.delete()
        client.pull("p3", answered["resultId"])
        again = client.response("p3")["result"]
        assert again["kind"] == "full" and lines_of(again) == original
        assert again["resultId"] == opened["resultId"]
        state = client.waiting()
        assert state["gcHolds"] == 0 and state["held"]["answers"] == 0
    finally:
        client.close()
