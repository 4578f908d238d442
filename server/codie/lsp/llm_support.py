"""Shared state of the LLM features (lsp/features/llm_chat.py, llm_review.py).

Per workspace folder: the LLM service (from the folder's "llm" settings section) and the
feedback store (SQLite, opened off the event loop). Per finding: the model's verdict and
verified fix proposals, keyed by fingerprint.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codie.core.confidence import reblend
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.llm.config import load_config
from codie.llm.context import FindingContext, finding_context, fingerprint
from codie.llm.feedback import FeedbackStore
from codie.llm.service import FixProposal, LLMService
from codie.lsp.server import CodieServer
from codie.store import default_path

log = logging.getLogger(__name__)


def param(obj: Any, name: str, default: Any = None) -> Any:
    """A field of request params: namedtuple (pygls untyped), dict or attrs object."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


class LLMState:
    def __init__(self, server: CodieServer) -> None:
        self.server = server
        self._services: dict[tuple[Path | None, str], LLMService] = {}
        self.stores: dict[Path | None, FeedbackStore] = {}
        self._opening: dict[Path | None, asyncio.Task[None]] = {}
        self.verdicts: dict[str, float | None] = {}  # fingerprint -> P(true positive)
        self.proposals: dict[tuple[str, str], tuple[int | None, FixProposal]] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    # services -------------------------------------------------------------------------
    def service(self, uri: str) -> LLMService:
        folder = self.server.settings.folder_of(uri)
        section = self.server.settings.for_uri(uri).section("llm")
        config, problems = load_config(section)
        key = (folder, repr(config))
        if key not in self._services:
            for problem in problems:
                log.warning("%s", problem)
            self._services[key] = LLMService.from_config(config)
        return self._services[key]

    def reset(self) -> None:
        self._services.clear()
        self.verdicts.clear()
        self.proposals.clear()

    # feedback -------------------------------------------------------------------------
    @staticmethod
    def project(folder: Path | None) -> str:
        return str(folder) if folder else ""

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

    # scoring --------------------------------------------------------------------------
    def rescore(self, analysis: DocumentAnalysis, finding: Finding) -> Finding | None:
        """Add team feedback and the model's verdict to the finding's confidence."""
        doc = analysis.doc
        fp = fingerprint(doc, finding)
        folder = analysis.ctx.root
        store = self.stores.get(folder)
        project = self.project(folder)
        if store is not None and store.is_rejected(project, fp):
            return None
        prior = dict(finding.confidence_parts).get("prior", 0.5)
        signals = {
            "model": self.verdicts.get(fp),
            "feedback": store.signal(project, finding.rule_id, prior) if store else None,
        }
        if any(v is not None for v in signals.values()):
            confidence, parts = reblend(finding.confidence_parts, **signals)
            finding = dataclasses.replace(finding, confidence=confidence, confidence_parts=parts)
        return dataclasses.replace(finding, data={**finding.data, "fingerprint": fp})

    # finding lookup -------------------------------------------------------------------
    def find(
        self, uri: str, fp: str | None = None, rule_id: str | None = None
    ) -> tuple[Document, Finding] | None:
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


def state(server: CodieServer) -> LLMState:
    return server.services.get(LLMState, lambda: LLMState(server))
