"""The editor path end to end: diagnostics on the pin, hover, upgrade action, import hint."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from codie.analyzers.dependencies.advisories import ENV_PATH, packaged_path
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Path(os.environ.get("TMPDIR", "/tmp")) / f"codie-dep-lsp-{os.getpid()}"
FAKE_BIN = PROJECT / "bin"  # a stand-in `snyk` CLI that prints recorded output
SNYK_OUTPUT = Path(__file__).parent / "data" / "snyk-test.json"
REQUIREMENTS = "requests==2.32.3\nDjango==1.11  # old\n"
APP = "import os\nimport django\nfrom django.db import models\n"

CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "codie", "serve"],
    server_env={
        **os.environ,
        "PYTHONPATH": str(ROOT / "server"),
        ENV_PATH: str(packaged_path()),
        "PATH": f"{FAKE_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    },
)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    PROJECT.mkdir(parents=True, exist_ok=True)
    (PROJECT / "requirements.txt").write_text(REQUIREMENTS)
    (PROJECT / "app.py").write_text(APP)
    FAKE_BIN.mkdir(exist_ok=True)
    (FAKE_BIN / "snyk").write_text(f"#!/bin/sh\ncat {SNYK_OUTPUT}\nexit 1\n")
    (FAKE_BIN / "snyk").chmod(0o755)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=PROJECT.as_uri(), name="p")],
        )
    )
    yield
    errors = [m.message for m in lsp_client.messages if m.type == types.MessageType.Error]
    await lsp_client.shutdown_session()
    shutil.rmtree(PROJECT, ignore_errors=True)
    assert not errors, errors


async def _diagnostics(client: LanguageClient, uri: str, rule: str) -> list[types.Diagnostic]:
    return await until(
        lambda: [d for d in client.diagnostics.get(uri, []) if d.code == rule],
        lambda: f"a {rule} diagnostic on {uri}: {client.diagnostics.get(uri)}",
    )


def _open(client: LanguageClient, path: Path, text: str, language: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    return uri


@pytest.mark.asyncio
async def test_pin_diagnostic_hover_and_upgrade(client: LanguageClient) -> None:
    uri = _open(client, PROJECT / "requirements.txt", REQUIREMENTS, "pip-requirements")
    (diag,) = await _diagnostics(client, uri, "DEP001")
    assert diag.range.start.line == 1 and diag.severity == types.DiagnosticSeverity.Error
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=3)
        )
    )
    assert hover is not None
    text = hover.contents.value  # type: ignore[union-attr]
    assert "CVE-2018-7536" in text and "Smallest upgrade that clears all:** 2.2.28" in text
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    assert "Upgrade Django to 2.2.28 (fixes 16 advisories) (DEP001)" in titles
    clean = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=2)
        )
    )
    assert clean is not None and "no known advisories" in clean.contents.value  # type: ignore[union-attr]
    # applying the upgrade's edit clears the diagnostic
    fix = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("Upgrade"))
    assert fix.edit is not None and fix.edit.document_changes
    (edit,) = fix.edit.document_changes[0].edits  # type: ignore[union-attr]
    assert (edit.range.start.line, edit.range.start.character, edit.new_text) == (1, 8, "2.2.28")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)],
        )
    )
    await until(
        lambda: not [d for d in client.diagnostics.get(uri, []) if d.code == "DEP001"],
        lambda: f"DEP001 gone: {client.diagnostics.get(uri)}",
    )
    assert [d.code for d in client.diagnostics[uri]] == []


@pytest.mark.asyncio
async def test_import_hint_in_python(client: LanguageClient) -> None:
    uri = _open(client, PROJECT / "app.py", APP, "python")
    hints = await _diagnostics(client, uri, "DEP004")
    assert sorted(d.range.start.line for d in hints) == [1, 2]
    assert all(d.severity == types.DiagnosticSeverity.Hint for d in hints)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=9)
        )
    )
    assert hover is not None and "#### django 1.11: 16 known vulnerabilities" in hover.contents.value  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_import_hint_follows_the_saved_manifest(client: LanguageClient) -> None:
    uri = _open(client, PROJECT / "app.py", APP, "python")
    await _diagnostics(client, uri, "DEP004")
    requirements = PROJECT / "requirements.txt"
    requirements.write_text("Django==2.2.28\n")
    os.utime(requirements, (1e9, 1e9))  # a distinct mtime, whatever the clock's resolution
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=requirements.as_uri()))
    )
    await until(lambda: not client.diagnostics.get(uri), lambda: f"no diagnostics: {client.diagnostics.get(uri)}")


@pytest.mark.asyncio
async def test_snyk_command_and_upgrade_all(client: LanguageClient) -> None:
    text = "flask-cors==3.0.10\nDjango==1.11\nPyYAML==5.3\n"
    uri = _open(client, PROJECT / "requirements-dev.txt", text, "pip-requirements")
    await _diagnostics(client, uri, "DEP001")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codie.snyk.run", arguments=[uri])
    )
    assert result["vulnerabilities"] == 3
    # Snyk's flask-cors CVE-2024-1681 is new to Codie (which knows CVE-2024-6221 for it);
    # Snyk's PyYAML CVE-2020-14343 is Codie's own already
    (snyk,) = await _diagnostics(client, uri, "DEP005")
    assert snyk.range.start.line == 0 and "SNYK-PYTHON-FLASKCORS-6670412" in snyk.message
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )
    (upgrade_all,) = [a for a in actions or [] if isinstance(a, types.CodeAction)]
    assert upgrade_all.title == "Upgrade all 3 vulnerable pins in this file"
    edits = upgrade_all.edit.document_changes[0].edits  # type: ignore[union-attr]
    assert sorted((e.range.start.line, e.new_text) for e in edits) == [(0, "5.0.0"), (1, "2.2.28"), (2, "5.4")]
