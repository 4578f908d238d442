"""Reusing per-function taint results across edits (the caching layer of module.py).

A function's result is a pure function of its text, of the module-level facts it read
(constants, which names are functions of the module, module-level object types, the
class headers a YAML loader check looked at, a Django view's wiring) and of the summaries
of the functions it called. A cached result is reused when its text hashes the same, every
fact it read still has the value it read, and every callee's summary is what it was.

An edit inside a callee moves the offsets of the steps its summary carries (they are
relative to the callee's start), so its callers would be re-analysed on every keystroke
although only a position changed. The edit is one contiguous change of the callee's text:
offsets before it stay and offsets after it shift by the same amount (`Remap`). A caller
is reused when the callee's old summary, remapped, equals its new one; the caller's
result is then remapped the same way. That equals a fresh analysis: the interpreter
treats steps as opaque values (copied, compared for equality, counted), and the remap is
injective and keeps the owner, so every choice it makes comes out the same.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from codie.analyzers.security.model import SinkHit, Skipped, Step, Summary, Taint
from codie.core.textdiff import Seen, common_prefix, common_suffix

if TYPE_CHECKING:
    from codie.analyzers.security.interp import FlowState
    from codie.analyzers.security.module import Result
    from codie.analyzers.security.table import Bindings, ModuleTable

# A module-level fact a function read: ("const", name), ("resolve", name, local type) ...
Fact = tuple[str, ...]
MIN_ENTRIES = 512  # cached function results kept per document, at least
MAX_RUNS = 256  # functions whose last run's states are kept per document, at most


@dataclass
class CacheEntry:
    summary: Summary
    found: tuple[SinkHit, ...]
    used: dict[str, Summary | None]
    # module-level code only: where its statements started (its offsets are file offsets)
    starts: tuple[int, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    reads: dict[Fact, object] = field(default_factory=dict)
    # the module's facts (ModuleInfo.epoch) when the reads were last checked: while they
    # are unchanged (a keystroke inside a function body), the reads need no check
    epoch: int = 0


@dataclass
class ModuleRun:
    """The last run of module-level code: what it ran on and the states it saved (which
    top-level statements are unchanged since: table.ModuleTable.module_valid)."""

    context: object  # what the cache key holds besides the text (imports, workspace)
    # statement index -> (the state before it, the facts read until then)
    checkpoints: dict[int, tuple[FlowState, dict[Fact, object]]]
    hits: tuple[SinkHit, ...]
    found: tuple[SinkHit, ...]
    skipped: tuple[Skipped, ...]
    # the state at the end, and every fact the run read (a later run that reaches the same
    # state at the same statement takes the rest from this one: module._converge)
    final: tuple[FlowState, dict[Fact, object]] | None = None


@dataclass
class FunctionRun:
    """The last full run of a long function's body (module.ModuleInfo._run_body): the text
    it ran on, the states it saved before each statement of the body, its end. A later run
    after an edit inside the function starts from the state before the first statement the
    edit changed, and takes the rest from this run once its state agrees with this run's
    again (module._converge); each only if everything it read is unchanged."""

    context: object  # what the run depends on besides the text (ModuleInfo._run_body)
    chunk: bytes  # the function's text, decorators included
    body_start: int  # where its body started (lists built at top level are keyed by it)
    # per statement of the body: (start, end, type, node count), by file offset
    spans: tuple[tuple[int, int, str, int], ...]
    # statement index -> (the state before it, the facts read until then); index 0 is not kept
    checkpoints: dict[int, tuple[FlowState, dict[Fact, object]]]
    hits: tuple[SinkHit, ...]
    found: tuple[SinkHit, ...]
    skipped: tuple[Skipped, ...]
    final: tuple[FlowState, dict[Fact, object]] | None = None


class DocumentCache:
    """One document's cached function results, kept across passes (bounded, oldest out)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[str, int], CacheEntry] = OrderedDict()
        # function key -> (its text, where its `def` starts in it) when last analysed
        self.texts: dict[str, tuple[bytes, int]] = {}
        self.module: ModuleRun | None = None
        # function key -> the last full run of its body, for long functions (FunctionRun)
        self.runs: OrderedDict[str, FunctionRun] = OrderedDict()
        # the top-level statements of the last pass and what each collected (module.py)
        self.table: ModuleTable | None = None
        # the text of the last pass and where its first source ended (textdiff.search_again)
        self.sources: Seen | None = None
        # the last pass's functions that mention a sink, and the names every other one calls
        # (module.ModuleInfo._direct), with the text and the sink pattern's key they were for
        self.direct: tuple[bytes, tuple[int, bool], set[str], dict[str, frozenset[str]]] | None = None
        # the names the functions of `direct` call: name -> callers (module._callers_of)
        self.callers: tuple[dict[str, frozenset[str]], dict[str, set[str]]] | None = None
        # the last pass that finished: (its epoch, fingerprint, context, results, the facts
        # each read, the module-level facts), see module.ModuleInfo._carry
        self.finished: (
            tuple[int, int, frozenset[str] | None, dict[str, Result], dict[str, dict[Fact, object]], Bindings] | None
        ) = None

    def get(self, key: tuple[str, int]) -> CacheEntry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, int], entry: CacheEntry) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)

    def trim(self, live: int) -> None:
        """Keep the entries of this pass and some older ones (an undo, a deleted line typed
        back, finds its results again)."""
        limit = max(MIN_ENTRIES, 3 * live)
        while len(self.entries) > limit:
            self.entries.popitem(last=False)
        while len(self.runs) > MAX_RUNS:
            self.runs.popitem(last=False)


class Unmappable(Exception):
    """A step inside the changed part of a function: its place after the edit is unknown."""


@dataclass(frozen=True, slots=True)
class Remap:
    """Offsets relative to a function's `def` before and after one contiguous change."""

    old_def: int  # where the `def` starts in the old text (after decorators)
    new_def: int
    prefix: int  # bytes the old and new text share at the start ...
    old_tail: int  # ... and from where (old text) they share the rest
    delta: int  # new length - old length

    @classmethod
    def between(cls, old: bytes, old_def: int, new: bytes, new_def: int) -> Remap:
        prefix = common_prefix(old, new)
        limit = min(len(old), len(new)) - prefix
        suffix = common_suffix(old, new, limit)
        return cls(old_def, new_def, prefix, len(old) - suffix, len(new) - len(old))

    def span(self, start: int, end: int) -> tuple[int, int]:
        s, e = start + self.old_def, end + self.old_def
        if e <= self.prefix:
            pass
        elif s >= self.old_tail:
            s, e = s + self.delta, e + self.delta
        else:
            raise Unmappable
        return s - self.new_def, e - self.new_def


class Remapper:
    """Applies the remaps of one pass (function key -> Remap) to cached values."""

    def __init__(self, remaps: dict[str, Remap]) -> None:
        self.remaps = remaps

    def step(self, step: Step) -> Step:
        remap = self.remaps.get(step.owner)
        if remap is None:
            return step
        start, end = remap.span(step.start, step.end)
        return replace(step, start=start, end=end)

    def taint(self, t: Taint | None) -> Taint | None:
        if t is None or not any(s.owner in self.remaps for s in t.path):
            return t
        return replace(t, path=tuple(self.step(s) for s in t.path))

    def hit(self, hit: SinkHit) -> SinkHit:
        taint = self.taint(hit.taint)
        assert taint is not None
        remap = self.remaps.get(hit.owner)
        if remap is None:
            return hit if taint is hit.taint else replace(hit, taint=taint)
        start, end = remap.span(hit.start, hit.end)
        return replace(hit, start=start, end=end, taint=taint)

    def skipped(self, skip: Skipped) -> Skipped:
        remap = self.remaps.get(skip.owner)
        if remap is None:
            return skip
        start, end = remap.span(skip.start, skip.end)
        return replace(skip, start=start, end=end)

    def summary(self, s: Summary | None) -> Summary | None:
        if s is None:
            return None
        return replace(s, returns=self.taint(s.returns), sinks=tuple(self.hit(h) for h in s.sinks))

    def entry(self, entry: CacheEntry, used: dict[str, Summary | None]) -> CacheEntry:
        summary = self.summary(entry.summary)
        assert summary is not None
        return replace(
            entry,
            summary=summary,
            found=tuple(self.hit(h) for h in entry.found),
            used=used,
            skipped=tuple(self.skipped(k) for k in entry.skipped),
        )
