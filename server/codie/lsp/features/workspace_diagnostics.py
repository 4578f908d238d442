"""Workspace diagnostics (opt-in): every file of the workspace, analysed in the background.

Enable per folder with `[tool.codie.workspace] diagnostics = true` (or the client setting
`{"workspace": {"diagnostics": true}}`). The walk runs on a thread; analysis runs in a
small process pool at lower priority (`jobs`, default half the cores), at most two batches
per worker in flight, so CPU and memory stay bounded and the event loop only stores
results. Pull clients get them from `workspace/diagnostic` (the request waits for the
scan, with progress, and then long-polls for changes); push clients get
`textDocument/publishDiagnostics` for files that are not open. `workspace/
didChangeWatchedFiles` keeps results current; ignored paths are never read.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from codie.core.baseline import BaselineOptions
from codie.core.config import Settings
from codie.core.workspace import FileResult, workspace_files
from codie.lsp.children import HealingPool, background_worker
from codie.lsp.server import CodieServer
from codie.lsp.settings import uri_to_path

log = logging.getLogger(__name__)
BATCH = 8
CONFIG_FILES = ("pyproject.toml", ".gitignore")


DEFAULT_WORKER_MEMORY_MB = 2048


def options(settings: Settings) -> tuple[bool, int]:
    raw = settings.section("workspace")
    enabled = raw.get("diagnostics") is True
    jobs = raw.get("jobs")
    default = max(1, (os.cpu_count() or 2) // 2)
    return enabled, jobs if isinstance(jobs, int) and 0 < jobs <= 64 else default


def worker_memory_mb(settings: Settings) -> int:
    value = settings.section("workspace").get("worker-memory-mb", DEFAULT_WORKER_MEMORY_MB)
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else (DEFAULT_WORKER_MEMORY_MB)
    )


class WorkspaceScan:
    def __init__(self, ls: CodieServer) -> None:
        self.ls = ls
        self.results: dict[str, FileResult] = {}  # uri -> result
        self.pool: HealingPool | None = None
        self.jobs = 1
        self.memory_mb = DEFAULT_WORKER_MEMORY_MB
        self.told: set[str] = set()  # analyzers the user was told the scan disabled
        self.task: asyncio.Task[None] | None = None
        self.done = asyncio.Event()
        self.changed = asyncio.Event()
        self.total = 0
        self.finished = 0
        self.errors: list[str] = []
        self.gone: set[str] = set()  # forgotten since the last workspace report
        self._background: set[asyncio.Task[None]] = set()

    # which folders, and the pool ----------------------------------------------------------
    def folders(self) -> list[tuple[Path, Settings]]:
        found = []
        for folder in self.ls.settings.folders:
            settings = self.ls.settings.for_folder(folder)
            if options(settings)[0]:
                found.append((folder, settings))
        return found

    def executor(self, jobs: int, memory_mb: int = DEFAULT_WORKER_MEMORY_MB) -> HealingPool:
        if self.pool is None or (jobs, memory_mb) != (self.jobs, self.memory_mb):
            if self.pool is not None:
                self.pool.shutdown()
            self.jobs, self.memory_mb = jobs, memory_mb
            # a child that dies (memory cap, a crash) is replaced, not fatal for good
            self.pool = HealingPool("workspace-scan", jobs, initializer=background_worker, initargs=(memory_mb,))
        return self.pool

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    # the full scan --------------------------------------------------------------------------
    def start(self) -> None:
        """(Re)start the full scan of every enabled folder."""
        if self.task is not None:
            self.task.cancel()
        self.done.clear()
        folders = self.folders()
        if not folders:
            self.forget_all()
            self.done.set()
            self.task = None
            return
        self.task = asyncio.get_event_loop().create_task(self._scan(folders))

    async def _scan(self, folders: list[tuple[Path, Settings]]) -> None:
        started = time.perf_counter()
        work: list[tuple[Path, Settings, list[str]]] = []
        for folder, settings in folders:  # walking the disk: on a thread, never the loop
            files = await asyncio.to_thread(list_files, folder, settings)
            work.append((folder, settings, files))
        self.total = sum(len(files) for _, _, files in work)
        self.finished = 0
        seen: set[str] = set()
        token = await self._progress_begin()
        jobs = max(options(s)[1] for _, s in folders)
        # the headless scanner (sqlite-utils, the report cache...) is imported only when a
        # workspace scan runs: an editor without one never pays for it at start-up
        from codie.headless import scan_batch

        pool = self.executor(jobs, max(worker_memory_mb(s) for _, s in folders))
        limit = asyncio.Semaphore(2 * jobs)  # bounded: never more than this in flight
        last_report = 0.0

        async def run(folder: Path, settings: Settings, batch: list[str]) -> None:
            nonlocal last_report
            async with limit:
                results = await pool.run(
                    scan_batch, batch, str(folder), settings, self.ls.encoding, baseline_file(folder, settings)
                )
            for result in results:
                seen.add(self.store(result))
            self.finished += len(batch)
            now = time.perf_counter()
            if token is not None and now - last_report > 0.25:
                last_report = now
                self._progress(
                    token,
                    types.WorkDoneProgressReport(
                        message=f"{self.finished}/{self.total} files",
                        percentage=int(100 * self.finished / max(1, self.total)),
                    ),
                )

        try:
            await asyncio.gather(
                *(
                    run(folder, settings, files[i : i + BATCH])
                    for folder, settings, files in work
                    for i in range(0, len(files), BATCH)
                )
            )
        finally:
            if token is not None:
                self._progress(
                    token,
                    types.WorkDoneProgressEnd(message=f"{self.finished} files in {time.perf_counter() - started:.1f}s"),
                )
        for uri in [u for u in self.results if u not in seen]:
            self.forget(uri)
        log.info("workspace scan: %d files in %.1fs", self.total, time.perf_counter() - started)
        self.done.set()
        self.changed.set()

    async def _progress_begin(self) -> str | None:
        caps = self.ls.client_capabilities.window
        if not (caps and caps.work_done_progress):
            return None
        token = f"codie-workspace-{uuid.uuid4().hex[:8]}"
        try:
            # shielded: cancelling a pending server->client request makes pygls fail when
            # the answer arrives (scans restart when settings change)
            await asyncio.shield(self.ls.work_done_progress.create_async(token))
        except Exception as exc:
            log.warning("no progress: %s", exc)
            return None
        self._progress(
            token, types.WorkDoneProgressBegin(title="Codie: analysing the workspace", percentage=0, cancellable=False)
        )
        return token

    def _progress(self, token: str, value: Any) -> None:
        self.ls.progress(types.ProgressParams(token=token, value=value))

    # results --------------------------------------------------------------------------------
    def store(self, result: FileResult) -> str:
        uri = Path(result.path).as_uri()
        if result.error:
            self.errors.append(result.error)
        for name, reason in (result.disabled or {}).items():
            if name not in self.told:
                self.told.add(name)
                log.warning("workspace analysis: %s disabled: %s", name, reason)
                self.ls.window_show_message(
                    types.ShowMessageParams(
                        type=types.MessageType.Warning,
                        message=f"Codie: analyzer `{name}` is disabled for the workspace analysis "
                        f"(open files still use it): {reason}",
                    )
                )
        old = self.results.get(uri)
        self.results[uri] = result
        if old is None or old.result_id != result.result_id:
            self.changed.set()
            if result.count or (old is not None and old.count):
                self.push(uri)  # a clean file that was clean needs no message
        return uri

    def forget(self, uri: str) -> None:
        if self.results.pop(uri, None) is not None:
            self.gone.add(uri)  # pull clients are told once, with an empty report
            self.changed.set()
            if not self.ls.pull_diagnostics and uri not in self.ls.analyses:
                self.ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def forget_all(self) -> None:
        for uri in list(self.results):
            self.forget(uri)

    def push(self, uri: str) -> None:
        """Push clients see workspace results for files that are not open."""
        result = self.results.get(uri)
        if self.ls.pull_diagnostics or uri in self.ls.analyses or result is None:
            return
        # plain JSON: converting thousands of results to lsprotocol objects and back would
        # cost the event loop more than the editor's own work (pygls types notifications,
        # so the message is written as it is)
        self.ls.protocol.notify_json(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, {"uri": uri, "diagnostics": result.diagnostics}
        )

    # files that changed on disk -------------------------------------------------------------
    def refresh(self, paths: Sequence[Path]) -> None:
        task = asyncio.get_event_loop().create_task(self._refresh(paths))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refresh(self, paths: Sequence[Path]) -> None:
        from codie.headless import scan_included  # see _scan

        for folder, settings in self.folders():
            mine = [str(p) for p in paths if p == folder or folder in p.parents]
            if not mine:
                continue
            pool = self.executor(options(settings)[1], worker_memory_mb(settings))
            results = await pool.run(
                scan_included, mine, str(folder), settings, self.ls.encoding, baseline_file(folder, settings)
            )
            for result in results:
                if isinstance(result, str):  # ignored: never read, never reported
                    self.forget(Path(result).as_uri())
                else:
                    self.store(result)

    async def report(self, previous: dict[str, str]) -> dict[str, Any]:
        """The workspace report as plain JSON, built in slices that yield to the loop."""
        items: list[dict[str, Any]] = []
        for n, (uri, result) in enumerate(sorted(self.results.items())):
            if n % 500 == 499:
                await asyncio.sleep(0)
            if uri in self.ls.analyses:
                continue  # open documents are reported by textDocument/diagnostic
            if previous.get(uri) == result.result_id:
                items.append({"kind": "unchanged", "uri": uri, "resultId": result.result_id, "version": None})
            else:
                items.append(
                    {
                        "kind": "full",
                        "uri": uri,
                        "resultId": result.result_id,
                        "version": None,
                        "items": result.diagnostics,
                    }
                )
        items += [
            {"kind": "full", "uri": uri, "resultId": "gone", "version": None, "items": []}
            for uri in sorted(self.gone)
            if uri not in self.results
        ]
        self.gone.clear()
        return {"items": items}

    def unchanged_since(self, previous: dict[str, str]) -> bool:
        """Whether a client that has `previous` would learn nothing new from a report."""
        return (
            bool(previous)
            and not self.gone
            and all(previous.get(u) == r.result_id for u, r in self.results.items() if u not in self.ls.analyses)
        )


def list_files(folder: Path, settings: Settings) -> list[str]:
    return [str(p) for p in workspace_files(folder, settings)]


def baseline_file(folder: Path, settings: Settings) -> str | None:
    path = BaselineOptions.of(settings).path_in(folder)
    return str(path) if path.is_file() else None


def scan_of(ls: CodieServer) -> WorkspaceScan:
    return ls.services.get(WorkspaceScan, lambda: WorkspaceScan(ls))


def register(server: CodieServer) -> None:
    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: CodieServer, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        scan = scan_of(ls)
        if scan.task is None and not scan.done.is_set():
            scan.start()
        await scan.done.wait()
        previous = {p.uri: p.value for p in params.previous_result_ids}
        if not scan.folders() or scan.unchanged_since(previous):
            scan.changed.clear()  # long poll: answer when something changes (or cancel)
            await scan.changed.wait()
            await scan.done.wait()
        return await scan.report(previous)  # type: ignore[return-value]

    def initialized(ls: CodieServer) -> None:
        scan = scan_of(ls)
        if scan.task is None:  # a workspace/diagnostic request may have started it already
            scan.start()

    def settings_changed(ls: CodieServer) -> None:
        scan = scan_of(ls)
        if scan.folders() or scan.results:
            scan.start()

    def watched(ls: CodieServer, changes: Sequence[types.FileEvent]) -> None:
        scan = scan_of(ls)
        if not scan.folders():
            return
        if any(c.uri.endswith("/.gitignore") for c in changes):
            scan.start()  # what is ignored changed: walk again
            return
        refresh = []
        for change in changes:
            path = uri_to_path(change.uri)
            if path is None or path.suffix not in (".py", ".pyi"):
                continue
            if change.type == types.FileChangeType.Deleted:
                scan.forget(change.uri)
            else:
                refresh.append(path)
        if refresh:
            scan.refresh(refresh)

    def closed(ls: CodieServer, uri: str) -> None:
        scan_of(ls).push(uri)  # the closed file's last workspace result, if any

    server.hooks.initialized.connect(initialized)
    server.hooks.settings.connect(settings_changed)
    server.hooks.watched.connect(watched)
    server.hooks.close.connect(closed)
