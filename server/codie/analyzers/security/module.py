"""One file as the taint engine sees it: its functions, their summaries, their findings.

Functions are analysed lazily: only those that mention a sink (or call a function that
does) run at all, and a callee's summary is computed when a caller first needs it.
Results are cached per function by the hash of its text and checked against the
module-level facts the function read and the summaries it used (reuse.py), so an edit
re-analyses only the functions it touched (and callers whose view of a callee's summary
changed by more than a position).
"""

from __future__ import annotations

import logging
import operator
import re
from bisect import bisect_right
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from codie.analyzers.security import specs, table
from codie.analyzers.security.calls import EXTERNAL, apply_summary
from codie.analyzers.security.crossmodule import ModuleLoader
from codie.analyzers.security.functions import FunctionInfo, Signature, read_signature
from codie.analyzers.security.interp import Flow, FlowState
from codie.analyzers.security.model import SinkHit, Skipped, Step, Summary, Taint
from codie.analyzers.security.names import Imports, Kept, Source
from codie.analyzers.security.reuse import (
    CacheEntry,
    DocumentCache,
    Fact,
    FunctionRun,
    ModuleRun,
    Remap,
    Remapper,
    Unmappable,
)
from codie.analyzers.security.table import ModuleTable, Record
from codie.core.textdiff import search_again

log = logging.getLogger(__name__)
SINK_RE = re.compile(rb"\b(?:" + b"|".join(re.escape(t.encode()) for t in specs.SINK_TOKENS) + rb")\b")
# Anything that can introduce untrusted data. Files without any of these can only have
# findings from parameters (library code), so only the strong families are looked at.
SOURCE_RE = re.compile(
    rb"request|argv|input\s*\(|environ|getenv|recv|stdin|parse_args|"
    rb"prompt|getpass|"
    rb"\.(?:route|get|post|put|patch|delete|api_route|websocket)\s*\(\s*[\"']/|"
    rb"urlopen|self\.rfile"
)
STRONG_FAMILIES = frozenset({"cmd", "code", "sql", "deser", "xxe", "ldap", "xpath"})
MODULE_KEY = "<module>"
_FRAMEWORK: list[tuple[Imports, str]] = []  # the last imports asked about, and their framework
MAX_DEPTH = 24  # summaries computed on demand nest this deep at most; deeper calls are unknown


@dataclass
class Result:
    summary: Summary
    found: tuple[SinkHit, ...]
    used: dict[str, Summary | None] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()  # what the interpreter could not analyse (ANA001)


class _WatchedSet(set[str]):
    """A set whose membership tests are facts the function being analysed read."""

    def __init__(self, mod: ModuleInfo) -> None:
        super().__init__()
        self._mod = mod

    def __contains__(self, name: object) -> bool:
        found = super().__contains__(name)
        self._mod.note(("const", str(name)), found)
        return found


class FunctionTable(MutableMapping[str, FunctionInfo]):
    """The functions of one pass by key, each made when first read: a keystroke's pass
    reads a few of a big file's hundreds of functions (the ones it analyses, calls or
    reports on), and making them all was a large part of its bookkeeping. Iteration, `in` and
    len() read the keys only (the module table's, table.Bindings.where, shared with the
    passes whose module-level facts are the same); `records` reads the functions' statement
    records without making them."""

    def __init__(self, mod: ModuleInfo, table: ModuleTable) -> None:
        self._mod = mod
        self._table = table
        self._where = table.bindings.where  # key -> its statement's index
        self._made: dict[str, FunctionInfo] = {}
        self._extra: dict[str, FunctionInfo] = {}  # module-level code (it has no record)

    def records(self) -> Iterator[tuple[str, tuple[int, Record, int]]]:
        starts, records = self._table.starts, self._table.records
        for key, ordinal in self._where.items():
            record = records[ordinal]
            yield key, (starts[ordinal], record, record.index[key])

    def record(self, key: str) -> tuple[int, Record, int] | None:
        """(where its top-level statement starts, the statement's record, its index in it)"""
        ordinal = self._where.get(key)
        if ordinal is None:
            return None
        record = self._table.records[ordinal]
        return self._table.starts[ordinal], record, record.index[key]

    def start(self, key: str) -> int | None:
        """Where the function's `def` starts (None: no such function), without making it."""
        made = self._made.get(key)
        if made is not None:
            return made.start
        ordinal = self._where.get(key)
        if ordinal is None:
            return None
        record = self._table.records[ordinal]
        return self._table.starts[ordinal] + record.functions[record.index[key]][1]

    def span(self, key: str) -> tuple[int, int]:
        """Where the function's text (its decorators on) starts and ends, without making it."""
        made = self._made.get(key)
        if made is not None:
            return made.outer_start, made.end
        ordinal = self._where[key]
        record = self._table.records[ordinal]
        start = self._table.starts[ordinal]
        _, _, outer_at, end, _, _ = record.functions[record.index[key]]
        return start + outer_at, start + end

    def __getitem__(self, key: str) -> FunctionInfo:
        made = self._made.get(key)
        if made is None:
            ordinal = self._where[key]
            start = self._table.starts[ordinal]
            record = self._table.records[ordinal]
            _, at, outer_at, end, cls, html = record.functions[record.index[key]]
            made = FunctionInfo(self._mod, key, start + at, start + outer_at, start + end, cls, html)
            self._made[key] = made
        return made

    def __setitem__(self, key: str, info: FunctionInfo) -> None:
        if key in self._where:
            raise KeyError(f"{key} is a function of the module table")
        self._made[key] = info
        self._extra[key] = info

    def __delitem__(self, key: str) -> None:
        del self._extra[key]
        del self._made[key]

    def __contains__(self, key: object) -> bool:
        return key in self._where or key in self._extra

    def __iter__(self) -> Iterator[str]:
        yield from self._where
        yield from self._extra

    def __len__(self) -> int:
        return len(self._where) + len(self._extra)


class ModuleInfo:
    def __init__(
        self,
        src: Source,
        root: Node,
        imports: Imports,
        cache: DocumentCache | None = None,
        children: Sequence[Node] | None = None,
        kept: Kept = None,
        shape: Kept = None,
    ) -> None:
        """`children`: root.named_children if the caller has them (each listing makes a
        node object per top-level statement); `kept`: the document's Document.kept_from
        (what the cached table's text and `src` share, from the edits between them);
        `shape`: its Document.shape_kept_from (where their trees are alike: table.update)."""
        self.src = src
        self._root = root
        self.imports = imports
        self.cache = cache if cache is not None else DocumentCache()
        self.results: dict[str, Result] = {}
        self.in_progress: set[str] = set()
        # the functions analysed (not taken from the cache) in this pass, in order
        self.analysed: list[str] = []
        # the facts each analysis in progress reads (innermost last), see reuse.py
        self._reads: list[dict[Fact, object]] = []
        # functions whose text changed by one contiguous edit since their last analysis
        self.remaps: dict[str, Remap] = {}
        self.module_restart = -1  # the top-level statement module-level code ran again from
        self.module_converged = -1  # and the one it stopped at, the rest taken from the last run
        # long functions analysed again: the statement of the body each ran from (0: all)
        # and the one it stopped at, the rest taken from its last run (-1: ran to the end)
        self.resumed: dict[str, tuple[int, int]] = {}
        # the last finished pass's results that still hold, taken as they are, and how
        # deep their callees go (see _carry)
        self._carried: dict[str, Result] = {}
        self._height: dict[str, int] = {}
        self._reads_of: dict[str, dict[Fact, object]] = {}
        # the module-level facts each result read (the next pass's _carry checks them)
        self.reads: dict[str, dict[Fact, object]] = {}
        self.framework = self._framework()
        # (known again after an edit below the first source the last text named)
        self.has_sources, self.cache.sources = search_again(SOURCE_RE, src, self.cache.sources, kept)
        self.sink_re = sink_pattern(imports, not self.has_sources)
        self.sink_key = (imports.fingerprint(), self.has_sources)
        self.uri = ""
        # set for headless runs: summaries of functions imported from workspace modules
        self.loader: ModuleLoader | None = None
        self._external: dict[str, Summary | None] = {}
        self._workspace: set[str] | None = None
        # the top-level statements and the module-level facts (table.py): the last pass's,
        # read again only where the text changed; (the text of the last pass, the functions
        # whose record may differ from it) when the last table was used (see _direct)
        last = self.cache.table
        self.table, changed = table.update(
            last, src, root.named_children if children is None else children, self.framework, kept, shape
        )
        self._changed = (last.src, changed) if last is not None and changed is not None else None
        self.cache.table = self.table
        self.collected = self.table.read  # top-level statements whose text this pass read
        bindings = self.table.bindings
        self.functions = FunctionTable(self, self.table)
        self.consts: set[str] = _WatchedSet(self)
        self.consts.update(bindings.consts)
        self.const_values = bindings.values  # (shared with the table: read only)
        self.global_types = bindings.types
        # `PARSER = etree.XMLParser(resolve_entities=False)` at module level: the call itself
        self.global_calls: dict[str, Node] = {}
        for var, (ordinal, index) in bindings.calls.items():
            start = self.table.starts[ordinal]
            _, at, end = self.table.records[ordinal].calls[index]
            self.global_calls[var] = self.node_at(start + at, start + end, "call")
        # functions read these module-level objects: a change to one re-analyses them
        self.fingerprint = hash((imports.fingerprint(), self.has_sources, bindings.configured))
        # every module-level fact but Django's wiring (read_signature)
        self.epoch = hash((self.fingerprint, bindings.digest))
        self.functions[MODULE_KEY] = FunctionInfo(
            None, MODULE_KEY, root.start_byte, root.start_byte, root.end_byte, None, nodes=(root, root, root)
        )

    # --------------------------------------------------------------------------- collection
    def _framework(self) -> str:
        last = _FRAMEWORK[0] if _FRAMEWORK else None
        if last is not None and last[0] is self.imports:  # (held: `is` is not fooled by an id)
            return last[1]
        if self.imports.uses("flask", "quart", "bottle"):
            framework = "flask"
        elif self.imports.uses("fastapi", "starlette"):
            framework = "fastapi"
        elif self.imports.uses("django", "rest_framework"):
            framework = "django"
        else:
            framework = ""
        # the same Imports object while a file's import lines stay (names.collect_imports)
        _FRAMEWORK[:] = [(self.imports, framework)]
        return framework

    def node_at(self, start: int, end: int, kind: str) -> Node:
        """The node of this type spanning exactly start..end (a function, a call)."""
        node: Node | None = self._root.descendant_for_byte_range(start, end)
        while node is not None and not (node.type == kind and node.start_byte == start and node.end_byte == end):
            node = node.parent
        if node is None:
            raise LookupError(f"no {kind} at {start}..{end}")
        return node

    def signature(self, info: FunctionInfo) -> Signature:
        sig = read_signature(self, info)
        if self.framework == "django":  # whether it is a view depends on the rest of the module
            self.note(("sig", info.key), _sig_fact(sig))
        return sig

    # ------------------------------------------------------------------ module-level facts
    @property
    def root(self) -> Node:
        """The module's tree; reading it from a function's analysis (the YAML loader check
        walks the module's classes) makes the class headers a fact that function read."""
        if self._reads:
            self.note(("classes",), self._class_headers())
        return self._root

    def note(self, fact: Fact, value: object) -> None:
        """The analysis in progress read `fact` (see reuse.py)."""
        if self._reads:
            self._reads[-1].setdefault(fact, value)

    def const_value(self, name: str) -> str | None:
        value = self.const_values.get(name)
        self.note(("value", name), value)
        return value

    def fact(self, fact: Fact, info: FunctionInfo) -> object:
        """The current value of a fact `info`'s cached analysis read."""
        kind = fact[0]
        if kind == "const":
            return set.__contains__(self.consts, fact[1])
        if kind == "value":
            return self.const_values.get(fact[1])
        if kind == "resolve":
            return self._resolve(info, fact[1], fact[2] or None)
        if kind == "classes":
            return self._class_headers()
        if kind == "sig":
            return _sig_fact(read_signature(self, self.functions[fact[1]]))
        return _UNKNOWN_FACT

    def _class_headers(self) -> int:
        return self.table.bindings.headers

    # --------------------------------------------------------------------------- analysis
    def _direct(self) -> tuple[set[str], dict[str, frozenset[str]]]:
        """Functions that mention a sink (or are HTML routes), and the names every other
        function calls. Found by name: cheap, and rarely wrong."""
        last = self.cache.direct
        if last is not None and self._changed is not None and last[0] is self._changed[0] and last[1] == self.sink_key:
            # the last pass's answer, for the functions whose record did not change (their
            # facts are a function of the record: ModuleInfo._changed); the same objects
            # while the changed ones' facts are the same too (then _callers' are too)
            direct, calls = last[2], last[3]
            now: dict[str, frozenset[str] | None] = {}  # (None: mentions a sink)
            for key in self._changed[1]:
                record = self.functions.record(key)
                if record is not None:
                    start, collected, index = record
                    sink, called = self._function_facts(start, collected, index)
                    now[key] = None if collected.functions[index][5] or sink else called  # (an HTML route)
            if any(
                (key in direct) != (key in now and facts is None) or calls.get(key) != facts
                for key in self._changed[1]
                for facts in [now.get(key)]
            ):
                old_calls = calls
                direct, calls = set(direct), dict(calls)
                for key in self._changed[1]:
                    direct.discard(key)
                    calls.pop(key, None)
                for key, facts in now.items():
                    if facts is None:
                        direct.add(key)
                    else:
                        calls[key] = facts
                kept = self.cache.callers
                if kept is not None and kept[0] is old_calls:  # the callers' index follows
                    callers = kept[1]
                    for key in self._changed[1]:
                        for name in old_calls.get(key, ()):
                            callers[name].discard(key)
                        for name in calls.get(key, ()):
                            callers.setdefault(name, set()).add(key)
                    self.cache.callers = (calls, callers)
        else:
            direct, calls = set(), {}
            for key, (start, collected, index) in self.functions.records():
                sink, called = self._function_facts(start, collected, index)
                if collected.functions[index][5] or sink:  # (an HTML route)
                    direct.add(key)
                else:
                    calls[key] = called
        self.cache.direct = (self.src, self.sink_key, direct, calls)  # (not changed after this)
        return direct, calls

    def _callers(self, direct: set[str], calls: dict[str, frozenset[str]]) -> list[str]:
        """The other functions worth analysing, once the direct ones have their results: the
        callers, transitively, of a direct function whose summary reaches a sink (or,
        headless, of a function imported from the workspace). A caller that mentions no sink
        itself cannot have a finding otherwise, so a keystroke that adds a sink to a function
        (with no parameter reaching it) does not make all its callers run."""
        workspace = self.workspace_imports()
        index = self._callers_of(calls)
        if not workspace:
            # the callers of what reaches a sink, transitively, from those names only: the
            # same set as below (every caller of a caller of a direct function is one of the
            # candidates), without first walking to every caller of every direct function's
            # name (most of them reach no sink: a keystroke then walked hundreds of callers)
            chosen: set[str] = set()
            frontier = {k.rsplit(".", 1)[-1] for k in sorted(direct) if self._reaches_sink(k)}
            while frontier:
                callers = {k for name in frontier for k in index.get(name, ()) if k not in chosen}
                chosen |= callers
                frontier = {k.rsplit(".", 1)[-1] for k in callers}
            return sorted(chosen)
        candidates: set[str] = set()
        frontier = {k.rsplit(".", 1)[-1] for k in direct} | workspace
        seen = set(frontier)
        while frontier:
            found = {k for name in frontier for k in index.get(name, ()) if k not in candidates}
            candidates |= found
            frontier = {k.rsplit(".", 1)[-1] for k in found} - seen
            seen |= frontier
        reaching = {k.rsplit(".", 1)[-1] for k in sorted(direct) if self._reaches_sink(k)}
        chosen = {k for k in candidates if calls[k] & workspace}
        pending = candidates - chosen
        while reaching and pending:
            added = [k for k in sorted(pending) if calls[k] & reaching]
            pending.difference_update(added)
            chosen.update(added)
            reaching = {k.rsplit(".", 1)[-1] for k in added}
        return sorted(chosen)

    def _callers_of(self, calls: dict[str, frozenset[str]]) -> dict[str, set[str]]:
        """Name -> the functions in `calls` that call it (kept up to date by _direct)."""
        kept = self.cache.callers
        if kept is not None and kept[0] is calls:
            return kept[1]
        index: dict[str, set[str]] = {}
        for key, called in calls.items():
            for name in called:
                index.setdefault(name, set()).add(key)
        self.cache.callers = (calls, index)
        return index

    def _reaches_sink(self, key: str) -> bool:
        found = self.summary(key)
        return found is not None and bool(found.sinks)

    def _function_facts(self, start: int, collected: Record, index: int) -> tuple[bool, frozenset[str]]:
        """_facts, remembered with the statement the function is in (no slicing and hashing
        of every function's text on every pass)."""
        known = collected.facts.setdefault(self.sink_key, {})
        facts = known.get(index)
        if facts is None:
            _, _, outer_at, end, _, _ = collected.functions[index]
            facts = known[index] = self._facts(self.src[start + outer_at : start + end])
        return facts

    def _facts(self, chunk: bytes) -> tuple[bool, frozenset[str]]:
        """Does a function's text mention a sink, and which names does it call? Cached by
        text across passes: an edit changes one function, not the others."""
        key = (hash(chunk), self.sink_key)
        facts = _FACTS.get(key)
        if facts is None:
            facts = (bool(self.sink_re.search(chunk)), frozenset(m.decode() for m in CALLED.findall(chunk)))
            if len(_FACTS) > 50_000:
                _FACTS.clear()
            _FACTS[key] = facts
        return facts

    def run(self) -> None:
        for _ in self.steps():
            pass

    def steps(self) -> Iterator[str]:
        """run() one function at a time: yields each key once its result is in (the engine
        budgets and pauses per function; see core.analyzer.Unit)."""
        self._carry()
        self.result(MODULE_KEY)
        yield MODULE_KEY
        direct, calls = self._direct()
        # the direct functions one by one, each its own unit: choosing the callers needs
        # their summaries, and computing them all before the first mark would charge a
        # whole file's work to whichever function came first (a verdict the engine then
        # remembers for every function with the same text)
        for key in sorted(direct):
            self.result(key)
            yield key
        for key in self._callers(direct, calls):
            self.result(key)
            yield key
        self.cache.trim(len(self.results))
        # this pass's results hold for the next pass's functions that did not change (_carry)
        self.cache.finished = (
            self.epoch,
            self.fingerprint,
            self._context(),
            self.results,
            self.reads,
            self.table.bindings,
        )
        self.table.since = set()

    def _context(self) -> frozenset[str] | None:
        """What a function's result depends on besides its text and the module's facts."""
        return frozenset(self.workspace_imports()) if self.loader is not None else None

    def _carry(self) -> None:
        """The results of the last pass that finished, for result() to take as they are
        when it would reuse its cached entry so: the function's text did not change (the
        same entry; table.ModuleTable.since), the module's facts did not either (the same
        epoch: every fact the result read has the value it read), and each callee's summary
        is the one it used. That last check is the only one left (_take), without hashing
        the text or looking up the entry; and none at all for a result whose callees'
        results are all carried with the very summaries it used (_take_all: no cycle is,
        result() breaks one with an unknown summary). Never module-level code (its offsets
        are the file's), nor on Django files (whether a function is a view depends on the
        whole module)."""
        finished, since = self.cache.finished, self.table.since
        if finished is None or since is None or self.framework == "django":
            return
        epoch, fingerprint, context, results, reads, bindings = finished
        if fingerprint != self.fingerprint or context != self._context():
            return  # (every cached entry's key changed)
        changed = since | {MODULE_KEY}
        if epoch != self.epoch:
            # a module-level fact changed: a result holds if none it read did (as _reuse
            # checks), asked only of the facts about what changed
            names, functions, headers = self.table.bindings.changed(bindings)
            for key in results.keys() - changed:
                read = reads.get(key)
                if read is None or key not in self.functions:
                    changed.add(key)
                    continue
                info: FunctionInfo | None = None
                for fact, value in read.items():
                    kind = fact[0]
                    if kind == "resolve":
                        if not functions and fact[1].partition(".")[0] not in names:
                            continue  # (the same functions, the same type of its object)
                    elif kind in ("const", "value"):
                        if fact[1] not in names:
                            continue
                    elif kind == "classes" and not headers:
                        continue
                    info = info or self.functions[key]
                    if self.fact(fact, info) != value:
                        changed.add(key)
                        break
        self._reads_of = reads
        self._height = _carried_heights(results, changed)
        self._carried = {k: r for k, r in results.items() if k not in changed}

    def _take(self, key: str, carried: Result) -> bool:
        """Take a carried result (see _carry) if its callees' summaries are still the ones it
        used, as result() would reuse its cached entry (their results are in this pass's
        then): for one that calls what changed, or that is part of a cycle of calls."""
        self.in_progress.add(key)
        try:
            results = self.results
            for callee, old in carried.used.items():
                done = results.get(callee)  # (summary()'s answer when it has one: faster)
                now = done.summary if done is not None else self.summary(callee)
                if now is not old and now != old:
                    return False
        finally:
            self.in_progress.discard(key)
        results[key] = carried
        self.reads[key] = self._reads_of[key]
        return True

    def _take_all(self, key: str) -> bool:
        """Put a carried result whose callees need no look (see _carry) and its callees' in
        this pass's results, as result() would find them (the chain is shallow enough for
        MAX_DEPTH); not if one of them is there already as another object."""
        carried = self._carried
        results = self.results
        todo = [key]
        taken: list[str] = []
        seen: set[str] = set()
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            done = results.get(k)
            if done is not None:
                if done is not carried[k]:
                    return False
                continue
            taken.append(k)
            todo.extend(carried[k].used)  # (carried too: _carried_heights)
        for k in taken:
            results[k] = carried[k]
            self.reads[k] = self._reads_of[k]
        return True

    def result(self, key: str) -> Result | None:
        done = self.results.get(key)
        if done is not None:
            return done
        if key in self.in_progress or len(self.in_progress) >= MAX_DEPTH:
            return None  # recursion (or a very deep chain): the call is treated as unknown
        carried = self._carried.get(key)
        if carried is not None:
            if 0 <= self._height[key] < MAX_DEPTH - len(self.in_progress) and self._take_all(key):
                return carried
            if self._take(key, carried):
                return carried
        info = self.functions[key]
        starts: tuple[int, ...] = ()
        if key == MODULE_KEY:
            starts = self.table.module_starts()
            chunk = self.table.module_text
        else:
            chunk = self.src[info.outer_start : info.end]
        # which imported names resolve to workspace functions is part of the key: in the
        # editor a module's text arrives after a first pass that could not follow the call
        workspace = frozenset(self.workspace_imports()) if self.loader is not None else None
        cache_key = (key, hash((chunk, self.fingerprint, info.cls, workspace)))
        entry = self.cache.get(cache_key)
        def_at = info.start - info.outer_start
        if key != MODULE_KEY:
            last = self.cache.texts.get(key)
            if last is not None and last[0] != chunk:
                self.remaps[key] = Remap.between(last[0], last[1], chunk, def_at)
        self.cache.texts[key] = (chunk, def_at)
        self.in_progress.add(key)
        try:
            reused = self._reuse(entry, info) if entry is not None else None
            if reused is not None:
                entry = reused
                found, skipped = entry.found, entry.skipped
                if key == MODULE_KEY and entry.starts != starts:
                    found = tuple(_moved(h, entry.starts, starts) for h in found)
                    skipped = tuple(_moved_skip(k, entry.starts, starts) for k in skipped)
                result = Result(entry.summary, found, entry.used, skipped)
                reads = entry.reads
            else:
                self.analysed.append(key)
                self._reads.append({})
                try:
                    result = self._analyze_guarded(info)
                finally:
                    reads = self._reads.pop()
        finally:
            self.in_progress.discard(key)
        self.results[key] = result
        self.reads[key] = reads
        entry = CacheEntry(result.summary, result.found, result.used, starts, result.skipped, reads, self.epoch)
        self.cache.put(cache_key, entry)
        return result

    def _reuse(self, entry: CacheEntry, info: FunctionInfo) -> CacheEntry | None:
        """The cached entry, if it still holds (remapped when callees only moved), else None."""
        for fact, value in entry.reads.items():
            if (entry.epoch != self.epoch or fact[0] in RARE_FACTS) and self.fact(fact, info) != value:
                return None
        remapper = Remapper(self.remaps)  # (filled as callees are looked at)
        moved = False
        used: dict[str, Summary | None] = {}
        results = self.results
        for callee, old in entry.used.items():
            done = results.get(callee)  # (summary()'s answer when it has one: faster)
            now = done.summary if done is not None else self.summary(callee)
            if now is not old and now != old:
                if not self.remaps:
                    return None
                try:
                    if remapper.summary(old) != now:
                        return None
                except Unmappable:
                    return None
                moved = True
            used[callee] = now
        if not moved:
            return entry
        try:
            # one remap for the whole entry: every callee's summary must agree with it
            if any(remapper.summary(old) != used[callee] for callee, old in entry.used.items()):
                return None
            return remapper.entry(entry, used)
        except Unmappable:
            return None

    def _analyze_guarded(self, info: FunctionInfo) -> Result:
        key = info.key
        try:
            return self._analyze_module(info) if key == MODULE_KEY else self._analyze(info)
        except RecursionError:
            # the interpreter skips deep statements itself (interp.Flow.guarded);
            # this is the last resort, and it is reported too (ANA001)
            log.info("security-taint: %s is nested too deeply to analyse", key)
            node = info.node
            return Result(
                Summary(info.params, None, ()),
                (),
                {},
                (
                    Skipped(
                        key,
                        node.start_byte - info.start,
                        node.end_byte - info.start,
                        "nested too deeply for the interpreter's stack",
                    ),
                ),
            )

    def summary(self, key: str) -> Summary | None:
        if key.startswith(EXTERNAL):
            return self._external_summary(key)
        if key not in self.functions:
            return None
        r = self.result(key)
        return r.summary if r is not None else None

    # ----------------------------------------------------------------- other modules
    def workspace_imports(self) -> set[str]:
        """Imported names defined in modules of the workspace (headless runs)."""
        if self.loader is None:
            return set()
        if self._workspace is None:
            self._workspace = set()
            for alias, full in self.imports.aliases.items():
                module = full.rpartition(".")[0]
                if module and self.loader.find(module, self.imports.relative.get(alias, 0)):
                    self._workspace.add(alias)
        return self._workspace

    def _external_summary(self, key: str) -> Summary | None:
        if key not in self._external:
            name = key.removeprefix(EXTERNAL)
            self._external[key] = None  # recursion across modules: unknown
            if self.loader is not None:
                self._external[key] = self.loader.summary(
                    self.imports.qualify(name), self.imports.relative.get(name, 0)
                )
        return self._external[key]

    def external_place(self, key: str, hit: SinkHit) -> tuple[str, int, int, str] | None:
        """Where, in the other file, an imported function's sink is."""
        if self.loader is None:
            return None
        name = key.removeprefix(EXTERNAL)
        found = self.loader.function(self.imports.qualify(name), self.imports.relative.get(name, 0))
        if found is None:
            return None
        other = found[0]
        owner = other.functions.get(hit.owner)
        if owner is None:
            return None
        offset = owner.start + hit.start
        line = other.src.count(b"\n", 0, offset)
        column = offset - (other.src.rfind(b"\n", 0, offset) + 1)
        return other.uri, line, column, f"reaches {hit.label} in `{name}()`"

    def _analyze(self, info: FunctionInfo) -> Result:
        flow = Flow(self, info)
        for i, (name, node) in enumerate(zip(info.params, info.param_nodes, strict=True)):
            if i in info.source_params:
                flow.env[name] = Taint(
                    frozenset({"user"}), (flow.step(node, f"request data enters here: parameter `{name}`"),)
                )
            elif not info.view:
                flow.env[name] = Taint(frozenset({f"param:{i}"}), (flow.step(node, f"parameter `{name}`"),))
            else:  # typed `int`, a converter, a dependency: clean, and known to be
                flow.env[name] = Taint(frozenset(), (), specs.ALL_FAMILIES)
        if info.end - info.outer_start >= MIN_RUN_BYTES:
            self._run_body(info, flow)
        else:
            flow.run(info.body)
        returns = flow.returns
        if returns is not None and returns.path and not returns.kinds:
            returns = None
        summary = Summary(info.params, returns, tuple(flow.hits), info.vararg)
        return Result(summary, tuple(flow.found), dict(flow.used), tuple(flow.skipped))

    def _run_body(self, info: FunctionInfo, flow: Flow) -> None:
        """A long function's body, run again after an edit inside it only from the state
        its last run saved before the first statement of the body the edit changed (a
        loop, `try` or `with` around the edit runs again whole), and only until the state
        before a statement after the edit agrees with the last run's there (_converge): the
        rest is the last run's. A saved state is taken only if everything it read is
        unchanged: the text before it at the same place (and the function's signature and
        class), the module's facts it read and the summaries of the functions it called."""
        key = info.key
        body = info.body
        origin = info.outer_start  # (places are relative to it: an edit above moves it)
        statements = body.named_children
        spans = tuple((s.start_byte - origin, s.end_byte - origin, s.type, s.descendant_count) for s in statements)
        chunk = self.src[origin : info.end]
        def_at = info.start - origin  # (the places of steps are relative to the `def`)
        context = (self.fingerprint, info.cls, self._context(), _sig_fact(info.sig), def_at)
        reads = self._reads[-1]
        last = self.cache.runs.get(key)
        if last is not None and (last.context != context or last.body_start != body.start_byte - origin):
            last = None
        n = len(spans)
        start, tail = 0, n
        checkpoints: dict[int, tuple[FlowState, dict[Fact, object]]] = {}
        shift: _Shift | None = None
        if last is not None:
            remap = Remap.between(last.chunk, 0, chunk, 0)
            edit = remap.prefix  # the first changed byte (both texts)
            m = len(last.spans)
            # the statements before it: the same text, the same shape, at the same place
            same = 0
            while same < min(n, m) and spans[same] == last.spans[same] and spans[same][1] <= edit:
                same += 1
            while same and same not in last.checkpoints:
                same -= 1  # (the last run stopped early: a `return` at the top level)
            # the last of those states whose facts and callees' summaries are unchanged (a
            # state holds every fact and summary the ones before it read: checked by halves)
            low, high = 0, same
            while low < high:
                mid = (low + high + 1) // 2
                state, read = last.checkpoints[mid]
                if all(self.fact(f, info) == v for f, v in read.items()) and all(
                    self.summary(k) == summary for k, summary in state.used.items()
                ):
                    low = mid
                else:
                    high = mid - 1
            if low:
                state, read = last.checkpoints[low]
                flow.load(state, last.hits, last.found, last.skipped, origin)
                reads.update(read)
                checkpoints = {i: c for i, c in last.checkpoints.items() if i <= low}
                start = low
            # the statements after the changed bytes: the last run's text, moved (all of
            # them when the text is the same: a callee's summary changed)
            edits = ((edit, remap.old_tail, remap.delta),) if chunk != last.chunk else ()
            after, delta = (edits[0][1], edits[0][2]) if edits else (0, 0)
            moved = 0
            while moved < min(n - start, m):
                a, b, kind, count = last.spans[m - 1 - moved]
                if a < after or spans[n - 1 - moved] != (a + delta, b + delta, kind, count):
                    break
                moved += 1
            tail = n - moved
            if last.final is not None and moved:
                shift = _Shift(edits, key, def_at)
        converged: list[_Rest] = []
        tried: list[int] = []

        def checkpoint(i: int) -> bool:
            state = flow.save(origin)
            checkpoints[i] = (state, dict(reads))
            if shift is None or last is None or i < tail or len(tried) >= MAX_CONVERGE:
                return False
            old = last.checkpoints.get(i - (n - len(last.spans)))
            if old is None:
                return False
            tried.append(i)
            rest = self._converge(info, state, old[0], last, shift, (origin + spans[i][0], info.end))
            if rest is not None:
                converged.append(rest)
            return rest is not None

        flow.run(body, start, checkpoint, every=1)
        self.resumed[key] = (start, tried[-1] if converged else -1)
        if converged:
            rest = converged[0]
            flow.hits.extend(rest.hits)
            flow.found.extend(rest.found)
            flow.skipped.extend(rest.skipped)
            flow.returns = rest.end.returns
            for callee, summary in rest.end.used.items():
                flow.used.setdefault(callee, summary)
            for fact, value in rest.reads.items():
                reads.setdefault(fact, value)
            # the last run stays: its states are those of its text, which the next edit's
            # run is compared with (this one saved none after the edit)
            return
        final = (flow.save(origin), dict(reads))
        hits, found, skipped = tuple(flow.hits), tuple(flow.found), tuple(flow.skipped)
        self.cache.runs[key] = FunctionRun(
            context, chunk, body.start_byte - origin, spans, checkpoints, hits, found, skipped, final
        )
        self.cache.runs.move_to_end(key)

    def _analyze_module(self, info: FunctionInfo) -> Result:
        """Module-level code, run again only from the last state saved before the first
        top-level statement that changed (an edit near the end of a long module does not
        re-run its start). The start is reused only if everything it read is unchanged:
        the same text at the same place, the module's facts and the callees' summaries."""
        flow = Flow(self, info)
        context = (self.fingerprint, frozenset(self.workspace_imports()) if self.loader is not None else None)
        reads = self._reads[-1]
        checkpoints: dict[int, tuple[FlowState, dict[Fact, object]]] = {}
        start = self.module_restart = 0
        last = self.cache.module
        if last is not None and last.context == context:
            # the top-level statements before this one are where they were, with the same
            # text and shape, since the last run (table.ModuleTable.module_valid)
            same = self.table.module_valid
            at = max((i for i in last.checkpoints if i <= same), default=0)
            if at:
                state, read = last.checkpoints[at]
                if all(self.fact(f, info) == v for f, v in read.items()) and all(
                    self.summary(k) == s for k, s in state.used.items()
                ):
                    flow.load(state, last.hits, last.found, last.skipped)
                    reads.update(read)
                    checkpoints = {i: c for i, c in last.checkpoints.items() if i <= at}
                    start = at
                    self.module_restart = at

        # after the edit, the state at a statement the last run also saved (the same text,
        # moved): when they are the same, the rest of the run is the last one's (_converge)
        moved = self.table.moved if last is not None and last.context == context and last.final else None
        n = len(self.table.starts)
        converged: list[_Rest] = []
        tried: list[int] = []

        def checkpoint(i: int) -> bool:
            state = flow.save()
            checkpoints[i] = (state, dict(reads))
            if moved is None or last is None or len(tried) >= MAX_CONVERGE:
                return False
            _, m, s = moved
            old = last.checkpoints.get(i - (n - m)) if i >= n - s else None
            if old is not None:
                tried.append(i)
            span = (self.table.starts[i], len(self.src))
            rest = self._converge(info, state, old[0], last, _Shift(moved[0]), span) if old is not None else None
            if rest is not None:
                converged.append(rest)
            return rest is not None

        flow.run(info.body, start, checkpoint)
        returns = flow.returns
        hits, found, skipped = tuple(flow.hits), tuple(flow.found), tuple(flow.skipped)
        used = dict(flow.used)
        if converged:
            rest = converged[0]
            hits, found, skipped = hits + rest.hits, found + rest.found, skipped + rest.skipped
            for key, summary in rest.end.used.items():
                used.setdefault(key, summary)
            for fact, value in rest.reads.items():
                reads.setdefault(fact, value)
            returns = rest.end.returns
            self.module_converged = max(checkpoints)  # (where it stopped: for tests)
            # the last run stays, with every state it saved (this one saved none after the
            # edit, and the next edit's run is compared with them), and the table goes on
            # following the edits since it (table.ModuleTable.moved, module_valid)
        else:
            end = flow.save()
            self.cache.module = ModuleRun(context, checkpoints, hits, found, skipped, (end, dict(reads)))
            self.table.module_valid = n
            self.table.module_ran = True
        if returns is not None and returns.path and not returns.kinds:
            returns = None
        summary = Summary(info.params, returns, hits, info.vararg)
        return Result(summary, found, used, skipped)

    def _converge(
        self,
        info: FunctionInfo,
        state: FlowState,
        old: FlowState,
        last: ModuleRun | FunctionRun,
        shift: _Shift,
        span: tuple[int, int],
    ) -> _Rest | None:
        """The rest of the last run, moved into this text, if this run's state before a
        statement differs from the one the last run saved before it (its places moved by the
        edit) only in names the rest of the text never mentions: the rest of the statements
        are the same text, so the rest of the run is the same for every other name, provided
        every fact it read and every function it called still have the values it saw (a
        binding typed at module level, `x = eval(input())`, changes the state until the end
        of the file, and nothing after it reads `x`). `span`: where the rest of the text
        starts and ends (module-level code: the end of the file; a function: its end)."""
        assert last.final is not None
        final, final_reads = last.final
        try:
            then, gone = shift.state(old)
        except Unmappable:
            return None
        names = _differing(then, state)
        if names is None or any(state.used.get(k, _UNKNOWN_FACT) != v for k, v in then.used.items()):
            return None  # (a function the last run called before here and this one did not)
        names |= gone
        if names:
            names = _linked(names, (then, state), self.src, info.outer_start)
        try:
            rest = _Rest(
                tuple(shift.hit(h) for h in last.hits[old.hits :]),
                tuple(shift.hit(h) for h in last.found[old.found :]),
                tuple(shift.skip(k) for k in last.skipped[old.skipped :]),
                final,
                final_reads,
            )
            end, lost = shift.state(final)
        except Unmappable:
            return None
        if lost - names:
            return None
        if names and _mentions(self.src, span[0], names, span[1]):
            return None
        if any(self.fact(fact, info) != value for fact, value in final_reads.items()):
            return None
        # the functions the rest called first, in the order it did: up to the first whose
        # summary changed, this run's rest would call them too (so asking is no extra work)
        for key, summary in final.used.items():
            if key not in old.used:
                now = self.summary(key)
                if now is not summary and now != summary:
                    return None
        rest.end = _overlay(end, state, names)
        return rest

    # --------------------------------------------------------------------------- calls
    def resolve(self, func: FunctionInfo, name: str, types: dict[str, str] | None = None) -> str | None:
        """The key of the local (or, headless, imported workspace) function a call names."""
        head, dot, _ = name.partition(".")
        local = (types.get(head) or "") if types is not None and dot else ""
        found = self._resolve(func, name, local or None)
        self.note(("resolve", name, local), found)
        return found

    def _resolve(self, func: FunctionInfo, name: str, local: str | None) -> str | None:
        if "." not in name:
            nested = f"{func.key}.{name}"
            if nested in self.functions:
                return nested
            if name in self.functions and name != MODULE_KEY:
                return name
            if self.loader is not None and name in self.workspace_imports():
                return EXTERNAL + name
            return None
        head, _, rest = name.partition(".")
        if head in ("self", "cls") and func.cls and "." not in rest:
            key = f"{func.cls}.{rest}"
            return key if key in self.functions else None
        owner = local or self.global_types.get(head)
        if owner is not None and "." not in rest and f"{owner}.{rest}" in self.functions:
            return f"{owner}.{rest}"  # `repo.by_customer()` with `repo = Repository()`
        return name if name in self.functions else None  # `Class.method(...)`

    def apply_summary(
        self,
        flow: Flow,
        key: str,
        call: Node,
        positional: list[Node],
        pos_t: list[Taint | None],
        keywords: dict[str, Node],
        kw_t: dict[str, Taint | None],
    ) -> Taint | None:
        return apply_summary(self, flow, key, call, positional, pos_t, keywords, kw_t)


_VISITING = -2
MAX_CONVERGE = 3  # saved states after the edit compared with the last run's, at most
MIN_RUN_BYTES = 2048  # a function this long keeps the states of its last run (FunctionRun)


@dataclass
class _Rest:
    """The rest of the last run of module-level code, moved into this text (_converge)."""

    hits: tuple[SinkHit, ...]
    found: tuple[SinkHit, ...]
    skipped: tuple[Skipped, ...]
    end: FlowState
    reads: dict[Fact, object]


class _Shift:
    """Places of the last run in this text, edit after edit: before the changed bytes they
    stay, after them they move; inside them they are gone (Unmappable). The places of
    `owner`'s steps, hits and skipped statements are relative to `base` (where its `def`
    starts, the same in both texts; module-level code: 0), those of nodes are not (a
    function's are relative to its start, as the edits are: ModuleInfo._run_body)."""

    def __init__(self, edits: tuple[tuple[int, int, int], ...], owner: str = MODULE_KEY, base: int = 0) -> None:
        self.edits = edits  # (first changed byte, end of the changed bytes, length difference)
        self.owner = owner
        self.base = base

    def span(self, start: int, end: int) -> tuple[int, int]:
        for before, after, delta in self.edits:
            if start >= after:
                start, end = start + delta, end + delta
            elif end > before:
                raise Unmappable
        return start, end

    def own(self, start: int, end: int) -> tuple[int, int]:
        """A span of the owner's (relative to its `def`)."""
        base = self.base
        start, end = self.span(start + base, end + base)
        return start - base, end - base

    def taint(self, t: Taint | None) -> Taint | None:
        if t is None:
            return t
        path = t.path
        moved = tuple(map(self.step, path))
        # (most steps are before the edit: the same objects, and so the same taint)
        return t if all(map(operator.is_, moved, path)) else replace(t, path=moved)

    def step(self, step: Step) -> Step:
        if step.owner != self.owner:
            return step
        start, end = self.own(step.start, step.end)
        if start == step.start and end == step.end:
            return step
        return Step(step.owner, start, end, step.message)

    def hit(self, hit: SinkHit) -> SinkHit:
        taint = self.taint(hit.taint)
        assert taint is not None
        if hit.owner != self.owner:
            return replace(hit, taint=taint)
        start, end = self.own(hit.start, hit.end)
        return replace(hit, start=start, end=end, taint=taint)

    def skip(self, skip: Skipped) -> Skipped:
        if skip.owner != self.owner:
            return skip
        start, end = self.own(skip.start, skip.end)
        return replace(skip, start=start, end=end)

    def node(self, span: tuple[int, int, str]) -> tuple[int, int, str]:
        return (*self.span(span[0], span[1]), span[2])

    def state(self, state: FlowState) -> tuple[FlowState, set[str]]:
        """The state moved, and the names whose entries fall in the changed bytes (left out)."""
        gone: set[str] = set()
        env: dict[str, Taint] = {}
        for k, v in state.env.items():
            try:
                env[k] = self.taint(v) or v
            except Unmappable:
                gone.add(k)
        lists = {}
        for k, (block, items) in state.lists.items():
            try:
                lists[k] = (self.span(block, block)[0], [(self.node(n), self.taint(t)) for n, t in items])
            except Unmappable:
                gone.add(k)
        calls = {}
        for k, n in state.calls.items():
            try:
                calls[k] = self.node(n)
            except Unmappable:
                gone.add(k)
        returns = self.taint(state.returns)  # (gone: not the same run)
        return replace(state, env=env, returns=returns, lists=lists, calls=calls), gone


_MISSING = object()
_NAMED = ("env", "types", "derived", "values", "lists", "keyed", "calls")


def _differing(then: FlowState, now: FlowState) -> set[str] | None:
    """The names whose entries differ between two states (also those read through one:
    a derivation or a keyed entry leading to it); None if what returns does."""
    if then.returns != now.returns:
        return None
    names: set[str] = set()
    for name in _NAMED:
        a, b = getattr(then, name), getattr(now, name)
        if a != b:
            names.update(k for k in a.keys() | b.keys() if a.get(k, _MISSING) != b.get(k, _MISSING))
    names |= then.consts ^ now.consts
    names |= then.built ^ now.built
    grown = True
    while grown:
        grown = False
        for state in (then, now):
            for k, v in state.derived.items():
                if v in names and k not in names:
                    names.add(k)
                    grown = True
            for k, entries in state.keyed.items():
                if entries & names and k not in names:
                    names.add(k)
                    grown = True
    return names


def _linked(names: set[str], states: tuple[FlowState, ...], src: bytes, origin: int) -> set[str]:
    """`names` and the names whose saved nodes mention one of them: how an object was made
    (`tpl = env.from_string(...)`: a later `tpl.render(...)` reads `env`'s entry through
    it) or a list's items (a constant checked through them); nodes by place from `origin`."""
    names = set(names)
    grown = True
    while grown:
        grown = False
        words = {w.encode() for name in names for w in re.findall(r"\w+", name)}
        for state in states:
            linked = [(k, [n]) for k, n in state.calls.items() if k not in names]
            linked += [(k, [n for n, _ in items]) for k, (_, items) in state.lists.items() if k not in names]
            for k, nodes in linked:
                if k not in names and any(
                    words.intersection(re.findall(rb"\w+", src[origin + start : origin + end]))
                    for start, end, _ in nodes
                ):
                    names.add(k)
                    grown = True
    return names


def _mentions(src: bytes, start: int, names: set[str], end: int | None = None) -> bool:
    """Does src[start:end] mention any word of `names` (an identifier, an attribute, a word
    in a string or comment: any of them may be the name read)?"""
    words = {w for name in names for w in re.findall(r"\w+", name)} or {""}
    if "" in words or any(not w.isidentifier() for w in words):
        return True
    stop = len(src) if end is None else end
    # each word found as bytes, then checked for a word boundary on each side: a regular
    # expression starting with \b scanned the rest of a 6,862-line file in ~2 ms
    for word in words:
        needle = word.encode()
        at = src.find(needle, start, stop)
        while at >= 0:
            after = at + len(needle)
            if (at == 0 or src[at - 1] not in _WORD_BYTES) and (after == stop or src[after] not in _WORD_BYTES):
                return True
            at = src.find(needle, at + 1, stop)
    return False


_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _overlay(end: FlowState, now: FlowState, names: set[str]) -> FlowState:
    """The last run's end state with `now`'s entries for `names` (the rest never touched them)."""
    if not names:
        return end
    parts: dict[str, object] = {}
    for name in _NAMED:
        a, b = getattr(end, name), getattr(now, name)
        merged = {k: v for k, v in a.items() if k not in names}
        merged.update((k, v) for k, v in b.items() if k in names)
        parts[name] = merged
    parts["consts"] = (end.consts - names) | (now.consts & names)
    parts["built"] = (end.built - names) | (now.built & names)
    return replace(end, **parts)  # type: ignore[arg-type]


def _carried_heights(results: dict[str, Result], changed: set[str]) -> dict[str, int]:
    """Per result (ModuleInfo._carry): how deep its callees' results go if it is carried,
    else -1. Depth first, callees before callers, without recursion (chains may be long)."""
    height: dict[str, int] = {}
    for root in results:
        if root in height:
            continue
        stack = [root]
        while stack:
            key = stack[-1]
            if key in height:
                if height[key] != _VISITING:
                    stack.pop()  # (pushed twice: done already)
                    continue
            else:
                callees = results[key].used
                if not callees:  # (most results call no function with a result: a leaf)
                    height[key] = -1 if key in changed else 0
                    stack.pop()
                    continue
                height[key] = _VISITING
                pending = [c for c in callees if c not in height and c in results]
                if pending:
                    stack.extend(pending)
                    continue
            stack.pop()
            # its callees are done (a callee still being visited calls it back: a cycle)
            deepest = -1 if key in changed else 0
            for callee, used in results[key].used.items():
                if deepest < 0:
                    break
                result = results.get(callee)
                if result is None or height[callee] < 0 or (used is not result.summary and used != result.summary):
                    deepest = -1
                else:
                    deepest = max(deepest, height[callee] + 1)
            height[key] = deepest
    return height


def _moved(hit: SinkHit, old: tuple[int, ...], new: tuple[int, ...]) -> SinkHit:
    """A module-level hit after the statements moved: each offset follows its statement."""

    def move(offset: int) -> int:
        i = bisect_right(old, offset) - 1
        return offset + (new[i] - old[i]) if i >= 0 else offset

    path = tuple(
        replace(step, start=move(step.start), end=move(step.end)) if step.owner == MODULE_KEY else step
        for step in hit.taint.path
    )
    if hit.owner != MODULE_KEY:
        return replace(hit, taint=replace(hit.taint, path=path))
    return replace(hit, start=move(hit.start), end=move(hit.end), taint=replace(hit.taint, path=path))


def _moved_skip(skip: Skipped, old: tuple[int, ...], new: tuple[int, ...]) -> Skipped:
    """A module-level skipped statement after the statements moved."""
    i = bisect_right(old, skip.start) - 1
    delta = new[i] - old[i] if i >= 0 else 0
    return replace(skip, start=skip.start + delta, end=skip.end + delta)


def _sig_fact(sig: Signature) -> tuple[object, ...]:
    return (sig.params, sig.source_params, sig.request_params, sig.vararg, sig.view)


RARE_FACTS = frozenset({"classes", "sig"})  # not covered by ModuleInfo.epoch
_UNKNOWN_FACT = object()  # a fact of a kind this version does not know: never equal
_PATTERNS: dict[tuple[int, bool], re.Pattern[bytes]] = {}
_FACTS: dict[tuple[int, tuple[int, bool]], tuple[bool, frozenset[str]]] = {}
CALLED = re.compile(rb"\b(\w+)\s*\(")


def sink_pattern(imports: Imports, strong_only: bool) -> re.Pattern[bytes]:
    """Calls that may be sinks in this file: method sinks, builtins, and functions of the
    modules it imports (`get(` only matters where requests or httpx is imported)."""
    key = (imports.fingerprint(), strong_only)
    cached = _PATTERNS.get(key)
    if cached is not None:
        return cached
    tops = {m.split(".")[0] for m in imports.modules} | {v.split(".")[0] for v in imports.aliases.values()}
    tokens: set[str] = {"session"} if not strong_only else set()
    for sink in specs.SINKS:
        if strong_only and sink.family not in STRONG_FAMILIES:
            continue
        if sink.requires and not imports.uses(*sink.requires):
            continue
        for name in sink.names:
            if name.startswith("*.") or "." not in name or name.split(".")[0] in tops:
                tokens.add(name.rsplit(".", 1)[-1])
    for alias, target in imports.aliases.items():
        if target in specs.SINKS_BY_NAME:
            tokens.add(alias)
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(t.encode()) for t in sorted(tokens)) + rb")\b\s*[(\[]")
    if len(_PATTERNS) > 256:
        _PATTERNS.clear()
    _PATTERNS[key] = pattern
    return pattern
