"""Shared state of the LLM features (lsp/features/llm_chat.py, llm_review.py).

Per workspace folder: the LLM service (from the folder's "llm" settings section) and the
feedback store (SQLite, opened off the event loop). Per finding: the model's verdict and
verified fix proposals, keyed by fingerprint. Per user request to a model: work-done
progress (`llm_progress`), which the user can cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types

from codie.core.confidence import reblend
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.llm_config import load_config
from codie.llm.context import FindingContext, finding_context, fingerprint_inputs, fingerprint_of
from codie.llm.feedback import FeedbackStore
from codie.llm.service import FixProposal, LLMRequest, LLMService
from codie.lsp.server import CodieServer
from codie.store import default_path

log = logging.getLogger(__name__)
CREATE_TIMEOUT = 5.0  # seconds a client may take to accept a progress token
MAX_SCORES = 4_096  # remembered (rule, confidence parts, verdict) blends, then forgotten


Blend = tuple[float, tuple[tuple[str, float], ...]]  # a new (confidence, confidence_parts)


@dataclasses.dataclass(slots=True)
class _Rescored:
    """One finding's rescoring and what it depended on besides the feedback store."""

    finding: Finding  # the input (kept: the id of its data is the key, and must stay its own)
    line: bytes  # the fingerprint's inputs: the text of the finding's line (and break) and span
    span: bytes
    fingerprint: str
    verdict: float | None  # the model's verdict used
    blend: Blend | None  # None: the confidence stays
    result: Finding | None  # None: hidden (the team rejected this fingerprint)
    # the text before this offset holds `line` and `span` (and where the line ends): while
    # no edit reaches it, the same finding has the same inputs, with no need to look again
    reach: int = 0
    # where `line` starts: while the text from there on is unchanged (an edit above only
    # moved it), a copy of the finding moved by as many bytes has the same inputs too
    line_at: int = 0


def _rescored(f: Finding, blend: Blend | None, data: dict[str, Any]) -> Finding:
    """f with another confidence (when blend) and data, in one copy."""
    if blend is None:
        return f.evolve(data=data)
    return f.evolve(confidence=blend[0], confidence_parts=blend[1], data=data)


@dataclasses.dataclass(slots=True)
class _DocumentScores:
    """The last presentation's rescorings of one document, valid for one state of the
    feedback store (`store`: its folder, identity and generation)."""

    store: tuple[object, ...]
    by_id: dict[int, _Rescored] = dataclasses.field(default_factory=dict)
    doc: Document | None = None  # the document, its edit serial and length at that presentation
    serial: int = -1
    size: int = 0


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
        # uri -> (the Settings it was resolved from, its service): valid while that object is
        # the uri's settings (FolderSettings makes new ones when anything changes)
        self._service_of: dict[str, tuple[Settings, LLMService]] = {}
        self.stores: dict[Path | None, FeedbackStore] = {}
        self._opening: dict[Path | None, asyncio.Task[None]] = {}
        self.verdicts: dict[str, float | None] = {}  # fingerprint -> P(true positive)
        self._scores: dict[str, _DocumentScores] = {}  # uri -> the last rescoring (rescore_all)
        # (store state, rule, confidence parts, verdict) -> the new (confidence, parts), None: as is
        self._blends: dict[tuple[object, ...], Blend | None] = {}
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

    def forget_scores(self, uri: str | None = None) -> None:
        if uri is None:
            self._scores.clear()
            self._blends.clear()
        else:
            self._scores.pop(uri, None)

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
        """Add team feedback and the model's verdict to the finding's confidence (and its
        fingerprint to its data); None hides it (the team rejected it). Uncached: the
        editor's presentations go through rescore_all."""
        fp = fingerprint_of(finding.rule_id, *fingerprint_inputs(analysis.doc, finding))
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
        return finding.with_data({**finding.data, "fingerprint": fp})

    def rescore_all(self, analysis: DocumentAnalysis, findings: list[Finding]) -> list[Finding]:
        """rescore() of every finding (the hidden ones left out), reusing the last
        presentation's answers: a keystroke leaves most findings as they were, and rescoring
        each of them again was two thirds of every publish's presenting.

        An answer is reused while the text of the finding's line and span (its fingerprint),
        the model's verdict on that fingerprint and the feedback store (its generation) are
        unchanged; a settings change reset()s them all. The key is the finding's `data`
        dict, which the engine's moved copies of a finding share (Finding.shifted): the
        same finding object gets the same answer back, a moved one the same score in a copy
        at its new place."""
        doc = analysis.doc
        folder = analysis.ctx.root
        store = self.stores.get(folder)
        project = self.project(folder)
        store_state = (folder, id(store), store.generation) if store is not None else (folder,)
        last = self._scores.get(doc.uri)
        if last is None or last.store != store_state:
            last = _DocumentScores(store_state)
        # the text before `prefix` is as it was at the last presentation
        kept = doc.unchanged_since(last.serial) if last.doc is doc else None
        prefix = kept[0] if kept is not None else 0
        previous, current = last.by_id, {}
        verdicts = self.verdicts
        source, lines = doc.source, doc.lines
        line_of, line_start, count, size = lines.line_of, lines.start, lines.count, len(source)
        # a line that started at or after `tail` then is the same line now, `delta` bytes on
        moved = doc.moved_end(last.serial, last.size) if kept is not None else None
        tail, delta = moved if moved is not None else (sys.maxsize, 0)
        out = []
        for f in findings:
            known = previous.get(id(f.data))
            if (
                known is not None
                and known.finding is f
                and known.reach <= prefix
                and verdicts.get(known.fingerprint) == known.verdict
            ):  # the same finding, its text untouched (most of them, before the edit)
                current[id(f.data)] = known
                if known.result is not None:
                    out.append(known.result)
                continue
            if (
                known is not None
                and known.line_at >= tail
                and f.start - known.finding.start == delta
                and f.end - known.finding.end == delta
            ):  # moved with its line (an edit above): the same line and span as then
                line, span, reach, at = known.line, known.span, known.reach + delta, known.line_at + delta
            else:
                # the finding's whole line (with its break): the same text, the same fingerprint
                row = line_of(f.start)
                at = line_start(row)
                end = line_start(row + 1) if row + 1 < count else size
                line = source[at:end]
                span = source[f.start : f.end]
                # (a line ending in \r, or the last line, can change without a byte before its end doing so)
                reach = max(end + (end == size or source[end - 1 : end] == b"\r"), f.end)
            if (
                known is None
                or known.line != line
                or known.span != span
                or verdicts.get(known.fingerprint) != known.verdict
            ):
                known = self._rescore_one(doc, f, line, span, store, project, store_state)
            elif known.finding is f:
                pass  # the same finding: the same answer
            elif (
                known.finding.data is f.data
                and known.finding.rule_id == f.rule_id
                and known.finding.confidence_parts == f.confidence_parts
            ):  # moved: the same score, at its new place
                result = None if known.result is None else _rescored(f, known.blend, known.result.data)
                known = _Rescored(f, line, span, known.fingerprint, known.verdict, known.blend, result)
            else:
                known = self._rescore_one(doc, f, line, span, store, project, store_state)
            known.reach = reach  # (where this finding's inputs end in the text now)
            known.line_at = at
            current[id(f.data)] = known
            if known.result is not None:
                out.append(known.result)
        last.by_id = current  # only this presentation's findings are kept
        last.doc, last.serial, last.size = doc, doc.serial, size
        self._scores[doc.uri] = last
        return out

    def _rescore_one(
        self,
        doc: Document,
        f: Finding,
        line: bytes,
        span: bytes,
        store: FeedbackStore | None,
        project: str,
        store_state: tuple[object, ...],
    ) -> _Rescored:
        """rescore() of one finding (`line`, `span`: its text, to know it again by)."""
        fp = fingerprint_of(f.rule_id, *fingerprint_inputs(doc, f))
        verdict = self.verdicts.get(fp)
        if store is not None and store.is_rejected(project, fp):
            return _Rescored(f, line, span, fp, verdict, None, None)
        key = (store_state, f.rule_id, f.confidence_parts, verdict)
        if key in self._blends:
            blend = self._blends[key]
        else:
            prior = dict(f.confidence_parts).get("prior", 0.5)
            signals = {
                "model": verdict,
                "feedback": store.signal(project, f.rule_id, prior) if store else None,
            }
            blend = reblend(f.confidence_parts, **signals) if any(v is not None for v in signals.values()) else None
            if len(self._blends) >= MAX_SCORES:
                self._blends.clear()
            self._blends[key] = blend
        return _Rescored(f, line, span, fp, verdict, blend, _rescored(f, blend, {**f.data, "fingerprint": fp}))

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
