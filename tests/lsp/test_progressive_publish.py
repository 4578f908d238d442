"""The progressive first publish (lsp/scheduling.py): after didOpen the per-statement
analyzers' findings are published first, through the same present step, then the complete
set. progressive_server.py holds the whole-file pass open (a gate file) so that the partial
publish, and an edit, come before it deterministically; no test here times anything."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from codie.core.baseline import Baseline
from tests.lsp.workspace_helpers import TIMEOUT, change, lsp_session, open_file

SERVER = [sys.executable, str(Path(__file__).with_name("progressive_server.py"))]
GATE = ".gate-closed"

TEXT = """def legacy():
    try:
        run()
    except:
        pass


def handler():
    try:
        run()
    except:  # codie: ignore[Q001]
        pass


def fresh(items=[]):
    try:
        run()
    except:
        pass


def gate_suppressed():  # codie: ignore[SEC010]
    return 1


def gate_shown():
    return 2
"""

EDIT = "def more():\n    return 1\n    print(2)\n"

Shown = tuple[int, int, int, int, str, str, Any]  # a diagnostic, comparable


def shown(diags: Any) -> set[Shown]:
    return {
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, *rest)
        for d in diags
        if (rest := (str(d.code), d.message, d.severity))
    }


def codes(diags: Any) -> list[tuple[int, str]]:
    return sorted((d.range.start.line, str(d.code)) for d in diags)


class Publishes:
    """Every publishDiagnostics the client gets, in order (pytest-lsp keeps the last only)."""

    def __init__(self, client: LanguageClient) -> None:
        self.log: list[types.PublishDiagnosticsParams] = []
        self.arrived = asyncio.Event()
        features = client.protocol.fm._features
        features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def record(params: types.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            self.log.append(params)
            self.arrived.set()

    def of(self, uri: str) -> list[types.PublishDiagnosticsParams]:
        return [p for p in self.log if p.uri == uri]

    async def wait(self, uri: str, count: int) -> list[types.PublishDiagnosticsParams]:
        """uri's publishes once there are at least `count` (a safety-net timeout only)."""

        async def enough() -> None:
            while len(self.of(uri)) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), TIMEOUT)
        return self.of(uri)


def project(tmp_path: Path) -> Path:
    """A folder with the gate closed and a baseline that accepts one bare `except:`."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / GATE).write_text("")
    baseline = Baseline()
    for name in ("progressive.py", "single.py"):  # single.py: see single_publish
        baseline.add(name, "Q001", "    except:", 3)
    (tmp_path / ".codie-baseline.json").write_text(json.dumps(baseline.to_json()))
    return tmp_path / "progressive.py"


async def single_publish(client: LanguageClient, pubs: Publishes, path: Path, text: str) -> set[Shown]:
    """What today's one complete publish shows for text (a document not published
    progressively, opened with the gate open)."""
    single = path.with_name("single.py")
    uri = open_file(client, single, text)
    first = (await pubs.wait(uri, 1))[0]
    return shown(first.diagnostics)


async def test_partial_is_a_subset_and_drops_nothing_the_complete_set_drops(tmp_path: Path) -> None:
    path = project(tmp_path)
    async with lsp_session([tmp_path], command=SERVER) as client:
        pubs = Publishes(client)
        uri = open_file(client, path, TEXT)
        partial = (await pubs.wait(uri, 1))[0]  # the gate is closed: the whole-file pass is not done
        assert partial.version == 1
        # per-statement findings only (not the gate's), through the present step:
        # the baselined `except:` of legacy() and the suppressed one of handler() are not
        # shown; fresh()'s is (the baseline's second match of that key)
        assert codes(partial.diagnostics) == [(14, "Q002"), (17, "Q001")]
        # the directive for the gate's finding suppresses nothing yet, but the complete set
        # will need it: no SUP003 before the whole set is known
        assert all(d.code != "SUP003" for d in partial.diagnostics)

        (tmp_path / GATE).unlink()
        publishes = await pubs.wait(uri, 2)
        complete = publishes[1]
        assert complete.version == 1
        assert codes(complete.diagnostics) == [(14, "Q002"), (17, "Q001"), (25, "SEC012")]
        assert shown(partial.diagnostics) <= shown(complete.diagnostics)
        # the last publish is what one complete publish gives (a non-progressive document)
        assert shown(complete.diagnostics) == await single_publish(client, pubs, path, TEXT)
        # one partial publish; whatever comes later (a feature republishing) is complete
        assert all(shown(p.diagnostics) == shown(complete.diagnostics) for p in pubs.of(uri)[1:])


async def test_an_edit_between_the_partial_and_the_complete_publish(tmp_path: Path) -> None:
    path = project(tmp_path)
    async with lsp_session([tmp_path], command=SERVER) as client:
        pubs = Publishes(client)
        uri = open_file(client, path, TEXT)
        first = (await pubs.wait(uri, 1))[0]
        assert first.version == 1
        # three lines above everything, with a new per-statement finding: the whole-file
        # pass is still held open, so version 2 gets its own partial publish first
        change(client, uri, 2, 0, 0, 0, 0, EDIT)
        publishes = await pubs.wait(uri, 2)
        second = publishes[1]
        assert second.version == 2
        assert codes(second.diagnostics) == [(2, "Q004"), (17, "Q002"), (20, "Q001")]

        (tmp_path / GATE).unlink()
        publishes = await pubs.wait(uri, 3)
        last = publishes[2]
        assert last.version == 2
        assert [p.version for p in publishes[:3]] == [1, 2, 2]
        text = EDIT + TEXT
        assert shown(second.diagnostics) <= shown(last.diagnostics)
        assert shown(last.diagnostics) == await single_publish(client, pubs, path, text)
        assert codes(last.diagnostics) == [(2, "Q004"), (17, "Q002"), (20, "Q001"), (28, "SEC012")]


async def test_a_pull_client_without_refresh_gets_the_complete_set_only(tmp_path: Path) -> None:
    """It would keep a partial set: its pull waits for the whole-file pass."""
    path = project(tmp_path)
    async with lsp_session([tmp_path], command=SERVER, pull=True, refresh=False) as client:
        pubs = Publishes(client)
        uri = open_file(client, path, TEXT)
        pending = asyncio.ensure_future(
            client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
            )
        )
        # the pull is answered only once the whole-file pass is done: open the gate after
        # the request is on its way (an answer before would be the partial set)
        await asyncio.sleep(0)
        (tmp_path / GATE).unlink()
        report = await asyncio.wait_for(pending, TIMEOUT)
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        assert codes(report.items) == [(14, "Q002"), (17, "Q001"), (25, "SEC012")]
        assert pubs.of(uri) == []  # nothing pushed to a pull client
        assert client.diagnostic_refresh_count == 0


async def test_a_pull_client_with_refresh_gets_the_statements_first(tmp_path: Path) -> None:
    """While the whole-file pass runs, a pull client that refreshes gets the per-statement
    set (what a push client's first publish shows); once the complete set is ready it is
    asked to pull again, and gets it."""
    path = project(tmp_path)
    async with lsp_session([tmp_path], command=SERVER, pull=True) as client:
        pubs = Publishes(client)
        uri = open_file(client, path, TEXT)
        document = types.TextDocumentIdentifier(uri)
        first = await asyncio.wait_for(
            client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=document)), TIMEOUT
        )
        assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
        assert codes(first.items) == [(14, "Q002"), (17, "Q001")]  # the gate is closed: no SEC012 yet
        refreshes = client.diagnostic_refresh_count
        (tmp_path / GATE).unlink()

        async def refreshed() -> None:
            while client.diagnostic_refresh_count == refreshes:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(refreshed(), TIMEOUT)
        again = types.DocumentDiagnosticParams(text_document=document, previous_result_id=first.result_id)
        report = await asyncio.wait_for(client.text_document_diagnostic_async(again), TIMEOUT)
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        assert codes(report.items) == [(14, "Q002"), (17, "Q001"), (25, "SEC012")]
        assert pubs.of(uri) == []  # nothing pushed to a pull client


async def test_a_small_document_is_published_once_complete(tmp_path: Path) -> None:
    """Below PROGRESSIVE_BYTES (the real server's threshold) the first publish is complete:
    it already holds the whole-file analyzers' findings (taint's SEC001) and SUP003."""
    path = tmp_path / "small.py"
    text = "def f(items=[]):\n    return eval(input())  # codie: ignore[Q001]\n"
    async with lsp_session([tmp_path]) as client:
        pubs = Publishes(client)
        uri = open_file(client, path, text)
        first = (await pubs.wait(uri, 1))[0]
        assert codes(first.diagnostics) == [(0, "Q002"), (1, "SEC001"), (1, "SUP003")]
