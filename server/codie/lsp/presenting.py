"""What the editor shows of an analysis: the one present step (core/presenting.py) with
the folder's baseline, the new-code lines and the editor's own rescoring.

Baselines are read once per folder and dropped when the file changes on disk
(workspace/didChangeWatchedFiles) or the settings change; never re-read per keystroke.

`partial=True`: what a just-opened document shows before its whole-file analyzers are
done (lsp/scheduling.py), through the same present step: the per-statement analyzers'
findings, without the warnings that need every finding (core/presenting.py). None when
that cannot be honest yet: focus on new code is on and the ref's text is not known, so
findings would show that the complete set filters out.

No pygls or lsprotocol at import: the start path presents a first file's analysis with this
very step before they are imported (lsp/early_open.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codie.core.baseline import BaselineOptions, LoadedBaseline, load_for
from codie.core.config import Settings
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.pipeline import disabled_findings
from codie.core.presenting import Presentation, make_finding, present
from codie.core.rules import Catalogue
from codie.lsp.new_code import changed_lines, ref_of
from codie.lsp.settings import uri_to_path

if TYPE_CHECKING:
    from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)

__all__ = [
    "BaselineCache",
    "BaselineOptions",
    "LoadedBaseline",
    "baselines",
    "presentation",
    "register",
]


class BaselineCache:
    """Baselines by file path, loaded lazily."""

    def __init__(self) -> None:
        self._loaded: dict[Path, LoadedBaseline] = {}

    def get(self, folder: Path | None, settings: Settings) -> LoadedBaseline | None:
        if folder is None:
            return None
        path = BaselineOptions.of(settings).path_in(folder)
        if path not in self._loaded:
            self._loaded[path] = load_for(folder, settings)
        return self._loaded[path]

    def forget(self, path: Path | None = None) -> None:
        if path is None:
            self._loaded.clear()
        else:
            self._loaded.pop(path, None)


def baselines(ls: CodieServer) -> BaselineCache:
    return ls.services.get(BaselineCache)


class ToldDisabled(set[tuple[str, str]]):
    """(uri, analyzer) pairs the user was already told about (a service)."""


def presentation(ls: CodieServer, analysis: DocumentAnalysis, *, partial: bool = False) -> Presentation | None:
    settings = analysis.ctx.settings
    doc = analysis.doc
    base_uri = doc.uri
    # notebook cells and other derived documents name the file they belong to
    owner: Any = getattr(analysis, "owner_uri", None)
    if isinstance(owner, str):
        base_uri = owner
    folder = analysis.ctx.root or ls.settings.folder_of(base_uri)
    loaded = baselines(ls).get(folder, settings)
    baseline = loaded.baseline if loaded else None
    rel = ""
    path = uri_to_path(base_uri)
    if loaded is not None and baseline is not None and path is not None:  # (none: no use for a path)
        rel = loaded.rel_path(path) or ""
        if not rel:
            baseline = None
    found = analysis.statement_findings() if partial else analysis.findings()
    for transform in ls.hooks.finding_transforms:  # other features' say (e.g. the model verdict)
        found = transform(ls, analysis, found)
    # focus on new code: only findings on lines changed since a git ref
    changed = changed_lines(ls, doc, uri_to_path(doc.uri), settings)
    if partial and changed is None and ref_of(settings) is not None:
        return None  # the new-code filter is not known yet (see the module docstring)
    as_hints = BaselineOptions.of(settings).show == "hint"
    result = present(doc, found, settings, ls.catalogue, baseline, rel, as_hints, changed, complete=not partial)
    if loaded is not None and loaded.error:
        result.visible.insert(0, baseline_problem(ls.catalogue, loaded.error))
    result.visible[:0] = disabled_warnings(ls, analysis, base_uri)
    return result


def disabled_warnings(ls: CodieServer, analysis: DocumentAnalysis, uri: str) -> list[Finding]:
    """CFG010 at the top of the file for each analyzer crash recovery turned off, and a
    window/showMessage the first time."""
    notebook: Any = getattr(analysis, "notebook", None)  # a cell: its notebook's analysis
    owner = notebook.analysis if notebook is not None else analysis
    if not owner.disabled:
        return []
    from lsprotocol import types  # (here: the start path presents before it is imported)

    told = ls.services.get(ToldDisabled)
    out = disabled_findings(ls.catalogue, owner.disabled)
    for name, f in zip(sorted(owner.disabled), out, strict=True):
        if (uri, name) not in told:
            told.add((uri, name))
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"Codie: {f.message} ({uri})")
            )
    return out


def baseline_problem(catalogue: Catalogue, error: str) -> Any:
    return make_finding(catalogue, "CFG011", 0, 0, f"Baseline not used: {error}")


def register(server: CodieServer) -> None:
    """The server asks this module what to show (it never imports it: no cycle)."""
    server.presenter = presentation
