"""End to end over stdio: code lens with metrics, call hierarchy and codie/callGraph."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.waiting import until

WORKSPACE = Path(__file__).resolve().parent / "workspace"

UTIL = WORKSPACE / "app" / "util.py"
MAIN = WORKSPACE / "app" / "main.py"


def open_file(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=path.read_text())
        )
    )
    return uri


async def test_code_lens_shows_function_metrics(client: LanguageClient) -> None:
    uri = open_file(client, UTIL)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = {lens.range.start.line: lens.command.title for lens in lenses if lens.command}
    assert titles[0].startswith("CC 3 (A) · cognitive 2 ·"), titles
    assert titles[6].startswith("CC 1 (A) · cognitive 0 ·"), titles
    figures = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codie.functionMetrics", arguments=[uri, "helper"])
    )
    assert figures["cyclomatic"] == 3
    assert figures["halstead"]["N1"] > 0


async def test_code_lens_follows_edits(client: LanguageClient) -> None:
    uri = open_file(client, UTIL)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(1, 4), types.Position(1, 4)), text="if x:\n        pass\n    "
                )
            ],
        )
    )
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = {lens.range.start.line: lens.command.title for lens in lenses if lens.command}
    assert titles[0].startswith("CC 4 (A)"), titles


def item_names(items: object) -> list[str]:
    return sorted(i.detail for i in items)  # type: ignore[attr-defined]


async def test_call_hierarchy_end_to_end(client: LanguageClient) -> None:
    uri = open_file(client, UTIL)
    # on `helper`'s name in its definition
    items = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 5)
        )
    )
    assert items is not None and item_names(items) == ["app.util.helper"]
    assert items[0].selection_range.start == types.Position(0, 4)
    incoming = await client.call_hierarchy_incoming_calls_async(types.CallHierarchyIncomingCallsParams(item=items[0]))
    callers = {call.from_.detail: [r.start.line for r in call.from_ranges] for call in incoming}
    assert callers == {"app.main.Runner.run": [5], "app.main.Runner.step": [8]}
    assert all(call.from_.uri == MAIN.as_uri() for call in incoming)

    main_uri = open_file(client, MAIN)
    # on the call `Runner().run(3)`: prepare resolves the callee
    items = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(
            text_document=types.TextDocumentIdentifier(uri=main_uri), position=types.Position(12, 22)
        )
    )
    assert items is not None and item_names(items) == ["app.main.Runner.run"]
    outgoing = await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(item=items[0]))
    assert sorted(call.to.detail for call in outgoing) == ["app.main.Runner.step", "app.util.helper"]


async def test_call_hierarchy_follows_unsaved_edits(client: LanguageClient) -> None:
    main_uri = open_file(client, MAIN)
    # `def main(): return Runner().run(3)` -> `... return helper(3)`
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=main_uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(12, 11), types.Position(12, 26)), text="helper(3)"
                )
            ],
        )
    )
    items = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(
            text_document=types.TextDocumentIdentifier(uri=main_uri), position=types.Position(11, 5)
        )
    )
    assert items is not None and item_names(items) == ["app.main.main"]
    outgoing = await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(item=items[0]))
    assert [call.to.detail for call in outgoing] == ["app.util.helper"]


async def test_custom_call_graph_request(client: LanguageClient) -> None:
    uri = open_file(client, MAIN)
    result = await client.protocol.send_request_async(
        "codie/callGraph",
        {"textDocument": {"uri": uri}, "symbol": "app.main.Runner.run", "depth": 2, "direction": "outgoing"},
    )
    ids = sorted(n.id for n in result.nodes)
    assert ids == ["app.main.Runner.run", "app.main.Runner.step", "app.util.helper"]
    edges = sorted((e.caller, e.callee) for e in result.edges)
    assert ("app.main.Runner.run", "app.util.helper") in edges
    assert ("app.main.Runner.step", "app.util.helper") in edges
    bad = await client.protocol.send_request_async("codie/callGraph", {"depth": 1})
    assert bad.error


async def test_unreferenced_function_hint(client: LanguageClient) -> None:
    uri = open_file(client, UTIL)
    # the hint appears once the workspace graph is built
    hints = await until(
        lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "CPX100"],
        lambda: f"a CPX100 hint: {client.diagnostics.get(uri)}",
    )
    assert len(hints) == 1, hints
    assert hints[0].range.start == types.Position(6, 4)  # private `_unused_one`; public names are API
    assert hints[0].severity == types.DiagnosticSeverity.Hint


async def test_hotspots_request(client: LanguageClient, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "m.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "one"], check=True
    )
    result = await client.protocol.send_request_async(
        "codie/hotspots", {"folder": tmp_path.as_uri(), "window": "30 days"}
    )
    assert [(f.path, f.commits, f.complexity) for f in result.files] == [("m.py", 1, 2)]
    assert result.functions[0].function == "f"
    assert result.files[0].uri == (tmp_path / "m.py").as_uri()
    bad = await client.protocol.send_request_async(
        "codie/hotspots", {"folder": tmp_path.as_uri(), "window": "whenever"}
    )
    assert "bad window" in bad.error


async def test_prepare_falls_back_to_jedi_for_calls_the_graph_cannot_resolve(
    client: LanguageClient,
) -> None:
    path = WORKSPACE / "app" / "infer.py"
    uri = open_file(client, path)
    line = path.read_text().splitlines()[7]
    items = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(7, line.index("run()") + 1)
        )
    )
    assert items is not None and item_names(items) == ["app.infer.Worker.run"]


async def test_hover_on_a_function_name_shows_its_metrics(client: LanguageClient) -> None:
    uri = open_file(client, UTIL)

    async def metrics_hover() -> str:  # metrics are computed off the event loop shortly after opening
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 6))
        )
        text = hover.contents.value if hover is not None else ""  # type: ignore[union-attr]
        return text if "cyclomatic" in text else ""

    text = await until(metrics_hover, "metrics on hover")
    assert "**`helper`**: cyclomatic 3 (rank A), cognitive 2" in text
