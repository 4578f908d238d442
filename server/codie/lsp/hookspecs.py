"""Every extension point of the language server, declared once (like pylsp's hookspecs.py).

A feature module (lsp/features/*) plugs in from its `register(server)` by connecting to an
event (`server.hooks.change.connect(fn)`) or adding a provider (`server.hooks.hover.append(fn)`).
Each hook below says when it fires and what it gets; mypy checks every callback's signature.
One failing callback is logged and never stops the others, nor the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Concatenate, Generic, ParamSpec, Protocol

from lsprotocol import types

from codie.core.analyzer import Analyzer
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.presenting import Presentation

if TYPE_CHECKING:
    from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
P = ParamSpec("P")


class Event(Generic[P]):
    """Something that happened in the server; listeners get the server first, then P."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.listeners: list[Callable[Concatenate[CodieServer, P], None]] = []

    def connect(
        self, listener: Callable[Concatenate[CodieServer, P], None]
    ) -> Callable[Concatenate[CodieServer, P], None]:
        """Call listener on every emit (usable as a decorator)."""
        self.listeners.append(listener)
        return listener

    def emit(self, server: CodieServer, *args: P.args, **kwargs: P.kwargs) -> None:
        for listener in tuple(self.listeners):
            try:
                listener(server, *args, **kwargs)
            except Exception:  # one broken feature must not stop the others
                log.exception("listener for %r failed", self.name)


# Providers: several features may answer one LSP request; the handler concatenates.
HoverProvider = Callable[["CodieServer", Document, types.HoverParams], str | None]
"""Markdown for the hover at params.position, or None (sections are joined by rules)."""

CodeActionProvider = Callable[["CodieServer", Document, types.CodeActionParams], Sequence[types.CodeAction]]
"""Code actions for params.range (quick fixes, source actions)."""

CodeLensProvider = Callable[["CodieServer", Document], Sequence[types.CodeLens]]
"""Code lenses for the whole document, computed from what is cached (never slow work)."""

TeamRecord = Callable[["CodieServer", Document, Finding], str | None]
"""The team's record of the finding's rule in words ("3 accepted, 1 dismissed; precision now
75%"), for its confidence explanation on hover; None when the team has not judged the rule."""

FindingTransform = Callable[["CodieServer", DocumentAnalysis, list[Finding]], list[Finding]]
"""Rescore a document's findings before the noise filter (team feedback, a model's verdict);
a finding left out is hidden. All of them at once, so that a transform can reuse what it
answered for the same findings at the last publish (most of them, after a keystroke)."""


TransformStamp = Callable[["CodieServer", DocumentAnalysis], object]
"""What a finding transform's answer for a finding depends on besides the finding and the
text of its line and span (e.g. Rescorer.stamp). While every transform's stamp is equal (==)
to what it was, the editor's publish reuses the presented diagnostic of a finding that did
not change, or only moved with its line (lsp/presenting.py); a transform without a stamp
turns that reuse off."""


class Presenter(Protocol):
    """What the user sees of an analysis (lsp/presenting.presentation sets server.presenter:
    the server never imports it, so there is no import cycle). `partial`: of a document
    still being analysed for the first time; None when that cannot be shown honestly."""

    def __call__(
        self, ls: CodieServer, analysis: DocumentAnalysis, *, partial: bool = False
    ) -> Presentation | None: ...


class Publisher(Protocol):
    """A complete analysis's diagnostics as published (JSON texts, as convert.DiagnosticCache
    encodes them), made from what the document's last publishes made (lsp/presenting.py
    sets server.publisher); None when that does not apply: the server presents in full."""

    def __call__(self, ls: CodieServer, analysis: DocumentAnalysis) -> list[str] | None: ...


class Hooks:
    """The server's events and provider lists (one instance per server)."""

    def __init__(self) -> None:
        self.initialized: Event[[]] = Event("initialized")
        """The client said `initialized` and the workspace configuration was pulled."""
        self.open: Event[[Document]] = Event("open")
        """A document was opened; its analysis exists and is scheduled."""
        self.change: Event[[Document]] = Event("change")
        """didChange was applied to the document (the newest version; analysis follows)."""
        self.save: Event[[str]] = Event("save")
        """The document with this uri was saved."""
        self.close: Event[[str]] = Event("close")
        """The document with this uri was closed; its analysis is gone."""
        self.settings: Event[[]] = Event("settings")
        """Settings changed (client settings, a pyproject.toml, folders); documents re-run."""
        self.watched: Event[[Sequence[types.FileEvent]]] = Event("watched")
        """Files changed on disk (workspace/didChangeWatchedFiles)."""
        self.shutdown: Event[[]] = Event("shutdown")
        """The client asked to shut down: stop pools, processes and timers."""
        self.analyzer_failed: Event[[Analyzer, BaseException]] = Event("analyzer_failed")
        """An analyzer raised or ran too long and was disabled for one document."""

        self.hover: list[HoverProvider] = []
        """textDocument/hover sections."""
        self.code_action: list[CodeActionProvider] = []
        """textDocument/codeAction entries."""
        self.code_lens: list[CodeLensProvider] = []
        """textDocument/codeLens entries."""
        self.team_record: list[TeamRecord] = []
        """The first record given is shown in a finding's confidence explanation on hover."""
        self.finding_transforms: list[FindingTransform] = []
        """Applied in order to the findings before they are presented."""
        self.transform_stamps: list[TransformStamp] = []
        """One per finding transform, in the same order (see TransformStamp)."""
