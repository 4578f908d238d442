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
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document, Edit
from codie.core.findings import Finding

log = logging.getLogger(__name__)

Span = tuple[int, int]  # closed byte interval [start, end]
# An analyzer call that takes longer than this disables the analyzer for the document: one
# slow pass is paid once, not on every keystroke. It is counted in CPU seconds of the
# analysing thread, not on the wall clock: a busy machine, or another thread holding the
# GIL, must not turn analyzers off (that made tests and editors flaky under load). It
# grows with the text analysed (per LIMIT_BYTES): a linear analyzer is kept on a big
# file; a super-linear one still goes past it. Analyzers never block on I/O.
DEFAULT_TIME_LIMIT = 2.0
LIMIT_BYTES = 250_000  # ~7,000 lines of typical Python per DEFAULT_TIME_LIMIT


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


@dataclass(slots=True)
class _Group:
    """The findings that incremental analyzers produced for one top-level statement.

    Findings are attributed to the statement that produced them (not to a position), so a
    zero-width finding on the boundary of two statements is never claimed by the wrong one.
    They are stored relative to the statement's start: an edit above only moves `start`.
    """

    start: int
    end: int  # exclusive, like tree-sitter's end_byte
    relative: list[Finding]
    _absolute: list[Finding] | None = None
    _absolute_at: int = -1

    @classmethod
    def of(cls, start: int, end: int, findings: list[Finding]) -> _Group:
        return cls(start, end, [f.shifted(0, -start) for f in findings] if start else findings)

    def findings(self) -> list[Finding]:
        if self._absolute is None or self._absolute_at != self.start:
            self._absolute = [f.shifted(0, self.start) for f in self.relative] if self.start else self.relative
            self._absolute_at = self.start
        return self._absolute


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
        mine = [a for a in analyzers if lang in a.languages]
        self.incremental = [a for a in mine if a.incremental]
        # Slow whole-file analyzers declare `deferred = True`: an editor runs them on a
        # snapshot off the event loop once typing pauses (see run_deferred/apply_deferred).
        self.deferred = [a for a in mine if not a.incremental and a.deferred]
        self.whole = [a for a in mine if not a.incremental and a not in self.deferred]
        self.failures = AnalyzerFailure()
        self._on_error = on_error
        self.time_limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
        # Crash recovery: analyzers turned off for this document, name -> why. Their
        # findings are recomputed away (invalidate), so incremental == full still holds.
        self.disabled: dict[str, str] = {}
        self._reset = False
        self._groups: list[_Group] = []
        self._whole_findings: dict[str, list[Finding]] = {}
        # edits (start, old end, delta) since the whole-document analyzers last ran: their
        # findings are mapped through them only when asked for mid-analysis (findings())
        self._whole_edits: list[tuple[int, int, int]] = []
        self._deferred_findings: list[Finding] = []
        self.dirty: list[Span] = [(0, len(ctx.doc.source))]
        self.whole_dirty = True
        self.deferred_dirty = bool(self.deferred)
        self.analysed = False  # the findings were current once (since the last invalidate)

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
        self.deferred = [a for a in self.deferred if a.name not in self.disabled]
        self._reset = False
        self._groups = []
        self._whole_findings = {}
        self._whole_edits = []
        self._deferred_findings = []
        self.dirty = [(0, len(self.doc.source))]
        self.whole_dirty = True
        self.deferred_dirty = bool(self.deferred)
        self.analysed = False

    # edits --------------------------------------------------------------------------------
    def note_edit(self, edit: Edit) -> None:
        """Shift what survives an edit that the document has already applied.

        Groups touching the edit are dropped and their region becomes dirty.
        """
        lo, hi, delta = edit.start, edit.old_end, edit.delta

        def move(p: int) -> int:
            return p + delta if p >= hi else min(p, edit.new_end) if p > lo else p

        dirty: list[Span] = [(move(s), move(e)) for s, e in self.dirty]
        groups = self._groups
        # groups are sorted and disjoint: everything before `first` ends before the edit
        first = bisect_left(groups, lo, key=lambda g: g.end)
        last = first
        while last < len(groups) and groups[last].start <= hi:
            g = groups[last]
            dirty.append((move(g.start), move(g.end)))
            last += 1
        tail = groups[last:]
        if delta:
            for g in tail:
                g.start += delta
                g.end += delta
        self._groups = groups[:first] + tail
        dirty.append((max(0, lo - 1), edit.new_end + 1))
        self.dirty = dirty
        self.whole_dirty = True
        if self._whole_findings:
            self._whole_edits.append((lo, hi, delta))
        if self.deferred:
            # until the deferred analyzers run again, keep what they found away from the edit
            self._deferred_findings = [
                f.shifted(hi, delta) if delta else f for f in self._deferred_findings if not f.touches(lo, hi)
            ]
            self.deferred_dirty = True

    def note_changed_ranges(self, ranges: Sequence[Span]) -> None:
        self.dirty.extend(ranges)

    # analysis -----------------------------------------------------------------------------
    def _run(self, analyzer: Analyzer, nodes: Sequence[Node], size: int) -> list[Finding]:
        """analyzer.analyze(nodes); `size` is the bytes they span (for the time limit)."""
        if analyzer.name in self.disabled:
            return []
        started = time.thread_time()
        try:
            found = list(analyzer.analyze(self.ctx, nodes))
        except Exception as exc:  # a broken rule must never take the others down
            self.failures.record(analyzer, exc)
            self._disable(analyzer, f"it raised {type(exc).__name__}: {exc}")
            if self._on_error is not None:
                self._on_error(analyzer, exc)
            return []
        used = time.thread_time() - started
        limit = self.limit_for(size)
        if used > limit:
            log.warning("analyzer %s used %.2fs of CPU on %s", analyzer.name, used, self.doc.uri)
            self._disable(analyzer, f"it used {used:.1f}s of CPU (limit {limit:.3g}s)")
            return []
        return found

    def limit_for(self, size: int) -> float:
        """The CPU seconds one call may take on `size` bytes (see DEFAULT_TIME_LIMIT)."""
        return self.time_limit * max(1.0, size / LIMIT_BYTES)

    def _disable(self, analyzer: Analyzer, reason: str) -> None:
        """Turn the analyzer off for this document; recompute without it after this step."""
        self.disabled[analyzer.name] = reason
        self._reset = True

    def _next_statement(self) -> Node | None:
        tree = self.doc.tree
        if tree is None:
            return None
        root = tree.root_node
        last = root.child(root.child_count - 1) if root.child_count else None
        self.dirty.sort()
        while self.dirty:
            s, e = self.dirty[0]
            # the first statement ending at or after s. first_child_for_byte returns a
            # bogus null node (not None) when no child ends after the offset (tree-sitter
            # 0.26.1; touching it segfaults), so check against the last child first.
            probe = max(0, s - 1)
            child = root.first_child_for_byte(probe) if last and probe < last.end_byte else None
            if child is not None and child.start_byte <= e:
                return child
            # no statement covers this range any more (error recovery can leave bytes
            # outside every top-level node): what was found there is gone
            self._groups = [g for g in self._groups if not (g.start <= e and s < g.end)]
            self.dirty.pop(0)
        return None

    def _analyze_statement(self, node: Node) -> None:
        s, e = node.start_byte, node.end_byte
        groups = self._groups
        first = bisect_left(groups, s, key=lambda g: g.end)
        while first < len(groups) and groups[first].end == s and groups[first].start < s:
            first += 1  # merely adjacent before this statement
        last = first
        while last < len(groups) and (groups[last].start < e or groups[last].start == s):
            last += 1
        dropped = groups[first:last]
        found: list[Finding] = []
        for analyzer in self.incremental:
            found.extend(self._run(analyzer, [node], e - s))
        groups[first:last] = [_Group.of(s, e, found)]
        # what the dropped groups covered beyond this statement must be looked at again
        rest: list[Span] = [(g.start, g.end) for g in dropped if g.start < s or g.end > e]
        for ds, de in self.dirty:
            if not _touches((ds, de), (s, e)):
                rest.append((ds, de))
                continue
            if ds < s:
                rest.append((ds, s - 1))
            if de > e:
                rest.append((e + 1, de))
        self.dirty = [(a, b) for a, b in rest if not (s <= a and b <= e)]

    def step(self, budget: float = 0.005) -> bool:
        """Do up to `budget` seconds of work; True when the findings are current."""
        deadline = time.perf_counter() + budget
        # the document reparses lazily (once per burst of edits): take what changed
        self.note_changed_ranges(self.doc.reparse())
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
            size = len(self.doc.source)
            self._whole_findings = {a.name: self._run(a, nodes, size) for a in tuple(self.whole)}
            self._whole_edits = []
            self.whole_dirty = False
            if self._reset:
                self.invalidate()
                return False
        self.analysed = True
        return True

    def run(self) -> list[Finding]:
        """Everything, now: the headless path (deferred analyzers run inline too)."""
        while not self.step(budget=3600.0):
            pass
        if self.deferred_dirty:
            self.apply_deferred(self.doc.source, self.run_deferred(self.ctx))
        return self.findings()

    def run_deferred(self, ctx: Context) -> list[Finding]:
        """The deferred analyzers' findings for ctx (a snapshot's context); thread-safe."""
        found: list[Finding] = []
        nodes = ctx.doc.top_level()
        for analyzer in self.deferred:
            if analyzer.name in self.disabled:
                continue
            try:
                found.extend(analyzer.analyze(ctx, nodes))
            except Exception as exc:
                self.failures.record(analyzer, exc)
                # off the event loop, slowness is expected: only a crash disables it
                self.disabled.setdefault(analyzer.name, f"it raised {type(exc).__name__}: {exc}")
                if self._on_error is not None:
                    self._on_error(analyzer, exc)
        return found

    def apply_deferred(self, source: bytes, found: list[Finding]) -> bool:
        """Take results computed for `source`; refused if the document changed since."""
        if source is not self.doc.source and source != self.doc.source:
            return False
        self._deferred_findings = found
        self.deferred_dirty = False
        return True

    def findings(self) -> list[Finding]:
        """The findings, in the current text's offsets, also mid-analysis (a hover does not
        wait for the latest keystroke's analysis): what an edit touched is left out until
        analysed again."""
        if self._whole_edits:  # only mid-analysis: the whole analyzers' run clears them
            for lo, hi, delta in self._whole_edits:
                self._whole_findings = {
                    name: [f.shifted(hi, delta) if delta else f for f in items if not f.touches(lo, hi)]
                    for name, items in self._whole_findings.items()
                }
            self._whole_edits = []
        found = [f for g in self._groups for f in g.findings()]
        for items in self._whole_findings.values():
            found.extend(items)
        found.extend(self._deferred_findings)
        found.sort(key=Finding.sort_key)
        return found


def analyze(ctx: Context, analyzers: Sequence[Analyzer]) -> list[Finding]:
    """A full analysis of one document (headless: no time limit, nobody is typing)."""
    return DocumentAnalysis(ctx, analyzers, time_limit=math.inf).run()
