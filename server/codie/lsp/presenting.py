"""What the editor shows of an analysis: core.presenting plus the folder's baseline.

Baselines are read once per folder and dropped when the file changes on disk
(workspace/didChangeWatchedFiles) or the settings change; never re-read per keystroke.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from codie.core.baseline import DEFAULT_NAME, Baseline, BaselineError
from codie.core.config import Settings
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.presenting import Presentation, make_finding, present
from codie.core.rules import Catalogue
from codie.lsp.new_code import focus
from codie.lsp.settings import uri_to_path

if TYPE_CHECKING:
    from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BaselineOptions:
    """[tool.codie.baseline]: file (default .codie-baseline.json), show = "hidden" | "hint"."""

    file: str | None = None
    show: str = "hidden"

    @classmethod
    def of(cls, settings: Settings) -> BaselineOptions:
        raw = settings.section("baseline")
        file = raw.get("file")
        show = raw.get("show")
        return cls(file if isinstance(file, str) and file else None,
                   show if show in ("hidden", "hint") else "hidden")


@dataclass
class LoadedBaseline:
    path: Path
    baseline: Baseline | None
    error: str | None = None


class BaselineCache:
    """Baselines by file path, loaded lazily."""

    def __init__(self) -> None:
        self._loaded: dict[Path, LoadedBaseline] = {}

    def get(self, folder: Path | None, settings: Settings) -> LoadedBaseline | None:
        if folder is None:
            return None
        options = BaselineOptions.of(settings)
        path = folder / (options.file or DEFAULT_NAME)
        if path not in self._loaded:
            try:
                self._loaded[path] = LoadedBaseline(path, Baseline.load(path))
            except BaselineError as exc:
                # no file at the default place is normal; a named file that fails is not
                missing = options.file is None and not path.exists()
                self._loaded[path] = LoadedBaseline(path, None, None if missing else str(exc))
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


def presentation(ls: CodieServer, analysis: DocumentAnalysis) -> Presentation:
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
    if loaded is not None and path is not None:
        try:
            rel = path.resolve().relative_to(loaded.path.parent.resolve()).as_posix()
        except ValueError:
            baseline = None
    found = analysis.findings()
    for transform in ls.hooks.finding_transforms:  # other features' say (e.g. the style model)
        found = [g for f in found if (g := transform(ls, analysis, f)) is not None]
    result = present(doc, found, settings, ls.catalogue, baseline, rel,
                     BaselineOptions.of(settings).show == "hint")
    if loaded is not None and loaded.error:
        result.visible.insert(0, baseline_problem(ls.catalogue, loaded.error))
    # focus on new code: only findings on lines changed since a git ref
    result.visible = focus(ls, doc, uri_to_path(doc.uri), settings, result.visible)
    result.visible[:0] = disabled_warnings(ls, analysis, base_uri)
    return result


def disabled_warnings(ls: CodieServer, analysis: DocumentAnalysis, uri: str) -> list[Finding]:
    """CFG010 at the top of the file for each analyzer crash recovery turned off, and a
    window/showMessage the first time."""
    notebook: Any = getattr(analysis, "notebook", None)  # a cell: its notebook's analysis
    owner = notebook.analysis if notebook is not None else analysis
    if not owner.disabled:
        return []
    told = ls.services.get(ToldDisabled)
    out = []
    for name, reason in sorted(owner.disabled.items()):
        message = f"Analyzer `{name}` is disabled for this file: {reason}"
        out.append(make_finding(ls.catalogue, "CFG010", 0, 0, message))
        if (uri, name) not in told:
            told.add((uri, name))
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning, message=f"Codie: {message} ({uri})"))
    return out


def baseline_problem(catalogue: Catalogue, error: str) -> Any:
    return make_finding(catalogue, "CFG011", 0, 0, f"Baseline not used: {error}")


def register(server: CodieServer) -> None:
    """The server asks this module what to show (it never imports it: no cycle)."""
    server.presenter = presentation
