"""Multi-root workspaces: each folder its own [tool.codie] and client settings, reloaded live."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import codes, diagnostics, lsp_session, open_file
from tests.waiting import until

CODE = "def run(cmd):\n    try:\n        return eval(input(cmd))\n    except:\n        return None\n"


def folder(root: Path, name: str, table: str) -> Path:
    path = root / name
    path.mkdir()
    (path / "pyproject.toml").write_text(f"[tool.codie]\n{table}\n")
    (path / "app.py").write_text(CODE)
    return path


async def test_two_folders_two_configurations_and_hot_reload(tmp_path: Path) -> None:
    api = folder(tmp_path, "api", 'ignore = ["Q001"]')
    tools = folder(tmp_path, "tools", 'select = ["Q"]')
    async with lsp_session([api, tools]) as client:
        api_uri = open_file(client, api / "app.py")
        tools_uri = open_file(client, tools / "app.py")
        assert codes(await diagnostics(client, api_uri)) == ["SEC001"]
        assert codes(await diagnostics(client, tools_uri)) == ["Q001"]

        # pyproject.toml edited on disk: the client's file watcher tells the server
        (api / "pyproject.toml").write_text("[tool.codie]\nignore = []\n")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=(api / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        assert codes(await diagnostics(client, api_uri, lambda d: len(d) == 2)) == ["Q001", "SEC001"]
        assert codes(client.diagnostics[tools_uri]) == ["Q001"]

        # settings changed in the editor for one folder only (pulled per folder)
        client.set_configuration({"codie": {"severity": {"Q001": "error"}}}, scope_uri=tools.as_uri())
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        diags = await diagnostics(
            client, tools_uri, lambda d: bool(d) and all(x.severity == types.DiagnosticSeverity.Error for x in d)
        )
        assert codes(diags) == ["Q001"]
        api_diags = await diagnostics(client, api_uri)
        assert {d.severity for d in api_diags if d.code == "Q001"} == {types.DiagnosticSeverity.Warning}


async def test_server_asks_to_watch_configuration_files(tmp_path: Path) -> None:
    registrations: list[types.Registration] = []
    async with lsp_session([tmp_path]) as client:

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            registrations.extend(params.registrations)

        # initialized has been sent; the registration follows shortly (after the first
        # diagnostics, which `codie serve` may publish before the server exists)
        uri = open_file(client, tmp_path / "x.py", "x = 1\n")
        await diagnostics(client, uri)

        def watched() -> list[types.Registration]:
            return [r for r in registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]

        await until(watched, lambda: registrations)
