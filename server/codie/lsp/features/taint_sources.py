"""Cross-module taint in the editor: the texts of the workspace's other modules, from memory.

The taint analyzer follows a call into another module of the workspace by that module's
function summaries (analyzers/security/crossmodule.py). On the keystroke path it must not
read files, so it reads `WorkspaceSources`: open buffers as they are, and files this feature
read in the thread pool. A module not read yet is asked for (`on_miss`); once its text is in,
every document that asked is analysed again. Saved, closed or changed-on-disk files are
forgotten and read afresh when next needed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types

from codie.lsp.server import CodieServer
from codie.lsp.settings import uri_to_path

log = logging.getLogger(__name__)


class TaintSources:
    def __init__(self, server: CodieServer) -> None:
        # imported here: the security analyzers load after `initialize` is answered
        from codie.analyzers.security.crossmodule import WorkspaceSources

        self.server = server
        self.sources = WorkspaceSources()
        self.sources.documents = self._document
        self.sources.on_miss = self._miss
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: dict[Path, set[str]] = {}  # file being read -> documents to analyse again

    def _document(self, path: Path) -> bytes | None:
        doc = self.server.document(path.as_uri())
        return doc.source if doc is not None else None

    def _miss(self, path: Path, uri: str) -> None:
        loop = self.loop
        if loop is None:
            try:
                loop = self.loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # not in the server's loop (a test driving analyzers directly)
        loop.call_soon_threadsafe(self._request, path, uri)

    def _request(self, path: Path, uri: str) -> None:
        if self.sources.known(path):
            return  # read meanwhile (its documents were analysed again then)
        waiting = self.waiting.get(path)
        if waiting is not None:
            waiting.add(uri)
            return
        self.waiting[path] = {uri}
        assert self.loop is not None
        future = self.loop.run_in_executor(self.server.thread_pool, _read, path)
        future.add_done_callback(lambda fut: self._finished(path, fut))

    def _finished(self, path: Path, fut: asyncio.Future[bytes | None]) -> None:
        data = None if fut.cancelled() or fut.exception() is not None else fut.result()
        self.sources.put(path, data)
        uris = self.waiting.pop(path, set())
        if data is not None:  # a module that does not exist changes nothing
            self._done(path, uris)

    def _done(self, path: Path, uris: set[str]) -> None:
        for uri in uris:
            analysis = self.server.analyses.get(uri)
            if analysis is not None:
                analysis.whole_dirty = True  # whole-document analyzers (taint) run again
                self.server.schedule(uri)

    def forget(self, uri: str) -> None:
        path = uri_to_path(uri)
        if path is not None:
            self.sources.forget(path)


def _read(path: Path) -> bytes | None:
    from codie.analyzers.security.crossmodule import MAX_BYTES

    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def service(server: CodieServer) -> TaintSources:
    from codie.analyzers.security.crossmodule import SERVICE

    found = server.services.get(TaintSources, lambda: TaintSources(server))
    server.services.shared[SERVICE] = found.sources  # what the analyzer reads (ctx.services)
    return found


def start(ls: CodieServer) -> None:
    service(ls)


def register(server: CodieServer) -> None:
    def watched(ls: CodieServer, events: Sequence[types.FileEvent]) -> None:
        for event in events:
            service(ls).forget(event.uri)

    # The service is made when the client says `initialized` (before any didOpen, so the
    # first analysis can already follow imports), not when the server is built.
    server.hooks.initialized.connect(start)
    server.hooks.save.connect(lambda ls, uri: service(ls).forget(uri))
    server.hooks.close.connect(lambda ls, uri: service(ls).forget(uri))
    # an opened buffer is a module the workspace has now, on disk or not
    server.hooks.open.connect(lambda ls, doc: service(ls).sources.changed())
    server.hooks.watched.connect(watched)
