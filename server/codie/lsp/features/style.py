"""Adaptive style in the editor: training the workspace model off the event loop, and rename.

Until the background worker runs these jobs, the server does: on `initialized` (and when a
document opens in a folder with no model yet) it loads the stored model and brings it up
to date, or trains one, in `server.thread_pool`; on save it updates the saved file's
counts there too. When a job finishes, open documents of that folder are re-analysed.
`textDocument/rename` and `prepareRename` use the same scope logic as STY001's fix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types

from codie.analyzers.style.analyzer import file_key
from codie.analyzers.style.model import WorkspaceModel
from codie.analyzers.style.rename import RenameError, rename_edits, target_at
from codie.analyzers.style.service import SERVICE, StyleService
from codie.analyzers.style.training import refresh_model, update_file
from codie.core.document import Document
from codie.core.pausing import Pause
from codie.lsp.convert import lsp_range, text_edit
from codie.lsp.features.code_lens import MetricsService
from codie.lsp.server import CodieServer, release_memory
from codie.lsp.settings import uri_to_path
from codie.lsp.workspace_graph import WorkspaceGraphs
from codie.store import default_path

log = logging.getLogger(__name__)


def service(ls: CodieServer) -> StyleService:
    return ls.services.get(StyleService, name=SERVICE)


def _reanalyse(ls: CodieServer, root: Path) -> None:
    """root's documents, after the model changed: only the deferred analyzers run again
    (the style analyzer, the one that reads the model, is one of them). Invalidating the
    whole analysis re-ran every analyzer on every statement, ~80 ms on the 6,862-line file
    landing on whichever keystroke came next."""
    for uri, analysis in list(ls.analyses.items()):
        if analysis.ctx.root == root and analysis.deferred:
            analysis.deferred_dirty = True
            ls.schedule(uri)


def _submit(ls: CodieServer, root: Path, job_name: str, job: object, *, heavy: bool = False) -> None:
    """Run `job()` in the thread pool, then re-analyse root's documents on the loop.

    `heavy`: the job is the server's memory peak (a training), so a metrics computation
    and a call graph's first build waiting or running end first (up to RELEASE_WAIT
    seconds each), rather than the peaks adding up."""
    loop = asyncio.get_event_loop()
    svc = service(ls)

    def run() -> None:
        try:
            with svc.lock_for(root):
                changed = job()  # type: ignore[operator]
        except Exception:
            log.exception("style: %s for %s failed", job_name, root)
            return
        if changed:
            loop.call_soon_threadsafe(_reanalyse, ls, root)

    async def when_quiet() -> None:
        await ls.quiet()  # the first diagnostics and keystrokes go first
        metrics = ls.services.peek(MetricsService)
        if heavy and metrics is not None:  # the metrics' peak first, then the training's
            await metrics.idle(RELEASE_WAIT)
        graphs = ls.services.peek(WorkspaceGraphs)
        if heavy and graphs is not None:  # (so is the call graph's build)
            await graphs.built(RELEASE_WAIT)
        ls.thread_pool.submit(run)

    task = loop.create_task(when_quiet())
    _background.add(task)  # asyncio holds tasks weakly
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task[None]] = set()
RELEASE_WAIT = 10.0  # seconds a training waits for metrics in flight (~0.2 s of CPU: 6,862 lines)


def style_training(ls: CodieServer) -> bool:
    """A training or an update is waiting or running (its findings are still to come)."""
    svc = ls.services.peek(StyleService)
    return bool(_background) or (svc is not None and bool(svc.pending))


def trained_model(root: Path, db_path: Path, pause: Pause | None = None) -> WorkspaceModel:
    """refresh_model as the server runs it (in its thread pool, before the model is
    shared). A training parses and counts every file: what it freed goes back to the
    system now, not at the next quiet trim (lsp/server.py's TRIM_EVERY); then the model is
    compacted (WorkspaceModel.compact: the 6,862-line file's model held 8 MiB less RSS),
    and the job trims again when it ends. An update (one file, on each save) frees too
    little to be worth either. It also trims first: what the editor and the jobs before
    it (the call graph's build, the metrics) freed and glibc kept is given back before
    the training's peak, which then holds only the pages it uses."""
    release_memory()
    model = refresh_model(root, db_path, pause)
    release_memory()
    model.compact(pause)
    return model


def train(ls: CodieServer, root: Path) -> None:
    svc = service(ls)
    if root in svc.models or root in svc.pending:
        return
    svc.pending.add(root)

    def job() -> bool:
        try:
            svc.models[root] = trained_model(root, default_path(root), ls.scheduler.yield_to_editor)
        finally:
            svc.pending.discard(root)
            release_memory()
        return True

    _submit(ls, root, "training", job, heavy=True)


def on_initialized(ls: CodieServer) -> None:
    for root in ls.folder_paths():
        train(ls, root.resolve())


def on_open(ls: CodieServer, doc: Document) -> None:
    root = ls.settings.folder_of(doc.uri)
    if root is not None and doc.is_python:
        train(ls, root)


def on_watched(ls: CodieServer, changes: Sequence[types.FileEvent]) -> None:
    """Files changed outside the editor (checkout, generator): update them too."""
    for change in changes:
        on_save(ls, change.uri)


def on_save(ls: CodieServer, uri: str) -> None:
    root = ls.settings.folder_of(uri)
    path = uri_to_path(uri)
    if root is None or path is None or path.suffix not in (".py", ".pyi"):
        return
    svc = service(ls)

    def job() -> bool:
        model = svc.model_for(root)
        if model is None:
            return False  # the running training reads the file anyway
        return update_file(path, default_path(root), model, ls.scheduler.yield_to_editor)

    _submit(ls, root, "update", job)


def _refuse(ls: CodieServer, exc: RenameError) -> None:
    """A refused rename is an answer, not a server error: null plus the reason, as a warning."""
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"Codie: {exc}"))


def register(server: CodieServer) -> None:
    # no naming budget here: the style analyzer is deferred, so it already runs on a
    # snapshot in the thread pool, never on the event loop
    server.hooks.initialized.connect(on_initialized)
    server.hooks.open.connect(on_open)
    server.hooks.save.connect(on_save)
    server.hooks.watched.connect(on_watched)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: CodieServer, params: types.PrepareRenameParams) -> types.PrepareRenamePlaceholder | None:
        doc = ls.document(params.text_document.uri)
        if doc is None or doc.tree is None:
            return None
        offset = doc.offset_at(params.position.line, params.position.character, ls.encoding)
        root = ls.settings.folder_of(doc.uri)
        try:
            target = target_at(doc.source, doc.tree.root_node, offset, service(ls).model_for(root), file_key(doc.uri))
        except RenameError as exc:
            _refuse(ls, exc)
            return None
        return types.PrepareRenamePlaceholder(
            range=lsp_range(doc, target.start, target.end, ls.encoding), placeholder=target.binding.name
        )

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    def rename(ls: CodieServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        doc = ls.document(params.text_document.uri)
        if doc is None or doc.tree is None:
            return None
        offset = doc.offset_at(params.position.line, params.position.character, ls.encoding)
        root = ls.settings.folder_of(doc.uri)
        try:
            edits = rename_edits(
                doc.source, doc.tree.root_node, offset, params.new_name, service(ls).model_for(root), file_key(doc.uri)
            )
        except RenameError as exc:
            _refuse(ls, exc)
            return None
        enc = ls.encoding
        lsp_edits = [text_edit(doc, e, enc) for e in edits]
        caps = ls.client_capabilities.workspace
        edit_caps = caps.workspace_edit if caps is not None else None
        if edit_caps is None or not edit_caps.document_changes:
            return types.WorkspaceEdit(changes={doc.uri: lsp_edits})
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
                    edits=list(lsp_edits),
                )
            ]
        )
