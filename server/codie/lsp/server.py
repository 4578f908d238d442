"""The Codie language server: document lifecycle, analysis scheduling and diagnostics.

Feature modules (lsp/features/*) plug in through the provider lists below, so that one
LSP method (hover, codeAction, codeLens) can be answered by several features.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from codie import __version__
from codie.analyzers import registered
from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.presenting import Presentation
from codie.core.rules import Catalogue, catalogue
from codie.lsp.convert import diagnostic
from codie.lsp.settings import FolderSettings, uri_to_path

log = logging.getLogger(__name__)

FEATURES = (
    "codie.lsp.presenting",  # sets server.presenter (the server never imports it)
    "codie.lsp.features.documents",
    "codie.lsp.features.diagnostics",
    "codie.lsp.features.code_actions",
    "codie.lsp.features.hover",
    "codie.lsp.features.configuration",
    "codie.lsp.features.dependencies",
    "codie.lsp.features.llm_chat",
    "codie.lsp.features.llm_review",
    "codie.lsp.features.style",
    "codie.lsp.features.runtime",
    "codie.lsp.features.insight",
    "codie.lsp.features.workspace_actions",
    "codie.lsp.features.notebooks",
    "codie.lsp.features.workspace_files",
    "codie.lsp.features.workspace_diagnostics",
)

# A provider gets the server, the document and the request params.
HoverProvider = Callable[["CodieServer", Document, types.HoverParams], str | None]
CodeActionProvider = Callable[
    ["CodieServer", Document, types.CodeActionParams], list[types.CodeAction]
]
CodeLensProvider = Callable[["CodieServer", Document], list[types.CodeLens]]
# What the user sees of an analysis (lsp/presenting.presentation, over core's present step).
Presenter = Callable[["CodieServer", DocumentAnalysis], Presentation]
# Rescores a finding before the noise filter (team feedback, model verdict); None hides it.
FindingTransform = Callable[["CodieServer", DocumentAnalysis, Finding], Finding | None]
Listener = Callable[..., None]

STEP_BUDGET = 0.004  # seconds of analysis between yields to the event loop
DEFERRED_DELAY = 0.3  # seconds of quiet after an edit before deferred analyzers run
RECONFIGURE_COALESCE = 0.05  # seconds within which reload requests share one reload
QUIET = 0.5  # seconds without edits or pending analysis before background indexing starts


class CodieProtocol(LanguageServerProtocol):
    """Skips pygls's own text mirror: Codie keeps its own byte mirror (core.Document)."""

    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    lsp_text_document__did_open.method_name = types.TEXT_DOCUMENT_DID_OPEN  # type: ignore[attr-defined]

    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    lsp_text_document__did_change.method_name = types.TEXT_DOCUMENT_DID_CHANGE  # type: ignore[attr-defined]

    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    lsp_text_document__did_close.method_name = types.TEXT_DOCUMENT_DID_CLOSE  # type: ignore[attr-defined]

    # Notebooks too (lsp/features/notebooks.py keeps the cells): pygls's own notebook mirror
    # raises KeyError on a change for a notebook or cell it does not know.
    def lsp_notebook_document__did_open(self, params: types.DidOpenNotebookDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    lsp_notebook_document__did_open.method_name = types.NOTEBOOK_DOCUMENT_DID_OPEN  # type: ignore[attr-defined]

    def lsp_notebook_document__did_change(
        self, params: types.DidChangeNotebookDocumentParams
    ) -> Any:
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    lsp_notebook_document__did_change.method_name = types.NOTEBOOK_DOCUMENT_DID_CHANGE  # type: ignore[attr-defined]

    def lsp_notebook_document__did_close(
        self, params: types.DidCloseNotebookDocumentParams
    ) -> Any:
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    lsp_notebook_document__did_close.method_name = types.NOTEBOOK_DOCUMENT_DID_CLOSE  # type: ignore[attr-defined]


class CodieServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("codie", __version__, protocol_cls=CodieProtocol)
        self.catalogue: Catalogue = catalogue()
        self.analyzers: tuple[Analyzer, ...] = registered()
        self.settings = FolderSettings()
        self.analyses: dict[str, DocumentAnalysis] = {}
        self.services: dict[str, Any] = {}
        self.hover_providers: list[HoverProvider] = []
        self.code_action_providers: list[CodeActionProvider] = []
        self.code_lens_providers: list[CodeLensProvider] = []
        self.finding_transforms: list[FindingTransform] = []
        self.presenter: Presenter | None = None
        # "open" | "change" | "save" | "close" | "settings" -> callbacks
        self.listeners: dict[str, list[Listener]] = defaultdict(list)
        self.pull_diagnostics = False
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._idle: dict[str, asyncio.Event] = {}
        self._published: dict[str, str] = {}
        self._deferred_timers: dict[str, asyncio.TimerHandle] = {}
        self._reconfigure_pending: asyncio.TimerHandle | None = None
        self.last_activity = 0.0  # event-loop time of the last edit or open
        self._deferred_running: set[str] = set()

    # encoding & documents -----------------------------------------------------------------
    @property
    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding)
        except RuntimeError:  # before initialize
            return "utf-16"

    def document(self, uri: str) -> Document | None:
        analysis = self.analyses.get(uri)
        return analysis.doc if analysis else None

    def open_document(self, uri: str, text: str, version: int | None, language: str | None) -> None:
        # untitled buffers have no telling extension: trust the client's languageId for Python
        doc = Document(uri, text, version, "python" if language == "python" else None)
        folder = self.settings.folder_of(uri)
        ctx = Context(doc, self.catalogue, self.settings.for_uri(uri), root=folder,
                      services=self.services)
        self.analyses[uri] = DocumentAnalysis(ctx, self.analyzers, on_error=self._analyzer_failed)
        self.emit("open", doc)
        self.schedule(uri)

    def close_document(self, uri: str) -> None:
        self.analyses.pop(uri, None)
        task = self._tasks.pop(uri, None)
        if task is not None:
            task.cancel()
        timer = self._deferred_timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self._idle.pop(uri, None)
        self._published.pop(uri, None)
        if not self.pull_diagnostics:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        self.emit("close", uri)

    def reconfigure(self) -> None:
        """Settings changed: re-analyse every open document with its folder's settings, soon.

        One change often arrives as several messages (didSave of pyproject.toml and the
        watched-file event for it, a baseline in the same event): they share one reload.
        """
        if self._reconfigure_pending is None:
            self._reconfigure_pending = asyncio.get_event_loop().call_later(
                RECONFIGURE_COALESCE, self._reconfigure_now
            )

    def _reconfigure_now(self) -> None:
        self._reconfigure_pending = None
        self.settings.invalidate()
        for uri, analysis in self.analyses.items():
            analysis.ctx.settings = self.settings.for_uri(uri)
            analysis.invalidate()
            self.schedule(uri)
        self.emit("settings")
        if self.pull_diagnostics:
            self._refresh_pull()

    def emit(self, event: str, *args: Any) -> None:
        for listener in self.listeners[event]:
            try:
                listener(self, *args)
            except Exception:
                log.exception("listener for %s failed", event)

    # analysis scheduling ------------------------------------------------------------------
    def schedule(self, uri: str) -> None:
        """Bring uri's findings up to date soon, in small steps on the event loop."""
        self.last_activity = asyncio.get_event_loop().time()
        self._idle.setdefault(uri, asyncio.Event()).clear()
        task = self._tasks.get(uri)
        if task is None or task.done():
            self._tasks[uri] = asyncio.get_event_loop().create_task(self._analyze(uri))

    async def _analyze(self, uri: str) -> None:
        await asyncio.sleep(0)  # let edits already queued arrive first
        while True:
            analysis = self.analyses.get(uri)
            if analysis is None:
                return
            if analysis.step(STEP_BUDGET):
                break
            await asyncio.sleep(0)
        self.publish(uri)
        self._idle.setdefault(uri, asyncio.Event()).set()
        self._schedule_deferred(uri)

    async def quiet(self) -> None:
        """Return once the editor has been quiet for QUIET seconds: no edit, nothing pending.

        Background indexing (style model, call graph) waits for this, because a thread doing
        pure-Python work holds the GIL and would slow the keystrokes and first diagnostics.
        """
        loop = asyncio.get_event_loop()
        while True:
            wait = self.last_activity + QUIET - loop.time()
            if wait <= 0 and not any(a.pending for a in self.analyses.values()):
                return
            await asyncio.sleep(max(wait, 0.05))

    # deferred analyzers: slow whole-file work, off the event loop, when typing pauses --------
    def _schedule_deferred(self, uri: str) -> None:
        analysis = self.analyses.get(uri)
        if analysis is None or not analysis.deferred_dirty:
            return
        old = self._deferred_timers.pop(uri, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_event_loop()
        self._deferred_timers[uri] = loop.call_later(DEFERRED_DELAY, self._start_deferred, uri)

    def _start_deferred(self, uri: str) -> None:
        self._deferred_timers.pop(uri, None)
        analysis = self.analyses.get(uri)
        if analysis is None or not analysis.deferred_dirty or uri in self._deferred_running:
            return
        snapshot = dataclasses.replace(analysis.ctx, doc=analysis.doc.snapshot())
        self._deferred_running.add(uri)
        future = asyncio.get_event_loop().run_in_executor(self.thread_pool, analysis.run_deferred, snapshot)

        def done(fut: asyncio.Future[list[Finding]]) -> None:
            self._deferred_running.discard(uri)
            if fut.cancelled() or fut.exception() is not None or self.analyses.get(uri) is not analysis:
                return
            if analysis.apply_deferred(snapshot.doc.source, fut.result()):
                self.publish(uri)
                if self.pull_diagnostics:
                    self._refresh_pull()
            else:  # the document changed while they ran: again, once typing pauses
                self._schedule_deferred(uri)

        future.add_done_callback(done)

    async def settled(self, uri: str) -> DocumentAnalysis | None:
        """The analysis of uri once it is current (for pull diagnostics, code actions...)."""
        analysis = self.analyses.get(uri)
        if analysis is not None and analysis.pending:
            self.schedule(uri)
            await self._idle[uri].wait()
        return self.analyses.get(uri)

    def _analyzer_failed(self, analyzer: Analyzer, exc: BaseException) -> None:
        self.emit("analyzer_failed", analyzer, exc)

    # presenting ---------------------------------------------------------------------------
    def visible_findings(self, analysis: DocumentAnalysis) -> list[Finding]:
        """Findings the user should see: selected, confident enough and not suppressed."""
        if self.presenter is None:  # build_server() registers lsp/presenting
            raise RuntimeError("no presenter registered")
        return self.presenter(self, analysis).visible

    def diagnostics_for(self, uri: str) -> list[types.Diagnostic]:
        analysis = self.analyses.get(uri)
        if analysis is None:
            return []
        settings = analysis.ctx.settings
        enc = self.encoding
        return [
            diagnostic(analysis.doc, f, enc,
                       f.severity if f.data.get("baselined") else settings.severity_of(f))
            for f in self.visible_findings(analysis)
        ]

    def publish(self, uri: str) -> None:
        if self.pull_diagnostics:
            return
        analysis = self.analyses.get(uri)
        if analysis is None:
            return
        if analysis.pending:
            # Half-done (after an edit or an invalidate, between two steps): publishing now
            # would show a partial list, e.g. a deferred result landing mid-analysis. The
            # analysis in progress publishes everything once it is done.
            self.schedule(uri)
            return
        diagnostics = self.diagnostics_for(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=analysis.doc.version, diagnostics=diagnostics
            )
        )

    def result_id(self, uri: str) -> str:
        analysis = self.analyses.get(uri)
        if analysis is None:
            return "closed"
        digest = hashlib.blake2b(analysis.doc.source, digest_size=8)
        # what is shown can change without the text changing (a notebook's other cells, a
        # baseline file, the new-code ref): the shown findings are part of the id
        shown = [(f.rule_id, f.start, f.end, f.severity.value, f.message)
                 for f in self.visible_findings(analysis)]
        digest.update(repr(shown).encode())
        return f"{analysis.doc.version}:{digest.hexdigest()}:{id(analysis.ctx.settings)}"

    def _refresh_pull(self) -> None:
        caps = self.client_capabilities.workspace
        if caps and caps.diagnostics and caps.diagnostics.refresh_support:
            self.workspace_diagnostic_refresh(None)

    @property
    def client_capabilities(self) -> types.ClientCapabilities:
        return self.protocol.client_capabilities

    def folder_paths(self) -> list[Path]:
        folders = []
        try:
            for folder in self.workspace.folders.values():
                path = uri_to_path(folder.uri)
                if path is not None:
                    folders.append(path)
            if not folders and self.workspace.root_uri:
                root = uri_to_path(self.workspace.root_uri)
                if root is not None:
                    folders.append(root)
        except RuntimeError:
            pass
        return folders

    def report_server_error(self, error: Exception, source: Any) -> None:
        log.error("server error (%s): %s", getattr(source, "__name__", source), error,
                  exc_info=error)
        super().report_server_error(error, source)


def build_server() -> CodieServer:
    server = CodieServer()
    for name in FEATURES:
        importlib.import_module(name).register(server)
    return server
