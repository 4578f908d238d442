"""Expressions: what taint a value carries, from sources through every operator."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.folding import Value, truth
from codie.analyzers.security.guards import refine
from codie.analyzers.security.model import Step, Taint, join
from codie.analyzers.security.names import MAX_SEGMENTS, Source, text

if TYPE_CHECKING:
    from codie.analyzers.security.functions import FunctionInfo
    from codie.analyzers.security.module import ModuleInfo
    from codie.analyzers.security.sinks import SinkChecker

FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/{}%\s]+/")
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")
URL_FAMILIES = frozenset({"ssrf", "redirect"})
ENVIRON_GET = (".META.get", ".environ.get")
# Budgets of one statement (deterministic: counted, not timed). Deeper or bigger statements
# are skipped and reported (ANA001) instead of blowing the stack or the editor's time; the
# rest of the function and of the file is still analysed. Chains that are only long, not
# nested (`a.b.b.b...`, `x + y + z ...`, `(((x)))`, `a or b or c ...`) are walked
# iteratively and never count as depth.
MAX_EXPR_DEPTH = 64  # nested sub-expressions, e.g. f(g(h(...))) or [[[...]]]
STATEMENT_BUDGET = 200_000  # expressions evaluated for one top-level statement
# a top-level statement of a function (or of the module) gets a fresh budget
REQUEST_SEGMENTS = max(n.count(".") for n in specs.REQUEST_NAMES) + 1


class TooComplex(Exception):
    """A statement the interpreter will not analyse; `budget` ones end the top-level
    statement, the others only the innermost statement."""

    def __init__(self, reason: str, budget: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.budget = budget


class Expressions:
    """The expression half of the interpreter (mixed into `interp.Flow`)."""

    env: dict[str, Taint]
    consts: set[str]
    values: dict[str, Value]
    derived: dict[str, str]
    returns: Taint | None
    src: Source
    base: int
    mod: ModuleInfo
    func: FunctionInfo
    sinks: SinkChecker
    qualify: Callable[[str], str]
    exprs: dict[str, Callable[[Node], Taint | None]]
    depth: int = 0  # nesting of ev() calls in progress
    work: int = 0  # ev() calls for the current top-level statement

    keyed: dict[str, set[str]]

    if TYPE_CHECKING:  # containers.Containers, the other half of interp.Flow

        def whole(self, name: str) -> Taint | None: ...

        def subscript_read(self, node: Node) -> tuple[bool, Taint | None]: ...

    def bind(self, target: Node, t: Taint | None, value: Node, augmented: bool = False) -> None:
        raise NotImplementedError

    def apply(self, clears: list[tuple[str, frozenset[str], bool]]) -> None:
        raise NotImplementedError

    def expression_table(self) -> dict[str, Callable[[Node], Taint | None]]:
        return {
            "identifier": self._identifier,
            "attribute": self._attribute,
            "call": self._call,
            "string": self._string,
            "concatenated_string": self._join_children,
            "binary_operator": self._binary,
            "subscript": self._subscript,
            "list": self._join_children,
            "tuple": self._join_children,
            "set": self._join_children,
            "expression_list": self._join_children,
            "pair": self._pair,
            "dictionary": self._dictionary,
            "parenthesized_expression": self._join_children,
            "conditional_expression": self._conditional,
            "boolean_operator": self._boolean,
            "await": self._join_children,
            "unary_operator": self._join_children,
            "list_splat": self._join_children,
            "dictionary_splat": self._join_children,
            "named_expression": self._walrus,
            "list_comprehension": self._comprehension,
            "set_comprehension": self._comprehension,
            "generator_expression": self._comprehension,
            "dictionary_comprehension": self._comprehension,
            "interpolation": self._join_children,
            "keyword_argument": self._keyword,
            "slice": self._none,
            "comparison_operator": self._none,
            "not_operator": self._none,
            "lambda": self._none,
            "yield": self._yield,
        }

    def ev(self, node: Node) -> Taint | None:
        # `((x))` is x: parentheses cost no depth however many there are
        while node.type == "parenthesized_expression" and node.named_child_count == 1:
            node = node.named_child(0)
        handler = self.exprs.get(node.type)
        if handler is None:
            return None
        self.work += 1
        if self.work > STATEMENT_BUDGET:
            raise TooComplex(f"more than {STATEMENT_BUDGET:,} expressions in one statement", budget=True)
        if self.depth >= MAX_EXPR_DEPTH:
            raise TooComplex(f"expressions nested more than {MAX_EXPR_DEPTH} levels deep")
        self.depth += 1
        try:
            return handler(node)
        finally:
            self.depth -= 1

    def _none(self, node: Node) -> Taint | None:
        return None

    def _join_children(self, node: Node) -> Taint | None:
        out = None
        for child in node.named_children:
            out = join(out, self.ev(child))
        return out

    def _identifier(self, node: Node) -> Taint | None:
        name = text(self.src, node)
        return self.whole(name) if name in self.keyed else self.env.get(name)

    def _keyword(self, node: Node) -> Taint | None:
        value = node.child_by_field_name("value")
        return self.ev(value) if value is not None else None

    def _pair(self, node: Node) -> Taint | None:
        value = node.child_by_field_name("value")
        return self.ev(value) if value is not None else None

    def _dictionary(self, node: Node) -> Taint | None:
        t = self._join_children(node)
        # frameworks serialise a returned dict as JSON, not HTML
        return t.clear(frozenset({"xss"})) if t is not None else None

    def _yield(self, node: Node) -> Taint | None:
        t = self._join_children(node)
        self.returns = join(self.returns, t)
        return t

    def _walrus(self, node: Node) -> Taint | None:
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if value is None:
            return None
        t = self.ev(value)
        if name is not None:
            self.bind(name, t, value)
        return t

    def _conditional(self, node: Node) -> Taint | None:
        """`a if cond else b`: a is evaluated where cond holds, b where it does not."""
        parts = node.named_children
        if len(parts) < 3:
            return None
        body, cond, orelse = parts[0], parts[1], parts[2]
        self.ev(cond)
        known = truth(self.src, cond, self.values)
        if known is not None:  # `x if 1 > 2 else y` is y
            return self.ev(body if known else orelse)
        saved = self.env
        self.env = dict(saved)
        self.apply(refine(self.src, cond, True, self.qualify))
        first = self.ev(body)
        self.env = dict(saved)
        self.apply(refine(self.src, cond, False, self.qualify))
        second = self.ev(orelse)
        self.env = saved
        return join(first, second)

    def _boolean(self, node: Node) -> Taint | None:
        # `a or b or c ...` nests to the left: walk the spine, evaluate left to right
        spine = [node]
        left = node.child_by_field_name("left")
        while left is not None and left.type == "boolean_operator":
            spine.append(left)
            left = left.child_by_field_name("left")
        t = self.ev(left) if left is not None else None
        for level in reversed(spine):
            right = level.child_by_field_name("right")
            t = join(t, self.ev(right) if right else None)
        return t

    def _comprehension(self, node: Node) -> Taint | None:
        body = node.child_by_field_name("body")
        for clause in node.named_children:
            if clause.type == "for_in_clause":
                left, right = clause.child_by_field_name("left"), clause.child_by_field_name("right")
                if left is not None and right is not None:
                    self.bind(left, self.ev(right), right)
            elif clause.type == "if_clause":
                for c in clause.named_children:
                    self.ev(c)
        return self.ev(body) if body is not None else None

    def _subscript(self, node: Node) -> Taint | None:
        value = node.child_by_field_name("value")
        if value is None:
            return None
        for index in node.children_by_field_name("subscript"):
            self.ev(index)
        known, t = self.subscript_read(node)
        return t if known else self.ev(value)

    def _string(self, node: Node) -> Taint | None:
        out = None
        query = False  # past an untainted `?` or `#`: f"{base}?next={x}"
        for child in node.named_children:
            if child.type == "interpolation":
                t = self._join_children(child)
                out = join(out, _in_query(t) if query else t)
            elif child.type == "string_content" and _opens_query(text(self.src, child)) and not _live_url(out):
                query = True
        return self._prefixed(out, self.prefix_of(node))

    def prefix_of(self, node: Node | None, depth: int = 0) -> str:
        """The constant text a string expression starts with (through module constants)."""
        if node is None or depth > 4:
            return ""
        kind = node.type
        if kind == "string":
            prefix = ""
            for child in node.named_children:
                if child.type == "string_content":
                    prefix += text(self.src, child)
                elif child.type == "interpolation":
                    inner = child.named_children[0] if child.named_children else None
                    if inner is not None and inner.type == "identifier" and self.const_value(inner) is not None:
                        prefix += self.const_value(inner) or ""
                        continue
                    break
                elif child.type == "escape_sequence":
                    prefix += text(self.src, child)
            return prefix
        if kind == "identifier":
            return self.const_value(node) or ""
        if kind == "binary_operator":
            left = node.child_by_field_name("left")
            prefix = self.prefix_of(left, depth + 1)
            # the right side's prefix first: it is bounded, constant() walks all of `left`
            rest = self.prefix_of(node.child_by_field_name("right"), depth + 1)
            if rest and left is not None and self.sinks.constant(left):
                prefix += rest
            return prefix
        if kind == "concatenated_string":
            return "".join(self.prefix_of(c, depth + 1) for c in node.named_children[:1])
        if kind == "parenthesized_expression" and node.named_children:
            return self.prefix_of(node.named_children[0], depth + 1)
        return ""

    def const_value(self, node: Node) -> str | None:
        return self.mod.const_value(text(self.src, node))

    def _prefixed(self, t: Taint | None, prefix: str) -> Taint | None:
        """A constant prefix that fixes scheme and host (or a local path) stops SSRF/redirect."""
        if t is None or not prefix:
            return t
        if FIXED_HOST.match(prefix):
            return t.clear(frozenset({"ssrf", "redirect"}))
        if prefix.startswith("/") and not prefix.startswith(("//", "/\\")):
            return t.clear(frozenset({"redirect"}))
        return t

    def _binary(self, node: Node) -> Taint | None:
        # `a + b + c ...` nests to the left: walk the spine, each level as if recursive
        spine = [node]
        left = node.child_by_field_name("left")
        while left is not None and left.type == "binary_operator":
            spine.append(left)
            left = left.child_by_field_name("left")
        if len(spine) == 1 and left is not None and left.type == "string" and _operator(node) == "%":
            right = node.child_by_field_name("right")
            if right is not None:
                t = self._percent(left, right)
                return self._prefixed(t, self.prefix_of(node)) if t is not None else None
        t = self.ev(left) if left is not None else None
        query = left is not None and self._query_literal(left, t)
        for level in reversed(spine):
            right = level.child_by_field_name("right")
            rt = self.ev(right) if right else None
            if query and _operator(level) == "+":
                rt = _in_query(rt)  # `url + "?" + request.GET.urlencode()`
            t = join(t, rt)
            t = self._prefixed(t, self.prefix_of(level)) if t is not None else None
            query = query or (right is not None and _operator(level) == "+" and self._query_literal(right, t))
        return t

    def _query_literal(self, node: Node, so_far: Taint | None) -> bool:
        """An untainted string so far, this part holding a literal `?` or `#`."""
        if _live_url(so_far) or node.type != "string":
            return False
        return any(_opens_query(text(self.src, c)) for c in node.named_children if c.type == "string_content")

    def _percent(self, fmt: Node, args: Node) -> Taint | None:
        """`"%s?%s" % (url, query)`: a value formatted after an untainted `?` or `#` is in the
        query or fragment, where it cannot change the scheme or host of the URL."""
        content = "".join(text(self.src, c) for c in fmt.named_children if c.type == "string_content")
        while args.type == "parenthesized_expression" and args.named_child_count == 1:
            args = args.named_children[0]
        values = args.named_children if args.type == "tuple" else [args]
        literals = [m for m in PERCENT_SPEC.finditer(content) if m.group(0) != "%%"]
        out = None
        for k, value in enumerate(values):
            t = self.ev(value)
            # (whatever came before: text after a literal `?` is in the query, even when the
            # part before it is tainted, which is then reported for itself)
            if k < len(literals) and _opens_query(content[: literals[k].start()]):
                t = _in_query(t)
            out = join(out, t)
        return out

    def _attribute(self, node: Node) -> Taint | None:
        """`a.b.c`: the taint bound to the longest name, else a source, else the object's.
        Iterative over the chain; names are read once for the whole chain (a level's
        name is a prefix of the next one's), so a 5,000-link chain costs 5,000 steps."""
        levels: list[Node] = []  # attribute nodes, outermost first
        attrs: list[str | None] = []
        obj: Node | None = node
        while obj is not None and obj.type == "attribute":
            levels.append(obj)
            attr = obj.child_by_field_name("attribute")
            attrs.append(text(self.src, attr) if attr is not None else None)
            obj = obj.child_by_field_name("object")
        # names[k]: the dotted name of levels[k], None where dotted() has none
        names: list[str | None] = [None] * len(levels)
        if obj is not None and obj.type == "identifier":
            name: str | None = text(self.src, obj)
            for k in range(len(levels) - 1, -1, -1):
                segment = attrs[k]
                name = (
                    f"{name}.{segment}"
                    if name is not None and segment is not None and len(levels) - k < MAX_SEGMENTS
                    else None
                )
                names[k] = name
        for level, level_name in zip(levels, names, strict=True):
            if level_name is None:
                continue
            t = self.env.get(level_name)
            if t is not None:
                return t
            source = self.source_of(level_name, level)
            if source is not None:
                return source
        return self.ev(obj) if obj is not None else None

    def source_of(self, name: str, node: Node) -> Taint | None:
        qualified = self.qualify(name)
        kind = specs.SOURCE_ATTRS.get(qualified)
        if kind is None:
            parts = name.split(".")
            for i, part in enumerate(parts[:-1]):
                if (
                    part in ("request", "req")
                    or (i < REQUEST_SEGMENTS and ".".join(parts[: i + 1]) in specs.REQUEST_NAMES)
                ) and parts[i + 1] in specs.REQUEST_ATTRS:
                    if part == "req" and "req" not in self.func.request_params:
                        break
                    if not self.mod.imports.uses(*specs.WEB_MODULES):
                        break
                    kind = "reqpath" if parts[i + 1] in specs.REQUEST_PATH_ATTRS else "user"
                    break
            if kind is None and qualified.startswith(("flask.request.", "quart.request.")):
                kind = "user"
        if kind is None:
            return None
        return self.new_source(kind, node)

    def new_source(self, kind: str, node: Node) -> Taint:
        label = specs.KIND_LABEL[kind]
        snippet = text(self.src, node)
        if len(snippet) > 40:
            snippet = snippet[:37] + "..."
        return Taint(frozenset({kind}), (self.step(node, f"{label} enters here: `{snippet}`"),))

    def step(self, node: Node, message: str) -> Step:
        return Step(self.func.key, node.start_byte - self.base, node.end_byte - self.base, message)

    def note_derivation(self, name: str, value: Node) -> None:
        """`parsed = urlparse(url)`, `host = parsed.hostname`: checking host checks url."""
        snippet = text(self.src, value)
        if value.type == "call" and ("urlparse" in snippet or "urlsplit" in snippet):
            args = value.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if first is not None and first.type == "identifier":
                self.derived[name] = text(self.src, first)
        elif value.type in ("attribute", "call"):
            root = snippet.split(".", 1)[0]
            if root in self.derived:
                self.derived[name] = self.derived[root]

    def _call(self, node: Node) -> Taint | None:
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is not None and args is not None and fn.type == "attribute" and text(self.src, fn).endswith(ENVIRON_GET):
            first = args.named_children[0] if args.named_children else None
            if first is not None and first.type == "string" and specs.server_set(text(self.src, first).strip("'\"")):
                for arg in args.named_children[1:]:
                    self.ev(arg)
                return None  # `request.META.get("CSRF_COOKIE")`: set by the server, not sent
        return self.sinks.call(node)


def _operator(node: Node) -> str:
    op = node.child_by_field_name("operator")
    return op.type if op is not None else ""


def _opens_query(literal: str) -> bool:
    """Text that starts a URL's query or fragment: what follows cannot choose the host."""
    return "?" in literal or "#" in literal


def _live_url(t: Taint | None) -> bool:
    return t is not None and (t.live_for("redirect") or t.live_for("ssrf"))


def _in_query(t: Taint | None) -> Taint | None:
    return t.clear(URL_FAMILIES) if t is not None else None
