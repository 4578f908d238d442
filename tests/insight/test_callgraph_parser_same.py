"""The parser processes' short cuts change nothing (issue 15): a table of texts kept by a
parser process across its files, the body search on starts alone, string literals without a
prefix answered first, `super` recognised by its bytes and the call loop's scope found in
place give exactly the summaries of the extractor as it was before them (its methods kept
below as they were), on this project's code, the call-graph suites, a sample of the standard
library and the edge cases of each short cut, in any order of files; the table is bounded."""

from __future__ import annotations

import os
import pickle
import sys
from bisect import bisect_right
from pathlib import Path

import pytest
from tree_sitter import Node, QueryCursor

from codie.analyzers.callgraph import CallGraph
from codie.analyzers.callgraph.extract import (
    _BYTES,
    _END,
    _OPAQUE,
    _START,
    _STR,
    _STRING_PREFIX,
    CONTAINERS,
    MAX_DEPTH,
    QUERY,
    UNKNOWN,
    Extractor,
    Texts,
    _Body,
    module_name,
    summarize,
)
from codie.analyzers.callgraph.fields import (
    F_ALIAS,
    F_ARGUMENTS,
    F_ATTRIBUTE,
    F_BODY,
    F_FUNCTION,
    F_KEY,
    F_LEFT,
    F_NAME,
    F_OBJECT,
    F_RIGHT,
    F_SUBSCRIPT,
    F_VALUE,
)
from codie.analyzers.callgraph.model import Call, Expr, ModuleSummary, Scope, share_top
from codie.core.document import parse

ROOT = Path(__file__).resolve().parents[2]
STDLIB = Path(os.__file__).parent
_INF = 1 << 62


class ReferenceExtractor(Extractor):
    """The extraction before these short cuts: `_body_of`, `_expr`, `_call_expr` and `run`
    exactly as they were (main 812ce93); each file with tables of its own."""

    def _body_of(self, node: Node) -> _Body | None:
        start, end = node.start_byte, node.end_byte
        index = bisect_right(self._body_keys, (start, _INF)) - 1
        body = self._bodies[index] if index >= 0 else None
        while body is not None and not (body[0] <= start and end <= body[1]):
            body = body[3]
        return body

    def _expr(self, node: Node | None, depth: int = 0) -> Expr:
        if node is None:
            return UNKNOWN
        if depth > MAX_DEPTH:
            self._inexact += 1
            return UNKNOWN
        kind = node.type
        if kind == "identifier":  # half of all expressions: one per distinct name in the file
            raw = self.src[node.start_byte : node.end_byte]
            name = self._names.get(raw)
            if name is None:
                name = self._names[raw] = ("n", sys.intern(raw.decode("utf-8", "replace")))
            return name
        if kind == "attribute":
            obj, attr = node.child_by_field_id(F_OBJECT), node.child_by_field_id(F_ATTRIBUTE)
            return ("a", self.expr(obj, depth + 1), self.text(attr)) if attr else UNKNOWN
        if kind in ("string", "concatenated_string"):
            # bytes if a `b` follows the prefix letters: read in the source's bytes, as the
            # whole literal's text (docstrings included) was decoded and interned twice
            src, start, end = self.src, node.start_byte, node.end_byte
            prefix = _STRING_PREFIX.match(src, start, end)  # always matches (maybe nothing)
            after_prefix = prefix.end() if prefix is not None else start
            return (
                _BYTES
                if src[after_prefix : min(after_prefix + 1, end)] in b"bB"
                and src[start : min(start + 1, end)] not in b"\"'"
                else _STR
            )
        if kind in _OPAQUE:  # numbers, operators, None: most of the rest, nothing to follow
            return UNKNOWN
        if kind == "call":
            fn = node.child_by_field_id(F_FUNCTION)
            if fn is not None and self._maybe_special(fn):
                special = (
                    self.getattr_expr(node, depth)
                    or self.import_module_expr(node)
                    or self.getter_expr(node, depth)
                    or self.type_of_expr(node, depth)
                )
                if special is not None:
                    return special
            return self.call_expr(node, depth)
        if kind == "lambda":
            return ("d", self.scope_of_node[node.id]) if node.id in self.scope_of_node else UNKNOWN
        if kind in ("parenthesized_expression", "await", "as_pattern"):
            inner = node.named_children
            return self.expr(inner[0], depth + 1) if inner else UNKNOWN
        if kind in ("list", "tuple", "set", "expression_list"):
            return (
                "l",
                tuple(self.expr(c, depth + 1) for c in node.named_children if c.type != "comment"),
                CONTAINERS[kind],
            )
        if kind == "dictionary":
            pairs = [p for p in node.named_children if p.type == "pair"]
            return (
                "l",
                tuple(self.expr(p.child_by_field_id(F_VALUE), depth + 1) for p in pairs),
                "dict",
                tuple(self.literal_key(p.child_by_field_id(F_KEY)) for p in pairs),
            )
        if kind in CONTAINERS:  # comprehensions
            return ("l", (self.expr(node.child_by_field_id(F_BODY), depth + 1),), CONTAINERS[kind])
        if kind == "subscript":
            value = self.expr(node.child_by_field_id(F_VALUE), depth + 1)
            key = self.literal_key(node.child_by_field_id(F_SUBSCRIPT))
            return ("k", value, key) if key is not None else ("i", value)
        if kind == "conditional_expression":
            named = node.named_children
            return (
                ("U", (self.expr(named[0], depth + 1), self.expr(named[-1], depth + 1))) if len(named) >= 2 else UNKNOWN
            )
        if kind == "boolean_operator":
            return (
                "U",
                (
                    self.expr(node.child_by_field_id(F_LEFT), depth + 1),
                    self.expr(node.child_by_field_id(F_RIGHT), depth + 1),
                ),
            )
        if kind == "named_expression":
            return self.expr(node.child_by_field_id(F_VALUE), depth + 1)
        return UNKNOWN

    def _call_expr(self, node: Node, depth: int) -> Expr:
        fn = node.child_by_field_id(F_FUNCTION)
        args_node = node.child_by_field_id(F_ARGUMENTS)
        args: list[Expr] = []
        kwargs: list[tuple[str, Expr]] = []
        raw_args = args_node.named_children if args_node is not None and args_node.type == "argument_list" else []
        for a in raw_args:
            kind = a.type  # a new string on each read: read once
            if kind == "keyword_argument":
                name = a.child_by_field_id(F_NAME)
                if name is not None:
                    kwargs.append((self.text(name), self.expr(a.child_by_field_id(F_VALUE), depth + 1)))
            elif kind == "dictionary_splat" and a.named_children:
                kwargs.extend(self.splat_kwargs(node, a.named_children[0], depth))
            elif kind != "list_splat" and kind != "comment":
                args.append(self.expr(a, depth + 1))
        if fn is not None and fn.type == "identifier" and self.text(fn) == "super":
            if raw_args:
                return ("S", args[0]) if args else UNKNOWN
            return ("s", self.enclosing_class(node) or "")
        return ("c", self.expr(fn, depth + 1), tuple(args), tuple(kwargs))

    def run(self, root: Node) -> dict[str, Scope]:
        self.scopes[self.module] = Scope(
            self.module, "module", None, self.module.split(".")[-1], 0, len(self.src), 0, 0, 0
        )
        # Source order, always: the order captures come back in is not stable across runs,
        # and the order of a scope's calls and bindings decides the resolver's evaluation.
        captures = QueryCursor(QUERY).captures(root)
        for nodes in captures.values():
            # by (start, -end) in two stable sorts: C key functions, no tuple per node
            nodes.sort(key=_END, reverse=True)
            nodes.sort(key=_START)
        scope_nodes = captures.get("scope", [])
        for node in scope_nodes:
            self.declare(node)
        for node in captures.get("global", []):
            self.scope(node).globals.update(
                self.text(n) for n in node.named_children if node.type == "global_statement"
            )
        for node in scope_nodes:
            self.define(node)
        for node in captures.get("import", []):
            self.import_(node)
        for node in captures.get("assign", []):
            self.assignment(node)
        for node in captures.get("for", []):
            left, right = node.child_by_field_id(F_LEFT), node.child_by_field_id(F_RIGHT)
            if left is not None and right is not None:
                iterable = self.expr(right)
                self.bind_target(self.scope(node), left, ("i", iterable), None)
                for protocol in ("I", "N"):  # the loop calls __iter__, then __next__
                    self.scope(node).calls.append(
                        Call((protocol, iterable), (), (), right.start_byte, right.end_byte, right.start_point.row)
                    )
        for node in captures.get("raise", []):
            raised = node.named_children[0] if node.named_children else None
            if raised is not None and raised.type != "call":  # `raise E` instantiates E
                self.scope(node).calls.append(
                    Call(("R", self.expr(raised)), (), (), raised.start_byte, raised.end_byte, raised.start_point.row)
                )
        for node in captures.get("yield", []):
            value = node.named_children[0] if node.named_children else None
            if value is not None:  # a generator returns what it yields, as a container
                frm = any(c.type == "from" for c in node.children)
                item = ("i", self.expr(value)) if frm else self.expr(value)
                self.scope(node).returns.append(("l", (item,), "generator"))
        for node in captures.get("with", []):
            value = node.child_by_field_id(F_VALUE)
            if value is not None and value.type == "as_pattern":
                alias = value.child_by_field_id(F_ALIAS)
                if alias is not None and value.named_children:
                    self.bind_target(self.scope(node), alias, self.expr(value.named_children[0]), None)
        for node in captures.get("walrus", []):
            name = node.child_by_field_id(F_NAME)
            if name is not None:
                self.bind_target(self.scope(node), name, self.expr(node.child_by_field_id(F_VALUE)), None)
        for node in captures.get("return", []):
            if node.named_children:
                self.scope(node).returns.append(self.expr(node.named_children[0]))
        for node in captures.get("call", []):
            expr = self.call_expr(node)
            fn = node.child_by_field_id(F_FUNCTION)
            span = fn if fn is not None else node
            if expr[0] == "c":
                self.scope(node).calls.append(
                    Call(expr[1], expr[2], expr[3], span.start_byte, span.end_byte, span.start_point.row)
                )
            elif expr[0] in ("s", "S"):  # super() is a call of the builtin too
                self.scope(node).calls.append(
                    Call(("n", "super"), (), (), span.start_byte, span.end_byte, span.start_point.row)
                )
            if fn is not None and fn.type == "attribute":  # `name.append(v)` and friends
                self.mutation(node, fn)
        self.apply_keyed_stores()
        self.apply_mutations()
        return self.scopes


def reference(source: bytes, module: str, path: str, is_package: bool, compact: bool = True) -> ModuleSummary:
    extractor = ReferenceExtractor(source, module, is_package, compact)
    scopes = extractor.run(parse(source).root_node)
    if compact:
        share_top(scopes, extractor.shared)
    return ModuleSummary(module, path, "", scopes, {}, is_package)


def sources(root: Path, step: int = 1) -> list[tuple[bytes, str, str, bool]]:
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)[::step]
    out = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        module, is_package = module_name(rel)
        out.append((path.read_bytes(), module, rel, is_package))
    return out


ROOTS = {
    "server": (ROOT / "server", 1),
    "suite": (ROOT / "tests" / "callgraph_suite", 1),
    "pycg": (ROOT / "tests" / "callgraph_pycg", 1),
    "stdlib": (STDLIB, 15),  # a sample: every 15th file of this Python's standard library
}


@pytest.mark.parametrize("name", list(ROOTS))
def test_a_parser_processs_summaries_are_the_reference_extractors(name: str) -> None:
    root, step = ROOTS[name]
    files = sources(root, step)
    assert len(files) > 40
    texts = Texts()  # one table across the files, as in a parser process
    for source, module, rel, is_package in files:
        fast = summarize(source, module, rel, is_package, words=False, texts=texts)
        plain = reference(source, module, rel, is_package)
        assert fast.scopes == plain.scopes, rel
        # the same sharing of equal expressions too (what the parent process receives)
        fast.digest = plain.digest
        assert pickle.dumps(fast) == pickle.dumps(plain), rel
        # an edit's update (no sharing, a table of its own)
        unshared = summarize(source, module, rel, is_package, words=False, compact=False)
        assert unshared.scopes == reference(source, module, rel, is_package, compact=False).scopes, rel


def test_the_order_of_a_parser_processs_files_changes_no_summary() -> None:
    files = sources(ROOT / "tests" / "callgraph_suite")
    forward, backward = Texts(), Texts()
    ahead = {rel: summarize(s, m, rel, p, words=False, texts=forward) for s, m, rel, p in files}
    behind = {rel: summarize(s, m, rel, p, words=False, texts=backward) for s, m, rel, p in reversed(files)}
    assert ahead == behind
    assert {rel: pickle.dumps(s) for rel, s in ahead.items()} == {rel: pickle.dumps(s) for rel, s in behind.items()}


def test_the_table_of_texts_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Texts, "LIMIT", 50)
    texts = Texts()
    source = "\n".join(f"name_{i} = other_{i}.attr_{i}" for i in range(100)).encode()
    first = summarize(source, "m", "m.py", texts=texts)
    assert len(texts.texts) + len(texts.names) > 50  # filled by one file ...
    second = summarize(b"x = y", "n", "n.py", texts=texts)
    assert len(texts.texts) + len(texts.names) <= 50  # ... and emptied before the next
    assert first.scopes == reference(source, "m", "m.py", False).scopes
    assert second.scopes == reference(b"x = y", "n", "n.py", False).scopes


EDGE_CASES = b"""
class Base:
    def m(self): return 1
class C(Base):
    def m(self):
        super().m()
        super(C, self).m()
        super(C).m()
        (super)().m()
        s = super
        s().m()
        x.super()
        superb()
        supe()
        f = lambda: super().m()
        return [super() for _ in ()]
def super_(): pass
super_()
strings = ["", '', b"", rb"x", Rb'x', br"x", u"x", f"{strings}", F"x", "a" b"b", b"a" "b", r"x", U"y"]
g = lambda: lambda: lambda: print()
def f():
    lambda: 1
    class D:
        lambda: 2
        def h(self, a=lambda: 3):
            @dec(lambda: 4)
            def k(): return lambda x=lambda: 5: x
            return k
    return D
for i in range(3): print(i)
raise ValueError
print(*strings, **{"sep": ""}, end="")
"""


def test_the_edge_cases_of_each_short_cut_give_the_reference_summary() -> None:
    fast = summarize(EDGE_CASES, "m", "m.py", words=False, texts=Texts())
    plain = reference(EDGE_CASES, "m", "m.py", False)
    assert fast.scopes == plain.scopes
    calls = [c.callee for c in fast.scopes["m.C.m"].calls]
    assert calls.count(("n", "super")) >= 2  # super() and super(C, self) are calls of the builtin
    assert ("X", "builtins.bytes") in fast.scopes["m"].assigns["strings"][0][1]
    assert ("X", "builtins.str") in fast.scopes["m"].assigns["strings"][0][1]
    assert any(q.startswith("m.f.D.h.k.<lambda") for q in fast.scopes)  # lambdas in a nested def


def test_a_graph_built_by_parser_processes_is_the_same_in_two_runs() -> None:
    """Byte-identical output across runs, the parser processes' tables included."""
    root = ROOT / "tests" / "callgraph_suite"
    first, second = CallGraph(root), CallGraph(root)
    first.build(jobs=2)
    second.build(jobs=2)
    assert first.edges == second.edges
    assert first.pycg_adjacency() == second.pycg_adjacency()
