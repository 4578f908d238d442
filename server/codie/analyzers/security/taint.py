"""The taint analyzer: proven source-to-sink paths, with the path as related locations."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlparse

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.crossmodule import SERVICE as SOURCES_SERVICE
from codie.analyzers.security.crossmodule import ModuleLoader, WorkspaceSources
from codie.analyzers.security.fixes import fix_for, import_edit
from codie.analyzers.security.model import SinkHit
from codie.analyzers.security.module import MODULE_KEY, SINK_RE, ModuleInfo
from codie.analyzers.security.names import collect_imports
from codie.analyzers.security.reuse import DocumentCache
from codie.core.analyzer import Context, Mode, Unit
from codie.core.confidence import logit, sigmoid
from codie.core.document import Document
from codie.core.findings import Finding, Location, Severity, TextEdit
from codie.core.textdiff import Seen, search_again

FAMILY_TITLE = {
    "code": "Code injection",
    "cmd": "Command injection",
    "sql": "SQL injection",
    "path": "Path traversal",
    "xss": "Cross-site scripting",
    "ldap": "LDAP injection",
    "xpath": "XPath injection",
    "xxe": "XML external entities",
    "deser": "Unsafe deserialization",
    "redirect": "Open redirect",
    "session": "Untrusted data in the session",
    "ssrf": "Server-side request forgery",
}
CACHED_DOCUMENTS = 32
TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|(^|/)tests?/")
ROUTE_BYTES = re.compile(rb"@[\w.]+\.(?:route|get|post|put|patch|delete)\s*\(")
# A sink reached by no traced source (a parameter of a function nobody in the file calls,
# or a value of unknown origin) is, in real code, a library doing what its caller asks
# (`eval(expr)` in an expression evaluator, `exec(code, ns)` in a REPL): 26 of the 32
# errors on bench/realworld were such calls, none a hole. Such a finding is a warning at
# most and scores at most this, under the default --min-confidence (0.3): hidden unless
# asked for. Whatever a source is traced from keeps its level and score.
NO_SOURCE_CEILING = 0.2


class TaintAnalyzer:
    name: ClassVar[str] = "security-taint"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def __init__(self) -> None:
        # per document: function results keyed by (function, hash of its text)
        self._caches: OrderedDict[str, DocumentCache] = OrderedDict()
        # per document: the functions the last pass analysed (not taken from the cache), and
        # the top-level statement module-level code ran again from (-1: not run again, 0: all)
        self.analysed: dict[str, list[str]] = {}
        self.module_restart: dict[str, int] = {}
        # and the one it stopped at, the rest taken from the last run (-1: ran to the end)
        self.module_converged: dict[str, int] = {}
        # per document: the long functions the last pass ran again, from and to which
        # statement of their body (module.ModuleInfo.resumed)
        self.resumed: dict[str, dict[str, tuple[int, int]]] = {}
        # per document: the top-level statements the last pass read again (module.ModuleTable)
        self.collected: dict[str, int] = {}
        # per document: where the text named a sink (or a route) on the last pass (_relevant)
        self._sinks: OrderedDict[str, Seen] = OrderedDict()
        # per document: the reported findings, keyed by what they are built from (_report)
        self._reported: dict[str, dict[tuple[object, ...], _Reported]] = {}

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding | Unit]:
        doc = ctx.doc
        if doc.tree is None or not self._relevant(doc):
            return
        root = doc.tree.root_node
        cache = self._caches.pop(doc.uri, None)
        # the engine's list of the top-level statements (made once per tree), if it is one
        children = nodes if _top_level(root, nodes) else None
        imports = collect_imports(doc.source, root, doc.kept_from)
        mod = ModuleInfo(doc.source, root, imports, cache, children, doc.kept_from, doc.shape_kept_from)
        mod.uri = doc.uri
        self.collected[doc.uri] = mod.collected
        if ctx.root is not None and doc.uri.startswith("file:") and mod.has_sources:
            # follow calls into the workspace's other modules: `codie check` reads them from
            # disk; the editor only from memory (open buffers and files its server read in
            # the background: crossmodule.WorkspaceSources). Only files that take untrusted
            # data in need it.
            sources = ctx.services.get(SOURCES_SERVICE) if ctx.mode == Mode.EDITOR else None
            reader = sources.reader(doc.uri) if isinstance(sources, WorkspaceSources) else None
            if ctx.mode == Mode.HEADLESS or reader is not None:
                from urllib.request import url2pathname  # here: urllib.request costs ~30 ms at start-up

                try:
                    mod.loader = ModuleLoader(ctx.root, Path(url2pathname(urlparse(doc.uri).path)), reader=reader)
                except (OSError, ValueError):
                    mod.loader = None
        try:
            for key in mod.steps():  # one Unit mark per function: budgeted and paused per function
                if key == MODULE_KEY:  # module-level code has no span of its own: a checkpoint
                    yield Unit("module-level code", 0, 0)
                else:  # (its span from the module table: most functions' results are carried
                    # from the last pass, and were never made into a FunctionInfo in this one)
                    yield Unit(f"function `{key}`", *mod.functions.span(key))
        finally:
            # also when the editor abandoned this pass (the text changed): results computed
            # so far are in mod.cache already, and stay there for the next pass
            self._caches[doc.uri] = mod.cache
            self.analysed[doc.uri] = mod.analysed
            self.module_restart[doc.uri] = mod.module_restart
            self.module_converged[doc.uri] = mod.module_converged
            self.resumed[doc.uri] = mod.resumed
        while len(self._caches) > CACHED_DOCUMENTS:
            gone, _ = self._caches.popitem(last=False)
            self._reported.pop(gone, None)
            self.analysed.pop(gone, None)
            self.module_restart.pop(gone, None)
            self.module_converged.pop(gone, None)
            self.resumed.pop(gone, None)
            self.collected.pop(gone, None)
        yield from self._report(ctx, mod)

    def _relevant(self, doc: Document) -> bool:
        """Does the text name a sink or a route? (Known again after an edit below the first
        one it named, either: textdiff.search_again.)"""
        last = self._sinks.pop(doc.uri, None)
        found, seen = search_again(SINK_RE, doc.source, last, doc.kept_from)
        if not found:
            found, seen = search_again(ROUTE_BYTES, doc.source, None, None)
        if seen is not None:
            self._sinks[doc.uri] = seen
            while len(self._sinks) > CACHED_DOCUMENTS:
                self._sinks.popitem(last=False)
        return found

    def _report(self, ctx: Context, mod: ModuleInfo) -> Iterator[Finding]:
        best: dict[tuple[str, str, int, int], tuple[SinkHit, bool]] = {}
        called = {k for r in mod.results.values() for k in r.used}
        # in the order of the file, not of analysis (which callers, cached results and
        # summaries computed on demand make differ from one pass to the next): of two hits
        # on one sink with the same evidence, the same one is reported every time
        reporting = [
            (key, result)
            for key, result in mod.results.items()
            if result.found or (result.summary.sinks and key != MODULE_KEY and key not in called)
        ]  # (most results report nothing: sorting only those that do is the same order)
        for key, result in sorted(reporting, key=lambda kv: _place(mod, kv[0])):
            for hit in result.found:
                _keep(best, hit, False)
            if key != MODULE_KEY and key not in called:
                for hit in result.summary.sinks:
                    _keep(best, hit, True)
        # a finding is made from its hit, where the functions of its path start, the text of
        # its call (the fix rewrites it) and, for a fix that may add an import, where that
        # goes: made again only when one of these changed, and moved when only where the
        # functions start did, all by the same amount (an edit above them)
        old = self._reported.get(ctx.doc.uri, {})
        new: dict[tuple[object, ...], _Reported] = {}
        src = ctx.doc.source
        root = ctx.doc.tree.root_node if ctx.doc.tree is not None else None
        import_place: tuple[TextEdit, ...] | None = None
        for hit, from_param in best.values():
            owners = (hit.owner, *(s.owner for s in hit.taint.path))
            starts = tuple(-1 if (at := mod.functions.start(o)) is None else at for o in owners)
            base = starts[0]
            if base < 0:  # (not a function of this file: _finding makes nothing)
                continue
            imports: tuple[TextEdit, ...] = ()
            if hit.rule == "SEC001" and root is not None:  # (eval's fix may import ast)
                if import_place is None:
                    import_place = import_edit(src, root, "ast", root)
                imports = import_place
            call = src[base + hit.start : base + hit.end]
            ident = (hit, from_param, tuple(at - base for at in starts), call, imports)
            kept = old.get(ident)
            if kept is None:
                finding = self._finding(ctx, mod, hit, from_param)
            elif kept[0] == base or kept[1] is None:
                finding = kept[1]
            else:
                finding = _moved_finding(kept[1], base - kept[0], imports)
            new[ident] = (base, finding)
            if finding is not None:
                yield finding
        self._reported[ctx.doc.uri] = new
        yield from _skipped(ctx, mod)

    def _finding(self, ctx: Context, mod: ModuleInfo, hit: SinkHit, from_param: bool) -> Finding | None:
        owner = mod.functions.get(hit.owner)
        if owner is None:
            return None
        start, end = owner.start + hit.start, owner.start + hit.end
        title = FAMILY_TITLE[hit.family]
        related = []
        for step in hit.taint.path:
            info = mod.functions.get(step.owner)
            if info is not None:
                related.append(Location(info.start + step.start, info.start + step.end, step.message))
        for uri, line, column, text in hit.external:
            related.append(Location(0, 0, text, uri=uri, line=line, column=column))
        kinds = sorted(hit.taint.real_kinds)
        if kinds:
            origin = " and ".join(specs.KIND_LABEL[k] for k in kinds)
            verb = "reaches" if len(kinds) == 1 else "reach"
            message = f"{title}: {origin} {verb} {hit.label}"
            notes = [f"a path from {origin} to {hit.label} was traced through {len(related)} step(s)"]
        elif from_param:
            first = hit.taint.path[0].message if hit.taint.path else "a parameter"
            message = f"{title}: {first} reaches {hit.label} (no caller in this file)"
            notes = [
                "the value comes from a parameter; callers outside this file decide whether it is attacker-controlled"
            ]
        else:
            message = f"{title}: {hit.label} is built from data of unknown origin"
            notes = ["a dangerous API called with a non-constant value; no source was traced"]
        if len(related) > 1:
            message += " (path: " + " -> ".join(_short(r.message) for r in related) + ")"
        node = ctx.doc.tree.root_node.descendant_for_byte_range(start, end) if ctx.doc.tree is not None else None
        while (
            node is not None
            and node.type != "call"
            and node.parent is not None
            and node.start_byte == start
            and node.parent.end_byte == end
        ):
            node = node.parent
        fix = (
            fix_for(
                ctx.doc.source,
                hit.rule,
                node,
                hit.fix_key,
                ctx.doc.tree.root_node if ctx.doc.tree is not None else None,
            )
            if node is not None
            else None
        )
        evidence = hit.evidence
        if TEST_FILE.search(ctx.doc.uri):
            # `exec(code)` in a test is how tests exercise the language, and a test's
            # "request" is a fixture it wrote itself: not a hole
            evidence *= 0.3
            notes.append("in a test file")
        severity = None
        if not kinds and hit.fix_key != "yaml":  # (yaml.load is unsafe whatever the data)
            prior = ctx.catalogue[hit.rule].confidence
            evidence = min(evidence, sigmoid(logit(NO_SOURCE_CEILING) - logit(prior)))
            severity = Severity.WARNING
        elif kinds and set(kinds) <= specs.OPERATOR_KINDS:
            # only the person running the program controls the data (a local vector):
            # worth a look, not an error
            severity = Severity.WARNING
        return ctx.report(
            hit.rule,
            start,
            end,
            message,
            evidence=evidence,
            notes=notes,
            related=related,
            fix=fix,
            severity=severity,
            data={"family": hit.family, "taint": bool(kinds)},
        )


def _skipped(ctx: Context, mod: ModuleInfo) -> Iterator[Finding]:
    """ANA001 for each statement the interpreter gave up on: a sink inside it would not be
    reported, and the user must know that (the rest of the file was analysed)."""
    src = ctx.doc.source
    seen: set[tuple[int, int]] = set()
    for result in mod.results.values():
        for skip in result.skipped:
            base = mod.functions.start(skip.owner)
            if base is None:
                continue
            start, end = base + skip.start, base + skip.end
            if (start, end) in seen or not 0 <= start <= end <= len(src):
                continue
            seen.add((start, end))
            line_end = src.find(b"\n", start, end)
            yield ctx.report(
                "ANA001",
                start,
                end if line_end < 0 else line_end,
                f"Too deep to analyse for security: {skip.reason}; a vulnerability in this "
                "statement would not be reported (the rest of the file was analysed)",
                notes=[f"security-taint skipped this statement: {skip.reason}"],
                data={"analyzer": "security-taint", "reason": skip.reason, "end": end},
            )


# (where the hit's function started, the finding made of it) when it was made
_Reported = tuple[int, Finding | None]


def _moved_finding(finding: Finding, delta: int, imports: tuple[TextEdit, ...]) -> Finding:
    """The finding with its functions `delta` bytes further: every offset in it but an
    import the fix adds (at the top of the module, which did not move: `imports`)."""
    fix = finding.fix
    if fix is not None:
        edits = tuple(e if e in imports else TextEdit(e.start + delta, e.end + delta, e.new_text) for e in fix.edits)
        fix = replace(fix, edits=edits)
    related = tuple(
        replace(loc, start=loc.start + delta, end=loc.end + delta) if loc.uri is None else loc
        for loc in finding.related
    )
    return replace(finding, start=finding.start + delta, end=finding.end + delta, fix=fix, related=related)


def _top_level(root: Node, nodes: Sequence[Node]) -> bool:
    """Are `nodes` the root's named children (what the engine passes a whole-file analyzer)?"""
    n = root.named_child_count
    if len(nodes) != n or root.child_count != n:
        return False
    if not n:
        return True
    first, last = root.child(0), root.child(n - 1)
    return (
        first is not None
        and last is not None
        and (nodes[0].start_byte, nodes[0].end_byte, nodes[-1].start_byte, nodes[-1].end_byte)
        == (first.start_byte, first.end_byte, last.start_byte, last.end_byte)
    )


def _place(mod: ModuleInfo, key: str) -> tuple[int, str]:
    start = mod.functions.start(key) if key != MODULE_KEY else None
    return (start if start is not None else -1, key)


def _keep(best: dict[tuple[str, str, int, int], tuple[SinkHit, bool]], hit: SinkHit, from_param: bool) -> None:
    key = (hit.rule, hit.owner, hit.start, hit.end)
    old = best.get(key)
    if old is None or hit.evidence > old[0].evidence:
        best[key] = (hit, from_param)


def _short(message: str) -> str:
    return message.split(": `", 1)[0] if len(message) > 48 else message
