"""A broken [tool.codie] never stops diagnostics in the editor: each problem is a CFG001
diagnostic on its line of pyproject.toml, the defaults apply to the folder, and no error
pops up (stop() asserts that no window/showMessage error was sent)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.cli.bad_configs import APP, BAD_CONFIGS
from tests.lsp.helpers import change, codes, open_doc, wait_for

HIDE_SEC = '[tool.codie]\nignore = ["SEC"]\n'


async def test_each_broken_configuration_is_a_diagnostic_and_defaults_apply(
    client: LanguageClient, tmp_path: Path
) -> None:
    cfg_path = tmp_path / "pyproject.toml"
    cfg_path.write_text(HIDE_SEC)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    cfg = open_doc(client, cfg_path, HIDE_SEC, language="toml")
    app = open_doc(client, tmp_path / "app.py", APP)
    await wait_for(lambda: app in client.diagnostics and codes(client, app) == [], describe=lambda: codes(client, app))
    for name, (text, expected) in sorted(BAD_CONFIGS.items()):
        await one_broken_file(client, cfg_path, cfg, app, name, text, expected)


async def one_broken_file(
    client: LanguageClient,
    cfg_path: Path,
    cfg: str,
    app: str,
    name: str,
    text: str,
    expected: list[tuple[int, str]],
) -> None:
    # the broken file on disk (the settings) and in the editor (the CFG001 diagnostics)
    cfg_path.write_text(text)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    change(client, cfg, [types.TextDocumentContentChangeWholeDocument(text=text)])

    def lines() -> list[int]:
        return sorted(d.range.start.line for d in client.diagnostics.get(cfg, []) if d.code == "CFG001")

    want = [line for line, _ in expected]
    await wait_for(lambda: lines() == want, timeout=30, describe=lambda: (name, lines()))
    messages = sorted((d.range.start.line, d.message) for d in client.diagnostics[cfg])
    for (_, message), (_, words) in zip(messages, expected, strict=True):
        assert words in message, (name, message)
    # the defaults apply: SEC001 is back in app.py
    await wait_for(lambda: "SEC001" in codes(client, app), timeout=30, describe=lambda: (name, codes(client, app)))
    # and a good file hides it again: the server still reads its configuration
    cfg_path.write_text(HIDE_SEC)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await wait_for(lambda: "SEC001" not in codes(client, app), timeout=30, describe=lambda: (name, codes(client, app)))


async def test_broken_editor_settings_never_stop_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    app = open_doc(client, tmp_path / "app.py", APP)
    await wait_for(lambda: codes(client, app) == ["SEC001"], describe=lambda: codes(client, app))
    for bad in (
        {"select": [["SEC"]], "minConfidence": "high", "severity": 3},
        {"llm": 3, "select": ["NOPE"], "ignore": 7},
        {"codie": {"llm": {"timeout": "soon", "retries": float("inf")}}},
    ):
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=bad))
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"codie": {"ignore": ["SEC"]}})
        )
        await wait_for(lambda: codes(client, app) == [], describe=lambda: codes(client, app))
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=bad))
        await wait_for(lambda: codes(client, app) == ["SEC001"], describe=lambda: codes(client, app))
