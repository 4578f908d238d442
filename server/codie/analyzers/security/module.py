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
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.calls import EXTERNAL, apply_summary
from codie.analyzers.security.crossmodule import ModuleLoader
from codie.analyzers.security.functions import ROUTE_RE, FunctionInfo, Signature, read_signature
from codie.analyzers.security.interp import Flow, FlowState
from codie.analyzers.security.model import SinkHit, Skipped, Summary, Taint
from codie.analyzers.security.names import Imports, Source, text
from codie.analyzers.security.reuse import CacheEntry, DocumentCache, Fact, ModuleRun, Remap, Remapper, Unmappable
from codie.core.textdiff import common_prefix, common_suffix

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
# Module-level objects whose construction decides whether a use is safe (an lxml parser's
# `resolve_entities`, a jinja2 environment's `autoescape`): recorded, and part of the key
# of every cached function result.
CONFIGURED = re.compile(rb"XMLParser|Environment|Template")
MAX_DEPTH = 24  # summaries computed on demand nest this deep at most; deeper calls are unknown


@dataclass
class _Collected:
    """What one top-level statement contributes (offsets relative to its start)."""

    # (key, `def` at, decorators at, end, class, an HTML route)
    functions: list[tuple[str, int, int, int, str | None, bool]] = field(default_factory=list)
    consts: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)
    calls: list[tuple[str, int, int]] = field(default_factory=list)
    # per sink pattern (module.sink_key): function index -> (mentions a sink, names called)
    facts: dict[tuple[int, bool], dict[int, tuple[bool, frozenset[str]]]] = field(default_factory=dict)


# a top-level statement's entry in a ModuleTable: (end, type, nodes in it, what it collected)
_Row = tuple[int, str, int, _Collected]


@dataclass
class ModuleTable:
    """What each top-level statement of a document collected on the last pass, by where it
    started in `src`, the text of that pass (kept in the document's cache, reuse.py)."""

    src: bytes
    framework: str
    rows: dict[int, _Row]
    module_text: bytes  # the text of module-level code, joined (see ModuleInfo.result)
    module_spans: list[tuple[int, int]]  # where its statements were


DEFINITIONS = frozenset({"function_definition", "class_definition", "decorated_definition"})
COLLECTED_TYPES = frozenset({"function_definition", "class_definition", "decorated_definition", "expression_statement"})
MAX_COLLECTED = 20_000  # statement records kept (a 50,000-line file has ~7,000 statements)
_COLLECTED: dict[tuple[int, int, str, int, str], _Collected] = {}
_NO_RECORD = _Collected()  # module-level code's place in a FunctionTable (it has no record)


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
    len() read the keys only; `records` reads the functions' statement records without
    making them."""

    def __init__(self, mod: ModuleInfo) -> None:
        self._mod = mod
        # key -> (start of its top-level statement, the statement's record, index in it)
        self._where: dict[str, tuple[int, _Collected, int]] = {}
        self._made: dict[str, FunctionInfo] = {}

    def fill(self) -> dict[str, tuple[int, _Collected, int]]:
        """The table's records, to fill while nothing is made yet (ModuleInfo._collect_module)."""
        assert not self._made
        return self._where

    def records(self) -> Iterator[tuple[str, tuple[int, _Collected, int]]]:
        return iter(self._where.items())

    def record(self, key: str) -> tuple[int, _Collected, int] | None:
        return self._where.get(key)

    def __getitem__(self, key: str) -> FunctionInfo:
        made = self._made.get(key)
        if made is None:
            start, collected, index = self._where[key]
            _, at, outer_at, end, cls, html = collected.functions[index]
            made = FunctionInfo(self._mod, key, start + at, start + outer_at, start + end, cls, html)
            self._made[key] = made
        return made

    def __setitem__(self, key: str, info: FunctionInfo) -> None:
        self._made[key] = info
        self._where.pop(key, None)
        self._where[key] = (info.start, _NO_RECORD, -1)  # (a key like the others, last)

    def __delitem__(self, key: str) -> None:
        del self._where[key]
        self._made.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class ModuleInfo:
    def __init__(self, src: Source, root: Node, imports: Imports, cache: DocumentCache | None = None) -> None:
        self.src = src
        self._root = root
        self.imports = imports
        self.cache = cache if cache is not None else DocumentCache()
        self.functions = FunctionTable(self)
        self.results: dict[str, Result] = {}
        self.in_progress: set[str] = set()
        # the functions analysed (not taken from the cache) in this pass, in order
        self.analysed: list[str] = []
        # the facts each analysis in progress reads (innermost last), see reuse.py
        self._reads: list[dict[Fact, object]] = []
        # functions whose text changed by one contiguous edit since their last analysis
        self.remaps: dict[str, Remap] = {}
        self.module_restart = -1  # the top-level statement module-level code ran again from
        self.collected = 0  # top-level statements whose text this pass read (not in the table)
        # (the text of the last pass, the functions whose record may differ from it) when
        # the module table was used (see _collect_module)
        self._changed: tuple[bytes, set[str]] | None = None
        # module-level code only (function bodies are cached on their own), and its text
        self._module_code: list[Node] = []
        self._module_text = b""
        self._classes: int | None = None
        self.consts: set[str] = _WatchedSet(self)
        self.const_values: dict[str, str] = {}  # module-level string constants
        self.global_types: dict[str, str] = {}  # `repo = OrderRepository()` at module level
        # `PARSER = etree.XMLParser(resolve_entities=False)` at module level: the call itself
        self.global_calls: dict[str, Node] = {}
        self.framework = self._framework()
        self.has_sources = bool(SOURCE_RE.search(src))
        self.sink_re = sink_pattern(imports, not self.has_sources)
        self.sink_key = (imports.fingerprint(), self.has_sources)
        self.uri = ""
        # set for headless runs: summaries of functions imported from workspace modules
        self.loader: ModuleLoader | None = None
        self._external: dict[str, Summary | None] = {}
        self._workspace: set[str] | None = None
        self._collect_module()
        # functions read these module-level objects: a change to one re-analyses them
        configured = tuple(sorted((k, text(self.src, v)) for k, v in self.global_calls.items()))
        self.fingerprint = hash((imports.fingerprint(), self.has_sources, configured))
        # every module-level fact but the rare ones (class headers, Django wiring)
        self.epoch = hash(
            (
                self.fingerprint,
                tuple(self.functions),
                tuple(self.consts),
                tuple(self.const_values.items()),
                tuple(self.global_types.items()),
            )
        )
        self.functions[MODULE_KEY] = FunctionInfo(
            None, MODULE_KEY, root.start_byte, root.start_byte, root.end_byte, None, nodes=(root, root, root)
        )

    # --------------------------------------------------------------------------- collection
    def _framework(self) -> str:
        if self.imports.uses("flask", "quart", "bottle"):
            return "flask"
        if self.imports.uses("fastapi", "starlette"):
            return "fastapi"
        if self.imports.uses("django", "rest_framework"):
            return "django"
        return ""

    def _collect_module(self) -> None:
        """The functions and module-level facts of every top-level statement, cached by its
        text: a keystroke changes one statement, not the 3,000 others of a big file.

        The document's last table (ModuleTable) says what each statement collected then:
        a statement whose text lies before the first changed byte, or after the last one
        (moved by the edit), and that parses to the same shape, is taken from it without
        slicing and hashing its text again (a pass reads the file's changed part only)."""
        src = self.src
        last = self.cache.table
        before = after = delta = -1
        old_rows: dict[int, _Row] = {}
        if last is not None and last.framework == self.framework:
            old = last.src
            before = common_prefix(old, src)  # bytes [0, before) did not change
            after = len(src) - common_suffix(old, src, min(len(old), len(src)) - before)  # nor [after, end)
            delta = len(src) - len(old)
            old_rows = last.rows
        reused: set[int] = set()  # the old rows taken (by where they were)
        changed: list[_Collected] = []  # the records of the statements read again
        rows: dict[int, _Row] = {}
        where = self.functions.fill()  # (filled here directly: one call per function was a third)
        module_code = self._module_code
        # where each module-level statement's text was in the last pass's text (-1: changed)
        module_was: list[tuple[int, int]] = []
        module_spans: list[tuple[int, int]] = []  # (and where it is now)
        for stmt in self._root.named_children:
            kind = stmt.type
            start, end = stmt.start_byte, stmt.end_byte
            # where the same text was last time (-1: it changed)
            was = start if end <= before else start - delta if start >= after >= 0 else -1
            if kind not in DEFINITIONS:
                module_code.append(stmt)
                module_was.append((was, was + end - start))
                module_spans.append((start, end))
            if kind not in COLLECTED_TYPES:
                continue
            shape = stmt.descendant_count
            found: _Collected | None = None
            if was >= 0:
                row = old_rows.get(was)
                # the same text; the same shape (error recovery may parse the same text otherwise)
                if row is not None and row[0] == was + end - start and row[1] == kind and row[2] == shape:
                    found = row[3]
                    reused.add(was)
            if found is None:
                self.collected += 1
                chunk = src[start:end]
                key = (hash(chunk), len(chunk), kind, shape, self.framework)
                found = _COLLECTED.get(key)
                if found is None:
                    found = _Collected()
                    self._collect(stmt, None, "", found, start, top=True)
                    if len(_COLLECTED) > MAX_COLLECTED:
                        _COLLECTED.clear()
                    _COLLECTED[key] = found
                changed.append(found)
            rows[start] = (end, kind, shape, found)
            for i, function in enumerate(found.functions):
                where[function[0]] = (start, found, i)
            if found.consts:
                self.consts.update(found.consts)
            if found.values:
                self.const_values.update(found.values)
            if found.types:
                self.global_types.update(found.types)
            for var, at, call_end in found.calls:
                self.global_calls[var] = self.node_at(start + at, start + call_end, "call")
        if last is not None and last.framework == self.framework:
            # the functions whose record may differ from the last pass's: those of the
            # statements read again and of the old ones not taken (see _direct)
            changed += [row[3] for was, row in old_rows.items() if was not in reused]
            self._changed = (last.src, {f[0] for record in changed for f in record.functions})
        # module-level code's text, joined (its cache key): the last pass's while every such
        # statement's text is where it was (moved by the edit), so its hash is not computed again
        if last is not None and module_was == last.module_spans:
            module_text = last.module_text
        else:
            module_text = b"\n".join(src[c.start_byte : c.end_byte] for c in module_code)
        self._module_text = module_text
        self.cache.table = ModuleTable(src, self.framework, rows, module_text, module_spans)

    def node_at(self, start: int, end: int, kind: str) -> Node:
        """The node of this type spanning exactly start..end (a function, a call)."""
        node: Node | None = self._root.descendant_for_byte_range(start, end)
        while node is not None and not (node.type == kind and node.start_byte == start and node.end_byte == end):
            node = node.parent
        if node is None:
            raise LookupError(f"no {kind} at {start}..{end}")
        return node

    def _collect(
        self, block: Node, cls: str | None, prefix: str, out: _Collected, base: int, top: bool = False
    ) -> None:
        for stmt in [block] if top else block.named_children:
            outer = stmt
            node = stmt
            if stmt.type == "decorated_definition":
                inner = stmt.child_by_field_name("definition")
                if inner is None:
                    continue
                node = inner
            if node.type == "function_definition":
                self._add_function(node, outer, cls, prefix, out, base)
            elif node.type == "class_definition" and not prefix:
                name = node.child_by_field_name("name")
                body = node.child_by_field_name("body")
                if name is not None and body is not None:
                    self._collect(body, text(self.src, name), "", out, base)
            elif node.type == "expression_statement" and cls is None and not prefix:
                assign = node.named_children[0] if node.named_children else None
                if assign is not None and assign.type == "assignment":
                    left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
                    if left is None or right is None or left.type != "identifier":
                        continue
                    var = text(self.src, left)
                    if right.type in ("string", "integer", "tuple", "list", "set", "dictionary", "concatenated_string"):
                        if right.type == "string" and any(c.type == "interpolation" for c in right.named_children):
                            continue
                        out.consts.append(var)
                        if right.type == "string":
                            value = "".join(
                                text(self.src, c) for c in right.named_children if c.type == "string_content"
                            )
                            out.values.append((var, value))
                    elif right.type == "call":
                        if CONFIGURED.search(self.src, right.start_byte, right.end_byte):
                            out.calls.append((var, right.start_byte - base, right.end_byte - base))
                        fn = right.child_by_field_name("function")
                        if fn is not None and fn.type == "identifier":
                            out.types.append((var, text(self.src, fn)))

    def _add_function(self, node: Node, outer: Node, cls: str | None, prefix: str, out: _Collected, base: int) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        name = text(self.src, name_node)
        key = f"{prefix}{cls}.{name}" if cls else f"{prefix}{name}"
        html = False
        if outer is not node:
            decorators = self.src[outer.start_byte : node.start_byte].decode("utf-8", "replace")
            html = bool(ROUTE_RE.search(decorators)) and (self.framework == "flask" or "HTMLResponse" in decorators)
        out.functions.append((key, node.start_byte - base, outer.start_byte - base, node.end_byte - base, cls, html))
        if self.src.find(b"def ", body.start_byte, body.end_byte) >= 0:
            self._collect(body, None, key + ".", out, base)

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
        if self._classes is None:
            headers = []
            for node in self._root.named_children:
                if node.type == "decorated_definition":
                    node = node.named_children[-1]
                if node.type == "class_definition":
                    body = node.child_by_field_name("body")
                    headers.append(self.src[node.start_byte : body.start_byte if body is not None else node.end_byte])
            self._classes = hash(tuple(headers))
        return self._classes

    # --------------------------------------------------------------------------- analysis
    def _direct(self) -> tuple[set[str], dict[str, frozenset[str]]]:
        """Functions that mention a sink (or are HTML routes), and the names every other
        function calls. Found by name: cheap, and rarely wrong."""
        last = self.cache.direct
        if last is not None and self._changed is not None and last[0] is self._changed[0] and last[1] == self.sink_key:
            # the last pass's answer, for the functions whose record did not change (their
            # facts are a function of the record: ModuleInfo._changed)
            direct, calls = set(last[2]), dict(last[3])
            for key in self._changed[1]:
                direct.discard(key)
                calls.pop(key, None)
            records: Iterable[tuple[str, tuple[int, _Collected, int]]] = (
                (key, record) for key in self._changed[1] if (record := self.functions.record(key)) is not None
            )
        else:
            direct, calls = set(), {}
            records = self.functions.records()
        for key, (start, collected, index) in records:
            if index < 0:  # module-level code
                continue
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
        candidates: set[str] = set()
        frontier = {k.rsplit(".", 1)[-1] for k in direct} | workspace
        rest = dict(calls)
        while frontier and rest:
            added = [k for k, called in rest.items() if called & frontier]
            for k in added:
                del rest[k]
            candidates.update(added)
            frontier = {k.rsplit(".", 1)[-1] for k in added}
        reaching = {k.rsplit(".", 1)[-1] for k in sorted(direct) if self._reaches_sink(k)}
        chosen = {k for k in candidates if calls[k] & workspace}
        pending = candidates - chosen
        while reaching and pending:
            added = [k for k in sorted(pending) if calls[k] & reaching]
            pending.difference_update(added)
            chosen.update(added)
            reaching = {k.rsplit(".", 1)[-1] for k in added}
        return sorted(chosen)

    def _reaches_sink(self, key: str) -> bool:
        found = self.summary(key)
        return found is not None and bool(found.sinks)

    def _function_facts(self, start: int, collected: _Collected, index: int) -> tuple[bool, frozenset[str]]:
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

    def result(self, key: str) -> Result | None:
        done = self.results.get(key)
        if done is not None:
            return done
        if key in self.in_progress or len(self.in_progress) >= MAX_DEPTH:
            return None  # recursion (or a very deep chain): the call is treated as unknown
        info = self.functions[key]
        starts: tuple[int, ...] = ()
        if key == MODULE_KEY:
            starts = tuple(c.start_byte for c in self._module_code)
            chunk = self._module_text
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
        for callee, old in entry.used.items():
            now = self.summary(callee)
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
        flow.run(info.body)
        returns = flow.returns
        if returns is not None and returns.path and not returns.kinds:
            returns = None
        summary = Summary(info.params, returns, tuple(flow.hits), info.vararg)
        return Result(summary, tuple(flow.found), dict(flow.used), tuple(flow.skipped))

    def _analyze_module(self, info: FunctionInfo) -> Result:
        """Module-level code, run again only from the last state saved before the first
        top-level statement that changed (an edit near the end of a long module does not
        re-run its start). The start is reused only if everything it read is unchanged:
        the same text at the same place, the module's facts and the callees' summaries."""
        flow = Flow(self, info)
        children = self._root.named_children
        shape = [
            (c.type, c.start_byte, c.end_byte, c.descendant_count, hash(self.src[c.start_byte : c.end_byte]))
            for c in children
        ]
        context = (self.fingerprint, frozenset(self.workspace_imports()) if self.loader is not None else None)
        reads = self._reads[-1]
        checkpoints: dict[int, tuple[FlowState, dict[Fact, object]]] = {}
        start = self.module_restart = 0
        last = self.cache.module
        if last is not None and last.context == context:
            same = 0
            while same < min(len(shape), len(last.shape)) and shape[same] == last.shape[same]:
                same += 1
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

        def checkpoint(i: int) -> None:
            checkpoints[i] = (flow.save(), dict(reads))

        flow.run(info.body, start, checkpoint)
        self.cache.module = ModuleRun(
            shape, context, checkpoints, tuple(flow.hits), tuple(flow.found), tuple(flow.skipped)
        )
        returns = flow.returns
        if returns is not None and returns.path and not returns.kinds:
            returns = None
        summary = Summary(info.params, returns, tuple(flow.hits), info.vararg)
        return Result(summary, tuple(flow.found), dict(flow.used), tuple(flow.skipped))

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
