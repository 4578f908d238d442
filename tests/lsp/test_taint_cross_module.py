"""Cross-module taint in the editor: an imported helper's sink in a file that is not open
is found once the server has read that file in the background (never on the keystroke
path), and an unsaved edit of the helper's buffer counts over the disk."""

from __future__ import annotations

from pathlib import Path

from tests.lsp.workspace_helpers import change, diagnostics, lsp_session, open_file

UTILS = """import subprocess


def run_backup(target):
    subprocess.run("tar czf /backups/out.tgz " + target, shell=True, check=True)
"""
VIEWS = """from flask import Flask, request

from app.utils import run_backup

app = Flask(__name__)


@app.post("/backup")
def backup():
    run_backup(request.form["target"])
    return "started"
"""


def sec002(diags) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [d for d in diags if d.code == "SEC002"]


async def test_imported_helper_sink_is_found_in_the_editor(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "utils.py").write_text(UTILS)
    (tmp_path / "app" / "views.py").write_text(VIEWS)
    async with lsp_session([tmp_path]) as client:
        views = open_file(client, tmp_path / "app" / "views.py")
        found = sec002(await diagnostics(client, views, lambda d: bool(sec002(d))))
        assert "run_backup()" in found[0].message
        related = [r.location.uri for r in found[0].related_information or []]
        assert any(uri.endswith("app/utils.py") for uri in related)

        # the helper opened and fixed without saving: its buffer is what counts
        utils = open_file(client, tmp_path / "app" / "utils.py")
        await diagnostics(client, utils)
        change(client, utils, 2, 4, 49, 4, 55, "'x'")  # `+ target` -> `+ 'x'`
        await diagnostics(client, utils, lambda d: not sec002(d))
        change(client, views, 2, 9, 0, 9, 0, " ")  # the view is analysed again on its next edit
        change(client, views, 3, 9, 0, 9, 1, "")
        await diagnostics(client, views, lambda d: not sec002(d))
