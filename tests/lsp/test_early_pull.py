"""A pull client's first `textDocument/diagnostic`, sent right after didOpen, answered before
pygls is imported (lsp/early_open.py) is the server's own answer: a real `codie serve`
with the early answer and one without it (CODIE_EARLY_PUBLISH=0), for VS Code's
languageclient 9 (clients/vscode's: it pulls on open) and lspbench's pull client. The
same items and resultId; the client's next pull with that resultId gets "unchanged"; the
server does not answer the request again; an edit afterwards gets what it gets without
the early answer. A large file (progressive) answers a client that refreshes (VS Code) its
per-statement set first, as a push client sees first, then asks it to pull the complete set.

The VS Code profile (clients/vscode_languageclient_9.json) holds the capabilities the
library computes (clients/capabilities.js prints them), with the extension's
initialization options in a trusted workspace."""

from __future__ import annotations

import contextlib
import json
import logging
import queue
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codie.lsp.early_open import SWITCH
from tests.lsp.raw_client import RawServer
from tests.lsp.test_early_answer import NEOVIM, lspbench, recorded_client
from tests.lsp.test_early_open import PUBLISH, SETTINGS, TEXTS, codes, first_publish, params_of

VSCODE_LC9 = json.loads((Path(__file__).parent / "clients" / "vscode_languageclient_9.json").read_text())
ANSWERED = "answered the first pull of"
PULL = "textDocument/diagnostic"
REFRESH = "workspace/diagnostic/refresh"
EDIT = "x_unused = eval(input())\n"  # (a finding of its own on the new first line)
# The benchmark file (large: progressive) and a flow only the whole-file taint pass finds
# (SEC001): the per-statement set and the complete one differ
LARGE = (
    TEXTS["large"]
    + """

def run_user_code():
    source = input()
    code = source.strip()
    return eval(code)
"""
)


@dataclass
class Session:
    results: list[dict[str, Any]]  # the pulls' results, in order
    responses: list[dict[str, Any]]  # every response the server sent
    publishes: list[dict[str, Any]]
    asked: list[str]  # the methods of the server's requests
    log: str


class Recording(RawServer):
    """RawServer that keeps every response the server sent, and its requests' methods."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.responses: list[dict[str, Any]] = []
        self.asked: list[str] = []

    def next_message(self, timeout: float = 60.0) -> dict[str, Any] | None:
        """RawServer.next_message, keeping what it reads."""
        while True:
            msg = self.messages.get(timeout=timeout)
            if msg is None:
                return None
            if "method" in msg and "id" in msg:
                self.asked.append(msg["method"])
                items = msg.get("params", {}).get("items", []) if msg["method"] == "workspace/configuration" else None
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None if items is None else [{}] * len(items)})
                continue
            if "method" in msg:
                self.notifications.append(msg)
                continue
            self.responses.append(msg)
            return msg

    def wait_asked(self, method: str, times: int = 1) -> None:
        while self.asked.count(method) < times:
            with contextlib.suppress(queue.Empty):
                self.next_message(timeout=0.05)
            assert self.proc.poll() is None, self.stderr()


def pulls(
    folder: Path,
    profile: dict[str, Any],
    text: str,
    *,
    early: bool,
    between: list[dict[str, Any]] = (),  # type: ignore[assignment]
    edit: bool = True,
    refreshed: bool = False,
) -> Session:
    """Start `codie serve` cold; initialize, initialized, `between`, didOpen of
    folder/first.py and its pull at once (as VS Code does); (refreshed) once the server
    asks for a refresh, pulls with the resultId answered until one changed; a pull with the last resultId,
    and (edit) an edit and a pull with that resultId. The results, in order."""
    path = folder / "first.py"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    env = {"CODIE_CACHE_DIR": str(folder / ".cache"), SWITCH: "1" if early else "0"}
    server = Recording(folder, ("-v", "serve"), env)
    results = []
    try:
        assert "result" in server.request("initialize", params_of(profile, folder))
        server.notify("initialized", {})
        for message in between:
            server.send({"jsonrpc": "2.0", **message})
        server.open(uri, text)
        first = server.request(PULL, {"identifier": "codie", "textDocument": {"uri": uri}})["result"]
        results.append(first)
        asked = 0
        while refreshed:  # as VS Code does: on each refresh request, pull again, until the set changed
            asked += 1
            server.wait_asked(REFRESH, asked)
            since = {"identifier": "codie", "textDocument": {"uri": uri}, "previousResultId": first["resultId"]}
            if (result := server.request(PULL, since)["result"])["kind"] == "full":
                results.append(result)
                break
        last = results[-1]["resultId"]
        again = {"identifier": "codie", "textDocument": {"uri": uri}, "previousResultId": last}
        results.append(server.request(PULL, again)["result"])
        if edit:
            change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": EDIT}
            server.notify(
                "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]}
            )
            results.append(server.request(PULL, again)["result"])
        assert server.request("shutdown")["result"] is None
        server.notify("exit")
        assert server.wait_exit() == 0
    finally:
        server.close()
    publishes = [m for m in server.notifications if m.get("method") == PUBLISH]
    return Session(results, server.responses, publishes, server.asked, server.stderr())


PROFILES = {"vscode languageclient 9": VSCODE_LC9, "lspbench pull": lspbench(pull=True)}
CASES = [(editor, "small") for editor in PROFILES] + [("vscode languageclient 9", "medium")]


@pytest.mark.parametrize(("editor", "size"), CASES)
def test_the_early_pull_answer_is_the_servers(tmp_path: Path, editor: str, size: str) -> None:
    # (medium: CPX004 joins once the metrics child answers, which an edit's timing
    # decides; the edit is compared on the small file)
    edit = size == "small"
    normal = pulls(tmp_path, PROFILES[editor], TEXTS[size], early=False, edit=edit)
    early = pulls(tmp_path, PROFILES[editor], TEXTS[size], early=True, edit=edit)
    assert ANSWERED not in normal.log
    assert ANSWERED in early.log, early.log  # answered before the server existed...
    first = early.results[0]
    assert first == normal.results[0]  # ... with the server's items and resultId
    assert first["kind"] == "full" and len(first["items"]) >= 3
    assert "differed" not in early.log  # the server's first complete set was the same
    # the client's next pull with that resultId: nothing changed
    assert early.results[1] == normal.results[1] == {"kind": "unchanged", "resultId": first["resultId"]}
    if edit:
        assert early.results[2] == normal.results[2] and early.results[2]["kind"] == "full"
        assert len(early.results[2]["items"]) > len(first["items"])  # (the edit's own finding)
    # the request answered early is not answered again by the server
    ids = [m.get("id") for m in early.responses if "id" in m]
    assert len(ids) == len(set(ids)), ids
    assert not early.publishes  # a pull client is never pushed diagnostics


def without_metrics(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The items but CPX004, which joins once the metrics child answers (timing)."""
    return [d for d in result["items"] if d["code"] != "CPX004"]


@pytest.mark.parametrize("early", [True, False], ids=["early", "server"])
def test_a_large_file_answers_its_statements_first_to_a_client_that_refreshes(tmp_path: Path, early: bool) -> None:
    """The 6,862-line file (lsp/scheduling.py PROGRESSIVE_BYTES): VS Code (refreshSupport)
    gets the per-statement set first, as a push client's first publish, then a refresh
    request and the complete set, which a client without refresh (lspbench's) gets first."""
    refreshing = pulls(tmp_path, VSCODE_LC9, LARGE, early=early, edit=False, refreshed=True)
    assert (ANSWERED in refreshing.log) == early
    assert "differed" not in refreshing.log  # (a per-statement set is expected to differ)
    partial, complete = refreshing.results[0], refreshing.results[1]
    assert partial["kind"] == complete["kind"] == "full"
    assert partial["resultId"] != complete["resultId"]
    waiting = pulls(tmp_path, lspbench(pull=True), LARGE, early=early, edit=False)
    assert REFRESH not in waiting.asked  # (it does not refresh: it is never asked)
    assert without_metrics(complete) == without_metrics(waiting.results[0])  # the complete set...
    assert partial["items"] != without_metrics(complete)  # ... is not the statements' set
    pushed, _ = first_publish(tmp_path, params_of(lspbench(pull=False), tmp_path), LARGE, early=early)
    assert partial["items"] == pushed["diagnostics"]  # the set a push client sees first


def test_settings_are_honoured_in_the_early_pull_answer(tmp_path: Path) -> None:
    profile = {**VSCODE_LC9, "initializationOptions": SETTINGS}
    early = pulls(tmp_path, profile, TEXTS["small"], early=True, edit=False)
    assert ANSWERED in early.log
    found = codes({"diagnostics": early.results[0]["items"]})
    assert "Q001" not in found and found["SEC024"] == 1
    assert early.results == pulls(tmp_path, profile, TEXTS["small"], early=False, edit=False).results


def test_neovim_sends_its_settings_first_and_gets_the_servers_answer(tmp_path: Path) -> None:
    """Neovim 0.10+ pulls too, but sends workspace/didChangeConfiguration between
    `initialized` and didOpen: the normal path answers, with the setting honoured."""
    change = {"method": "workspace/didChangeConfiguration", "params": {"settings": SETTINGS}}
    session = pulls(tmp_path, recorded_client(NEOVIM), TEXTS["small"], early=True, between=[change])
    assert ANSWERED not in session.log
    assert "another message came before didOpen" in session.log
    found = codes({"diagnostics": session.results[0]["items"]})
    assert "Q001" not in found and found["SEC024"] == 1
    assert session.results[1]["kind"] == "unchanged"


def test_a_pull_that_does_not_come_first_is_the_servers(tmp_path: Path) -> None:
    """A message between didOpen and the pull (a hover here): the server answers both."""
    path = tmp_path / "first.py"
    path.write_text(TEXTS["small"], encoding="utf-8")
    uri = path.as_uri()
    server = Recording(tmp_path, ("-v", "serve"), {"CODIE_CACHE_DIR": str(tmp_path / ".cache")})
    try:
        assert "result" in server.request("initialize", params_of(VSCODE_LC9, tmp_path))
        server.notify("initialized", {})
        server.open(uri, TEXTS["small"])
        server.send(
            {
                "jsonrpc": "2.0",
                "id": "hover",
                "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
            }
        )
        pulled = server.request(PULL, {"textDocument": {"uri": uri}})["result"]
        assert pulled["kind"] == "full" and pulled["items"]
        assert server.request("shutdown")["result"] is None
        server.notify("exit")
        assert server.wait_exit() == 0
    finally:
        server.close()
    assert ANSWERED not in server.stderr()
    assert "next message was not the document's pull" in server.stderr()
    assert "hover" in [m.get("id") for m in server.responses]


def test_the_server_checks_its_first_set_against_the_early_answer(caplog: pytest.LogCaptureFixture) -> None:
    """The server's first complete set of the document answered early: the same resultId,
    nothing to do; another one (which lsp/early_open.py should not allow), the client is
    asked to pull again and a warning logged; once only. After a per-statement set, a
    refresh without a warning."""
    from codie.lsp.early_open import EarlyOpen
    from codie.lsp.server import build_server

    server = build_server()
    refreshed: list[str] = []
    server.refresh_pull = lambda: refreshed.append("refresh")
    ids = {"file:///a.py": "1:same"}
    server.result_id = lambda uri: ids[uri]

    server.take_over(EarlyOpen(server.catalogue, server.analyzers, "file:///a.py", result_id="1:same"))
    server._check_first_pull("file:///a.py")
    assert refreshed == []

    server.take_over(EarlyOpen(server.catalogue, server.analyzers, "file:///a.py", result_id="1:other"))
    with caplog.at_level(logging.WARNING):
        server._check_first_pull("file:///b.py")  # another document: not this one's check
        assert refreshed == []
        server._check_first_pull("file:///a.py")
    assert refreshed == ["refresh"] and "differed" in caplog.text
    server._check_first_pull("file:///a.py")  # later complete sets: the usual pulls
    assert refreshed == ["refresh"]

    # a per-statement set answered first (early, or by pull_report): a refresh when the
    # complete set differs, as expected (no warning)
    caplog.clear()
    early = EarlyOpen(server.catalogue, server.analyzers, "file:///a.py", result_id="1:statements", partial=True)
    server.take_over(early)
    with caplog.at_level(logging.WARNING):
        server._check_first_pull("file:///a.py")
    assert refreshed == ["refresh", "refresh"] and "differed" not in caplog.text
