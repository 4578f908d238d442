"""Shared state of the LLM features (lsp/features/llm_chat.py, llm_review.py).

Per workspace folder: the LLM service (from the folder's "llm" settings section) and the
feedback store (SQLite, opened off the event loop). Per finding: the model's verdict and
verified fix proposals, keyed by fingerprint. Per user request to a model: work-done
progress (`llm_progress`), which the user can cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types

from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.llm_config import load_config
from codie.llm.context import FindingContext, finding_context
from codie.llm.feedback import FeedbackStore
from codie.llm.service import FixProposal, LLMRequest, LLMService
from codie.lsp.rescoring import Rescorer
from codie.lsp.server import CodieServer
from codie.store import default_path

log = logging.getLogger(__name__)
CREATE_TIMEOUT = 5.0  # seconds a client may take to accept a progress token


def param(obj: Any, name: str, default: Any = None) -> Any:
    """A field of request params: namedtuple (pygls untyped), dict or attrs object."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


class LLMState(Rescorer):
    def __init__(self, server: CodieServer) -> None:
        super().__init__()
        self.server = server
        self._services: dict[tuple[Path | None, str], LLMService] = {}
        # uri -> (the Settings it was resolved from, its service): valid while that object is
        # the uri's settings (FolderSettings makes new ones when anything changes)
        self._service_of: dict[str, tuple[Settings, LLMService]] = {}
        self._opening: dict[Path | None, asyncio.Task[None]] = {}
        self.proposals: dict[tuple[str, str], tuple[int | None, FixProposal]] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    # services -------------------------------------------------------------------------
    def service(self, uri: str) -> LLMService:
        settings = self.server.settings.for_uri(uri)
        known = self._service_of.get(uri)
        if known is not None and known[0] is settings:  # asked on every keystroke
            return known[1]
        folder = self.server.settings.folder_of(uri)
        section = settings.section("llm")
        config, problems = load_config(section)
        key = (folder, repr(config))
        if key not in self._services:
            for problem in problems:
                log.warning("%s", problem)
            self._services[key] = LLMService.from_config(config)
        if len(self._service_of) >= 1_024:
            self._service_of.clear()
        self._service_of[uri] = (settings, self._services[key])
        return self._services[key]

    def reset(self) -> None:
        self._services.clear()
        self._service_of.clear()
        self.verdicts.clear()
        self.proposals.clear()
        self.forget_scores()

    # feedback -------------------------------------------------------------------------
    def store_path(self, folder: Path | None) -> str:
        if folder is not None:
            return str(default_path(folder))
        return os.environ.get("CODIE_DB") or ":memory:"

    def ensure_store(self, folder: Path | None) -> None:
        """Open the folder's store in a thread; documents are republished when it is."""
        if folder in self.stores or folder in self._opening:
            return

        async def open_it() -> None:
            try:
                store = await asyncio.to_thread(FeedbackStore, self.store_path(folder))
            except Exception:
                log.exception("cannot open the feedback store for %s", folder)
                return
            self.stores[folder] = store
            self.republish(folder)

        self._opening[folder] = asyncio.get_event_loop().create_task(open_it())

    async def store(self, folder: Path | None) -> FeedbackStore | None:
        self.ensure_store(folder)
        task = self._opening.get(folder)
        if task is not None:
            await asyncio.shield(task)
        return self.stores.get(folder)

    def republish(self, folder: Path | None) -> None:
        for uri in list(self.server.analyses):
            if self.server.settings.folder_of(uri) == folder:
                self.server.publish(uri)

    # finding lookup -------------------------------------------------------------------
    def find(self, uri: str, fp: str | None = None, rule_id: str | None = None) -> tuple[Document, Finding] | None:
        analysis = self.server.analyses.get(uri)
        if analysis is None:
            return None
        for f in self.server.visible_findings(analysis):
            if fp and f.data.get("fingerprint") != fp:
                continue
            if rule_id and f.rule_id != rule_id:
                continue
            return analysis.doc, f
        return None

    def context(self, doc: Document, finding: Finding) -> FindingContext:
        return finding_context(doc, finding, self.server.catalogue)


@contextlib.asynccontextmanager
async def llm_progress(
    ls: CodieServer, service: LLMService, title: str, token: Any = None
) -> AsyncIterator[LLMRequest]:
    """An LLMRequest whose progress is shown as LSP work-done progress, cancellable.

    Only when a model is asked (the offline explainer answers at once). `token` is the
    request's own workDoneToken when the client sent one; otherwise the server creates one
    if the client can show progress. Pressing cancel cancels the request's task: the model's
    HTTP stream is closed and the client gets RequestCancelled, as with $/cancelRequest.
    The progress ends with what answered (LLMRequest.label).
    """
    progress = ls.work_done_progress
    if not service.config.remote:
        yield LLMRequest()
        return
    if not isinstance(token, str | int) or isinstance(token, bool):
        token = None
        window = ls.client_capabilities.window
        if window is not None and window.work_done_progress:
            token = f"codie-llm-{uuid.uuid4().hex}"
            try:
                await asyncio.wait_for(progress.create_async(token), CREATE_TIMEOUT)
            except Exception:  # a client refusing progress must not stop the answer
                log.debug("work done progress refused", exc_info=True)
                token = None
    if token is None:
        yield LLMRequest()
        return

    def report(message: str) -> None:
        progress.report(token, types.WorkDoneProgressReport(message=message))

    request = LLMRequest(on_progress=report)
    progress.begin(
        token,
        types.WorkDoneProgressBegin(
            title=title, cancellable=True, message=f"asking {service.name}; deadline {service.deadline:g} s"
        ),
    )
    task = asyncio.current_task()

    def on_cancel(future: Any) -> None:
        if future.cancelled() and task is not None and not task.done():
            task.cancel()

    future = progress.tokens.get(token)
    if future is not None:
        future.add_done_callback(on_cancel)
    message = None
    try:
        yield request
    except asyncio.CancelledError:  # the progress's cancel button, or $/cancelRequest
        message = "cancelled"
        raise
    except Exception:
        message = "failed (see the server log)"
        raise
    finally:
        progress.tokens.pop(token, None)
        progress.end(token, types.WorkDoneProgressEnd(message=message or request.label))


def state(server: CodieServer) -> LLMState:
    return server.services.get(LLMState, lambda: LLMState(server))
