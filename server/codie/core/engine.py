"""The engine: runs analyzers over a document, incrementally after edits.

After an edit, findings that touch the edited bytes are dropped and the others shift;
the edited span (widened by a byte each side) and tree-sitter's changed ranges become
"dirty". Incremental analyzers then re-run only on the top-level statements that touch
a dirty range; whole-document analyzers re-run on the whole document. Work is done in
steps with a time budget so that the LSP event loop can interleave new edits: between
top-level statements, and between the units (functions) of a whole-document analyzer that
marks them (core.analyzer.Unit), whose pass is then paused and resumed across steps.

Budgets degrade one unit, never the file, and never silently. A unit is a top-level
statement for incremental analyzers and whatever a whole-document analyzer marks (usually
a function; the whole file when it marks nothing). When an analyzer goes over its budget
on a unit (it says so itself: OverBudget or Unit.skipped, counted and so deterministic; or
it overflowed the stack; or it used more CPU than `limit_for` the unit's size), its
findings there are replaced by one ANA002 that names the analyzer and the unit, and it
keeps running on every other unit. The verdict is remembered by the unit's text, so the
unit is not paid for again on every keystroke and a cache that makes the second pass fast
cannot flip it. Only a crash (any other exception) turns an analyzer off for the document
(reported as CFG010 by the presenting step).
"""

from __future__ import annotations

import logging
import math
import operator
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

from tree_sitter import Node, Tree

from codie.core.analyzer import Analyzer, Context, OverBudget, Unit
from codie.core.document import Document, Edit
from codie.core.findings import SORT_KEY, Finding

log = logging.getLogger(__name__)

Span = tuple[int, int]  # closed byte interval [start, end]
# The CPU time one analyzer may spend on one unit (a top-level statement, a function it
# marks, or the file) before that unit is reported as not analysed (ANA002). Counted in
# CPU seconds of the analysing thread, not on the wall clock: a busy machine, or another
# thread holding the GIL, must not change findings (that made tests and editors flaky
# under load). It grows with the text of the unit (per LIMIT_BYTES): a linear analyzer is
# kept on a big file; a super-linear one still goes past it. Analyzers never block on I/O.
# Headless runs have no time limit (time_limit=inf): only counted budgets apply there.
DEFAULT_TIME_LIMIT = 2.0
LIMIT_BYTES = 250_000  # ~7,000 lines of typical Python per DEFAULT_TIME_LIMIT
BUDGET_RULE = "ANA002"
FILE_UNIT = "this file"
FILE_KEY = -1  # the key of a whole-file verdict: hash() never returns -1
CPU_MARK_AGE = 0.01  # seconds on the wall clock between two reads of the CPU clock at most (_run_timed)
MAX_VERDICTS = 4096  # remembered over-budget units per document (a bound, not a budget)


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


def unit_name(doc: Document, node: Node) -> str:
    """How a person finds a top-level statement: "function `f`", "class `C`", or its line."""
    inner = node.child_by_field_name("definition") if node.type == "decorated_definition" else node
    if inner is not None and inner.type in ("function_definition", "class_definition"):
        name = inner.child_by_field_name("name")
        if name is not None:
            kind = "function" if inner.type == "function_definition" else "class"
            return f"{kind} `{doc.source[name.start_byte : name.end_byte].decode('utf-8', 'replace')}`"
    # its own text, not its line: a finding of a top-level statement moves with it (an edit
    # above shifts it), so what it says may depend only on the statement's text
    first = doc.source[node.start_byte : node.end_byte].split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return f"the statement `{first[:40]}{'...' if len(first) > 40 else ''}`"


@dataclass(slots=True)
class _Pass:
    """A whole-document analyzer's pass in progress: paused between units across steps."""

    analyzer: Analyzer
    items: Iterator[Finding | Unit]
    found: list[Finding]
    degraded: list[tuple[Unit, str]]
    cpu: float = 0.0  # CPU seconds since the last Unit mark (pauses excluded)
    unplaced: float = 0.0  # CPU seconds of work marked with an empty span: the file's


@dataclass(slots=True)
class _Group:
    """The findings that incremental analyzers produced for one top-level statement.

    Findings are attributed to the statement that produced them (not to a position), so a
    zero-width finding on the boundary of two statements is never claimed by the wrong one.
    They are stored as found, when the statement started at `origin`; an edit above only
    moves the group (see _Groups: `start` and `end` are stored, the group's place is them
    plus the moves pending where it sits), and their offsets from `origin` on move with it.
    Offsets before `origin` stay: a fix that adds an import at the top of the file points
    there, not into the statement (the analyzer's file context says where the imports end;
    see Analyzer.file_context).
    `counts` says how many of them each incremental analyzer produced, in the engine's order,
    so that one analyzer's part can be replaced alone (see DocumentAnalysis._refresh).
    """

    start: int
    end: int  # exclusive, like tree-sitter's end_byte
    found: list[Finding]
    counts: tuple[int, ...] = ()
    origin: int = 0
    _absolute: list[Finding] | None = None
    _absolute_at: int = -1

    @classmethod
    def of(cls, start: int, end: int, findings: list[Finding], counts: tuple[int, ...] = ()) -> _Group:
        return cls(start, end, findings, counts, start)

    def replace(self, index: int, findings: list[Finding], moved: int) -> None:
        """Put `findings` (offsets in the current text) in place of analyzer `index`'s part
        (`moved`: the moves pending where the group sits, see _Groups)."""
        at = sum(self.counts[:index])
        current = self.findings(moved)
        self.found = current[:at] + findings + current[at + self.counts[index] :]
        self.origin = self.start + moved
        self.counts = (*self.counts[:index], len(findings), *self.counts[index + 1 :])
        self._absolute = None

    def findings(self, moved: int) -> list[Finding]:
        """The findings at the group's place now (`moved`: as for replace). Copied when the
        group moved since they were last asked for (an edit above): once per move, not once
        per edit, since a move is only applied when read."""
        start = self.start + moved
        if self._absolute is None or self._absolute_at != start:
            delta = start - self.origin
            self._absolute = [f.shifted(self.origin, delta) for f in self.found] if delta else self.found
            self._absolute_at = start
        return self._absolute


_HAS_FOUND = operator.attrgetter("found")  # a group with findings (a non-empty list)
_START = operator.attrgetter("start")
_END = operator.attrgetter("end")
MAX_MARKS = 16  # pending moves kept before they are applied to every group (_Groups)


class _Groups:
    """The per-statement groups of a document, sorted and disjoint, with the moves of the
    edits above them pending.

    An edit moves every group below it. Moving each one on every keystroke was a Python loop
    over the groups below the edit (~200 on the 6,862-line benchmark file, ~4,000 opcodes a
    keystroke). Instead the moves are marks: `_at` (sorted group indices) and `_by` (the
    bytes the groups from that index on have moved, all marks before it included). A group's
    place is its stored `start`/`end` plus the `_by` of the last mark at or before its index.
    An edit adds or updates one mark (typing in one place updates the same one, and an edit
    typed away again removes it); a splice moves the marks after it by index. Past
    MAX_MARKS the moves are applied to the groups they cover, once, and forgotten.
    """

    __slots__ = ("_at", "_by", "items")

    def __init__(self) -> None:
        self.items: list[_Group] = []
        self._at: list[int] = []
        self._by: list[int] = []

    def __len__(self) -> int:
        return len(self.items)

    def moved(self, i: int) -> int:
        """How far the group at index i has moved from its stored place."""
        k = bisect_right(self._at, i)
        return self._by[k - 1] if k else 0

    def start(self, i: int) -> int:
        return self.items[i].start + self.moved(i)

    def end(self, i: int) -> int:
        return self.items[i].end + self.moved(i)

    def _segments(self) -> Iterator[tuple[int, int, int]]:
        """(first index, index after the last, moved) of each run of groups moved alike."""
        at, by, n = self._at, self._by, len(self.items)
        if not at:
            yield 0, n, 0
            return
        yield 0, at[0], 0
        for k in range(len(at)):
            yield at[k], at[k + 1] if k + 1 < len(at) else n, by[k]

    def bisect(self, x: int, key: Callable[[_Group], int], right: bool = False) -> int:
        """bisect_left (bisect_right) of the groups by the place `key` reads (start or end):
        the groups' places are sorted, so is each run's stored values."""
        find = bisect_right if right else bisect_left
        for a, b, moved in self._segments():
            if a < b:
                j = find(self.items, x - moved, a, b, key=key)
                if j < b:
                    return j
        return len(self.items)

    def splice(self, a: int, b: int, new: list[_Group]) -> list[_Group]:
        """Put `new` (at their places now) in place of the groups [a, b); the ones removed,
        at their places now."""
        items = self.items
        moved = self.moved(a)
        gone = items[a:b]
        for i, g in enumerate(gone, a):
            shift = self.moved(i)
            if shift:
                g.start += shift
                g.end += shift
        for g in new:
            g.start -= moved
            g.end -= moved
        items[a:b] = new
        grown = len(new) - (b - a)
        at, by = self._at, self._by
        if at and at[-1] > a:
            # marks inside the spliced range now mark the groups after it (the last one
            # holds for them); marks after it move by the change in count
            p = bisect_right(at, a)
            q = bisect_right(at, b)
            inside = q - p
            if inside:
                last_by = by[q - 1]
                del at[p:q], by[p:q]
                at.insert(p, a + len(new))
                by.insert(p, last_by)
                q = p + 1
            for k in range(q, len(at)):
                at[k] += grown
            self._tidy()
        return gone

    def shift_from(self, i: int, delta: int) -> None:
        """Every group from index i on moved by `delta` bytes (an edit before them)."""
        at, by = self._at, self._by
        p = bisect_left(at, i)
        if p == len(at) or at[p] != i:
            at.insert(p, i)
            by.insert(p, by[p - 1] if p else 0)
        for k in range(p, len(by)):
            by[k] += delta
        self._tidy()
        if len(at) > MAX_MARKS:
            self.settle()

    def _tidy(self) -> None:
        """Drop marks that move nothing more than the one before (or past the last group)."""
        at, by, n = self._at, self._by, len(self.items)
        k = 0
        while k < len(at):
            if at[k] >= n or by[k] == (by[k - 1] if k else 0) or (k + 1 < len(at) and at[k + 1] == at[k]):
                del at[k], by[k]
            else:
                k += 1

    def settle(self) -> None:
        """Apply the pending moves to the groups and forget them."""
        for a, b, moved in list(self._segments()):
            if moved:
                for g in self.items[a:b]:
                    g.start += moved
                    g.end += moved
        self._at.clear()
        self._by.clear()

    def found(self) -> list[Finding]:
        """The findings of every group, at their places now, in the groups' order."""
        items = self.items
        found: list[Finding] = []
        for a, b, moved in self._segments():
            # (most top-level statements have no findings: skipping their groups here, in
            # C, not one Python iteration each, is most of this call's time on a large file)
            for g in filter(_HAS_FOUND, items[a:b] if a or b < len(items) else items):
                found.extend(g.findings(moved))
        return found


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
        self._groups = _Groups()
        self._whole_findings: dict[str, list[Finding]] = {}
        # edits (start, old end, delta) since the oldest of the whole-document analyzers'
        # findings; each analyzer's are current up to its count in _whole_seen (0 if absent).
        # They are moved through the rest only when asked for mid-analysis (findings()): a
        # keystroke re-runs every whole-document pass, and moving the findings each pass
        # was about to replace cost ~0.2 ms a keystroke on a large file.
        self._whole_edits: list[tuple[int, int, int]] = []
        self._whole_seen: dict[str, int] = {}
        self._deferred_findings: list[Finding] = []
        # units over budget: (analyzer, hash of the unit's text) -> why. Kept across
        # invalidate(): the same text is over the same budget (see the module docstring).
        self.over_budget: dict[tuple[str, int], str] = {}
        # (perf_counter, thread_time) read together: see _run_timed
        self._cpu_mark = (-math.inf, 0.0)
        self._pass: _Pass | None = None
        self._top: tuple[Tree | None, tuple[Node, ...]] | None = None  # see _top_level
        self._whole_at = 0  # index in self.whole of the analyzer whose pass is next
        # File contexts (Analyzer.file_context) as last seen, by analyzer name; the analyzers
        # whose context changed since their statements were analysed, and how far (a byte
        # offset in the current text) their statements have been analysed again.
        self._contexts: dict[str, Hashable] = {}
        self._stale: set[str] = set()
        self._stale_from = 0
        self.dirty: list[Span] = [(0, len(ctx.doc.source))]
        self.whole_dirty = True
        self.deferred_dirty = bool(self.deferred)
        self.analysed = False  # the findings were current once (since the last invalidate)
        # set by an editor that publishes the per-statement findings first: the step that
        # finishes the statements returns there, before starting a whole-document pass
        # (whose first unit can take tens of ms); cleared when used
        self.pause_before_whole = False

    @property
    def doc(self) -> Document:
        return self.ctx.doc

    @property
    def pending(self) -> bool:
        return bool(self.dirty) or self.whole_dirty

    @property
    def statements_current(self) -> bool:
        """The per-statement (incremental) analyzers' findings are current for this text;
        whole-document passes may still be due (see statement_findings)."""
        return not self.dirty and not self._stale

    def statement_findings(self) -> list[Finding]:
        """The per-statement analyzers' findings alone: once statements_current, exactly
        their part of findings() when the analysis completes (an editor's first publish)."""
        found = self._groups.found()
        found.sort(key=SORT_KEY)
        return found

    def invalidate(self) -> None:
        """Everything must be recomputed (new settings, a whole-document replace)."""
        self.incremental = [a for a in self.incremental if a.name not in self.disabled]
        self.whole = [a for a in self.whole if a.name not in self.disabled]
        self.deferred = [a for a in self.deferred if a.name not in self.disabled]
        self._reset = False
        self._groups = _Groups()
        self._whole_findings = {}
        self._whole_edits = []
        self._whole_seen = {}
        self._deferred_findings = []
        self._restart_whole()
        self._stale = set()
        self._contexts = {}  # everything is analysed again under the context of the next step
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
        first = groups.bisect(lo, _END)
        last = first
        while last < len(groups) and groups.start(last) <= hi:
            last += 1
        for g in groups.splice(first, last, []):
            dirty.append((move(g.start), move(g.end)))
        if delta:
            groups.shift_from(first, delta)  # (applied when read: see _Groups)
        dirty.append((max(0, lo - 1), edit.new_end + 1))
        self.dirty = dirty
        self.whole_dirty = True
        if self._stale and self._stale_from > lo:
            self._stale_from = max(0, lo - 1)  # the statements from the edit on: again
        self._restart_whole()  # a paused pass read the old text
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
    def _crashed(self, analyzer: Analyzer, exc: Exception) -> None:
        self.failures.record(analyzer, exc)
        self._disable(analyzer, f"it raised {type(exc).__name__}: {exc}")
        if self._on_error is not None:
            self._on_error(analyzer, exc)

    def _verdict(self, analyzer: Analyzer, start: int, end: int) -> tuple[str, int]:
        return analyzer.name, hash(self.doc.source[start:end])

    def _remember(self, key: tuple[str, int], reason: str) -> None:
        if len(self.over_budget) >= MAX_VERDICTS:
            self.over_budget.pop(next(iter(self.over_budget)))
        self.over_budget[key] = reason

    def budget_finding(self, analyzer: str, unit: str, start: int, end: int, reason: str) -> Finding:
        """The one ANA002 that stands for an analyzer's findings in a unit over budget."""
        line_end = self.doc.source.find(b"\n", start, end)
        rest = "the other analyzers still ran" if unit == FILE_UNIT else "the rest of the file was analysed"
        return self.ctx.report(
            BUDGET_RULE,
            start,
            end if line_end < 0 else line_end,
            f"Not analysed by `{analyzer}` in {unit}: {reason}; its findings there are not shown ({rest})",
            notes=[f"{analyzer} went over its budget in {unit}: {reason}"],
            data={"analyzer": analyzer, "unit": unit, "reason": reason},
        )

    def _over_time(self, used: float, size: int) -> str:
        limit = self.limit_for(size)
        # the figure used is logged, not shown: it varies from run to run, the finding must not
        if used > limit:
            log.info("analyzer used %.2fs of CPU on one unit of %s (limit %.3gs)", used, self.doc.uri, limit)
            return f"it used more than {limit:.3g}s of CPU"
        return ""

    def _run_statement(self, analyzer: Analyzer, node: Node) -> list[Finding]:
        """An incremental analyzer on one top-level statement, within the statement's budget."""
        return self._run_timed(analyzer, node, time.perf_counter())[0]

    def _run_timed(self, analyzer: Analyzer, node: Node, started: float) -> tuple[list[Finding], float]:
        """_run_statement from the wall clock's (perf_counter's) reading `started`; also the
        reading after it (the next analyzer's start: one clock read per analyzer, not two).

        The limit is on CPU time, but the CPU clock is a system call (~0.5 us; ~4 us on a
        virtual machine, where opening a file of 400 statements spent ~13 ms in 3,200 of
        them): a thread's CPU time grows no faster than the wall clock, so a call within the
        limit on the wall clock (perf_counter: no system call) is within it in CPU time, and
        the CPU clock is read only after a call that was not. Its reading from before the
        call is then at most CPU_MARK_AGE old (the verdict may count that much more CPU than
        the call's own: nothing under time_limit - CPU_MARK_AGE is ever over)."""
        if analyzer.name in self.disabled:
            return [], started
        if started - self._cpu_mark[0] > CPU_MARK_AGE:
            self._cpu_mark = (started, time.thread_time())
        s, e = node.start_byte, node.end_byte
        # (hashed only when some unit is over budget: the common case pays nothing)
        reason = self.over_budget.get(self._verdict(analyzer, s, e), "") if self.over_budget else ""
        if not reason:
            try:
                found = [f for f in analyzer.analyze(self.ctx, [node]) if isinstance(f, Finding)]
            except OverBudget as exc:
                reason = str(exc) or "it gave up (its own budget)"
            except RecursionError:
                reason = "nested too deeply for the analyzer's stack"
            except Exception as exc:  # a broken rule must never take the others down
                self._crashed(analyzer, exc)
                return [], time.perf_counter()
            else:
                ended = time.perf_counter()
                # (limit_for(size) is never below time_limit: most statements need no call)
                if ended - started > self.time_limit:
                    cpu = time.thread_time()
                    used = cpu - self._cpu_mark[1]
                    self._cpu_mark = (ended, cpu)
                    reason = self._over_time(used, e - s) if used > self.time_limit else ""
                if not reason:
                    return found, ended
            log.info("analyzer %s over budget in %s: %s", analyzer.name, self.doc.uri, reason)
            self._remember(self._verdict(analyzer, s, e), reason)
        finding = self.budget_finding(analyzer.name, unit_name(self.doc, node), s, e, reason)
        return [finding], time.perf_counter()

    def _restart_whole(self) -> None:
        if self._pass is not None:
            close = getattr(self._pass.items, "close", None)
            if close is not None:
                close()  # let a generator's finally run now, not at garbage collection
        self._pass = None
        self._whole_at = 0

    def _step_whole(self, deadline: float) -> bool:
        """Advance the whole-document analyzers' passes until done (True) or past deadline."""
        size = len(self.doc.source)
        while self._whole_at < len(self.whole):
            analyzer = self.whole[self._whole_at]
            if self._pass is None:
                file_key = (analyzer.name, FILE_KEY)  # a whole-file verdict sticks (see _finish_pass)
                if analyzer.name in self.disabled:
                    self._whole_at += 1
                    continue
                if file_key in self.over_budget:
                    reason = self.over_budget[file_key]
                    self._set_whole(analyzer.name, [self.budget_finding(analyzer.name, FILE_UNIT, 0, 0, reason)])
                    self._whole_at += 1
                    continue
                self._pass = self._start_pass(analyzer, self._top_level())
                if self._pass is None:  # it crashed before its first step
                    return True
            if not self._advance(self._pass, deadline):
                return False
            if self._reset:  # it crashed
                return True
            self._set_whole(analyzer.name, self._finish_pass(self._pass, size))
            self._pass = None
            self._whole_at += 1
        self._map_whole_through_edits()  # (usually none left behind: forgets the edits)
        return True

    def _set_whole(self, name: str, found: list[Finding]) -> None:
        """A whole-document analyzer's findings, in the current text's offsets."""
        self._whole_findings[name] = found
        self._whole_seen[name] = len(self._whole_edits)

    def _top_level(self) -> Sequence[Node]:
        """The top-level statements, listed once per tree for all whole-document analyzers
        (each listing makes a node object per statement of the file)."""
        tree = self.doc.tree
        if self._top is None or self._top[0] is not tree:
            self._top = (tree, tuple(self.doc.top_level()))
        return self._top[1]

    def _start_pass(self, analyzer: Analyzer, nodes: Sequence[Node]) -> _Pass | None:
        started = time.thread_time()
        try:
            items: Iterable[Finding | Unit] = analyzer.analyze(self.ctx, nodes)
        except Exception as exc:
            self._crashed(analyzer, exc)
            return None
        return _Pass(analyzer, iter(items), [], [], time.thread_time() - started)

    def _advance(self, p: _Pass, deadline: float) -> bool:
        """Run the pass until it ends (True) or the step's time is up (False: paused)."""
        analyzer = p.analyzer
        while True:
            started = time.thread_time()
            try:
                item = next(p.items, None)
            except RecursionError:
                # the analyzer cannot go on: the file is its unit (tried again after an edit)
                p.cpu += time.thread_time() - started
                p.found = []
                p.degraded = []
                reason = "nested too deeply for the analyzer's stack"
                p.degraded.append((Unit(FILE_UNIT, 0, 0), reason))
                return True
            except Exception as exc:
                self._crashed(analyzer, exc)
                return True
            p.cpu += time.thread_time() - started
            if item is None:
                return True
            if isinstance(item, Finding):
                p.found.append(item)
                continue
            if item.start >= item.end and not item.skipped:
                # a checkpoint (work with no span of its own, like module-level code): it may
                # pause here; its time counts towards the file's unit
                p.unplaced += p.cpu
                p.cpu = 0.0
                if time.perf_counter() > deadline:
                    return False
                continue
            key = self._verdict(analyzer, item.start, item.end) if self.over_budget or item.skipped else None
            reason = item.skipped or (self.over_budget.get(key, "") if key else "")
            reason = reason or self._over_time(p.cpu, item.end - item.start)
            p.cpu = 0.0
            if reason:
                self._remember(key or self._verdict(analyzer, item.start, item.end), reason)
                p.degraded.append((item, reason))
            if time.perf_counter() > deadline:
                return False

    def _finish_pass(self, p: _Pass, size: int) -> list[Finding]:
        """The pass's findings, with each unit over budget replaced by its ANA002."""
        name = p.analyzer.name
        tail = self._over_time(p.cpu + p.unplaced, size)  # work after the last mark: the file's unit
        if tail:
            # not remembered by text: every keystroke changes the file's text, and paying a
            # slow whole-file pass on each would freeze the editor. It sticks for the document.
            self._remember((name, FILE_KEY), tail)
            return [self.budget_finding(name, FILE_UNIT, 0, 0, tail)]
        if not p.degraded:
            return p.found
        # a finding lies inside some degraded unit exactly when the units that start at or
        # before it reach past its end: bisection over the sorted starts with the running
        # furthest end (one pass over the findings, not one per degraded unit)
        spans = sorted((unit.start, unit.end) for unit, _ in p.degraded)
        starts = [start for start, _ in spans]
        reach = list(accumulate((end for _, end in spans), max))
        kept = [f for f in p.found if not ((i := bisect_right(starts, f.start)) and f.end <= reach[i - 1])]
        return kept + [self.budget_finding(name, u.name, u.start, u.end, why) for u, why in p.degraded]

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
            # outside every top-level node): what was found there is gone. (Groups are sorted
            # and disjoint: bisect to the ones touching [s, e], usually none; a filter over
            # all of them here, once per blank line between statements, made opening a file
            # quadratic.)
            groups = self._groups
            lo = hi = groups.bisect(s, _END, right=True)
            while hi < len(groups) and groups.start(hi) <= e:
                hi += 1
            if hi > lo:
                groups.splice(lo, hi, [])
            self.dirty.pop(0)
        return None

    def _analyze_statement(self, node: Node) -> None:
        s, e = node.start_byte, node.end_byte
        groups = self._groups
        first = groups.bisect(s, _END)
        while first < len(groups) and groups.end(first) == s and groups.start(first) < s:
            first += 1  # merely adjacent before this statement
        last = first
        while last < len(groups) and ((start := groups.start(last)) < e or start == s):
            last += 1
        found: list[Finding] = []
        counts: list[int] = []
        clock = time.perf_counter()
        for analyzer in self.incremental:
            mine, clock = self._run_timed(analyzer, node, clock)
            found.extend(mine)
            counts.append(len(mine))
        dropped = groups.splice(first, last, [_Group.of(s, e, found, tuple(counts))])
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

    def _note_contexts(self) -> None:
        """Compare each incremental analyzer's file context with the one its statements were
        analysed under; where it changed, every statement is analysed again by it alone."""
        for analyzer in self.incremental:
            context_of = getattr(analyzer, "file_context", None)
            if context_of is None or analyzer.name in self.disabled:
                continue
            try:
                context = context_of(self.ctx)
            except Exception as exc:
                self._crashed(analyzer, exc)
                continue
            if analyzer.name in self._contexts and self._contexts[analyzer.name] != context:
                self._stale.add(analyzer.name)
                self._stale_from = 0
            self._contexts[analyzer.name] = context

    def _refresh(self, deadline: float) -> bool:
        """Analyse the statements again with the analyzers whose file context changed,
        replacing only their part of each statement's findings. False: past the deadline."""
        tree = self.doc.tree
        if tree is None:
            self._stale = set()
            return True
        root = tree.root_node
        last = root.child(root.child_count - 1) if root.child_count else None
        stale = [(i, a) for i, a in enumerate(self.incremental) if a.name in self._stale]
        groups = self._groups
        at = groups.bisect(self._stale_from, _START)
        while at < len(groups):
            g = groups.items[at]
            moved = groups.moved(at)
            start, end = g.start + moved, g.end + moved
            # the statement the group was made for (tree-sitter's bogus null node past the
            # last child: see _next_statement)
            node = root.first_child_for_byte(start) if last is not None and start < last.end_byte else None
            if (
                node is None
                or node.start_byte != start
                or node.end_byte != end
                or len(g.counts) != len(self.incremental)
            ):
                self.dirty.append((start, end))  # not in step with the tree: all analyzers
            else:
                for index, analyzer in stale:
                    g.replace(index, self._run_statement(analyzer, node), moved)
            at += 1
            self._stale_from = end
            if self._reset:
                return True
            if time.perf_counter() > deadline and at < len(groups):
                return False
        self._stale = set()
        return True

    def step(self, budget: float = 0.005) -> bool:
        """Do up to `budget` seconds of work; True when the findings are current."""
        deadline = time.perf_counter() + budget
        # the document reparses lazily (once per burst of edits): take what changed
        self.note_changed_ranges(self.doc.reparse())
        if self.doc.tree is None:
            self.dirty = []
        self._note_contexts()
        if self._reset:  # an analyzer crashed telling its context: start over without it
            self.invalidate()
        while self.dirty or self._stale:
            while self.dirty:
                node = self._next_statement()
                if node is None:
                    break
                self._analyze_statement(node)
                if self._reset:  # an analyzer was disabled: start over without it
                    self.invalidate()
                if time.perf_counter() > deadline and self.dirty:
                    return False
            if self._stale and (not self._refresh(deadline) or self._reset):
                if self._reset:
                    self.invalidate()
                return False
        if self.whole_dirty:
            if self.pause_before_whole and self._whole_at == 0 and self._pass is None:
                self.pause_before_whole = False
                return False
            if not self._step_whole(deadline):
                return False
            if self._reset:  # an analyzer crashed: start over without it
                self.invalidate()
                return False
            self.whole_dirty = False
            self._whole_at = 0
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
                found.extend(f for f in analyzer.analyze(ctx, nodes) if isinstance(f, Finding))
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

    def _map_whole_through_edits(self) -> None:
        """Move each whole-document analyzer's findings through the edits since it ran (only
        mid-analysis, as for a hover: a finished round of passes has none left behind)."""
        edits, seen = self._whole_edits, self._whole_seen
        if not edits:
            return
        for name, items in self._whole_findings.items():
            for lo, hi, delta in edits[seen.get(name, 0) :]:
                items = [f.shifted(hi, delta) if delta else f for f in items if not f.touches(lo, hi)]
            self._whole_findings[name] = items  # (a key's value replaced: no resize mid-loop)
        self._whole_edits = []
        self._whole_seen = {}

    def findings(self) -> list[Finding]:
        """The findings, in the current text's offsets, also mid-analysis (a hover does not
        wait for the latest keystroke's analysis): what an edit touched is left out until
        analysed again."""
        self._map_whole_through_edits()
        found = self._groups.found()
        for items in self._whole_findings.values():
            found.extend(items)
        found.extend(self._deferred_findings)
        found.sort(key=SORT_KEY)
        return found


def analyze(ctx: Context, analyzers: Sequence[Analyzer]) -> list[Finding]:
    """A full analysis of one document (headless: no time limit, nobody is typing)."""
    return DocumentAnalysis(ctx, analyzers, time_limit=math.inf).run()
