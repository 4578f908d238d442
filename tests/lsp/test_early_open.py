"""The first file's diagnostics published before pygls is imported (lsp/early_open.py) are
the set the server publishes first for it: a real `codie serve` with the early publish and
one without it (CODIE_EARLY_PUBLISH=0), for real editors' `initialize` requests, small and
large (progressive) files, client and folder settings that change the diagnostics; and
nothing is published early when a message between `initialized` and `didOpen` could change
the server's first set."""

from __future__ import annotations

import contextlib
import json
import logging
import queue
from pathlib import Path
from typing import Any

import pytest

from bigfiles import stdlib_large
from codie.lsp.early_open import SWITCH
from codie.lsp.scheduling import PROGRESSIVE_BYTES
from tests.lsp.raw_client import RawServer
from tests.lsp.test_early_answer import NEOVIM, VSCODE, VSCODE_INTEGRATION, lspbench, recorded_client

PUBLISH = "textDocument/publishDiagnostics"
EARLY = "published the first diagnostics of"

SMALL = """import hashlib
import subprocess

import requests
import yaml

from helpers import run_query


def handler(request, password="hunter2"):
    try:
        subprocess.call(request.args["cmd"], shell=True)
    except:
        pass
    run_query(request.args["q"])
    return eval(request.args["expr"]), hashlib.md5(password.encode()), requests, yaml
"""
# Another module of the workspace: cross-module taint follows the call into it once the
# server has read it (not for the first set)
HELPERS = """import sqlite3


def run_query(q):
    return sqlite3.connect(":memory:").execute("SELECT " + q)
"""
# A file large enough for the progressive publish (its per-statement findings come first):
# the benchmarks' 6,862-line file (inspect + typing), whose CPX004 waits for the metrics
LARGE = stdlib_large()
assert len(LARGE.encode()) >= PROGRESSIVE_BYTES
# Just below that size (one complete publish): its maintainability is low, and the server's
# first set has no CPX004, which waits for the metrics child
MEDIUM = LARGE[: LARGE.rfind("\ndef ", 0, PROGRESSIVE_BYTES - 1_000) + 1]
TEXTS = {"small": SMALL, "medium": MEDIUM, "large": LARGE}


def params_of(profile: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The editor's initialize request, for a workspace at folder."""
    params = json.loads(json.dumps(profile))
    params["rootUri"] = folder.as_uri()
    params["rootPath"] = str(folder)
    params["workspaceFolders"] = [{"uri": folder.as_uri(), "name": folder.name}]
    return params


def first_publish(
    folder: Path,
    params: dict[str, Any],
    text: str,
    *,
    early: bool,
    between: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> tuple[dict[str, Any], str]:
    """Start `codie serve` cold, send initialize, initialized, `between`, didOpen of
    folder/first.py at once (as editors do); its first publish for that file, and stderr."""
    uri = (folder / "first.py").as_uri()
    (folder / "first.py").write_text(text, encoding="utf-8")
    (folder / "helpers.py").write_text(HELPERS, encoding="utf-8")
    env = {"CODIE_CACHE_DIR": str(folder / ".cache"), SWITCH: "1" if early else "0"}
    server = RawServer(folder, ("-v", "serve"), env)
    try:
        answer = server.request("initialize", params)
        assert "result" in answer, answer
        server.notify("initialized", {})
        for message in between:
            server.send({"jsonrpc": "2.0", **message})
        server.open(uri, text)
        published = publishes(server, uri)
        assert server.request("shutdown")["result"] is None
        server.notify("exit")
        assert server.wait_exit() == 0
    finally:
        server.close()
    return published, server.stderr()


def publishes(server: RawServer, uri: str) -> dict[str, Any]:
    """The params of the first publishDiagnostics for uri (answering the server's requests
    on the way, as RawServer does)."""
    while True:
        with contextlib.suppress(queue.Empty):
            server.next_message(timeout=0.05)
        for msg in server.notifications:
            if msg.get("method") == PUBLISH and msg["params"]["uri"] == uri:
                return dict(msg["params"])
        assert server.proc.poll() is None, server.stderr()


PUSH = {  # real editors' push-diagnostics requests (Neovim 0.10+ pulls: see the last test)
    "vscode 1.65": recorded_client(VSCODE),
    "neovim 0.9": recorded_client("neovim_v0.9.1.json"),
    "emacs 29": recorded_client("emacs_v29.1.json"),
    "lspbench": lspbench(pull=False),
    "vscode integration test": VSCODE_INTEGRATION,
}
CASES = [(editor, "small") for editor in PUSH] + [
    ("lspbench", "medium"),
    ("vscode 1.65", "large"),
    ("lspbench", "large"),
]


@pytest.mark.parametrize(("editor", "size"), CASES)
def test_the_early_publish_is_the_servers_first(tmp_path: Path, editor: str, size: str) -> None:
    text = TEXTS[size]
    params = params_of(PUSH[editor], tmp_path)
    normal, normal_log = first_publish(tmp_path, params, text, early=False)
    early, early_log = first_publish(tmp_path, params, text, early=True)
    assert EARLY not in normal_log
    assert EARLY in early_log, early_log  # it was published before the server existed...
    assert early == normal  # ... and it is what the server publishes first
    assert "differed" not in early_log  # the server's own first set was the same
    assert len(early["diagnostics"]) >= 3
    assert all("fingerprint" in d["data"] for d in early["diagnostics"])


SETTINGS = {"codie": {"severity": {"SEC024": "error"}, "ignore": ["Q001"]}}


def codes(published: dict[str, Any]) -> dict[str, int]:
    return {str(d["code"]): d["severity"] for d in published["diagnostics"]}


def test_client_and_folder_settings_are_honoured_in_the_early_publish(tmp_path: Path) -> None:
    default, _ = first_publish(tmp_path, params_of(lspbench(pull=False), tmp_path), SMALL, early=True)
    assert codes(default)["Q001"] and codes(default)["SEC024"] != 1
    params = {**params_of(lspbench(pull=False), tmp_path), "initializationOptions": SETTINGS}
    early, log = first_publish(tmp_path, params, SMALL, early=True)
    assert EARLY in log
    assert "Q001" not in codes(early) and codes(early)["SEC024"] == 1  # (1: error)
    assert early == first_publish(tmp_path, params, SMALL, early=False)[0]

    (tmp_path / "pyproject.toml").write_text('[tool.codie]\nignore = ["SEC020"]\n', encoding="utf-8")
    early, log = first_publish(tmp_path, params, SMALL, early=True)
    assert EARLY in log
    assert "SEC020" not in codes(early) and codes(early)["SEC024"] == 1  # (the folder's ignore replaces the client's)
    assert early == first_publish(tmp_path, params, SMALL, early=False)[0]


def test_a_configuration_change_before_didopen_prevents_the_early_publish(tmp_path: Path) -> None:
    """Neovim sends its settings in workspace/didChangeConfiguration after `initialized`:
    the server then asks for the configuration again and re-analyses, and which set it
    publishes first depends on timing. Nothing is published early; the server's set
    honours the setting."""
    change = {"method": "workspace/didChangeConfiguration", "params": {"settings": SETTINGS}}
    params = params_of(recorded_client("neovim_v0.9.1.json"), tmp_path)
    published, log = first_publish(tmp_path, params, SMALL, early=True, between=[change])
    assert EARLY not in log and "another message came before didOpen" in log
    assert "Q001" not in codes(published) and codes(published)["SEC024"] == 1


@pytest.mark.parametrize("editor", ["neovim 0.11", "lspbench pull"])
def test_a_pull_client_gets_no_early_publish(tmp_path: Path, editor: str) -> None:
    """A pull client gets no publishDiagnostics, early or later: Neovim (its settings
    between `initialized` and didOpen) from the server, lspbench's pull (right after
    didOpen) answered early (tests/lsp/test_early_pull.py)."""
    profile = recorded_client(NEOVIM) if editor == "neovim 0.11" else lspbench(pull=True)
    server = RawServer(tmp_path, ("-v", "serve"), {"CODIE_CACHE_DIR": str(tmp_path / ".cache")})
    uri = (tmp_path / "first.py").as_uri()
    (tmp_path / "first.py").write_text(SMALL, encoding="utf-8")
    try:
        assert "result" in server.request("initialize", params_of(profile, tmp_path))
        server.notify("initialized", {})
        if editor == "neovim 0.11":
            server.notify("workspace/didChangeConfiguration", {"settings": {}})
        server.open(uri, SMALL)
        pulled = server.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        assert pulled["result"]["items"]
        assert server.request("shutdown")["result"] is None
        server.notify("exit")
        assert server.wait_exit() == 0
    finally:
        server.close()
    assert not [m for m in server.notifications if m.get("method") == PUBLISH]
    assert EARLY not in server.stderr()
    if editor == "neovim 0.11":
        assert "another message came before didOpen" in server.stderr()
    else:
        assert "answered the first pull of" in server.stderr()


class Writer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)


def test_the_server_does_not_send_the_early_set_again(caplog: pytest.LogCaptureFixture) -> None:
    """The server's first publish of the document equal to the one sent early is not sent
    again; a different one is sent (and logged); later publishes go out as usual."""
    from codie.lsp.early_open import EarlyOpen
    from codie.lsp.server import build_server

    server = build_server()
    writer = Writer()
    server.protocol.writer = writer  # type: ignore[assignment]
    server.take_over(EarlyOpen(server.catalogue, server.analyzers, "file:///a.py", '{"uri": "file:///a.py"}'))
    server._send_publish("file:///b.py", '{"uri": "file:///b.py"}')  # another document: sent
    server._send_publish("file:///a.py", '{"uri": "file:///a.py"}')  # the same set: not again
    server._send_publish("file:///a.py", '{"uri": "file:///a.py"}')  # a later publish: sent
    assert [b'"file:///b.py"' in m for m in writer.sent] == [True, False]
    assert len(writer.sent) == 2

    server.take_over(EarlyOpen(server.catalogue, server.analyzers, "file:///a.py", '{"uri": "file:///a.py"}'))
    with caplog.at_level(logging.WARNING):
        server._send_publish("file:///a.py", '{"uri": "file:///a.py", "other": 1}')
    assert len(writer.sent) == 3 and "differed" in caplog.text

    server.take_over(EarlyOpen(server.catalogue, server.analyzers, "file:///a.py", '{"uri": "file:///a.py"}'))
    server.forget("file:///a.py")  # closed before the server published it: nothing held
    server._send_publish("file:///a.py", '{"uri": "file:///a.py"}')
    assert len(writer.sent) == 4
