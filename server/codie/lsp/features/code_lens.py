"""textDocument/codeLens: fans out to server.code_lens_providers; Codie's own provider puts
each function's metrics (cyclomatic, cognitive, maintainability, lines) above it.

Metrics of a big file take ~100 ms, so they are computed on a snapshot (bytes + tree copy)
in the thread pool and cached per document version; the event loop only awaits them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict

from lsprotocol import types

from codie.analyzers.metrics import Metrics, flatten, metrics_of_source
from codie.core.document import Document
from codie.lsp.children import detach_from_server
from codie.lsp.convert import lsp_range
from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
METRICS_COMMAND = "codie.functionMetrics"
_CACHE_KEY = "code_lens.metrics"
REFRESH_DELAY = 0.3  # seconds of quiet after an edit before metrics are recomputed


def describe(m: Metrics) -> str:
    return (f"CC {m.cyclomatic} ({m.rank}) · cognitive {m.cognitive} · "
            f"MI {m.maintainability:.0f} · {m.lines.sloc} SLOC")


def figures(m: Metrics) -> dict[str, object]:
    h = m.halstead
    return {
        "qualname": m.qualname, "kind": m.kind, "cyclomatic": m.cyclomatic, "rank": m.rank,
        "cognitive": m.cognitive, "maintainability": round(m.maintainability, 2),
        "lines": asdict(m.lines),
        "halstead": {"h1": h.h1, "h2": h.h2, "N1": h.n1, "N2": h.n2,
                     "volume": round(h.volume, 2), "difficulty": round(h.difficulty, 2),
                     "effort": round(h.effort, 2), "bugs": round(h.bugs, 4)},
    }


def _cache(ls: CodieServer) -> dict[str, tuple[int | None, bytes, Metrics]]:
    cache: dict[str, tuple[int | None, bytes, Metrics]] = ls.services.setdefault(_CACHE_KEY, {})
    return cache


async def current_metrics(ls: CodieServer, doc: Document) -> Metrics | None:
    """The document's metrics for its current text, computed off the event loop."""
    if doc.tree is None:
        return None
    cached = _cache(ls).get(doc.uri)
    if cached is not None and cached[1] == doc.source:
        return cached[2]
    version, source = doc.version, doc.source
    loop = asyncio.get_running_loop()
    # ~100s of ms of pure-Python CPU for a big module: in a thread it would hold the GIL
    # while the user types, so it runs in a process of its own
    m = await loop.run_in_executor(_process_pool(ls), metrics_of_source, source)
    _cache(ls)[doc.uri] = (version, source, m)
    analysis = ls.analyses.get(doc.uri)
    if analysis is not None:  # CPX004 reads these figures: let it see the new ones
        analysis.whole_dirty = True
        ls.schedule(doc.uri)
    return m


def _process_pool(ls: CodieServer) -> ProcessPoolExecutor:
    pool: ProcessPoolExecutor | None = ls.services.get(_CACHE_KEY + ".pool")
    if pool is None:
        # spawn, not fork: the server has threads, and a forked copy of their locks can hang
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=detach_from_server)
        ls.services[_CACHE_KEY + ".pool"] = pool
        ls.listeners["shutdown"].append(lambda _ls: pool.shutdown(wait=False, cancel_futures=True))
    return pool


class MetricsCache:
    """The service "metrics": the latest module metrics of an open document, for analyzers
    that must not compute them on the event loop (CPX004)."""

    def __init__(self, server: CodieServer) -> None:
        self.server = server

    def latest(self, uri: str) -> Metrics | None:
        cached = _cache(self.server).get(uri)
        return cached[2] if cached is not None else None


def metrics_lenses(ls: CodieServer, doc: Document) -> list[types.CodeLens]:
    """Lenses from the cached metrics, when they are those of the current text."""
    cached = _cache(ls).get(doc.uri)
    if cached is None or cached[1] != doc.source:
        return []
    if not ls.settings.for_uri(doc.uri).section("complexity").get("codeLens", True):
        return []
    lenses = []
    enc = ls.encoding
    for m in flatten(cached[2]):
        if m.kind not in ("function", "method"):
            continue
        lenses.append(types.CodeLens(
            range=lsp_range(doc, m.name_start, m.name_end, enc),
            command=types.Command(title=describe(m), command=METRICS_COMMAND,
                                  arguments=[doc.uri, m.qualname]),
            data={"source": "metrics", "qualname": m.qualname},
        ))
    return lenses


def metrics_hover(ls: CodieServer, doc: Document, params: types.HoverParams) -> str | None:
    """On a function's name: its figures (from the cache kept current after edits)."""
    cached = _cache(ls).get(doc.uri)
    if cached is None or cached[1] != doc.source:
        return None
    offset = doc.offset_at(params.position.line, params.position.character, ls.encoding)
    for m in flatten(cached[2]):
        if m.kind in ("function", "method") and m.name_start <= offset <= m.name_end:
            h = m.halstead
            return (f"**`{m.qualname}`**: cyclomatic {m.cyclomatic} (rank {m.rank}), cognitive "
                    f"{m.cognitive}, maintainability {m.maintainability:.0f}, "
                    f"{m.lines.sloc} SLOC / {m.lines.lloc} LLOC; Halstead volume "
                    f"{h.volume:.0f}, difficulty {h.difficulty:.1f}")
    return None


def _refresh_soon(ls: CodieServer, doc: Document) -> None:
    """After an edit, recompute the metrics once typing pauses (for hover and lenses)."""
    if not doc.is_python:
        return
    timers: dict[str, asyncio.TimerHandle] = ls.services.setdefault(_CACHE_KEY + ".timers", {})
    pending: set[asyncio.Task[Metrics | None]] = ls.services.setdefault(_CACHE_KEY + ".tasks",
                                                                         set())
    old = timers.pop(doc.uri, None)
    if old is not None:
        old.cancel()
    loop = asyncio.get_running_loop()

    def run() -> None:
        timers.pop(doc.uri, None)
        current = ls.document(doc.uri)
        if current is not None:
            task = loop.create_task(current_metrics(ls, current))
            pending.add(task)  # asyncio holds tasks weakly
            task.add_done_callback(pending.discard)

    timers[doc.uri] = loop.call_later(REFRESH_DELAY, run)


def register(server: CodieServer) -> None:
    server.services["metrics"] = MetricsCache(server)
    server.code_lens_providers.append(metrics_lenses)
    server.hover_providers.append(metrics_hover)
    server.listeners["open"].append(_refresh_soon)
    server.listeners["change"].append(_refresh_soon)

    def forget(ls: CodieServer, uri: str) -> None:
        _cache(ls).pop(uri, None)

    server.listeners["close"].append(forget)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS,
                    types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: CodieServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return []
        await current_metrics(ls, doc)
        doc = ls.document(params.text_document.uri)  # it may have changed meanwhile
        if doc is None:
            return []
        lenses: list[types.CodeLens] = []
        for provider in ls.code_lens_providers:
            try:
                lenses.extend(provider(ls, doc))
            except Exception:  # one broken provider must not hide the others
                log.exception("code lens provider failed")
        return lenses

    @server.command(METRICS_COMMAND)
    async def function_metrics(
        ls: CodieServer, uri: str, qualname: str
    ) -> dict[str, object] | None:
        doc = ls.document(uri)
        if doc is None:
            return None
        m = await current_metrics(ls, doc)
        found = [f for f in flatten(m) if f.qualname == qualname] if m else []
        return figures(found[0]) if found else None
