"""The core language server end to end: a real `codie serve` process over stdio."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import (
    apply_edits,
    change,
    codes,
    edit,
    open_doc,
    wait_for,
    workspace_edits,
)

APP = """import os


def load(path):
    try:
        return open(path).read()
    except:
        return eval(input(os.environ["FALLBACK"]))
"""


async def test_open_change_close(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "app.py", APP)
    await wait_for(lambda: codes(client, uri) == ["Q001", "SEC001"], describe=lambda: codes(client, uri))
    sec = next(d for d in client.diagnostics[uri] if d.code == "SEC001")
    assert sec.source == "codie"
    assert sec.range.start == types.Position(7, 15)
    assert 0 < sec.data["confidence"] <= 1
    # the confidence leads the message, so a truncated message still shows it
    assert sec.message.startswith(f"[{sec.data['confidence']:.0%}] ")

    # an incremental edit: `eval(` -> `len(` on line 7 removes SEC001, keeps Q001
    change(client, uri, [edit(7, 15, 7, 19, "len")])
    await wait_for(lambda: codes(client, uri) == ["Q001"])
    # insert lines above: Q001 moves down with its statement
    change(client, uri, [edit(0, 0, 0, 0, "import sys\n\n")])
    await wait_for(lambda: [d.range.start.line for d in client.diagnostics.get(uri, [])] == [8])

    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_for(lambda: uri in client.diagnostics and len(client.diagnostics[uri]) == 0)


async def test_pull_diagnostics_are_not_pushed(pull_client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(pull_client, tmp_path / "app.py", APP)
    report = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert sorted(str(d.code) for d in report.items) == ["Q001", "SEC001"]
    again = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id
        )
    )
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    # no sleep: the server writes in order, and it answered both pulls after the analysis
    # was published, so a push would have arrived before these answers
    assert uri not in pull_client.diagnostics  # never both push and pull


async def test_quick_fix_applied_gives_expected_text(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "app.py", APP)
    await wait_for(lambda: "Q001" in codes(client, uri))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(6, 4), types.Position(6, 4)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    titles = [a.title for a in actions]
    assert "Suppress Q001 on this line" in titles and "Explain Q001" in titles
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.title.endswith("(Q001)"))
    fixed = apply_edits(APP, workspace_edits(fix.edit))
    assert "    except Exception:\n" in fixed
    change(client, uri, [types.TextDocumentContentChangeWholeDocument(text=fixed)])
    await wait_for(lambda: codes(client, uri) == ["SEC001"])

    # the eval fix brings its import with it
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(7, 16), types.Position(7, 16)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    literal = next(a for a in actions if isinstance(a, types.CodeAction) and "literal_eval" in a.title)
    result = apply_edits(fixed, workspace_edits(literal.edit))
    assert result.startswith("import os\nimport ast\n")
    assert "return ast.literal_eval(input(os.environ" in result

    suppress = next(a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Suppress"))
    suppressed = apply_edits(fixed, workspace_edits(suppress.edit))
    change(client, uri, [types.TextDocumentContentChangeWholeDocument(text=suppressed)])
    await wait_for(lambda: codes(client, uri) == [])


async def test_explain_command_and_hover(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "app.py", APP)
    await wait_for(lambda: "SEC001" in codes(client, uri))
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(7, 17))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "SEC001" in text and "Confidence" in text and "prior" in text and "literal_eval" in text
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codie.explain", arguments=["Q001"])
    )
    assert "KeyboardInterrupt" in result["markdown"]


async def test_configuration_file_and_client_settings(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.codie]\nignore = ["Q001"]\n')
    # settings are read per folder; a changed configuration reloads them
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    uri = open_doc(client, tmp_path / "app.py", APP)
    await wait_for(lambda: codes(client, uri) == ["SEC001"])
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codie": {"minConfidence": 0.99}})
    )
    await wait_for(lambda: codes(client, uri) == [])


async def test_broken_configuration_is_a_diagnostic_and_defaults_apply(client: LanguageClient, tmp_path: Path) -> None:
    bad = '[tool.codie]\nmin-confidence = "high"\nselect = 3\n'
    (tmp_path / "pyproject.toml").write_text(bad)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    cfg = open_doc(client, tmp_path / "pyproject.toml", bad, language="toml")
    await wait_for(lambda: codes(client, cfg) == ["CFG001", "CFG001"], describe=lambda: codes(client, cfg))
    lines = sorted(d.range.start.line for d in client.diagnostics[cfg])
    assert lines == [1, 2]
    uri = open_doc(client, tmp_path / "app.py", APP)
    await wait_for(lambda: codes(client, uri) == ["Q001", "SEC001"], describe=lambda: codes(client, uri))
    broken_toml = "[tool.codie\nselect = "
    change(client, cfg, [types.TextDocumentContentChangeWholeDocument(text=broken_toml)])
    await wait_for(lambda: codes(client, cfg) == ["CFG001"])
    assert "invalid TOML" in client.diagnostics[cfg][0].message


async def test_position_encodings_with_non_ascii(encoding_client: LanguageClient, tmp_path: Path) -> None:
    encoding = str(encoding_client.codie_capabilities.position_encoding)  # type: ignore[attr-defined]
    expected = {"utf-8": 23, "utf-16": 20, "utf-32": 19}[encoding]
    text = 's = "héllo 😋"; y = eval(input(s))\n'
    uri = open_doc(encoding_client, tmp_path / "enc.py", text)
    await wait_for(lambda: codes(encoding_client, uri) == ["SEC001"])
    assert encoding_client.diagnostics[uri][0].range.start == types.Position(0, expected)
    # an edit after the emoji, in the negotiated units: eval -> len
    change(encoding_client, uri, [edit(0, expected, 0, expected + 4, "len")])
    await wait_for(lambda: codes(encoding_client, uri) == [])
