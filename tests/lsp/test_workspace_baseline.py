"""Baselines in the editor and in `codie check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import ROOT, by_line, change, diagnostics, lsp_session, open_file

LEGACY = "def legacy():\n    try:\n        run()\n    except:\n        pass\n"


def codie(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codie", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        env={"PYTHONPATH": str(ROOT / "server")},
        check=False,
        timeout=60,
    )


def make_project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'legacy'\n")
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY)
    done = codie("baseline", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / ".codie-baseline.json").read_text())
    assert [e["rule"] for e in data["files"]["legacy.py"]] == ["Q001"]
    return path


async def test_baselined_finding_survives_shift_and_a_new_twin_appears(tmp_path: Path) -> None:
    path = make_project(tmp_path)
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, path)
        await diagnostics(client, uri, lambda d: len(d) == 0)
        # 30 lines above the baselined finding: still accepted
        change(client, uri, 2, 0, 0, 0, 0, "".join(f"x{i} = {i}\n" for i in range(30)))
        diags = await diagnostics(client, uri, lambda d: d is not None)
        await client.text_document_code_action_async(
            types.CodeActionParams(  # a round trip: answered once the edit is analysed
                types.TextDocumentIdentifier(uri),
                types.Range(types.Position(0, 0), types.Position(0, 0)),
                types.CodeActionContext(diagnostics=[]),
            )
        )
        assert by_line(client.diagnostics[uri]) == []
        # a second, identical violation in the same file is new
        change(client, uri, 3, 35, 0, 35, 0, "\n" + LEGACY)
        diags = await diagnostics(client, uri, lambda d: len(d) == 1)
        assert by_line(diags) == [(39, "Q001")]


async def test_baselined_findings_as_hints(tmp_path: Path) -> None:
    path = make_project(tmp_path)
    settings = {"baseline": {"show": "hint"}}
    async with lsp_session([tmp_path], settings=settings) as client:
        uri = open_file(client, path)
        diags = await diagnostics(client, uri, lambda d: len(d) == 1)
        assert diags[0].severity == types.DiagnosticSeverity.Hint
        assert diags[0].code == "Q001"


async def test_check_with_baseline_and_new_since(tmp_path: Path) -> None:
    path = make_project(tmp_path)
    path.write_text("\n" * 10 + LEGACY + "\n" + LEGACY.replace("legacy", "fresh"))
    done = codie("check", ".", "--baseline", ".codie-baseline.json", "--format", "json", cwd=tmp_path)
    report = json.loads(done.stdout)
    shown = [(f["start"]["line"], f["rule"]) for f in report["findings"] if not f["suppressed"]]
    hidden = [f["suppressed"] for f in report["findings"] if f["suppressed"]]
    assert shown == [(20, "Q001")] and hidden == ["baseline"]
    done = codie(
        "check", ".", "--baseline", ".codie-baseline.json", "--baseline-show", "hint", "--format", "json", cwd=tmp_path
    )
    report = json.loads(done.stdout)
    assert [(f["start"]["line"], f["severity"]) for f in report["findings"]] == [(14, "hint"), (20, "warning")]
    # focus on new code: only lines changed since the commit are reported
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "start"], cwd=tmp_path, check=True)
    path.write_text(path.read_text() + "\n" + LEGACY.replace("legacy", "newest"))
    done = codie("check", ".", "--new-since", "HEAD", "--format", "json", cwd=tmp_path)
    report = json.loads(done.stdout)
    assert [(f["start"]["line"], f["rule"]) for f in report["findings"]] == [(26, "Q001")]
    # the project's .codie-baseline.json applies by default: it accepts one of the two
    assert "1 finding(s) in code unchanged since HEAD" in done.stderr
    done = codie("check", ".", "--new-since", "HEAD", "--no-baseline", "--format", "json", cwd=tmp_path)
    assert "2 finding(s) in code unchanged since HEAD" in done.stderr


async def test_editor_focus_on_new_code(tmp_path: Path) -> None:
    path = make_project(tmp_path)
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "start"]):
        subprocess.run([*git, *args], cwd=tmp_path, check=True)
    (tmp_path / ".codie-baseline.json").unlink()  # focus alone, no baseline
    settings = {"baseline": {"new-since": "HEAD"}}
    async with lsp_session([tmp_path], settings=settings) as client:
        uri = open_file(client, path)
        # the committed bare except is old code: hidden once the ref's text is known
        await diagnostics(client, uri, lambda d: len(d) == 0)
        change(client, uri, 2, 5, 0, 5, 0, "value = eval(input())\n")
        diags = await diagnostics(client, uri, lambda d: len(d) == 1)
        assert by_line(diags) == [(5, "SEC001")]


async def test_broken_baseline_is_reported_not_fatal(tmp_path: Path) -> None:
    path = make_project(tmp_path)
    (tmp_path / ".codie-baseline.json").write_text("{not json")
    async with lsp_session([tmp_path]) as client:
        uri = open_file(client, path)
        diags = await diagnostics(client, uri, lambda d: len(d) == 2)
        assert by_line(diags) == [(0, "CFG011"), (3, "Q001")]  # shown as if no baseline
        # fixed on disk: the watcher's event brings the baseline back
        codie("baseline", ".", cwd=tmp_path)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(uri=(tmp_path / ".codie-baseline.json").as_uri(), type=types.FileChangeType.Changed)
                ]
            )
        )
        assert by_line(await diagnostics(client, uri, lambda d: len(d) == 0)) == []
