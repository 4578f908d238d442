"""The editor's rescoring of findings: team feedback and the model's verdicts blended into
a finding's confidence, and its fingerprint put into its data (a finding transform every
presentation applies, lsp/features/llm_review.py).

pygls-free (with what it imports): the start path publishes a first file's diagnostics
before pygls is imported (lsp/early_open.py), through the same transform.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codie.core.confidence import reblend
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.llm.context import fingerprint_inputs, fingerprint_of

if TYPE_CHECKING:
    from codie.llm.feedback import FeedbackStore

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


class Verdicts(dict[str, float | None]):
    """The model's verdicts by fingerprint, with a count of the changes made to them: a
    rescoring reused while `serial` is unchanged gives the same answer (Rescorer.stamp)."""

    serial = 0

    def _changed(self) -> None:
        self.serial += 1

    def __setitem__(self, key: str, value: float | None) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def pop(self, *args: Any) -> Any:
        self._changed()
        return super().pop(*args)

    def popitem(self) -> tuple[str, float | None]:
        self._changed()
        return super().popitem()

    def setdefault(self, key: str, default: float | None = None) -> float | None:
        self._changed()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def __ior__(self, other: Any) -> Verdicts:  # type: ignore[override,misc]
        super().__ior__(other)
        self._changed()
        return self


@dataclasses.dataclass(slots=True)
class _DocumentScores:
    """The last presentation's rescorings of one document, valid for one state of the
    feedback store (`store`: its folder, identity and generation)."""

    store: tuple[object, ...]
    by_id: dict[int, _Rescored] = dataclasses.field(default_factory=dict)
    doc: Document | None = None  # the document, its edit serial and length at that presentation
    serial: int = -1
    size: int = 0


class Rescorer:
    """The rescoring state: the folders' feedback stores (opened by LLMState), the model's
    verdicts, and the last presentation's answers per document."""

    def __init__(self) -> None:
        self.stores: dict[Path | None, FeedbackStore] = {}
        self.verdicts = Verdicts()  # fingerprint -> P(true positive)
        self._scores: dict[str, _DocumentScores] = {}  # uri -> the last rescoring (rescore_all)
        # (store state, rule, confidence parts, verdict) -> the new (confidence, parts), None: as is
        self._blends: dict[tuple[object, ...], Blend | None] = {}

    def forget_scores(self, uri: str | None = None) -> None:
        if uri is None:
            self._scores.clear()
            self._blends.clear()
        else:
            self._scores.pop(uri, None)

    def stamp(self, analysis: DocumentAnalysis) -> tuple[object, ...]:
        """What a finding's rescoring depends on besides the finding and the text of its
        line and span (the feedback store's state, the verdicts): while the stamp is equal,
        a finding unchanged, or moved with its line, is rescored as before (the editor's
        publish reuses its presented diagnostic then: lsp/presenting.py)."""
        folder = analysis.ctx.root
        store = self.stores.get(folder)
        store_state = (folder, id(store), store.generation) if store is not None else (folder,)
        return store_state, id(self.verdicts), self.verdicts.serial

    @staticmethod
    def project(folder: Path | None) -> str:
        return str(folder) if folder else ""

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
