"""Headless runs follow calls into other modules of the workspace; the editor does not."""

from __future__ import annotations

from pathlib import Path

from codie.analyzers import registered
from codie.analyzers.security import crossmodule
from codie.analyzers.security.crossmodule import SERVICE as SOURCES
from codie.analyzers.security.crossmodule import WorkspaceSources
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


# ----------------------------------------------------------------- the editor, from memory
def editor_context(root: Path, sources: WorkspaceSources, text: str = VIEWS) -> Context:
    doc = Document((root / "app" / "views.py").as_uri(), text, version=3)
    return Context(doc, catalogue(), Settings(), root=root, services={SOURCES: sources})


def test_editor_follows_imports_through_workspace_sources_once_read(tmp_path: Path) -> None:
    root = project(tmp_path)
    sources = WorkspaceSources()
    asked: list[tuple[Path, str]] = []
    sources.on_miss = lambda path, uri: asked.append((path, uri))
    first = analyze(editor_context(root, sources), registered())
    assert not [f for f in first if f.rule_id == "SEC002"]  # nothing read on the keystroke path
    utils = root / "app" / "utils.py"
    assert any(path == utils for path, _ in asked)
    assert all(uri.endswith("app/views.py") for _, uri in asked)
    for path, _ in asked:  # what the language server's thread pool does with the misses
        sources.put(path, path.read_bytes() if path.is_file() else None)
    found = [f for f in analyze(editor_context(root, sources), registered()) if f.rule_id == "SEC002"]
    assert len(found) == 1 and "run_backup()" in found[0].message
    external = [loc for loc in found[0].related if loc.uri is not None]
    assert external and external[0].uri.endswith("app/utils.py") and external[0].line == 4


def test_editor_reads_an_open_buffer_of_the_other_module(tmp_path: Path) -> None:
    root = project(tmp_path)
    utils = root / "app" / "utils.py"
    unsaved = UTILS.replace('"tar czf /backups/out.tgz " + target', '"tar czf /backups/out.tgz " + shlex.quote(target)')
    unsaved = "import shlex\n" + unsaved
    sources = WorkspaceSources()
    sources.documents = lambda path: unsaved.encode() if path == utils else None
    sources.on_miss = lambda path, uri: sources.put(path, path.read_bytes() if path.is_file() else None)
    found = analyze(editor_context(root, sources), registered())
    assert not [f for f in found if f.rule_id == "SEC002"]  # the buffer quotes, the disk does not
    sources.documents = lambda path: None  # closed without saving: the disk's text counts
    sources.put(utils, utils.read_bytes())
    found = analyze(editor_context(root, sources), registered())
    assert [f for f in found if f.rule_id == "SEC002"]


WRAPPERS = """from flask import request


def arg(name, default=""):
    return request.args.get(name, default)
"""
REPORT = """import os

from flask import Flask

from app.wrappers import arg

app = Flask(__name__)


@app.get("/report")
def report():
    os.system("generate-report " + arg("period"))
    return "ok"
"""


def test_helper_in_another_module_that_wraps_the_request(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app" / "wrappers.py").write_text(WRAPPERS)
    (root / "app" / "report.py").write_text(REPORT)
    run = check_paths([root], root, Settings(), jobs=1)
    found = [r for r in run.results if r.path == "app/report.py" and r.finding.rule_id == "SEC002"]
    assert len(found) == 1 and found[0].finding.data["taint"] is True


def test_a_summary_is_computed_once_for_every_importing_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from codie.analyzers.security import module

    root = project(tmp_path)
    (root / "app" / "admin.py").write_text(VIEWS.replace('"/backup"', '"/admin/backup"'))
    analysed: list[str] = []
    original = module.ModuleInfo._analyze

    def counting(self, info):  # type: ignore[no-untyped-def]
        if self.uri.endswith("utils.py"):
            analysed.append(info.key)
        return original(self, info)

    monkeypatch.setattr(module.ModuleInfo, "_analyze", counting)
    crossmodule._LOADED.clear()
    # the two importing files only: utils.py analysed as a document has its own results
    run = check_paths([root / "app" / "views.py", root / "app" / "admin.py"], root, Settings(), jobs=1)
    flagged = {r.path for r in run.results if r.finding.rule_id == "SEC002" and r.finding.data.get("taint")}
    assert {"app/views.py", "app/admin.py"} <= flagged
    assert analysed.count("run_backup") == 1


def test_the_editor_keeps_where_imports_lead_until_a_file_comes_or_goes(tmp_path: Path) -> None:
    """Each keystroke's taint pass asks where every import leads (six candidate paths each);
    the answers are kept while no file is read, forgotten or opened, and asked again after."""
    root = project(tmp_path)
    sources = WorkspaceSources()
    looked_up: list[Path] = []

    def documents(path: Path) -> bytes | None:
        looked_up.append(path)
        return None

    sources.documents = documents
    sources.on_miss = lambda path, uri: sources.put(path, path.read_bytes() if path.is_file() else None)
    # the first pass misses and reads; the second finds the texts and the flow
    analyze(editor_context(root, sources), registered())
    assert root / "flask.py" in looked_up  # `flask` is sought in the workspace, not found
    found = [f for f in analyze(editor_context(root, sources), registered()) if f.rule_id == "SEC002"]
    assert len(found) == 1
    looked_up.clear()
    again = [f for f in analyze(editor_context(root, sources), registered()) if f.rule_id == "SEC002"]
    assert [f.message for f in again] == [f.message for f in found]
    # where `flask` is not, and where `app.utils` is, came from the kept answers (utils.py's
    # text is still read: a summary is kept by the text's version)
    assert root / "flask.py" not in looked_up
    assert root / "app" / "utils" / "__init__.py" not in looked_up
    # a module only an open buffer has (never saved): found once the server says it opened
    helpers = root / "app" / "helpers.py"
    text = VIEWS.replace("from .utils import clean", "from .utils import clean\nfrom .helpers import shell")
    text += '\n\n@app.post("/shell")\ndef shell_route():\n    shell(request.form["cmd"])\n    return "ok"\n'
    buffer = b"import os\n\n\ndef shell(cmd):\n    os.system(cmd)\n"
    analyze(editor_context(root, sources, text), registered())  # a miss: read, not on disk
    analyze(editor_context(root, sources, text), registered())  # kept: no such module
    sources.documents = lambda path: buffer if path == helpers else documents(path)
    stale = [f for f in analyze(editor_context(root, sources, text), registered()) if "shell()" in f.message]
    assert not stale  # still the kept answer: no such module
    sources.changed()  # what the server does when a document opens
    fresh = [f for f in analyze(editor_context(root, sources, text), registered()) if "shell()" in f.message]
    assert fresh


def test_each_importing_document_asks_for_a_missing_module(tmp_path: Path) -> None:
    root = project(tmp_path)
    sources = WorkspaceSources()
    asked: list[tuple[Path, str]] = []
    sources.on_miss = lambda path, uri: asked.append((path, uri))
    analyze(editor_context(root, sources), registered())
    other = root / "app" / "other.py"
    doc = Document(other.as_uri(), VIEWS, version=1)
    analyze(Context(doc, catalogue(), Settings(), root=root, services={SOURCES: sources}), registered())
    utils = root / "app" / "utils.py"
    assert {uri.rsplit("/", 1)[1] for path, uri in asked if path == utils} == {"views.py", "other.py"}
