"""The Codie language server: open documents, their analyses, and what is shown of them.

Extension points (events, providers) are declared in lsp/hookspecs.py; services are keyed
by type (lsp/services.py); when analysis runs is lsp/scheduling.py; JSON-RPC strictness and
the document handlers that replace pygls's own mirror are lsp/protocol.py. Feature modules
(lsp/features/*) plug in from their `register(server)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import importlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from codie import __version__
from codie.analyzers import registered
from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.files import BINARY, SourceProblem, max_file_bytes, problem_of, too_large
from codie.core.findings import Finding
from codie.core.rules import Catalogue, catalogue
from codie.lsp.compact import compact_generated_methods, drop_generated_sources
from codie.lsp.convert import DiagnosticCache, publish_params, report_id
from codie.lsp.hookspecs import Hooks, Presenter, Publisher
from codie.lsp.protocol import PARSE_ERROR, CodieProtocol, Rejected
from codie.lsp.scheduling import Scheduler
from codie.lsp.services import Services
from codie.lsp.settings import FolderSettings, uri_to_path

if TYPE_CHECKING:  # (lsp/early_open.py runs lsp/presenting, which the server never imports)
    from codie.lsp.early_open import EarlyOpen

log = logging.getLogger(__name__)
# Seconds after the last close before freed memory is handed back to the system (below).
TRIM_DELAY = 1.0
# Background indexing waits for the first diagnostics, or this long after `initialize` when
# the editor opens no document (CodieServer.quiet).
STARTUP_GRACE = 2.0
# While documents are edited, memory is given back once the editor is quiet, at most once per
# this many seconds: the analyses of every keystroke (whole-file passes, the deferred
# analyzers' snapshots in the thread pool) free far more than they keep, and glibc kept
# those pages (the soak benchmark's RSS climbed for minutes with a flat Python heap; one
# malloc_trim at its end gave back 140 MiB).
TRIM_EVERY = 15.0

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
    "codie.lsp.features.taint_sources",
    "codie.lsp.features.server_state",
)

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(cells=[types.NotebookCellLanguage(language="python")], notebook="*")
    ]
)


@dataclass
class Refused:
    """An open document Codie does not analyse (too large, or not text): one diagnostic."""

    uri: str
    version: int | None
    reason: str
    rule_id: str = BINARY  # the headless reader's ids (core/files.py): one rule in every door


class CodieServer(LanguageServer):
    protocol: CodieProtocol

    def __init__(self) -> None:
        super().__init__("codie", __version__, protocol_cls=CodieProtocol, notebook_document_sync=NOTEBOOK_SYNC)
        # The catalogue and the analyzers (importing every analyzer module: a third of the
        # start-up) load on first use, or in a thread once `initialize` is answered
        # (warm_up): the editor's handshake does not wait for them.
        self._catalogue: Catalogue | None = None
        self._analyzers: tuple[Analyzer, ...] | None = None
        self._loading = threading.Lock()
        self._started: asyncio.Event | None = None  # set by the first publish (see quiet)
        self._deferred: set[asyncio.Task[None]] = set()
        self.settings = FolderSettings()
        self.analyses: dict[str, DocumentAnalysis] = {}
        self.refused: dict[str, Refused] = {}
        self.services = Services()
        self.hooks = Hooks()
        self.scheduler = Scheduler(self)
        self.presenter: Presenter | None = None
        self.publisher: Publisher | None = None  # (set with the presenter)
        self.diagnostic_cache = DiagnosticCache()  # what was published, by content and place
        self.pull_diagnostics = False
        # whether more client messages are already waiting (set by `codie serve` for stdio)
        self.input_pending: Callable[[], bool] = lambda: False
        self._trim: asyncio.TimerHandle | None = None
        self._trimmer: asyncio.Task[None] | None = None
        # analyses presented inside presenting_once(): id -> (analysis, visible findings)
        self._shared: dict[int, tuple[DocumentAnalysis, list[Finding]]] | None = None
        # (uri, params) of the publish `codie serve` sent before the server existed
        # (lsp/early_open.py): the server's first publish of uri is compared with it
        self._early_publish: tuple[str, str] | None = None
        # uri -> (resultId, complete) of a pull answered before uri's first complete set:
        # by `codie serve` before the server existed (lsp/early_open.py), or with the
        # per-statement set (pull_report); compared with that complete set when it is ready
        self._answered_first: dict[str, tuple[str, bool]] = {}

    def take_over(self, early: EarlyOpen) -> None:
        """What `codie serve` loaded and published before the server existed (lsp/early_open.py)."""
        with self._loading:
            self._catalogue = self._catalogue or early.catalogue
            self._analyzers = self._analyzers or early.analyzers
        if early.uri is not None and early.result_id is not None:
            self._answered_first[early.uri] = (early.result_id, not early.partial)
            log.info("answered the first pull of %s before the server was built", early.uri)
        elif early.uri is not None:
            self._early_publish = (early.uri, early.params)
            log.info("published the first diagnostics of %s before the server was built", early.uri)
        elif early.why_not:
            log.info("no publish before the server was built: %s", early.why_not)

    # what analyses documents (loaded lazily) -------------------------------------------------
    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._load()
        assert self._catalogue is not None
        return self._catalogue

    @property
    def analyzers(self) -> tuple[Analyzer, ...]:
        if self._analyzers is None:
            self._load()
        assert self._analyzers is not None
        return self._analyzers

    @analyzers.setter
    def analyzers(self, value: tuple[Analyzer, ...]) -> None:
        with self._loading:  # a warm-up thread that loads later sees them set and keeps them
            self._analyzers = value

    def _load(self) -> None:
        with self._loading:  # the warm-up thread and a first didOpen: one load
            if self._catalogue is None:
                self._catalogue = catalogue()
            if self._analyzers is None:
                self._analyzers = registered()

    def warm_up(self) -> None:
        """Load the catalogue and the analyzers in a thread (called once `initialize` is
        answered): the imports overlap the client's `initialized` and first `didOpen`,
        which wait for the lock only if they arrive before the load is done."""
        if self._started is None:
            started = self._started = asyncio.Event()
            asyncio.get_running_loop().call_later(STARTUP_GRACE, started.set)
        if self._analyzers is None:
            threading.Thread(target=self._warm_up, name="codie-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        try:
            self._load()
        except Exception:  # the first document load raises it again, where it is reported
            log.exception("loading the analyzers failed")

    # encoding & documents -----------------------------------------------------------------
    @property
    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding)
        except RuntimeError:  # before initialize
            return "utf-16"

    @property
    def exit_code(self) -> int:
        """What the process exits with: 0 after shutdown and exit, 1 otherwise."""
        code = self.protocol.exit_code
        return code if code is not None else (0 if self.protocol.shutdown_seen else 1)

    def document(self, uri: str) -> Document | None:
        analysis = self.analyses.get(uri)
        return analysis.doc if analysis else None

    def max_size(self, uri: str) -> int:
        """The largest document (bytes) analysed: `[tool.codie.files] max-bytes`, the same
        limit `codie check` applies to files on disk."""
        return max_file_bytes(self.settings.for_uri(uri))

    def refusal(self, uri: str, text: str | None, size: int | None = None) -> SourceProblem | None:
        """Why a document with this text (or this many bytes) is not analysed, or None: the
        check `codie check` applies to files (core/files.py), on the buffer's UTF-8 bytes."""
        limit = self.max_size(uri)
        if text is None:
            return too_large(size, limit) if size is not None else None
        return problem_of(text.encode("utf-8", "surrogatepass"), limit)

    def refuse(self, uri: str, version: int | None, problem: SourceProblem) -> None:
        """Stop analysing uri: drop its analysis and text, show one diagnostic."""
        had_analysis = uri in self.analyses
        self.forget(uri)
        if had_analysis:
            self.hooks.close.emit(self, uri)  # features drop what they cached for it
        self.refused[uri] = Refused(uri, version, problem.message, problem.rule)
        self.publish(uri)

    def open_document(self, uri: str, text: str, version: int | None, language: str | None) -> None:
        reason = self.refusal(uri, text)
        if reason is not None:
            self.refuse(uri, version, reason)
            return
        if uri in self.analyses:  # opened again without a close
            self.hooks.close.emit(self, uri)
        self.forget(uri)
        # untitled buffers have no telling extension: trust the client's languageId for Python
        doc = Document(uri, text, version, "python" if language == "python" else None)
        folder = self.settings.folder_of(uri)
        ctx = Context(doc, self.catalogue, self.settings.for_uri(uri), root=folder, services=self.services.shared)
        self.analyses[uri] = DocumentAnalysis(ctx, self.analyzers, on_error=self.analyzer_failed)
        self.hooks.open.emit(self, doc)
        self.scheduler.opened(uri, len(doc.source))  # a large one: per-statement findings first
        self.schedule(uri)

    def forget(self, uri: str) -> None:
        """Drop everything held for uri (its analysis, its scheduled work)."""
        if self._early_publish is not None and self._early_publish[0] == uri:
            self._early_publish = None
        self._answered_first.pop(uri, None)
        self.analyses.pop(uri, None)
        self.refused.pop(uri, None)
        self.scheduler.forget(uri)
        self.diagnostic_cache.forget(uri)

    def close_document(self, uri: str) -> None:
        self.forget(uri)
        if not self.pull_diagnostics:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.hooks.close.emit(self, uri)
        self._trim_soon()

    def _trim_soon(self) -> None:
        """After closes, give freed memory back to the system (one trim for many closes).

        CPython returns a large document's text and trees to glibc, but glibc keeps the
        freed pages of its heap and arenas mapped: without a trim, RSS stays at its high
        water long after the document is gone. Runs in the thread pool (it walks the heap).
        """
        with contextlib.suppress(RuntimeError):  # no running loop (tests driving in-process)
            loop = asyncio.get_running_loop()
            if self._trim is not None:
                self._trim.cancel()
            self._trim = loop.call_later(TRIM_DELAY, lambda: loop.run_in_executor(self.thread_pool, release_memory))

    async def _trim_when_quiet(self) -> None:
        """Give freed memory back after editing, once the editor is quiet (see TRIM_EVERY)."""
        loop = asyncio.get_running_loop()
        trimmed_at = self.scheduler.last_activity
        while True:
            await asyncio.sleep(TRIM_EVERY)
            if self.scheduler.last_activity == trimmed_at:
                continue  # nothing was edited or opened since the last trim
            await self.quiet()
            trimmed_at = self.scheduler.last_activity
            await loop.run_in_executor(self.thread_pool, release_memory)

    # scheduling (lsp/scheduling.py) -------------------------------------------------------
    def schedule(self, uri: str, *, edit: bool = False) -> None:
        if edit and self._trimmer is None:
            with contextlib.suppress(RuntimeError):  # no running loop (tests driving in-process)
                self._trimmer = asyncio.get_running_loop().create_task(self._trim_when_quiet())
        self.scheduler.schedule(uri, edit=edit)

    async def settled(self, uri: str) -> DocumentAnalysis | None:
        return await self.scheduler.settled(uri)

    async def quiet(self) -> None:
        """Return when background work may start: after the first diagnostics were sent (or
        STARTUP_GRACE after `initialize` without a document), once the editor is quiet."""
        if self._started is not None:
            await self._started.wait()
        await self.scheduler.quiet()

    def after_startup(self, fn: Callable[[], None]) -> None:
        """Call fn once the first diagnostics are out (now, if they are): set-up that the
        first squiggle does not need (a workspace index opening its database) goes after it."""
        started = self._started
        if started is None or started.is_set():
            fn()
            return

        async def later() -> None:
            await started.wait()
            fn()

        task = asyncio.get_running_loop().create_task(later())
        self._deferred.add(task)  # asyncio holds tasks weakly
        task.add_done_callback(self._deferred.discard)

    def _first_publish(self) -> None:
        started = self._started
        if started is not None and not started.is_set():
            # On the next turn of the loop, not now: the requests waiting for this analysis
            # (a pull's answer, woken when the scheduler marks it settled, just after this
            # call) are queued first, so they are answered before the start-up work waiting
            # here runs (a workspace index opening its database, a folder scan: 0.3-0.5 s).
            try:
                asyncio.get_running_loop().call_soon(started.set)
            except RuntimeError:  # (no running loop: tests driving the server in-process)
                started.set()

    def reconfigure(self) -> None:
        self.scheduler.reconfigure()

    def analyzer_failed(self, analyzer: Analyzer, exc: BaseException) -> None:
        self.hooks.analyzer_failed.emit(self, analyzer, exc)

    # presenting ---------------------------------------------------------------------------
    def visible_findings(self, analysis: DocumentAnalysis) -> list[Finding]:
        """Findings the user should see: selected, confident enough and not suppressed."""
        shared = self._shared
        if shared is not None and (known := shared.get(id(analysis))) is not None and known[0] is analysis:
            return list(known[1])
        shown = self._presenter()(self, analysis)
        if shown is None:
            raise RuntimeError("the presenter gave no complete presentation")
        if shared is not None:
            shared[id(analysis)] = (analysis, shown.visible)
            return list(shown.visible)  # (each caller gets a list of its own)
        return shown.visible

    @contextlib.contextmanager
    def presenting_once(self) -> Iterator[None]:
        """Within this block, each analysis is presented once and its visible findings are
        shared: for a request whose providers each ask (a code action's, a hover's). The
        block must not await: nothing else may change an analysis, the settings or the
        model's verdicts while it runs."""
        if self._shared is not None:  # (nested: the outer block shares)
            yield
            return
        self._shared = {}
        try:
            yield
        finally:
            self._shared = None

    def _presenter(self) -> Presenter:
        if self.presenter is None:  # build_server() registers lsp/presenting
            raise RuntimeError("no presenter registered")
        return self.presenter

    def _diagnostics(self, uri: str) -> list[tuple[dict[str, Any], str]]:
        """Each diagnostic of uri in JSON form and as JSON text."""
        refused = self.refused.get(uri)
        if refused is not None:
            point = {"line": 0, "character": 0}
            d = {
                "range": {"start": point, "end": dict(point)},
                "message": refused.reason,
                "severity": types.DiagnosticSeverity.Information.value,
                "code": refused.rule_id,
                "source": "codie",
            }
            return [(d, json.dumps(d))]
        analysis = self.analyses.get(uri)
        if analysis is None:
            return []
        return self._encoded(analysis, self.visible_findings(analysis))

    def _texts(self, uri: str) -> list[str]:
        """Each diagnostic of uri as JSON text (what publishes and pulls send): the same as
        _diagnostics', made from the last publish's where it can be (lsp/presenting.published)."""
        analysis = self.analyses.get(uri)
        if analysis is not None and uri not in self.refused and self.publisher is not None:
            texts = self.publisher(self, analysis)
            if texts is not None:
                return texts
        return [text for _, text in self._diagnostics(uri)]

    def _encoded(self, analysis: DocumentAnalysis, shown: list[Finding]) -> list[tuple[dict[str, Any], str]]:
        return self.diagnostic_cache.encode(analysis.doc, shown, self.encoding, analysis.ctx.settings.severity_of)

    def publish(self, uri: str) -> None:
        """Send what the user sees of uri, once its analysis is complete (push clients)."""
        if self.pull_diagnostics:  # the client pulls: what it gets is ready now
            if (analysis := self.analyses.get(uri)) is not None and not analysis.pending:
                self._check_first_pull(uri)
                self._first_publish()
            return
        if (refused := self.refused.get(uri)) is not None:
            version = refused.version
        elif (analysis := self.analyses.get(uri)) is not None:
            if analysis.pending:
                # Half-done (after an edit or an invalidate, between two steps): publishing
                # now would show a partial list, e.g. a deferred result landing mid-analysis.
                # The analysis in progress publishes everything once it is done.
                self.schedule(uri)
                return
            version = analysis.doc.version
        else:
            return
        self._send_publish(uri, self.publish_params(uri, version))
        self._first_publish()

    def _check_first_pull(self, uri: str) -> None:
        """uri's first complete set against a pull answered before it (_answered_first):
        the same, the client's next pull gets "unchanged"; different, the client is asked
        to pull again (expected after a per-statement set; after an answer that claimed to
        be complete, which lsp/early_open.py should not allow, a warning is logged too)."""
        answered = self._answered_first.pop(uri, None)
        if answered is None or self.result_id(uri) == answered[0]:
            return
        if answered[1]:
            log.warning("the first pull of %s, answered before the server existed, differed from the server's", uri)
        self.refresh_pull()

    def refreshes(self) -> bool:
        """The client pulls again when asked to (workspace/diagnostic/refresh)."""
        caps = self.client_capabilities.workspace
        return bool(caps and caps.diagnostics and caps.diagnostics.refresh_support)

    async def pull_report(self, uri: str) -> tuple[str, list[str]]:
        """What a pull of uri answers (diagnostic_report), once known: the complete set;
        for a document opened progressively (lsp/scheduling.py) whose complete set is not
        ready, its per-statement set as soon as it is, when the client pulls again on
        refresh (asked once the complete set is ready and different: _check_first_pull).
        A client without refresh would keep a partial set: it waits for the complete one."""
        analysis = await self.scheduler.settled(uri, statements=self.refreshes())
        if analysis is not None and analysis.pending:  # only its per-statement set is ready
            shown = self._presenter()(self, analysis, partial=True)
            if shown is not None:  # (None: not honest yet, lsp/presenting.py)
                texts = [text for _, text in self._encoded(analysis, shown.visible)]
                result_id = report_id(texts)
                self._answered_first[uri] = (result_id, False)
                return result_id, texts
            await self.settled(uri)
        return self.diagnostic_report(uri)

    def publish_partial(self, uri: str) -> bool:
        """Send the part of a just-opened document's findings that is final already: its
        per-statement analyzers are done, its whole-file passes are not (the scheduler
        calls this once per version). Push clients only: a pull answers complete sets.
        The complete publish follows and replaces it. False when nothing was sent."""
        analysis = self.analyses.get(uri)
        if self.pull_diagnostics or analysis is None or not analysis.statements_current:
            return False
        shown = self._presenter()(self, analysis, partial=True)
        if shown is None:  # not honest yet (lsp/presenting.py)
            return False
        version = analysis.doc.version
        texts = (text for _, text in self._encoded(analysis, shown.visible))
        self._send_publish(uri, publish_params(uri, version, texts))
        return True

    def _send_publish(self, uri: str, params: str) -> None:
        early = self._early_publish
        if early is not None and early[0] == uri:
            self._early_publish = None
            if params == early[1]:
                return  # the client has it: `codie serve` sent it before the server existed
            log.warning(
                "the first publish of %s, sent before the server existed, differed from the server's: sent again",
                uri,
            )
        # plain JSON text (convert.DiagnosticCache): no lsprotocol objects on the keystroke
        # path, and a diagnostic published before is not encoded again
        self.protocol.notify_params_text(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

    def publish_params(self, uri: str, version: int | None) -> str:
        """The params of publishDiagnostics for uri, as JSON text."""
        return publish_params(uri, version, self._texts(uri))

    def result_id(self, uri: str) -> str:
        """The id of uri's diagnostics report (convert.report_id)."""
        return self.diagnostic_report(uri)[0]

    def diagnostic_report(self, uri: str) -> tuple[str, list[str]]:
        """A pull answer for uri's complete set: its resultId (convert.report_id) and its
        diagnostics as JSON texts (as the publishes encode them), from one presentation."""
        texts = self._texts(uri)
        return report_id(texts), texts

    def refresh_pull(self) -> None:
        """Ask a pull-diagnostics client to pull again (when it supports refresh)."""
        if self.refreshes():
            self.workspace_diagnostic_refresh(None)

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
        if source is JsonRpcException:  # reading or decoding a message failed
            if isinstance(error, Rejected):  # a malformed request gets its error response
                self.protocol.reject(error.msg_id, error.code, error.message)
            elif isinstance(error, (json.JSONDecodeError, UnicodeDecodeError, RecursionError)):
                self.protocol.reject(None, PARSE_ERROR, f"parse error: {error}")
            else:  # e.g. a notification with malformed params: nobody to answer
                log.warning("dropped a malformed message: %s", error)
            return
        log.error("server error (%s): %s", getattr(source, "__name__", source), error, exc_info=error)
        super().report_server_error(error, source)

    def _start_io_async(self, stdin: Any = None, stdout: Any = None) -> None:
        """stdio with lsp/reading.MessageReader: one thread hop per client message (pygls's
        reader makes three, in the thread pool the analyses use), when this pygls's own
        method is the one serve_io copies; otherwise pygls's reader."""
        from codie.lsp.reading import serve_io, serves_pygls

        if serves_pygls(LanguageServer._start_io_async):
            serve_io(self, stdin, stdout)
        else:
            log.info("pygls's stdio loop is not the one Codie's reader was checked against: using pygls's reader")
            super()._start_io_async(stdin, stdout)


def release_memory() -> None:
    """malloc_trim(0): glibc only (elsewhere, or on musl, nothing to do)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# glibc gives each thread that allocates its own malloc arena (up to 8 per core), and
# memory freed in one is never reused by another: the deferred analyzers and indexing in
# the thread pool grew the server by ~10 MiB of idle arenas while typing (lspbench, the
# 6,862-line file: VmHWM 154 -> 143 MiB with 2), and the style model's training in a pool
# thread peaked 5.5 MiB higher with 2 arenas than with 1 (its trees and tables could not
# reuse what the main arena had free: 91.8 vs 86.3 MiB in-process, the 6,862-line file).
# Threads only allocate while holding the GIL, so one arena costs no contention worth
# measuring.
MALLOC_ARENAS = 1
M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """mallopt(M_ARENA_MAX): glibc only (elsewhere, or on musl, nothing to do). Call
    before the server starts threads: arenas already made stay."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)


def build_server() -> CodieServer:
    server = CodieServer()
    for name in FEATURES:
        importlib.import_module(name).register(server)
    # ~4 MiB of attrs' copies of lsprotocol's namespace, and its generated sources, which
    # live as long as the process (lsp/compact.py); now, before any other thread runs
    compact_generated_methods(types)
    drop_generated_sources()
    # What exists now (modules, classes, the rule catalogue, the analyzers) lives as long as
    # the process: take it out of the cyclic GC's sight, once. Otherwise every full
    # collection walks it again, and one landing on a keystroke costs it tens of ms. (Only
    # here: freezing later would also keep documents' garbage alive for good.)
    gc.freeze()  # no collect first: it would cost start-up time for little import garbage
    return server
