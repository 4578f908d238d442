"""The call graph of each workspace folder, kept current while the user types.

The first build runs in the thread pool; edits re-index their module (debounced) in the
thread pool too; once typing pauses, the whole graph is resolved again in a child process
(analyzers/callgraph/remote.py) and only the modules whose edges changed come back. An
asyncio lock per folder serialises mutations and the (fast, in-memory) queries, so request
handlers never see a graph half-updated and the event loop never waits on parsing. Open
documents are indexed from their in-memory text, not from disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codie.core.document import Document
from codie.lsp.children import HealingPool, detach_from_server
from codie.lsp.scheduling import wait_until
from codie.lsp.settings import uri_to_path
from codie.store import default_path

if TYPE_CHECKING:  # the call graph (sqlite-utils, msgpack) loads on first use, not at start-up
    from codie.analyzers.callgraph import CallGraph
    from codie.analyzers.callgraph.model import Scope
    from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
DEBOUNCE = 0.25  # seconds of quiet typing before an edited module is re-indexed
# Seconds without a module update before the whole graph is resolved again. An update
# re-resolves its own module only (fast, per keystroke); edges of other modules into it and
# values that flowed through it are settled here, so that the graph, and the CPX100 hints
# read from it, equal a fresh build once typing pauses.
RECONCILE_DELAY = 2.0
# Seconds without a whole-graph resolve before its child process stops (the pool's own
# idle stop): its copy of the graph is memory the editor does not need while nobody types.
CHILD_IDLE = 60.0
SERVICE = "callgraph"


@dataclass
class FolderGraph:
    root: Path
    graph: CallGraph
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    pending: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    failed: str = ""
    reconcile: asyncio.TimerHandle | None = None
    stale: bool = False  # updated since the last whole resolve
    child_resolves: int = 0  # whole resolves done in the child process (serverState)


class WorkspaceGraphs:
    def __init__(self, server: CodieServer) -> None:
        self.server = server
        self.folders: dict[Path, FolderGraph] = {}
        self._file_docs: dict[Path, tuple[int, Document]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # the whole-graph resolve after a typing pause: a second of pure-Python CPU on a few
        # hundred modules, which in a thread would hold the GIL while the user types
        # Its child holds the graph's state: a new one is sent the whole graph, so it is
        # kept longer after a resolve than a stateless pool's (lsp/children.IDLE).
        self.pool = HealingPool("callgraph", 1, initializer=detach_from_server, default_idle=CHILD_IDLE)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work as a task, holding a reference until it ends (asyncio keeps weak ones)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        """Forget a finished task and log what it raised: asyncio only reports an exception
        nobody retrieved when the task is collected, to a stderr the editor may not show."""
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("call graph task %s failed", task.get_coro(), exc_info=exc)

    # lifecycle -----------------------------------------------------------------------------
    def folder_for(self, uri: str) -> FolderGraph | None:
        """The folder's graph, starting its build on first use."""
        root = self.server.settings.folder_of(uri)
        if root is None:
            folders = self.server.folder_paths()
            path = uri_to_path(uri)
            root = next((f for f in folders if path is not None and f in path.parents), None)
        if root is None:
            return None
        found = self.folders.get(root)
        if found is None:
            from codie.analyzers.callgraph import CallGraph

            # built and updated in the thread pool, pausing while the editor needs the GIL
            pause = self.server.scheduler.yield_to_editor
            try:
                graph = CallGraph(root, default_path(root), pause=pause)
            except Exception as exc:  # an unwritable .codie/: keep going without a cache
                log.warning("call graph cache unavailable for %s: %s", root, exc)
                graph = CallGraph(root, pause=pause)
            found = self.folders[root] = FolderGraph(root, graph)
            self.spawn(self._build(found))
        return found

    async def _build(self, folder: FolderGraph) -> None:
        """Build from disk, then index the open buffers. The folder is ready at the end
        whatever failed (what failed is logged): updates and queries wait for `ready`, and a
        folder never ready would hold them, and the settled state, forever."""
        try:
            await self._build_steps(folder)
        finally:
            folder.ready.set()
        if folder.stale:  # open buffers were indexed one module at a time: settle the rest
            self._reconcile_soon(folder)
        self._refresh_hints(folder)

    async def _build_steps(self, folder: FolderGraph) -> None:
        loop = asyncio.get_running_loop()
        settings = self.server.settings.for_folder(folder.root)
        await self.server.quiet()  # the first diagnostics and keystrokes go first
        async with folder.lock:
            # the open documents' trees, copied here on the loop (edits change them here): a
            # file the editor holds as on disk is summarised from its tree, not parsed again
            parsed = {}
            for uri, analysis in list(self.server.analyses.items()):
                path, doc = uri_to_path(uri), analysis.doc
                if doc.is_python and path is not None and folder.root in path.parents and doc.tree is not None:
                    parsed[str(path)] = (doc.source, doc.tree.copy())
            try:
                await loop.run_in_executor(
                    self.server.thread_pool,
                    lambda: folder.graph.build([folder.root], settings, jobs=1, parsed=parsed),
                )
            except Exception as exc:
                log.exception("call graph build failed for %s", folder.root)
                folder.failed = f"{type(exc).__name__}: {exc}"
            finally:
                parsed.clear()  # the copies would keep the trees later edits replace alive
            # Open documents may differ from disk: index their text. Each update re-resolves
            # its own module only; edges of other modules into it come from the whole-graph
            # resolve that `stale` asks for (or a fresh server would differ from a full build).
            for uri, analysis in list(self.server.analyses.items()):
                path = uri_to_path(uri)
                if analysis.doc.is_python and path is not None and folder.root in path.parents:
                    source = analysis.doc.source
                    if folder.graph.holds(path, source):
                        continue  # as on disk: the build indexed this text
                    try:
                        await loop.run_in_executor(self.server.thread_pool, folder.graph.update, path, source)
                    except Exception:
                        log.exception("call graph update failed for %s", uri)
                    folder.stale = True

    async def ready(self, uri: str) -> FolderGraph | None:
        folder = self.folder_for(uri)
        if folder is None:
            return None
        await folder.ready.wait()
        for handle in list(folder.pending.values()):  # answer from the latest text
            handle.cancel()
        for pending_uri in list(folder.pending):
            await self._update(folder, pending_uri)
        return folder

    def opened(self, doc: Document) -> None:
        """Index an opened buffer's text: it may differ from the disk (reopened unsaved)."""
        known = len(self.folders)
        if self.folder_for(doc.uri) is not None and len(self.folders) == known:
            self.changed(doc)  # a new folder's first build indexes open buffers itself

    def changed(self, doc: Document) -> None:
        if not doc.is_python:
            return
        folder = self.folder_for(doc.uri)
        if folder is None:
            return
        old = folder.pending.pop(doc.uri, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        # the update holds the GIL for 20-90 ms on a large module: after a pause in the
        # typing, not between two keys of someone typing slower than DEBOUNCE
        delay = self.server.scheduler.typing_pause(doc.uri, DEBOUNCE)
        folder.pending[doc.uri] = loop.call_later(delay, lambda: self.spawn(self._update(folder, doc.uri)))

    async def _update(self, folder: FolderGraph, uri: str) -> None:
        folder.pending.pop(uri, None)
        doc = self.server.document(uri)
        path = uri_to_path(uri)
        if doc is None or path is None:
            return
        await folder.ready.wait()
        # a snapshot: the text and a copy of the editor's (incrementally parsed) tree
        source, tree = doc.source, doc.tree.copy() if doc.tree is not None else None
        loop = asyncio.get_running_loop()
        async with folder.lock:
            if folder.graph.holds(path, source):
                return  # e.g. a file opened as it is on disk: nothing to re-index or resolve
            try:
                await loop.run_in_executor(self.server.thread_pool, folder.graph.update, path, source, tree)
            except Exception:
                log.exception("call graph update failed for %s", uri)
            folder.stale = True
        self._reconcile_soon(folder)
        self._refresh_hints(folder)

    def _reconcile_soon(self, folder: FolderGraph) -> None:
        if folder.reconcile is not None:
            folder.reconcile.cancel()
        folder.reconcile = asyncio.get_running_loop().call_later(
            RECONCILE_DELAY, lambda: self.spawn(self._reconcile(folder))
        )

    async def _reconcile(self, folder: FolderGraph) -> None:
        folder.reconcile = None
        await self.server.quiet()  # keystrokes and their diagnostics first
        if folder.pending or folder.reconcile is not None or not folder.stale:
            return  # more updates are coming: they schedule the next reconcile
        from codie.analyzers.callgraph import remote  # loads on first use, not at start-up

        graph = folder.graph
        for _ in range(2):  # a child that lost its state is sent everything, once
            async with folder.lock:
                folder.stale = False
                job = graph.reconcile_job()
            try:
                result = await self.pool.run(remote.reconcile, job)
            except Exception:
                log.exception("call graph resolve in a child failed for %s; resolving here", folder.root)
                async with folder.lock:
                    graph.reconcile_failed(job)
                    await asyncio.get_running_loop().run_in_executor(self.server.thread_pool, graph.reresolve)
                break
            async with folder.lock:
                if graph.apply_reconcile(job, result):
                    folder.child_resolves += 1
                    break
        self._refresh_hints(folder)

    def closed(self, uri: str) -> None:
        """A closed buffer's unsaved edits are gone: index the file as it is on disk again,
        or the graph keeps references the workspace no longer has (CPX100 drift)."""
        path = uri_to_path(uri)
        root = self.server.settings.folder_of(uri)
        folder = self.folders.get(root) if root is not None else None
        if folder is None or path is None or path.suffix not in (".py", ".pyi"):
            return
        pending = folder.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.spawn(self._from_disk(folder, uri, path))

    async def _from_disk(self, folder: FolderGraph, uri: str, path: Path) -> None:
        await folder.ready.wait()
        loop = asyncio.get_running_loop()
        try:
            source = await loop.run_in_executor(self.server.thread_pool, path.read_bytes)
        except OSError:
            return  # never saved: what was indexed of it stays until the folder is rebuilt
        async with folder.lock:
            if self.server.document(uri) is not None:
                return  # reopened meanwhile: its buffer is indexed (opened/changed), not disk
            if folder.graph.holds(path, source):
                return  # closed without unsaved edits
            try:
                await loop.run_in_executor(self.server.thread_pool, folder.graph.update, path, source)
            except Exception:
                log.exception("call graph update failed for %s", path)
            folder.stale = True
        self._reconcile_soon(folder)
        self._refresh_hints(folder)

    async def saved(self, uri: str) -> None:
        folder = self.folder_for(uri)
        path = uri_to_path(uri)
        if folder is None or path is None:
            return
        await folder.ready.wait()
        loop = asyncio.get_running_loop()
        async with folder.lock:
            await loop.run_in_executor(self.server.thread_pool, folder.graph.flush, [path])

    def _refresh_hints(self, folder: FolderGraph) -> None:
        """Whole-document analyzers (unreferenced-function hints) read the graph: re-run."""
        for uri, analysis in self.server.analyses.items():
            path = uri_to_path(uri)
            if path is not None and folder.root in path.parents and analysis.doc.is_python:
                analysis.whole_dirty = True
                self.server.schedule(uri)

    def state(self) -> dict[str, Any]:
        """What the graphs hold and whether they are settled (codie/serverState)."""
        folders = {}
        for root, folder in self.folders.items():
            graph = folder.graph
            folders[str(root)] = {
                "ready": folder.ready.is_set(),
                "pending": len(folder.pending),
                "stale": folder.stale,
                "reconcileDue": folder.reconcile is not None,
                "locked": folder.lock.locked(),
                **graph.sizes(),
                "childResolves": folder.child_resolves,
                # read only while no thread is mutating the graph
                "unreferenced": None
                if folder.lock.locked() or not folder.ready.is_set()
                else sorted(s.qualname for s in graph.unreferenced()),
            }
        return {"folders": folders, "tasks": len(self._tasks), "fileDocs": len(self._file_docs)}

    async def built(self, wait: float) -> None:
        """Return once no folder's first build waits or runs, or after `wait` seconds: the
        server's memory peak (a style training) starts after the build's (~+8 MiB on the
        6,862-line file), not beside it."""
        await wait_until(lambda: all(f.ready.is_set() for f in self.folders.values()), wait)

    def settled(self) -> bool:
        return not self._tasks and all(
            f.ready.is_set() and not f.pending and not f.stale and f.reconcile is None and not f.lock.locked()
            for f in self.folders.values()
        )

    # for the unreferenced-function analyzer ---------------------------------------------------
    def unreferenced_in(self, uri: str, source: bytes) -> list[Scope]:
        """Unreferenced functions of this document, if the graph indexed exactly this text."""
        root = self.server.settings.folder_of(uri)
        folder = self.folders.get(root) if root is not None else None
        path = uri_to_path(uri)
        if folder is None or not folder.ready.is_set() or path is None or folder.lock.locked():
            return []
        graph = folder.graph
        if not graph.holds(path, source):
            return []
        return graph.unreferenced(graph.path_module[graph.relative_of_open(path)])

    # positions -----------------------------------------------------------------------------
    def document_for(self, path: Path) -> Document | None:
        """The open document for path, else the file read from disk (cached by mtime)."""
        doc = self.server.document(path.as_uri())
        if doc is not None:
            return doc
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        cached = self._file_docs.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            doc = Document(path.as_uri(), path.read_bytes().decode("utf-8", "replace"))
        except OSError:
            return None
        self._file_docs[path] = (mtime, doc)
        return doc


def service(server: CodieServer) -> WorkspaceGraphs:
    def make() -> WorkspaceGraphs:
        graphs = WorkspaceGraphs(server)
        server.hooks.shutdown.connect(lambda _ls: graphs.pool.shutdown())
        return graphs

    return server.services.get(WorkspaceGraphs, make, name=SERVICE)
