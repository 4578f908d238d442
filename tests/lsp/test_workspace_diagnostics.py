"""Workspace diagnostics: opt-in background analysis of every file, kept current."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import codes, diagnostics, lsp_session, open_file

EVAL = "value = eval(input())\n"


def make_workspace(root: Path) -> None:
    (root / "pyproject.toml").write_text(
        '[tool.codie]\nextend-exclude = ["vendor/**"]\n\n[tool.codie.workspace]\ndiagnostics = true\njobs = 1\n'
    )
    (root / ".gitignore").write_text("generated/\n*_gen.py\n")
    for rel in ("pkg/a.py", "pkg/clean.py", "generated/b.py", "pkg/c_gen.py", "vendor/v.py", "pkg/deep/.gitignore"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("" if rel == "pkg/clean.py" else EVAL)
    (root / "pkg/deep/.gitignore").write_text("skip.py\n")
    (root / "pkg/deep/skip.py").write_text(EVAL)
    (root / "pkg/deep/keep.py").write_text(EVAL)


async def workspace_report(client, previous=()):  # type: ignore[no-untyped-def]
    report = await asyncio.wait_for(
        client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=list(previous))), 60
    )
    return {Path(item.uri.removeprefix("file://")).name: item for item in report.items}


async def test_pull_reports_every_file_but_ignored_ones_and_follows_changes(
    tmp_path: Path,
) -> None:
    make_workspace(tmp_path)
    async with lsp_session([tmp_path], pull=True) as client:
        items = await workspace_report(client)
        assert sorted(items) == ["a.py", "clean.py", "keep.py"]
        assert [codes(items[n].items) for n in ("a.py", "clean.py")] == [["SEC001"], []]
        reports = [v for values in client.progress_reports.values() for v in values]
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)

        # a file created on disk appears; the client passes its result ids (long poll)
        previous = [types.PreviousResultId(uri=i.uri, value=i.result_id or "") for i in items.values()]
        (tmp_path / "pkg" / "new.py").write_text("try:\n    x\nexcept:\n    pass\n")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=(tmp_path / "pkg" / "new.py").as_uri(), type=types.FileChangeType.Created)]
            )
        )
        items = await workspace_report(client, previous)
        assert isinstance(items["new.py"], types.WorkspaceFullDocumentDiagnosticReport)
        assert codes(items["new.py"].items) == ["Q001"]
        assert isinstance(items["a.py"], types.WorkspaceUnchangedDocumentDiagnosticReport)

        # a deleted file is reported once more, empty, so the client drops its problems
        previous = [types.PreviousResultId(uri=i.uri, value=i.result_id or "") for i in items.values()]
        (tmp_path / "pkg" / "a.py").unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=(tmp_path / "pkg" / "a.py").as_uri(), type=types.FileChangeType.Deleted)]
            )
        )
        items = await workspace_report(client, previous)
        assert isinstance(items["a.py"], types.WorkspaceFullDocumentDiagnosticReport)
        assert list(items["a.py"].items) == []


async def test_push_clients_get_files_that_are_not_open(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    async with lsp_session([tmp_path]) as client:
        keep = (tmp_path / "pkg/deep/keep.py").as_uri()
        assert codes(await diagnostics(client, keep)) == ["SEC001"]
        assert (tmp_path / "generated/b.py").as_uri() not in client.diagnostics
        # open a file: the editor's own analysis takes over; the workspace one returns on close
        uri = open_file(client, tmp_path / "pkg/a.py", "fine = 1\n")
        assert codes(await diagnostics(client, uri, lambda d: len(d) == 0)) == []
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        assert codes(await diagnostics(client, uri, lambda d: len(d) == 1)) == ["SEC001"]


async def test_off_by_default(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(EVAL)
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, tmp_path / "b.py", "x = 1\n")
        await diagnostics(client, uri)
        assert (tmp_path / "a.py").as_uri() not in client.diagnostics
