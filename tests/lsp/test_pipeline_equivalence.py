"""Two doors, one pipeline: the editor and `codie check` report the same findings.

One small workspace (taint, quality, suppression comments, a baseline, a git-ignored and an
excluded file, an unreferenced function for CPX100) goes through the real language server
(each analysed file opened, as an editor would) and through `codie check --format json`.
Every shown finding must be the same in both: rule, range, severity, confidence; what
`codie check` reports as suppressed (by a directive or the baseline) the editor hides.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.lsp.workspace_helpers import ROOT, lsp_session

SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "hint"}
TIMEOUT = 120.0  # a safety net: the editor's findings converge long before
LANGUAGE = {".py": "python", ".toml": "toml"}

VIEWS = """import os


def handler():
    data = input()
    result = eval(data)
    try:
        os.remove(data)
    except:
        pass
    return result


def quiet():
    return eval(input())  # codie: ignore[SEC001]


def loud():
    value = 1  # codie: ignore[Q001]
    return value
"""
HELPERS = """def _never_called():
    return 1


def used():
    return 2


print(used())
"""
LEGACY = """def old(path):
    try:
        return open(path).read()
    except:
        return ""
"""
LEGACY_NEW = (
    LEGACY
    + """

def newer(path):
    try:
        return len(path)
    except:
        return 0
"""
)


Key = tuple[str, str, int, int, int, int, str, float]


def codie(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codie", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=600,
        env={"PYTHONPATH": str(ROOT / "server"), "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


def make_workspace(root: Path) -> None:
    (root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "1.0"\n\n[tool.codie]\nexclude = ["gen/**"]\n'
    )
    (root / ".gitignore").write_text("ignored.py\n")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "legacy.py").write_text(LEGACY)
    (root / "gen").mkdir()
    (root / "gen" / "excluded.py").write_text("x = eval(input())\n")
    (root / "ignored.py").write_text("x = eval(input())\n")
    done = codie("baseline", ".", cwd=root)  # accepts legacy.py's bare except
    assert done.returncode == 0, done.stderr
    (root / "app" / "legacy.py").write_text(LEGACY_NEW)  # ... but not the new one
    (root / "app" / "views.py").write_text(VIEWS)
    (root / "app" / "helpers.py").write_text(HELPERS)


def check_key(f: dict[str, Any]) -> Key:
    return (
        f["path"],
        f["rule"],
        f["start"]["line"],
        f["start"]["column"],
        f["end"]["line"],
        f["end"]["column"],
        f["severity"],
        round(f["confidence"], 6),
    )


def editor_key(rel: str, d: types.Diagnostic) -> Key:
    r = d.range
    assert isinstance(d.data, dict) and d.severity is not None
    return (
        rel,
        str(d.code),
        r.start.line + 1,
        r.start.character + 1,
        r.end.line + 1,
        r.end.character + 1,
        SEVERITY[int(d.severity)],
        round(d.data["confidence"], 6),
    )


async def test_editor_and_check_report_the_same_findings(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    done = codie("check", ".", "--format", "json", "--fail-on", "never", "-j", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    shown = sorted(check_key(f) for f in report["findings"] if f["suppressed"] is None)
    suppressed = sorted(check_key(f) for f in report["findings"] if f["suppressed"])
    states = sorted((f["rule"], f["suppressed"]) for f in report["findings"] if f["suppressed"])
    # the workspace exercises what it should: otherwise equality would prove little
    rules = {k[1] for k in shown}
    assert {"SEC001", "Q001", "CPX100", "SUP003"} <= rules, shown
    assert states == [("Q001", "baseline"), ("SEC001", "# codie: ignore[SEC001]")], states
    analysed = {k[0] for k in shown + suppressed}
    assert "ignored.py" not in analysed and "gen/excluded.py" not in analysed
    rels = ["pyproject.toml", "app/__init__.py", "app/legacy.py", "app/views.py", "app/helpers.py"]
    assert report["files"] == len(rels)  # not ignored.py, not gen/excluded.py

    async with lsp_session([tmp_path]) as client:
        uris = {}
        for rel in rels:
            path = tmp_path / rel
            uri = path.as_uri()
            uris[uri] = rel
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    types.TextDocumentItem(uri=uri, language_id=LANGUAGE[path.suffix], version=1, text=path.read_text())
                )
            )

        def editor() -> list[Key]:
            return sorted(editor_key(rel, d) for uri, rel in uris.items() for d in client.diagnostics.get(uri, []))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        # the editor's cross-file inputs (the call graph) arrive in the background: wait
        # until its findings settle on the check's answer, or the safety net runs out
        while editor() != shown and loop.time() < deadline:
            await asyncio.sleep(0.1)
        seen = editor()
    assert seen == shown
    assert not set(seen) & set(suppressed)  # what the check marks suppressed, the editor hides


async def test_the_workspace_scan_reports_what_check_reports(tmp_path: Path) -> None:
    """The third door: the editor's background scan of files that are not open. It has
    no call graph of its own, so CPX100 shows for open files only (documented)."""
    make_workspace(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.codie.workspace]\ndiagnostics = true\n")
    done = codie("check", ".", "--format", "json", "--fail-on", "never", "-j", "1", "--ignore", "CPX100", cwd=tmp_path)
    report = json.loads(done.stdout)
    shown = sorted(check_key(f) for f in report["findings"] if f["suppressed"] is None and f["path"].endswith(".py"))
    assert {"SEC001", "Q001", "SUP003"} <= {k[1] for k in shown}
    async with lsp_session([tmp_path], pull=True) as client:
        result = await asyncio.wait_for(
            client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[])), TIMEOUT
        )
        scanned: list[Key] = []
        for item in result.items:
            rel = Path(item.uri.removeprefix("file://")).relative_to(tmp_path).as_posix()
            scanned += [editor_key(rel, d) for d in getattr(item, "items", []) if str(d.code) != "CPX100"]
    assert sorted(scanned) == shown
