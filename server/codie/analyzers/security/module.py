"""One file as the taint engine sees it: its functions, their summaries, their findings.

Functions are analysed lazily: only those that mention a sink (or call a function that
does) run at all, and a callee's summary is computed when a caller first needs it.
Results are cached per function by the hash of its text, so an edit re-analyses only the
functions it touched (and callers whose view of a callee's summary changed).
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.calls import EXTERNAL, apply_summary
from codie.analyzers.security.crossmodule import ModuleLoader
from codie.analyzers.security.functions import ROUTE_RE, FunctionInfo, Signature, read_signature
from codie.analyzers.security.interp import Flow
from codie.analyzers.security.model import SinkHit, Skipped, Summary, Taint
from codie.analyzers.security.names import Imports, Source, text

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
class CacheEntry:
    summary: Summary
    found: tuple[SinkHit, ...]
    used: dict[str, Summary | None]
    # module-level code only: where its statements started (its offsets are file offsets)
    starts: tuple[int, ...] = ()
    skipped: tuple[Skipped, ...] = ()


@dataclass
class Result:
    summary: Summary
    found: tuple[SinkHit, ...]
    used: dict[str, Summary | None] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()  # what the interpreter could not analyse (ANA001)


class ModuleInfo:
    def __init__(self, src: Source, root: Node, imports: Imports, cache: dict[tuple[str, int], CacheEntry]) -> None:
        self.src = src
        self.root = root
        self.imports = imports
        self.old_cache = cache
        self.new_cache: dict[tuple[str, int], CacheEntry] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.results: dict[str, Result] = {}
        self.in_progress: set[str] = set()
        self.consts: set[str] = set()
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
        self._collect(root, None, "")
        # functions read these module-level objects: a change to one re-analyses them
        configured = tuple(sorted((k, text(self.src, v)) for k, v in self.global_calls.items()))
        self.fingerprint = hash((imports.fingerprint(), self.has_sources, configured))
        self.functions[MODULE_KEY] = FunctionInfo(None, MODULE_KEY, root, root, root, None)

    # --------------------------------------------------------------------------- collection
    def _framework(self) -> str:
        if self.imports.uses("flask", "quart", "bottle"):
            return "flask"
        if self.imports.uses("fastapi", "starlette"):
            return "fastapi"
        if self.imports.uses("django", "rest_framework"):
            return "django"
        return ""

    def _collect(self, block: Node, cls: str | None, prefix: str) -> None:
        for stmt in block.named_children:
            outer = stmt
            node = stmt
            if stmt.type == "decorated_definition":
                inner = stmt.child_by_field_name("definition")
                if inner is None:
                    continue
                node = inner
            if node.type == "function_definition":
                self._add_function(node, outer, cls, prefix)
            elif node.type == "class_definition" and not prefix:
                name = node.child_by_field_name("name")
                body = node.child_by_field_name("body")
                if name is not None and body is not None:
                    self._collect(body, text(self.src, name), "")
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
                        self.consts.add(var)
                        if right.type == "string":
                            self.const_values[var] = "".join(
                                text(self.src, c) for c in right.named_children if c.type == "string_content"
                            )
                    elif right.type == "call":
                        if CONFIGURED.search(self.src, right.start_byte, right.end_byte):
                            self.global_calls[var] = right
                        fn = right.child_by_field_name("function")
                        if fn is not None and fn.type == "identifier":
                            self.global_types[var] = text(self.src, fn)

    def _add_function(self, node: Node, outer: Node, cls: str | None, prefix: str) -> None:
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
        self.functions[key] = FunctionInfo(self, key, node, outer, body, cls, html)
        if self.src.find(b"def ", body.start_byte, body.end_byte) >= 0:
            self._collect(body, None, key + ".")

    def signature(self, info: FunctionInfo) -> Signature:
        return read_signature(self, info)

    # --------------------------------------------------------------------------- analysis
    def interesting(self) -> list[str]:
        """Functions worth analysing: they reach a sink, or call one that does."""
        chosen: set[str] = set()
        calls: dict[str, frozenset[str]] = {}
        for key, info in self.functions.items():
            if key == MODULE_KEY:
                continue
            sink, called = self._facts(self.src[info.outer.start_byte : info.outer.end_byte])
            if info.html_route or sink:
                chosen.add(key)
            else:
                calls[key] = called
        # callers of chosen functions, transitively (by name: cheap and rarely wrong), and
        # (headless) callers of functions imported from the workspace
        frontier = {k.rsplit(".", 1)[-1] for k in chosen} | self.workspace_imports()
        while frontier and calls:
            added = [k for k, called in calls.items() if called & frontier]
            for k in added:
                del calls[k]
            chosen.update(added)
            frontier = {k.rsplit(".", 1)[-1] for k in added}
        return sorted(chosen)

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
        for key in self.interesting():
            self.result(key)
            yield key

    def result(self, key: str) -> Result | None:
        done = self.results.get(key)
        if done is not None:
            return done
        if key in self.in_progress or len(self.in_progress) >= MAX_DEPTH:
            return None  # recursion (or a very deep chain): the call is treated as unknown
        info = self.functions[key]
        starts: tuple[int, ...] = ()
        if key == MODULE_KEY:
            statements = self._module_statements()
            starts = tuple(c.start_byte for c in statements)
            chunk = b"\n".join(self.src[c.start_byte : c.end_byte] for c in statements)
        else:
            chunk = self.src[info.outer.start_byte : info.outer.end_byte]
        # which imported names resolve to workspace functions is part of the key: in the
        # editor a module's text arrives after a first pass that could not follow the call
        workspace = frozenset(self.workspace_imports()) if self.loader is not None else None
        cache_key = (key, hash((chunk, self.fingerprint, info.cls, workspace)))
        entry = self.old_cache.get(cache_key) or self.new_cache.get(cache_key)
        self.in_progress.add(key)
        try:
            if entry is not None and all(self.summary(k) == s for k, s in entry.used.items()):
                found, skipped = entry.found, entry.skipped
                if key == MODULE_KEY and entry.starts != starts:
                    found = tuple(_moved(h, entry.starts, starts) for h in found)
                    skipped = tuple(_moved_skip(k, entry.starts, starts) for k in skipped)
                result = Result(entry.summary, found, entry.used, skipped)
            else:
                try:
                    result = self._analyze(info)
                except RecursionError:
                    # the interpreter skips deep statements itself (interp.Flow.guarded);
                    # this is the last resort, and it is reported too (ANA001)
                    log.info("security-taint: %s is nested too deeply to analyse", key)
                    node = info.node
                    result = Result(
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
        finally:
            self.in_progress.discard(key)
        self.results[key] = result
        self.new_cache[cache_key] = CacheEntry(result.summary, result.found, result.used, starts, result.skipped)
        return result

    def _module_statements(self) -> list[Node]:
        """Module-level code only: function bodies are cached on their own."""
        return [
            c
            for c in self.root.named_children
            if c.type not in ("function_definition", "class_definition", "decorated_definition")
        ]

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

    # --------------------------------------------------------------------------- calls
    def resolve(self, func: FunctionInfo, name: str, types: dict[str, str] | None = None) -> str | None:
        """The key of the local (or, headless, imported workspace) function a call names."""
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
        owner = types.get(head) if types is not None else None
        owner = owner or self.global_types.get(head)
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
