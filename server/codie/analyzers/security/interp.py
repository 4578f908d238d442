"""The interpreter: walks one function's statements in order, tracking taint per variable.

May-analysis: a variable is tainted after a branch if it is tainted on any path that
reaches the join; loops run their body once (loop-carried taint through concatenation is
still caught because `+=` joins). Calls to functions of the same file use their summaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.guards import refine
from codie.analyzers.security.model import SinkHit, Step, Summary, Taint, join, join_all
from codie.analyzers.security.names import dotted, text
from codie.analyzers.security.sinks import SinkChecker

if TYPE_CHECKING:
    from codie.analyzers.security.module import FunctionInfo, ModuleInfo

CONSTANT_TYPES = frozenset({"integer", "float", "true", "false", "none", "ellipsis"})
FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/{}%\s]+/")


@dataclass
class Flow:
    mod: ModuleInfo
    func: FunctionInfo
    env: dict[str, Taint] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    consts: set[str] = field(default_factory=set)
    hits: list[SinkHit] = field(default_factory=list)  # reached by parameters
    found: list[SinkHit] = field(default_factory=list)  # reached by real sources
    returns: Taint | None = None
    used: dict[str, Summary | None] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    built: set[str] = field(default_factory=set)  # variables holding formatted strings

    def __post_init__(self) -> None:
        self.src = self.mod.src
        self.base = self.func.start
        self.qualify: Callable[[str], str] = self.mod.imports.qualify
        self.sinks = SinkChecker(self)
        self.exprs: dict[str, Callable[[Node], Taint | None]] = {
            "identifier": self._identifier, "attribute": self._attribute, "call": self._call,
            "string": self._string, "concatenated_string": self._join_children,
            "binary_operator": self._binary, "subscript": self._subscript,
            "list": self._join_children, "tuple": self._join_children, "set": self._join_children,
            "expression_list": self._join_children, "pair": self._pair,
            "dictionary": self._dictionary, "parenthesized_expression": self._join_children,
            "conditional_expression": self._conditional, "boolean_operator": self._boolean,
            "await": self._join_children, "unary_operator": self._join_children,
            "list_splat": self._join_children, "dictionary_splat": self._join_children,
            "named_expression": self._walrus, "list_comprehension": self._comprehension,
            "set_comprehension": self._comprehension, "generator_expression": self._comprehension,
            "dictionary_comprehension": self._comprehension, "interpolation": self._join_children,
            "keyword_argument": self._keyword, "slice": self._none,
            "comparison_operator": self._none, "not_operator": self._none, "lambda": self._none,
            "yield": self._yield,
        }

    # ------------------------------------------------------------------------- statements
    def run(self, body: Node) -> None:
        self.block(body)

    def block(self, block: Node) -> bool:
        """Run the statements of a block; True when it always exits early."""
        return any(self.statement(stmt) for stmt in block.named_children)

    def statement(self, node: Node) -> bool:
        kind = node.type
        if kind == "expression_statement":
            for child in node.named_children:
                if child.type == "assignment":
                    self.assignment(child)
                elif child.type == "augmented_assignment":
                    self.augmented(child)
                else:
                    self.ev(child)
                    if child.type == "call" and self._is_no_return(child):
                        return True
            return False
        if kind == "return_statement":
            value = node.named_children[0] if node.named_children else None
            if value is not None:
                t = self.ev(value)
                self.returns = join(self.returns, t)
                self.sinks.route_return(value, t)
            return True
        if kind == "raise_statement":
            for child in node.named_children:
                self.ev(child)
            return True
        if kind in ("continue_statement", "break_statement"):
            return True
        if kind == "if_statement":
            return self.if_statement(node)
        if kind in ("for_statement", "while_statement"):
            self.loop(node)
            return False
        if kind == "with_statement":
            self.with_statement(node)
            return False
        if kind == "try_statement":
            return self.try_statement(node)
        if kind == "match_statement":
            self.match_statement(node)
            return False
        if kind == "assert_statement":
            if node.named_children:
                self.ev(node.named_children[0])
                self.apply(refine(self.src, node.named_children[0], True, self.qualify))
            return False
        if kind == "block":
            return self.block(node)
        return False

    def _is_no_return(self, call: Node) -> bool:
        fn = call.child_by_field_name("function")
        name = dotted(self.src, fn) if fn is not None else None
        return name is not None and (name in specs.NO_RETURN or self.qualify(name)
                                     in specs.NO_RETURN)

    def apply(self, clears: list[tuple[str, frozenset[str], bool]]) -> None:
        for var, families, needs_normalized in clears:
            t = self.env.get(var)
            if t is None or (needs_normalized and not t.normalized):
                continue
            self.env[var] = t.clear(families)
            root = self.derived.get(var)
            if root and root != var and root in self.env:
                # `host = urlparse(url).hostname` checked: the URL's host is checked
                self.env[root] = self.env[root].clear(families & frozenset({"ssrf", "redirect"}))

    def branch(self, body: Node | None, clears: list[tuple[str, frozenset[str], bool]],
               start: dict[str, Taint]) -> tuple[dict[str, Taint], bool]:
        self.env = dict(start)
        self.apply(clears)
        exits = self.block(body) if body is not None else False
        return self.env, exits

    def if_statement(self, node: Node) -> bool:
        cond = node.child_by_field_name("condition")
        start = self.env
        if cond is not None:
            self.ev(cond)
        arms: list[tuple[Node | None, list[tuple[str, frozenset[str], bool]]]] = []
        negated: list[tuple[str, frozenset[str], bool]] = []
        if cond is not None:
            arms.append((node.child_by_field_name("consequence"),
                         refine(self.src, cond, True, self.qualify)))
            negated = refine(self.src, cond, False, self.qualify)
        has_else = False
        for alt in node.children_by_field_name("alternative"):
            if alt.type == "elif_clause":
                c = alt.child_by_field_name("condition")
                if c is not None:
                    self.ev(c)
                    arms.append((alt.child_by_field_name("consequence"),
                                 negated + refine(self.src, c, True, self.qualify)))
                    negated = negated + refine(self.src, c, False, self.qualify)
            else:
                has_else = True
                arms.append((alt.child_by_field_name("body"), negated))
        if not has_else:
            arms.append((None, negated))
        outcomes = [self.branch(body, clears, start) for body, clears in arms]
        live = [env for env, exits in outcomes if not exits]
        self.env = _join_envs(live or [env for env, _ in outcomes])
        return not live

    def loop(self, node: Node) -> None:
        start = dict(self.env)
        if node.type == "for_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if right is not None:
                t = self.ev(right)
                if left is not None:
                    self.bind(left, t, right)
        else:
            cond = node.child_by_field_name("condition")
            if cond is not None:
                self.ev(cond)
        body = node.child_by_field_name("body")
        if body is not None:
            self.block(body)
        self.env = _join_envs([start, self.env])
        alt = node.child_by_field_name("alternative")
        if alt is not None:
            self.block(alt)

    def with_statement(self, node: Node) -> None:
        for clause in node.named_children:
            if clause.type != "with_clause":
                continue
            for item in clause.named_children:
                value = item.child_by_field_name("value")
                if value is None:
                    continue
                if value.type == "as_pattern":
                    inner = value.named_children[0] if value.named_children else None
                    target = value.child_by_field_name("alias")
                    if target is None and len(value.named_children) > 1:
                        target = value.named_children[-1]
                    t = self.ev(inner) if inner is not None else None
                    if target is not None and inner is not None:
                        if target.type == "as_pattern_target" and target.named_children:
                            target = target.named_children[0]
                        self.bind(target, t, inner)
                else:
                    self.ev(value)
        body = node.child_by_field_name("body")
        if body is not None:
            self.block(body)

    def try_statement(self, node: Node) -> bool:
        start = dict(self.env)
        exits = False
        envs = []
        for child in node.named_children:
            if child.type == "block":
                exits = self.block(child)
                envs.append(self.env)
            elif child.type == "except_clause":
                self.env = _join_envs([start, *envs])
                for part in child.named_children:
                    if part.type == "block":
                        exits = self.block(part) and exits
                envs.append(self.env)
            elif child.type in ("else_clause", "finally_clause"):
                body = child.child_by_field_name("body") or (
                    child.named_children[-1] if child.named_children else None)
                if body is not None:
                    self.block(body)
        self.env = _join_envs(envs) if envs else self.env
        return False

    def match_statement(self, node: Node) -> None:
        subject = node.child_by_field_name("subject")
        if subject is not None:
            self.ev(subject)
        start = dict(self.env)
        envs = []
        body = node.child_by_field_name("body")
        for case in body.named_children if body is not None else []:
            self.env = dict(start)
            for part in case.named_children:
                if part.type == "block":
                    self.block(part)
            envs.append(self.env)
        self.env = _join_envs([start, *envs])

    # ------------------------------------------------------------------------- assignment
    def assignment(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if right is None or left is None:
            return
        if right.type == "assignment":  # a = b = value
            self.assignment(right)
            inner = right.child_by_field_name("left")
            t = self.ev(inner) if inner is not None else None
        else:
            t = self.ev(right)
        self.bind(left, t, right)

    def augmented(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        t = join(self.ev(left), self.ev(right))
        self.bind(left, t, right, augmented=True)

    def bind(self, target: Node, t: Taint | None, value: Node, augmented: bool = False) -> None:
        kind = target.type
        if kind in ("identifier", "attribute"):
            name = dotted(self.src, target)
            if name is None:
                return
            self.consts.discard(name)
            if augmented or _formats(self.src, value):
                self.built.add(name)
            else:
                self.built.discard(name)
            if value.type == "call" and not augmented:
                fn = value.child_by_field_name("function")
                callee = dotted(self.src, fn) if fn is not None else None
                if callee is not None:
                    self.types[name] = self.qualify(callee)
                    self.note_derivation(name, value)
            elif value.type == "attribute" and not augmented:
                self.note_derivation(name, value)
            if t is None:
                self.env.pop(name, None)
                if (value.type == "string" and not augmented and not value.named_children[1:-1]) \
                        or value.type in CONSTANT_TYPES:
                    self.consts.add(name)
                return
            self.env[name] = t.step(self.step(target, f"assigned to `{name}`"))
        elif kind in ("pattern_list", "tuple_pattern", "list_pattern", "tuple", "list",
                      "list_splat_pattern", "parenthesized_expression"):
            for child in target.named_children:
                self.bind(child, t, value, augmented)
        elif kind == "subscript":
            container = target.child_by_field_name("value")
            if container is None:
                return
            self.sinks.session_store(container, target, t)
            name = dotted(self.src, container)
            if name is not None and t is not None:
                self.env[name] = join(self.env.get(name), t.step(
                    self.step(target, f"stored in `{name}`"))) or t

    # ------------------------------------------------------------------------ expressions
    def ev(self, node: Node) -> Taint | None:
        handler = self.exprs.get(node.type)
        return handler(node) if handler is not None else None

    def _none(self, node: Node) -> Taint | None:
        return None

    def _join_children(self, node: Node) -> Taint | None:
        out = None
        for child in node.named_children:
            out = join(out, self.ev(child))
        return out

    def _identifier(self, node: Node) -> Taint | None:
        return self.env.get(text(self.src, node))

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
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        return join(self.ev(left) if left else None, self.ev(right) if right else None)

    def _comprehension(self, node: Node) -> Taint | None:
        body = node.child_by_field_name("body")
        for clause in node.named_children:
            if clause.type == "for_in_clause":
                left, right = clause.child_by_field_name("left"), clause.child_by_field_name(
                    "right")
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
        return self.ev(value)

    def _string(self, node: Node) -> Taint | None:
        out = None
        for child in node.named_children:
            if child.type == "interpolation":
                out = join(out, self._join_children(child))
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
                    if inner is not None and inner.type == "identifier" and \
                            self.const_value(inner) is not None:
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
            if left is not None and self.sinks.constant(left):
                prefix += self.prefix_of(node.child_by_field_name("right"), depth + 1)
            return prefix
        if kind == "concatenated_string":
            return "".join(self.prefix_of(c, depth + 1) for c in node.named_children[:1])
        if kind == "parenthesized_expression" and node.named_children:
            return self.prefix_of(node.named_children[0], depth + 1)
        return ""

    def const_value(self, node: Node) -> str | None:
        return self.mod.const_values.get(text(self.src, node))

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
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        t = join(self.ev(left) if left else None, self.ev(right) if right else None)
        return self._prefixed(t, self.prefix_of(node)) if t is not None else None

    def _attribute(self, node: Node) -> Taint | None:
        name = dotted(self.src, node)
        if name is not None:
            t = self.env.get(name)
            if t is not None:
                return t
            source = self.source_of(name, node)
            if source is not None:
                return source
        obj = node.child_by_field_name("object")
        return self.ev(obj) if obj is not None else None

    def source_of(self, name: str, node: Node) -> Taint | None:
        qualified = self.qualify(name)
        kind = specs.SOURCE_ATTRS.get(qualified)
        if kind is None:
            parts = name.split(".")
            for i, part in enumerate(parts[:-1]):
                if (part in ("request", "req") or ".".join(parts[: i + 1]) in
                        specs.REQUEST_NAMES) and parts[i + 1] in specs.REQUEST_ATTRS:
                    if part == "req" and "req" not in self.func.request_params:
                        break
                    kind = "user"
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
        return Step(self.func.key, node.start_byte - self.base, node.end_byte - self.base,
                    message)

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
        return self.sinks.call(node)


def _formats(src: bytes, value: Node) -> bool:
    """True for an expression that formats text: f-string, `+`/`%`, `.format`, `.join`."""
    if value.type == "binary_operator":
        return True
    if value.type == "string":
        return any(c.type == "interpolation" for c in value.named_children)
    fn = value.child_by_field_name("function") if value.type == "call" else None
    return fn is not None and text(src, fn).endswith((".format", ".join"))


def _join_envs(envs: list[dict[str, Taint]]) -> dict[str, Taint]:
    if len(envs) == 1:
        return envs[0]
    out: dict[str, Taint] = {}
    for env in envs:
        for name, t in env.items():
            joined = join(out.get(name), t)
            if joined is not None:
                out[name] = joined
    return out


__all__ = ["Flow", "join_all"]
