"""In the editor: a taint diagnostic lists its path, hover explains it, the fix applies."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "codie", "serve"],
    server_env={**os.environ, "PYTHONPATH": str(ROOT / "server")},
)
# An application module, not one under tests/: findings in test files are discounted (a
# test's "request" is a fixture it wrote itself), and a diagnostic that is visible there
# only thanks to a rule's high prior would vanish as soon as the prior is calibrated.
URI = (ROOT / "app" / "lsp_app.py").as_uri()
SOURCE = """import subprocess
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.post("/run")
def run():
    target = request.form["target"]
    subprocess.run("ping " + target, shell=True)
    return "ok"


def config(text):
    return yaml.load(text)
"""


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=ROOT.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


async def open_and_wait(client: LanguageClient) -> list[types.Diagnostic]:
    waiter = asyncio.ensure_future(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=URI, language_id="python", version=1, text=SOURCE)
        )
    )
    diags: list[types.Diagnostic] = []
    for _ in range(20):
        try:
            await asyncio.wait_for(asyncio.shield(waiter), 30)
        except TimeoutError:
            break  # nothing more is coming: say what was published
        diags = list(client.diagnostics.get(URI, []))
        if any(d.code == "SEC002" for d in diags):
            return diags
        waiter = asyncio.ensure_future(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS))
    waiter.cancel()
    raise AssertionError(f"no SEC002 diagnostic published; got {[(d.code, d.message) for d in diags]}")


@pytest.mark.asyncio
async def test_diagnostic_lists_the_path_and_hover_explains(client: LanguageClient) -> None:
    diags = await open_and_wait(client)
    sec002 = next(d for d in diags if d.code == "SEC002")
    related = [r.message for r in sec002.related_information or []]
    assert related[0].startswith("request data enters here")
    assert any("assigned to `target`" in m for m in related)
    assert related[0] and sec002.related_information[0].location.range.start.line == 9
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=sec002.range.start)
    )
    assert hover is not None
    text = hover.contents.value  # type: ignore[union-attr]
    assert "SEC002" in text and "Path:" in text and "request data enters here" in text


@pytest.mark.asyncio
async def test_quick_fix_is_offered(client: LanguageClient) -> None:
    diags = await open_and_wait(client)
    sec009 = next(d for d in diags if d.code == "SEC009")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=sec009.range,
            context=types.CodeActionContext(diagnostics=[sec009]),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    assert any("yaml.safe_load" in t for t in titles), titles
