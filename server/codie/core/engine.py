"""The engine: runs analyzers over a document, incrementally after edits.

After an edit, findings that touch the edited bytes are dropped and the others shift;
the edited span (widened by a byte each side) and tree-sitter's changed ranges become
"dirty". Incremental analyzers then re-run only on the top-level statements that touch
a dirty range; whole-document analyzers re-run on the whole document. Work is done in
steps with a time budget so that the LSP event loop can interleave new edits.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document, Edit
from codie.core.findings import Finding

log = logging.getLogger(__name__)

Span = tuple[int, int]  # closed byte interval [start, end]
# An analyzer call that takes longer than this (seconds) disables the analyzer for the
# document: one slow pass is paid once, not on every keystroke.
DEFAULT_TIME_LIMIT = 2.0


def _touches(a: Span, b: Span) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


class AnalyzerFailure:
    """Remember analyzers that raised, so that users can be told once (see crash recovery)."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def record(self, analyzer: Analyzer, exc: BaseException) -> None:
        if analyzer.name not in self.errors:
            log.exception("analyzer %s failed; it is disabled for this document", analyzer.name)
        self.errors[analyzer.name] = f"{type(exc).__name__}: {exc}"


class DocumentAnalysis:
    """The findings of one document, kept current as it is edited."""

    def __init__(
        self,
        ctx: Context,
        analyzers: Sequence[Analyzer],
        on_error: Callable[[Analyzer, BaseException], None] | None = None,
        *,
        time_limit: float | None = None,
    ) -> None:
        self.ctx = ctx
        lang = ctx.doc.language
        self.incremental = [a for a in analyzers if a.incremental and lang in a.languages]
        self.whole = [a for a in analyzers if not a.incremental and lang in a.languages]
        self.failures = AnalyzerFailure()
        self._on_error = on_error
        self.time_limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
        # Crash recovery: analyzers turned off for this document, name -> why. Their
        # findings are recomputed away (invalidate), so incremental == full still holds.
        self.disabled: dict[str, str] = {}
        self._reset = False
        self._statement_findings: list[Finding] = []
        self._whole_findings: dict[str, list[Finding]] = {}
        self.dirty: list[Span] = [(0, len(ctx.doc.source))]
        self.whole_dirty = True

    @property
    def doc(self) -> Document:
        return self.ctx.doc

    @property
    def pending(self) -> bool:
        return bool(self.dirty) or self.whole_dirty

    def invalidate(self) -> None:
        """Everything must be recomputed (new settings, a whole-document replace)."""
        self.incremental = [a for a in self.incremental if a.name not in self.disabled]
        self.whole = [a for a in self.whole if a.name not in self.disabled]
        self._reset = False
        self._statement_findings = []
        self._whole_findings = {}
        self.dirty = [(0, len(self.doc.source))]
        self.whole_dirty = True

    # edits --------------------------------------------------------------------------------
    def note_edit(self, edit: Edit) -> None:
        """Shift what survives an edit that the document has already applied."""
        span = (edit.start, edit.old_end)
        delta = edit.delta
        kept = []
        for f in self._statement_findings:
            if f.touches(*span):
                continue
            kept.append(f.shifted(edit.old_end, delta) if delta else f)
        self._statement_findings = kept
        moved: list[Span] = []
        for s, e in self.dirty:
            if e < edit.start:
                moved.append((s, e))
            elif s > edit.old_end:
                moved.append((s + delta, e + delta))
            else:  # overlapping: cover the whole new extent
                moved.append((min(s, edit.start), max(edit.new_end, e + delta)))
        moved.append((max(0, edit.start - 1), edit.new_end + 1))
        self.dirty = moved
        self.whole_dirty = True

    def note_changed_ranges(self, ranges: Sequence[Span]) -> None:
        self.dirty.extend(ranges)

    # analysis -----------------------------------------------------------------------------
    def _run(self, analyzer: Analyzer, nodes: Sequence[Node]) -> list[Finding]:
        if analyzer.name in self.disabled:
            return []
        started = time.perf_counter()
        try:
            found = list(analyzer.analyze(self.ctx, nodes))
        except Exception as exc:  # a broken rule must never take the others down
            self.failures.record(analyzer, exc)
            self._disable(analyzer, f"it raised {type(exc).__name__}: {exc}")
            if self._on_error is not None:
                self._on_error(analyzer, exc)
            return []
        elapsed = time.perf_counter() - started
        if elapsed > self.time_limit:
            log.warning("analyzer %s took %.2fs on %s", analyzer.name, elapsed, self.doc.uri)
            self._disable(analyzer, f"it ran {elapsed:.1f}s (limit {self.time_limit:g}s)")
            return []
        return found

    def _disable(self, analyzer: Analyzer, reason: str) -> None:
        """Turn the analyzer off for this document; recompute without it after this step."""
        self.disabled[analyzer.name] = reason
        self._reset = True

    def _next_statement(self) -> Node | None:
        tree = self.doc.tree
        if tree is None:
            return None
        root = tree.root_node
        self.dirty.sort()
        while self.dirty:
            s, e = self.dirty[0]
            # the first statement ending at or after s. first_child_for_byte returns a
            # bogus null node (not None) when no child ends after the offset (tree-sitter
            # 0.26.1; touching it segfaults), so check against the last child first.
            probe = max(0, s - 1)
            last = root.child(root.child_count - 1) if root.child_count else None
            child = root.first_child_for_byte(probe) if last and probe < last.end_byte else None
            if child is not None and child.start_byte <= e:
                return child
            self.dirty.pop(0)
        return None

    def _analyze_statement(self, node: Node) -> None:
        span = (node.start_byte, node.end_byte)
        self._statement_findings = [
            f for f in self._statement_findings if not span[0] <= f.start <= span[1]
        ]
        for analyzer in self.incremental:
            self._statement_findings.extend(self._run(analyzer, [node]))
        rest: list[Span] = []
        for s, e in self.dirty:
            if not _touches((s, e), span):
                rest.append((s, e))
                continue
            if s < span[0]:
                rest.append((s, span[0] - 1))
            if e > span[1]:
                rest.append((span[1] + 1, e))
        self.dirty = rest

    def step(self, budget: float = 0.005) -> bool:
        """Do up to `budget` seconds of work; True when the findings are current."""
        deadline = time.perf_counter() + budget
        if self.doc.tree is None:
            self.dirty = []
        while self.dirty:
            node = self._next_statement()
            if node is None:
                break
            self._analyze_statement(node)
            if self._reset:  # an analyzer was disabled: start over without it
                self.invalidate()
            if time.perf_counter() > deadline and self.dirty:
                return False
        if self.whole_dirty:
            nodes = self.doc.top_level()
            self._whole_findings = {a.name: self._run(a, nodes) for a in tuple(self.whole)}
            self.whole_dirty = False
            if self._reset:
                self.invalidate()
                return False
        return True

    def run(self) -> list[Finding]:
        while not self.step(budget=3600.0):
            pass
        return self.findings()

    def findings(self) -> list[Finding]:
        found = list(self._statement_findings)
        for items in self._whole_findings.values():
            found.extend(items)
        found.sort(key=Finding.sort_key)
        return found


def analyze(ctx: Context, analyzers: Sequence[Analyzer]) -> list[Finding]:
    """A full analysis of one document (headless: no time limit, nobody is typing)."""
    return DocumentAnalysis(ctx, analyzers, time_limit=math.inf).run()
