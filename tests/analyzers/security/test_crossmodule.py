"""Headless runs follow calls into other modules of the workspace; the editor does not."""

from __future__ import annotations

from pathlib import Path

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.rules import catalogue
from codie.headless import check_paths

UTILS = """import subprocess


def run_backup(target):
    subprocess.run("tar czf /backups/out.tgz " + target, shell=True, check=True)


def clean(name):
    return name.strip()
"""
VIEWS = """from flask import Flask, request

from app.utils import run_backup
from .utils import clean

app = Flask(__name__)


@app.post("/backup")
def backup():
    run_backup(clean(request.form["target"]))
    return "started"


@app.post("/constant")
def constant():
    run_backup("/srv/data")
    return "started"
"""


def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "utils.py").write_text(UTILS)
    (tmp_path / "app" / "views.py").write_text(VIEWS)
    return tmp_path


def test_check_reports_the_flow_at_the_call_with_the_sink_in_the_other_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    run = check_paths([root], root, Settings(), jobs=1)
    in_views = [r for r in run.results if r.path == "app/views.py" and r.finding.rule_id == "SEC002"]
    assert len(in_views) == 1
    finding = in_views[0].finding
    assert in_views[0].start_line == 11 and finding.data["taint"] is True
    assert "run_backup()" in finding.message
    external = [loc for loc in finding.related if loc.uri is not None]
    assert external and external[0].uri.endswith("app/utils.py") and external[0].line == 4
    assert any("passed to `clean()`" in loc.message for loc in finding.related)


def test_editor_documents_do_not_read_other_files(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = root / "app" / "views.py"
    doc = Document(path.as_uri(), VIEWS, version=3)  # an open editor buffer
    found = analyze(Context(doc, catalogue(), Settings(), root=root), registered())
    assert not [f for f in found if f.rule_id == "SEC002"]
