"""The server under a long editing session (issue 19): per-document state returns to its
size after documents close, and after any sequence of edits, closes without save and reopens,
workspace-level findings (CPX100, read from the call graph) equal a fresh server's.

Both tests wait on `codie/serverState` saying the server is settled; the timeouts are only a
safety net against a hang."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.workspace_helpers import TIMEOUT, lsp_session, open_file

FILES = {
    "a.py": "def _helper():\n    return 1\n\n\ndef _spare():\n    return 2\n",
    "b.py": "from a import _helper\n\n\ndef use():\n    return _helper()\n",
    "c.py": "import a\n\n\ndef run():\n    return a._spare()\n",
    "d.py": "def _lonely():\n    return 3\n\n\ndef _other():\n    return _lonely()\n",
}
# lines that add or remove definitions and cross-file calls
SNIPPETS = (
    "def _helper():\n    return 3\n",
    "_helper()\n",
    "from a import _helper\n",
    "a._spare()\n",
    "import a\n",
    "def _spare():\n    return 4\n",
    "x = 1\n",
    "_lonely()\n",
    "from d import _lonely\n",
)


async def state(client: LanguageClient) -> dict[str, Any]:
    result = await client.protocol.send_request_async("codie/serverState", {})
    return result if isinstance(result, dict) else dict(result._asdict())


async def settled(client: LanguageClient) -> dict[str, Any]:
    """serverState once nothing is pending (twice in a row, a moment apart)."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    streak = 0
    while True:
        current = _plain(await state(client))
        streak = streak + 1 if current["settled"] else 0
        if streak >= 2:
            return current
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"server never settled: {current}")
        await asyncio.sleep(0.3)


def _plain(value: Any) -> Any:
    """pygls hands untyped results over as namedtuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def workspace(root: Path) -> Path:
    for name, text in FILES.items():
        (root / name).write_text(text)
    return root


def cpx100(client: LanguageClient, uris: list[str]) -> set[tuple[str, int, int]]:
    return {
        (uri.rsplit("/", 1)[-1], d.range.start.line, d.range.start.character)
        for uri in uris
        for d in client.diagnostics.get(uri, [])
        if d.code == "CPX100"
    }


def close(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))


async def test_seeded_edit_sequence_matches_a_fresh_server(tmp_path: Path) -> None:
    """Random edits, closes without saving and reopens (with the disk's text or the unsaved
    one), ending as an editor restoring its tabs: every buffer with unsaved edits is closed
    and reopened with them, and not touched again. Without the indexing of reopened buffers
    (workspace_graph.opened) the graph keeps the disk's text for those, and this fails."""
    root = workspace(tmp_path)
    rng = random.Random(19)
    texts = {(root / n).as_uri(): t for n, t in FILES.items()}
    versions: dict[str, int] = {}

    def disk(uri: str) -> str:
        return (root / uri.rsplit("/", 1)[-1]).read_text()

    async with lsp_session([root]) as client:
        for uri in list(texts)[:3]:
            versions[uri] = 1
            open_file(client, Path(uri.removeprefix("file://")), texts[uri])
        await settled(client)
        for _ in range(60):
            roll = rng.random()
            closed = [u for u in texts if u not in versions]
            if roll < 0.15 and versions:  # close without saving: the edits stay client-side
                gone = rng.choice(sorted(versions))
                del versions[gone]
                close(client, gone)
            elif roll < 0.22 and versions:  # closed and at once reopened with its unsaved text
                uri = rng.choice(sorted(versions))
                close(client, uri)
                versions[uri] = 1
                open_file(client, Path(uri.removeprefix("file://")), texts[uri])
            elif (roll < 0.35 or not versions) and closed:  # (re)open, maybe with unsaved text
                uri = rng.choice(closed)
                versions[uri] = 1
                if rng.random() < 0.5:
                    texts[uri] = disk(uri)
                open_file(client, Path(uri.removeprefix("file://")), texts[uri])
            elif versions:
                uri = rng.choice(sorted(versions))
                lines = texts[uri].split("\n")
                line = rng.randrange(len(lines))
                versions[uri] += 1
                if rng.random() < 0.6:
                    snippet = rng.choice(SNIPPETS)
                    new, end = snippet, (line, 0)
                    lines[line:line] = snippet[:-1].split("\n")
                else:
                    new, end = "", (line + 1, 0)
                    del lines[line]
                client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                        content_changes=[
                            types.TextDocumentContentChangePartial(
                                range=types.Range(types.Position(line, 0), types.Position(*end)), text=new
                            )
                        ],
                    )
                )
                texts[uri] = "\n".join(lines)
            await asyncio.sleep(rng.choice((0.0, 0.0, 0.05, 0.3)))  # typing pace, not a wait
        restored = [uri for uri in sorted(versions) if texts[uri] != disk(uri)]
        assert restored, "the sequence must end with unsaved buffers to restore"
        await settled(client)  # each was indexed while open: what matters is the reopen
        for uri in restored:
            close(client, uri)
            versions[uri] = 1
            open_file(client, Path(uri.removeprefix("file://")), texts[uri])
        soaked_state = await settled(client)
        open_uris = sorted(versions)
        soaked = cpx100(client, open_uris)

    async with lsp_session([root]) as fresh:
        for uri in open_uris:
            open_file(fresh, Path(uri.removeprefix("file://")), texts[uri], versions[uri])
        fresh_state = await settled(fresh)
        clean = cpx100(fresh, open_uris)

    (graph,) = soaked_state["callGraph"]["folders"].values()
    (fresh_graph,) = fresh_state["callGraph"]["folders"].values()
    assert graph["unreferenced"] == fresh_graph["unreferenced"]
    assert (graph["callees"], graph["callers"]) == (fresh_graph["callees"], fresh_graph["callers"])
    assert graph["edges"] == fresh_graph["edges"]
    assert graph["childResolves"] >= 1  # settled by the child process, not the server's GIL
    assert soaked == clean


async def test_reopened_unsaved_buffer_is_what_the_graph_indexes(tmp_path: Path) -> None:
    """Close a buffer with unsaved edits, reopen it with them (as editors restore unsaved
    tabs), touch it no more: its text, not the disk's, is what the hints are computed from."""
    root = workspace(tmp_path)
    async with lsp_session([root]) as client:
        a = open_file(client, root / "a.py")
        c = open_file(client, root / "c.py")
        await settled(client)
        assert not cpx100(client, [a])  # c.py calls a._spare()
        unsaved = "import a\n\n\ndef run():\n    return 0\n"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=c, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=unsaved)],
            )
        )
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=c)))
        await settled(client)
        assert not cpx100(client, [a])  # on disk c.py still calls it
        open_file(client, root / "c.py", unsaved, version=3)
        await settled(client)
        assert cpx100(client, [a]) == {("a.py", 4, 4)}  # as a fresh server reports


def replace_all(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def graph_of(state: dict[str, Any]) -> tuple[int, int, list[str]]:
    (graph,) = state["callGraph"]["folders"].values()
    return graph["callees"], graph["callers"], graph["unreferenced"]


async def test_a_definition_that_comes_back_is_called_again(tmp_path: Path) -> None:
    """b.py calls a._helper. Delete the definition, edit b.py while it is gone (its call
    resolves to nothing), then put the definition back: only a whole re-resolve once typing
    pauses (workspace_graph reconcile) links b.py's call to it again, as a fresh server does."""
    root = workspace(tmp_path)
    texts = {"a.py": FILES["a.py"], "b.py": FILES["b.py"] + "\n\nx = 1\n"}
    async with lsp_session([root]) as client:
        a = open_file(client, root / "a.py")
        b = open_file(client, root / "b.py")
        await settled(client)
        replace_all(client, a, 2, "def _spare():\n    return 2\n")
        await settled(client)
        replace_all(client, b, 2, texts["b.py"])
        await settled(client)
        replace_all(client, a, 3, texts["a.py"])
        edited = graph_of(await settled(client))
    async with lsp_session([root]) as fresh:
        for name, text in texts.items():
            open_file(fresh, root / name, text)
        assert edited == graph_of(await settled(fresh))


async def test_per_document_state_returns_after_open_edit_close_cycles(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    async with lsp_session([root]) as client:
        keep = open_file(client, root / "d.py")  # one document stays open throughout
        start = await settled(client)
        before = start["held"]
        for cycle in range(6):
            for name in ("a.py", "b.py", "c.py"):
                uri = open_file(client, root / name)
                for v in range(2, 8):  # a burst, then a pause
                    client.text_document_did_change(
                        types.DidChangeTextDocumentParams(
                            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=v),
                            content_changes=[
                                types.TextDocumentContentChangePartial(
                                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                                    text=f"x{cycle} = {v}\n",
                                )
                            ],
                        )
                    )
                # a function that exists only in this buffer, given a value (its parameter's)
                replace_all(client, uri, 8, f"def f{cycle}(p):\n    return p(0)\n\n\nf{cycle}(len)\n" + FILES[name])
                await client.text_document_hover_async(
                    types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(1, 4))
                )
                if cycle % 2:  # closed once its analysis and deferred analyzers ran; even cycles: at once
                    await settled(client)
                client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
        after = await settled(client)
        assert after["held"] == before, (before, after["held"])
        assert after["documents"] == [keep]
        (folder,) = after["callGraph"]["folders"].values()
        assert folder["modules"] == len(FILES)
        # closed without saving: the graph is the disk's again, without what the edits added
        # (words typed, parameters of functions that no longer exist)
        (initial,) = start["callGraph"]["folders"].values()
        sizes = ("edges", "callees", "callers", "words", "params")
        assert {k: folder[k] for k in sizes} == {k: initial[k] for k in sizes}
