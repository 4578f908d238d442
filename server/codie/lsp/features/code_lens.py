"""textDocument/codeLens: fans out to server.hooks.code_lens; Codie's own provider puts
each function's metrics (cyclomatic, cognitive, maintainability, lines) above it.

Metrics of a big file take ~200 ms of CPU, so they are computed off the event loop, in the
server's thread pool, one document at a time, on a snapshot (its bytes and a copy of the
editor's tree), and cached per document version; after an edit or an open they are
recomputed once the editor is quiet. They used to be computed in a child process: a bare
interpreter and the metrics' imports (14 MiB) before any work, 28 MiB while it measured the
6,862-line file, 19 MiB idle for 5 s after, beside the server in the editor's process tree
(and, while it started under load, the kernel counted the server's pages for it a second
time); in the server the same figures cost ~7 MiB at their peak.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict

from lsprotocol import types
from tree_sitter import Tree

from codie.analyzers.metrics import Metrics, flatten, module_metrics
from codie.core.document import Document
from codie.lsp.convert import lsp_range
from codie.lsp.scheduling import wait_until
from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
METRICS_COMMAND = "codie.functionMetrics"
SERVICE = "metrics"  # the name analyzers read it by (ctx.services)
REFRESH_DELAY = 0.3  # seconds of quiet after an edit before metrics are recomputed


def describe(m: Metrics) -> str:
    return f"CC {m.cyclomatic} ({m.rank}) · cognitive {m.cognitive} · MI {m.maintainability:.0f} · {m.lines.sloc} SLOC"


def figures(m: Metrics) -> dict[str, object]:
    h = m.halstead
    return {
        "qualname": m.qualname,
        "kind": m.kind,
        "cyclomatic": m.cyclomatic,
        "rank": m.rank,
        "cognitive": m.cognitive,
        "maintainability": round(m.maintainability, 2),
        "lines": asdict(m.lines),
        "halstead": {
            "h1": h.h1,
            "h2": h.h2,
            "N1": h.n1,
            "N2": h.n2,
            "volume": round(h.volume, 2),
            "difficulty": round(h.difficulty, 2),
            "effort": round(h.effort, 2),
            "bugs": round(h.bugs, 4),
        },
    }


class MetricsService:
    """The latest module metrics of each open document, computed off the event loop.

    Shared with analyzers as ctx.services["metrics"]: CPX004 reads `latest`, and must not
    compute metrics on the event loop.
    """

    def __init__(self) -> None:
        self.cache: dict[str, tuple[int | None, bytes, Metrics]] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.due: dict[str, float] = {}  # uri -> when its refresh may run (loop time)
        self.tasks: set[asyncio.Task[None]] = set()  # asyncio holds tasks weakly
        self.computed = 0  # how many times metrics were computed (for diagnostics and tests)
        self._one: asyncio.Lock | None = None  # one computation at a time (made on the loop)
        self._running = 0

    def latest(self, uri: str) -> Metrics | None:
        cached = self.cache.get(uri)
        return cached[2] if cached is not None else None

    def current(self, doc: Document) -> Metrics | None:
        """The cached metrics when they are those of the document's current text."""
        cached = self.cache.get(doc.uri)
        return cached[2] if cached is not None and cached[1] == doc.source else None

    def forget(self, uri: str) -> None:
        self.cache.pop(uri, None)
        self.due.pop(uri, None)
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    @property
    def running(self) -> bool:
        """A computation is waiting for its turn or running."""
        return self._running > 0

    async def compute(self, ls: CodieServer, doc: Document, tree: Tree) -> Metrics:
        """doc's metrics for its text now, measured on `tree` (its parse), in the thread
        pool; one computation at a time (two at once would only hold two files' transient
        memory together), and a text measured while this one waited for its turn is not
        measured again."""
        source = doc.source
        # the editor's tree, copied here on the event loop (an edit changes the document's
        # tree in place): a fresh parse held 4.5 MiB more at the peak for the same figures
        tree = tree.copy()
        if self._one is None:
            self._one = asyncio.Lock()
        self._running += 1
        try:
            async with self._one:
                cached = self.cache.get(doc.uri)
                if cached is not None and cached[1] == source:
                    return cached[2]
                loop = asyncio.get_running_loop()
                # (pausing at the editor's gate: ~170 ms of pure Python on the 6,862-line
                # file, which a keystroke during it would otherwise share the GIL with)
                metrics = await loop.run_in_executor(
                    ls.thread_pool, module_metrics, tree, source, "", ls.scheduler.yield_to_editor
                )
                self.computed += 1
                return metrics
        finally:
            self._running -= 1

    async def refresh(self, ls: CodieServer, uri: str) -> None:
        """Recompute uri's metrics once the editor is quiet (Scheduler.quiet: the first
        diagnostics and the keystrokes first, as for every background job; the ~200 ms of
        pure-Python CPU share the GIL with whatever runs then). Counted as running while it
        waits: a training that becomes due at the same moment starts after it."""
        self._running += 1
        try:
            await ls.quiet()
            current = ls.document(uri)
            if current is not None:
                await current_metrics(ls, current)
        finally:
            self._running -= 1

    async def idle(self, wait: float) -> None:
        """Return once no computation waits or runs, or after `wait` seconds: the server's
        memory peak (a style training) starts after a measurement's, not beside it."""
        await wait_until(lambda: not self.running, wait)


def metrics_service(ls: CodieServer) -> MetricsService:
    return ls.services.get(MetricsService, name=SERVICE)


async def current_metrics(ls: CodieServer, doc: Document) -> Metrics | None:
    """The document's metrics for its current text, computed off the event loop."""
    tree = doc.tree
    if tree is None:
        return None
    service = metrics_service(ls)
    if (cached := service.current(doc)) is not None:
        return cached
    version, source = doc.version, doc.source
    m = await service.compute(ls, doc, tree)
    if ls.document(doc.uri) is None:
        return m  # closed meanwhile: keep nothing for it
    service.cache[doc.uri] = (version, source, m)
    analysis = ls.analyses.get(doc.uri)
    if analysis is not None:  # CPX004 reads these figures: let it see the new ones
        analysis.whole_dirty = True
        ls.schedule(doc.uri)
    return m


def metrics_lenses(ls: CodieServer, doc: Document) -> list[types.CodeLens]:
    """Lenses from the cached metrics, when they are those of the current text."""
    metrics = metrics_service(ls).current(doc)
    if metrics is None:
        return []
    if not ls.settings.for_uri(doc.uri).section("complexity").get("codeLens", True):
        return []
    lenses = []
    enc = ls.encoding
    for m in flatten(metrics):
        if m.kind not in ("function", "method"):
            continue
        lenses.append(
            types.CodeLens(
                range=lsp_range(doc, m.name_start, m.name_end, enc),
                command=types.Command(title=describe(m), command=METRICS_COMMAND, arguments=[doc.uri, m.qualname]),
                data={"source": "metrics", "qualname": m.qualname},
            )
        )
    return lenses


def metrics_hover(ls: CodieServer, doc: Document, params: types.HoverParams) -> str | None:
    """On a function's name: its figures (from the cache kept current after edits)."""
    metrics = metrics_service(ls).current(doc)
    if metrics is None:
        return None
    offset = doc.offset_at(params.position.line, params.position.character, ls.encoding)
    for m in flatten(metrics):
        if m.kind in ("function", "method") and m.name_start <= offset <= m.name_end:
            h = m.halstead
            return (
                f"**`{m.qualname}`**: cyclomatic {m.cyclomatic} (rank {m.rank}), cognitive "
                f"{m.cognitive}, maintainability {m.maintainability:.0f}, "
                f"{m.lines.sloc} SLOC / {m.lines.lloc} LLOC; Halstead volume "
                f"{h.volume:.0f}, difficulty {h.difficulty:.1f}"
            )
    return None


def _refresh_soon(ls: CodieServer, doc: Document) -> None:
    """After an edit, recompute the metrics once typing pauses (for hover and lenses).

    A keystroke only moves the refresh's due time: the armed timer, when it fires early,
    waits again for the rest (cancelling and arming a timer on every keystroke cost more)."""
    if not doc.is_python:
        return
    service = metrics_service(ls)
    timers, pending, due = service.timers, service.tasks, service.due
    loop = asyncio.get_running_loop()
    uri = doc.uri
    due[uri] = loop.time() + REFRESH_DELAY
    if uri in timers:
        return

    def run() -> None:
        wait = due.get(uri, 0.0) - loop.time()
        if wait > 0:  # typed since the timer was armed
            timers[uri] = loop.call_later(wait, run)
            return
        timers.pop(uri, None)
        due.pop(uri, None)
        if ls.document(uri) is not None:
            task = loop.create_task(service.refresh(ls, uri))
            pending.add(task)
            task.add_done_callback(pending.discard)

    timers[uri] = loop.call_later(REFRESH_DELAY, run)


def register(server: CodieServer) -> None:
    server.hooks.code_lens.append(metrics_lenses)
    server.hooks.hover.append(metrics_hover)
    server.hooks.open.connect(_refresh_soon)
    server.hooks.change.connect(_refresh_soon)

    server.hooks.close.connect(lambda ls, uri: metrics_service(ls).forget(uri))

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: CodieServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return []
        await current_metrics(ls, doc)
        doc = ls.document(params.text_document.uri)  # it may have changed meanwhile
        if doc is None:
            return []
        lenses: list[types.CodeLens] = []
        for provider in ls.hooks.code_lens:
            try:
                lenses.extend(provider(ls, doc))
            except Exception:  # one broken provider must not hide the others
                log.exception("code lens provider failed")
        return lenses

    @server.command(METRICS_COMMAND)
    async def function_metrics(ls: CodieServer, uri: str, qualname: str) -> dict[str, object] | None:
        doc = ls.document(uri)
        if doc is None:
            return None
        m = await current_metrics(ls, doc)
        found = [f for f in flatten(m) if f.qualname == qualname] if m else []
        return figures(found[0]) if found else None
