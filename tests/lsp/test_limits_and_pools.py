"""The server under abuse: documents too large or not text get one diagnostic and no
analysis, what is held for a document goes when it closes, and a pool whose child process
died is replaced instead of failing every later request."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from codie.cli.main import main
from tests.lsp.workspace_helpers import change, codes, diagnostics, lsp_session, open_file

TIMEOUT = 60.0
CODE = "def f(a, b=[]):\n    if a:\n        return eval(input(a))\n    return b\n"


async def state(client: LanguageClient) -> Any:
    return await asyncio.wait_for(client.protocol.send_request_async("codie/serverState", {}), TIMEOUT)


async def lenses(client: LanguageClient, uri: str) -> list[str]:
    found = await asyncio.wait_for(
        client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))),
        TIMEOUT,
    )
    return [lens.command.title for lens in found or [] if lens.command]


async def test_a_document_over_the_size_limit_gets_one_diagnostic_and_is_let_go(
    tmp_path: Path,
) -> None:
    big = "x = 1\n" * 900_000  # 5.4 MB: over the default limit of 5 MB (as in codie check)
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, tmp_path / "big.py", big)
        found = await diagnostics(client, uri, timeout=TIMEOUT)
        assert codes(found) == ["CFG020"] and "larger than" in found[0].message
        now = await state(client)
        assert list(now.refused) == [uri] and list(now.documents) == []
        # hover and code actions on it answer (nothing), they do not fail
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 0))
        )
        assert hover is None
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        await diagnostics(client, uri, until=lambda d: not d)
        now = await state(client)
        assert list(now.refused) == [] and list(now.documents) == []


async def test_the_size_limit_is_a_setting_and_applies_to_edits_too(tmp_path: Path) -> None:
    settings = {"files": {"max-bytes": 200}}
    async with lsp_session([tmp_path], settings=settings) as client:
        uri = open_file(client, tmp_path / "a.py", CODE)
        assert "SEC001" in codes(await diagnostics(client, uri, until=lambda d: bool(d)))
        change(client, uri, 2, 0, 0, 0, 0, "# padding\n" * 30)  # now 380 bytes
        found = await diagnostics(client, uri, until=lambda d: codes(d) == ["CFG020"])
        assert "200 bytes" in found[0].message
        now = await state(client)
        assert list(now.documents) == [] and list(now.metricsCached) == []
        # back under the limit with a whole-document change: analysed again
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=CODE)],
            )
        )
        await diagnostics(client, uri, until=lambda d: "SEC001" in codes(d))


async def test_binary_content_gets_one_diagnostic_and_no_analysis(tmp_path: Path) -> None:
    binary = bytes(range(256)) * 40 + b"\x00" * 4000
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, tmp_path / "blob.py", binary.decode("latin-1"))
        found = await diagnostics(client, uri, timeout=TIMEOUT)
        assert codes(found) == ["CFG021"] and "not look like text" in found[0].message
        assert list((await state(client)).documents) == []
        # one stray NUL in real code is still analysed
        text = open_file(client, tmp_path / "nul.py", "x = 1\x00\n" + CODE)
        assert "SEC001" in codes(await diagnostics(client, text, until=lambda d: bool(d)))


# The same bytes on disk (`codie check`) and open in the editor (decoded as an editor does,
# undecodable bytes as U+FFFD): whether they are text is one check (core/files.problem_of).
SAME_CONTENT = {
    "blob.py": (bytes(range(256)) * 40, True),
    "controls.py": (b"\x01\x02\x03 = 1\n" * 40, True),
    "nul_and_latin1.py": (b"\xff\xfe not utf-8 \x00 def (:\n", True),
    "stray_nul.py": (b"x = 1\x00\n" + CODE.encode(), False),
    "code.py": (CODE.encode(), False),
}


async def test_the_editor_and_codie_check_agree_on_what_is_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, (data, _) in SAME_CONTENT.items():
        (tmp_path / name).write_bytes(data)
    main(["check", str(tmp_path), "--format", "json", "-j", "1", "--fail-on", "never"])
    report = json.loads(capsys.readouterr().out)
    headless = {
        name: any(f["path"] == name and f["rule"] == "CFG021" for f in report["findings"]) for name in SAME_CONTENT
    }
    async with lsp_session([tmp_path]) as client:
        uris = {
            name: open_file(client, tmp_path / name, data.decode("utf-8", "replace"))
            for name, (data, _) in SAME_CONTENT.items()
        }
        editor = {
            name: "CFG021" in codes(await diagnostics(client, uri, until=bool, timeout=TIMEOUT))
            for name, uri in uris.items()
        }
    expected = {name: binary for name, (_, binary) in SAME_CONTENT.items()}
    assert headless == expected and editor == expected


async def test_metrics_are_computed_in_the_server_without_a_child(tmp_path: Path) -> None:
    """Lenses and their refresh after an edit come from the server's own threads: no
    process is started for them (a child cost a bare interpreter and the metrics' imports
    beside the server, 28 MiB while it measured the 6,862-line file)."""
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, tmp_path / "a.py", CODE)
        assert any("CC" in title for title in await lenses(client, uri))
        first = (await state(client)).metricsComputed
        assert first >= 1
        change(client, uri, 2, 0, 0, 0, 0, "def g():\n    return 1\n")  # metrics are stale
        titles = await lenses(client, uri)
        assert len([t for t in titles if "CC" in t]) == 2, titles
        now = await state(client)
        assert now.metricsComputed > first and not hasattr(now.pools, "metrics")
        others = {now.pools.workspace, now.pools.callgraph}
        assert [pid for pid in child_processes() if pid not in others] == []


def child_processes() -> list[int]:
    """The pids of the lsp/child.py processes below this test's process (the server's)."""
    found, stack = [], [os.getpid()]
    while stack:
        pid = stack.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            stack.extend(kids)
            for kid in kids:
                try:
                    if b"codie.lsp.child" in Path(f"/proc/{kid}/cmdline").read_bytes():
                        found.append(kid)
                except OSError:
                    pass
    return found


async def test_a_killed_workspace_scan_child_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.codie.workspace]\ndiagnostics = true\njobs = 1\n")
    (tmp_path / "a.py").write_text("value = eval(input())\n")
    async with lsp_session([tmp_path], pull=True) as client:
        report = await asyncio.wait_for(
            client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[])), TIMEOUT
        )
        assert [Path(i.uri).name for i in report.items] == ["a.py"]
        pid = (await state(client)).pools.workspace
        assert isinstance(pid, int)
        os.kill(pid, signal.SIGKILL)
        previous = [types.PreviousResultId(uri=i.uri, value=i.result_id or "") for i in report.items]
        new = tmp_path / "b.py"
        new.write_text("try:\n    x\nexcept:\n    pass\n")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=new.as_uri(), type=types.FileChangeType.Created)]
            )
        )
        report = await asyncio.wait_for(
            client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=previous)), TIMEOUT
        )
        items = {Path(i.uri).name: i for i in report.items}
        assert isinstance(items["b.py"], types.WorkspaceFullDocumentDiagnosticReport)
        assert codes(items["b.py"].items) == ["Q001"]
        assert (await state(client)).poolsReplaced.workspace == 1
