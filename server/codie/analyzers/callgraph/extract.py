"""One module's source -> ModuleSummary: scopes, bindings, returns and call sites.

A tree-sitter query finds the interesting nodes in C; Python only looks at those. Each node
belongs to the innermost function/class/lambda whose *body* holds it (decorators, default
values and base classes belong to the enclosing scope, as in Python).
"""

from __future__ import annotations

import hashlib
import re
import sys
from bisect import bisect_right
from collections import Counter
from operator import attrgetter
from typing import TypeAlias

from tree_sitter import Node, Query, QueryCursor, Tree

from codie.analyzers.callgraph.fields import (
    F_ALIAS,
    F_ARGUMENTS,
    F_ATTRIBUTE,
    F_BODY,
    F_FUNCTION,
    F_KEY,
    F_LEFT,
    F_MODULE_NAME,
    F_NAME,
    F_OBJECT,
    F_PARAMETERS,
    F_RETURN_TYPE,
    F_RIGHT,
    F_SUBSCRIPT,
    F_SUPERCLASSES,
    F_TYPE,
    F_VALUE,
)
from codie.analyzers.callgraph.model import UNKNOWN, Call, Expr, ModuleSummary, Scope, share_top
from codie.analyzers.callgraph.special import SpecialForms
from codie.core.document import PYTHON, parse
from codie.core.pausing import Pause, every

QUERY = Query(
    PYTHON,
    """
(function_definition) @scope
(class_definition) @scope
(lambda) @scope
(call) @call
(assignment) @assign
(import_statement) @import
(import_from_statement) @import
(return_statement) @return
(for_statement) @for
(for_in_clause) @for
(with_item) @with
(named_expression) @walrus
(global_statement) @global
(nonlocal_statement) @global
(raise_statement) @raise
(yield) @yield
""",
)
SCOPE_TYPES = ("function_definition", "class_definition", "lambda")
WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")  # what count_words counts (the reference)
# every byte that is not [A-Za-z0-9_] -> a space (count_words splits on them)
_WORD_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_NOT_WORD = bytes(b if b in _WORD_BYTES else 32 for b in range(256))
_STRING_PREFIX = re.compile(rb"[rRfFuU]*")  # what str.lstrip("rRfFuU") took off a literal
_QUOTES = (34, 39)  # the bytes of " and '
MAX_DEPTH = 40
_START, _END = attrgetter("start_byte"), attrgetter("end_byte")
# a body's (start byte, end byte, scope qualname, the body holding its definition)
_Body: TypeAlias = "tuple[int, int, str, _Body | None]"
# Decorators that declare what a function is rather than wrap it in other code.
CONTAINERS = {
    "list": "list",
    "tuple": "tuple",
    "expression_list": "tuple",
    "set": "set",
    "list_comprehension": "list",
    "set_comprehension": "set",
    "dictionary_comprehension": "dict",
    "generator_expression": "generator",
}
_STR: Expr = ("X", "builtins.str")  # a string literal (one tuple for all)
_BYTES: Expr = ("X", "builtins.bytes")
_SUPER: Expr = ("n", "super")
# expression kinds that evaluate to nothing the resolver follows (what `_expr` ends with),
# tested before the rarer kinds it handles: a fifth of all expressions are these
_OPAQUE = frozenset(
    {
        "integer",
        "float",
        "true",
        "false",
        "none",
        "ellipsis",
        "binary_operator",
        "unary_operator",
        "not_operator",
        "comparison_operator",
    }
)
PLUMBING = {
    "staticmethod",
    "classmethod",
    "property",
    "setter",
    "getter",
    "deleter",
    "abstractmethod",
    "overload",
    "override",
    "final",
}


class Texts:
    """Texts of nodes by their bytes, decoded and interned, and identifiers' ("n", name)
    expressions: kept by a parser process across all its files (most names recur in every
    module: decoding and interning them again per file was a twentieth of the extraction),
    or by one extractor for one file. Cleared past `LIMIT` texts: a bound on a huge tree."""

    LIMIT = 200_000  # ~30 MB; half the standard library leaves ~64k

    def __init__(self) -> None:
        self.texts: dict[bytes, str] = {}
        self.names: dict[bytes, Expr] = {}

    def trim(self) -> None:
        if len(self.texts) + len(self.names) > self.LIMIT:
            self.texts.clear()
            self.names.clear()


def module_name(relative: str) -> tuple[str, bool]:
    """'pkg/sub/mod.py' -> ('pkg.sub.mod', False); 'pkg/__init__.py' -> ('pkg', True)."""
    parts = relative.replace("\\", "/").removesuffix(".pyi").removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


# nodes between two pauses of an edit's update: about a millisecond of extraction
PAUSE_EVERY = 128


class Extractor(SpecialForms):
    def __init__(
        self, source: bytes, module: str, is_package: bool, compact: bool = False, texts: Texts | None = None
    ) -> None:
        self.src = source
        self.module = module
        self.is_package = is_package
        self.scopes: dict[str, Scope] = {}
        self.scope_of_node: dict[int, str] = {}  # node id of a def/class/lambda -> qualname
        self.lambda_count: dict[str, int] = {}
        # `name.append(v)`, `name[k] = v`: values put into the container a name holds
        self.mutations: list[tuple[str, str, Expr]] = []
        self.dict_literals: dict[tuple[str, str], Node] = {}  # (scope, name) -> {...}
        # bodies of defs/classes/lambdas, sorted by (start, -end): see enclosing()
        self._body_keys: list[tuple[int, int]] = []
        self._body_starts: list[int] = []  # the keys' starts: searched without a tuple per node
        self._bodies: list[_Body] = []
        # call node id -> its expression (see call_expr); `_inexact` counts evaluations
        # whose result depends on when they ran (depth cut, a dict named by a variable)
        self._calls: dict[int, Expr] = {}
        self._inexact = 0
        # `name[key] = value`: (scope, name, literal key or None, value, byte offset)
        self.keyed_stores: list[tuple[str, str, str | None, Expr, int]] = []
        # compact: equal expressions become one object as they are built (hash-consing,
        # see model.share): each new tuple's parts are already shared, so one dict lookup
        # per tuple does what a recursive pass over the finished summary did at 5x the cost
        self.shared: dict[Expr, Expr] = {}
        texts = texts if texts is not None else Texts()
        self._names = texts.names  # an identifier's text -> its ("n", name)
        self._texts = texts.texts  # a node's text -> it, decoded and interned
        self.compact = compact
        if not compact:  # an edit's update: no sharing, and no wrapper call per expression
            setattr(self, "expr", self._expr)  # noqa: B010 (mypy forbids assigning a method)

    def text(self, node: Node) -> str:
        # interned: a module repeats the same names many times, and the summaries of a
        # whole workspace are held at once (pickle and msgpack then share them too). Kept
        # by its bytes: a million texts on the standard library, most of them repeats
        raw = self.src[node.start_byte : node.end_byte]
        found = self._texts.get(raw)
        if found is None:
            found = self._texts[raw] = sys.intern(raw.decode("utf-8", "replace"))
        return found

    # which scope holds a node --------------------------------------------------------------
    def enclosing(self, node: Node) -> str:
        """The qualname of the scope whose body holds node.

        By byte ranges, not by walking up the tree: bodies nest (or are disjoint), so the
        innermost body holding the node is the last one starting at or before it, or one of
        that body's enclosing bodies. (`Node.parent` starts from the root in tree-sitter, and
        walking it for every node was a fifth of the extraction's time.)"""
        body = self._body_of(node)
        return body[2] if body is not None else self.module

    def _add_body(self, node: Node, qualname: str, parent: _Body | None) -> _Body | None:
        """Remember the body range of a def/class/lambda; the body-nesting parent is the body
        that holds the definition node (decorators and defaults are outside the body)."""
        body = node.child_by_field_id(F_BODY)
        if body is None:
            return None
        key = (body.start_byte, -body.end_byte)
        entry: _Body = (body.start_byte, body.end_byte, qualname, parent)
        index = bisect_right(self._body_keys, key)
        self._body_keys.insert(index, key)
        self._body_starts.insert(index, key[0])
        self._bodies.insert(index, entry)
        return entry

    def _body_of(self, node: Node) -> _Body | None:
        start, end = node.start_byte, node.end_byte
        # the last key (s, -e) with s <= start, what bisecting the keys for (start, +inf)
        # finds, without a tuple made and compared per node
        index = bisect_right(self._body_starts, start) - 1
        body = self._bodies[index] if index >= 0 else None
        while body is not None and not (body[0] <= start and end <= body[1]):
            body = body[3]
        return body

    def scope(self, node: Node) -> Scope:
        return self.scopes[self.enclosing(node)]

    # expressions ---------------------------------------------------------------------------
    def expr(self, node: Node | None, depth: int = 0) -> Expr:
        found = self._expr(node, depth)
        if found[0] == "n":  # a name is one object per file already (`_names`): no hashing
            return found
        return self.shared.setdefault(found, found)

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
            if start >= end or src[start] in _QUOTES:  # no prefix (most literals): a str
                return _STR
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

    def _maybe_special(self, fn: Node) -> bool:
        """Whether a call of `fn` may be one of the special forms (getattr, type,
        import_module, .get/.pop): read in the source's bytes, so that the usual call does
        not pay for four looks at its callee. False only where each of them would say no."""
        src, start, end = self.src, fn.start_byte, fn.end_byte
        if src.endswith(b"import_module", start, end):
            return True
        kind = fn.type
        if kind == "identifier":
            return src[start:end] in (b"getattr", b"type")
        return kind == "attribute" and src.endswith((b"get", b"pop"), start, end)

    def literal_key(self, node: Node | None) -> str | None:
        """The text of a plain string literal (a dict key), else None."""
        if node is None or node.type != "string" or any(c.type == "interpolation" for c in node.named_children):
            return None
        text = self.text(node)
        if text[:1] not in "\"'":
            return None
        return text.strip("\"'")

    def call_expr(self, node: Node, depth: int = 0) -> Expr:
        """A call's expression, computed once per call node: nested calls and calls on the
        right of an assignment were evaluated again for their own call site (chains like
        `a.b().c().d()` quadratically). Results that depend on the depth they were asked
        at, or on the dict literals seen so far, are not kept."""
        known = self._calls.get(node.id)
        if known is not None:
            return known
        inexact = self._inexact
        found = self._call_expr(node, depth)
        if self.compact:
            found = self.shared.setdefault(found, found)
        if self._inexact == inexact:
            self._calls[node.id] = found
        return found

    def _call_expr(self, node: Node, depth: int) -> Expr:
        fn = node.child_by_field_id(F_FUNCTION)
        args_node = node.child_by_field_id(F_ARGUMENTS)
        args: list[Expr] = []
        kwargs: list[tuple[str, Expr]] = []
        raw_args = args_node.named_children if args_node is not None and args_node.type == "argument_list" else []
        expr, inner = self.expr, depth + 1
        for a in raw_args:
            kind = a.type  # a new string on each read: read once
            if kind == "keyword_argument":
                name = a.child_by_field_id(F_NAME)
                if name is not None:
                    kwargs.append((self.text(name), expr(a.child_by_field_id(F_VALUE), inner)))
            elif kind == "dictionary_splat" and a.named_children:
                kwargs.extend(self.splat_kwargs(node, a.named_children[0], depth))
            elif kind != "list_splat" and kind != "comment":
                args.append(expr(a, inner))
        # `super` by its bytes first: no text decoded and looked up for every other callee
        if (
            fn is not None
            and fn.end_byte - fn.start_byte == 5
            and self.src.startswith(b"super", fn.start_byte)
            and fn.type == "identifier"
        ):
            if raw_args:
                return ("S", args[0]) if args else UNKNOWN
            return ("s", self.enclosing_class(node) or "")
        return ("c", expr(fn, inner), tuple(args), tuple(kwargs))

    def enclosing_class(self, node: Node) -> str | None:
        """The class whose method (directly) holds node, for a bare super()."""
        q: str | None = self.enclosing(node)
        while q is not None:
            s = self.scopes.get(q)
            if s is None:
                return None
            if s.kind == "function":
                parent = self.scopes.get(s.parent or "")
                if parent is not None and parent.kind == "class":
                    return parent.qualname
            if s.kind == "module":
                return None
            q = s.parent
        return None

    # definitions ---------------------------------------------------------------------------
    def declare(self, node: Node) -> None:
        """Name the scope of a def/class/lambda (parents are declared before children)."""
        parent_body = self._body_of(node)
        parent_q = parent_body[2] if parent_body is not None else self.module
        if node.type == "lambda":
            n = self.lambda_count[parent_q] = self.lambda_count.get(parent_q, 0) + 1
            name = f"<lambda{n}>"
            name_node = None
        else:
            name_node = node.child_by_field_id(F_NAME)
            name = self.text(name_node) if name_node is not None else "?"
        qualname = f"{parent_q}.{name}"
        self.scope_of_node[node.id] = qualname
        self._add_body(node, qualname, parent_body)
        kind = {"function_definition": "function", "class_definition": "class"}.get(node.type, "lambda")
        if qualname not in self.scopes:  # a redefinition merges into the first one
            self.scopes[qualname] = Scope(
                qualname,
                kind,
                parent_q,
                name,
                node.start_byte,
                node.end_byte,
                name_node.start_byte if name_node else node.start_byte,
                name_node.end_byte if name_node else node.start_byte,
                node.start_point.row,
            )

    def define(self, node: Node) -> None:
        qualname = self.scope_of_node[node.id]
        scope = self.scopes[qualname]
        kind, name = scope.kind, scope.name
        parent = self.scopes[scope.parent or self.module]
        parent_q = parent.qualname
        if kind == "lambda":
            scope.returns.append(self.expr(node.child_by_field_id(F_BODY)))
        decorators = self.decorators(node)
        if kind == "function" and parent.kind == "class":
            names = {self.text(d).lstrip("@").strip() for d in decorators}
            scope.method_kind = (
                "static" if "staticmethod" in names else "class" if "classmethod" in names else "instance"
            )
        if kind != "lambda":
            self.params(node, scope, parent_q)
            binding: Expr = ("d", qualname)
            plain = binding
            for dec in reversed(decorators):  # the innermost decorator applies first
                dec_expr = self.expr(dec.named_children[0] if dec.named_children else None)
                if self.text(dec).lstrip("@").strip().split(".")[-1] in PLUMBING:
                    continue  # declarations more than calls: no edge, no change of value
                parent.calls.append(
                    Call(dec_expr, (binding,), (), dec.start_byte + 1, dec.end_byte, dec.start_point.row)
                )
                binding = ("c", dec_expr, (binding,), ())
            self.bind(parent, name, ("D", binding, plain) if decorators else plain)
        else:
            self.params(node, scope, parent_q)
        if kind == "class":
            supers = node.child_by_field_id(F_SUPERCLASSES)
            scope.bases = tuple(
                self.expr(b)
                for b in (supers.named_children if supers else [])
                if b.type not in ("keyword_argument", "comment")
            )

    def decorators(self, node: Node) -> list[Node]:
        parent = node.parent
        if parent is None or parent.type != "decorated_definition":
            return []
        return [c for c in parent.children if c.type == "decorator"]

    def params(self, node: Node, scope: Scope, parent_q: str) -> None:
        params = node.child_by_field_id(F_PARAMETERS)
        names: list[str] = []
        positional = -1
        for p in params.named_children if params is not None else []:
            kind = p.type
            if kind in ("keyword_separator", "list_splat_pattern", "dictionary_splat_pattern"):
                if positional < 0:
                    positional = len(names)
                continue
            if kind == "positional_separator":
                continue
            if kind in ("identifier",):
                names.append(self.text(p))
                continue
            name = p.child_by_field_id(F_NAME)
            if name is None:
                name = next((c for c in p.named_children if c.type == "identifier"), None)
            if name is None:
                continue
            names.append(self.text(name))
            default = p.child_by_field_id(F_VALUE)
            if default is not None:
                scope.assign(names[-1], ("o", parent_q, self.expr(default)))
            for cls in self.annotation(p.child_by_field_id(F_TYPE)):
                scope.assign(names[-1], ("o", parent_q, ("t", cls)))
        scope.params = tuple(names)
        scope.positional = len(names) if positional < 0 else positional
        for cls in self.annotation(node.child_by_field_id(F_RETURN_TYPE)):
            scope.returns.append(("t", cls))

    def bind(self, scope: Scope, name: str, value: Expr) -> None:
        if name in scope.globals:
            self.scopes[self.module].assign(name, value)
        else:
            scope.assign(name, value)

    def bind_target(self, scope: Scope, target: Node, value: Expr, value_node: Node | None) -> None:
        kind = target.type
        if kind == "identifier":
            self.bind(scope, self.text(target), value)
        elif kind in ("pattern_list", "tuple_pattern", "list_pattern", "expression_list", "tuple", "list"):
            targets = [t for t in target.named_children if t.type != "comment"]
            values = (
                [v for v in value_node.named_children if v.type != "comment"]
                if value_node is not None and value_node.type in ("expression_list", "tuple", "list")
                else None
            )
            for i, t in enumerate(targets):
                if values is not None and len(values) == len(targets):
                    self.bind_target(scope, t, self.expr(values[i]), values[i])
                else:
                    self.bind_target(scope, t, ("i", value), None)
        elif kind == "attribute":
            obj, attr = target.child_by_field_id(F_OBJECT), target.child_by_field_id(F_ATTRIBUTE)
            if obj is None or attr is None or obj.type not in ("identifier", "attribute"):
                return
            cls = self.scopes.get(scope.parent or "")
            if (
                scope.kind == "function"
                and cls is not None
                and cls.kind == "class"
                and scope.params
                and self.text(obj) == scope.params[0]
            ):
                cls.attrs.setdefault(self.text(attr), []).append(("o", scope.qualname, value))
            else:
                scope.stores.append((self.expr(obj), self.text(attr), value))
        elif kind == "subscript":  # registry[key] = value
            container = target.child_by_field_id(F_VALUE)
            if container is not None and container.type == "identifier":
                key = self.literal_key(target.child_by_field_id(F_SUBSCRIPT))
                self.keyed_stores.append((scope.qualname, self.text(container), key, value, target.start_byte))
        elif kind in ("as_pattern_target", "parenthesized_expression", "list_splat_pattern"):
            for t in target.named_children:
                self.bind_target(scope, t, value, None)

    def splat_kwargs(self, call: Node, mapping: Node, depth: int) -> list[tuple[str, Expr]]:
        """`f(**{"k": v})` or `f(**options)` where options is a dict literal of this scope."""
        if mapping.type == "identifier":
            self._inexact += 1  # the literal bound to the name so far
            found = self.dict_literals.get((self.enclosing(call), self.text(mapping)))
            if found is None:
                return []
            mapping = found
        if mapping.type != "dictionary":
            return []
        out = []
        for pair in mapping.named_children:
            key, value = pair.child_by_field_id(F_KEY), pair.child_by_field_id(F_VALUE)
            if (
                pair.type == "pair"
                and key is not None
                and key.type == "string"
                and not any(c.type == "interpolation" for c in key.named_children)
            ):
                name = self.text(key).strip("\"'")
                if name.isidentifier():
                    out.append((name, self.expr(value, depth + 1)))
        return out

    def assignment(self, node: Node) -> None:
        scope = self.scope(node)
        right = node.child_by_field_id(F_RIGHT)
        while right is not None and right.type == "assignment":  # a = b = value
            right = right.child_by_field_id(F_RIGHT)
        left = node.child_by_field_id(F_LEFT)
        if left is None:
            return
        if right is not None and right.type == "dictionary" and left.type == "identifier":
            self.dict_literals[(scope.qualname, self.text(left))] = right
        if right is not None:
            self.bind_target(scope, left, self.expr(right), right)
        for cls in self.annotation(node.child_by_field_id(F_TYPE)):  # x: C [= ...]
            if left.type == "identifier" and scope.kind == "class":
                scope.attrs.setdefault(self.text(left), []).append(("t", cls))
            else:
                self.bind_target(scope, left, ("t", cls), None)

    def import_(self, node: Node) -> None:
        scope = self.scope(node)
        if node.type == "import_statement":
            for item in node.named_children:
                if item.type == "dotted_name":
                    full = self.text(item)
                    self.bind(scope, full.split(".")[0], ("m", full.split(".")[0]))
                elif item.type == "aliased_import":
                    name, alias = item.child_by_field_id(F_NAME), item.child_by_field_id(F_ALIAS)
                    if name is not None and alias is not None:
                        self.bind(scope, self.text(alias), ("m", self.text(name)))
            return
        module_node = node.child_by_field_id(F_MODULE_NAME)
        base = self.absolute(module_node)
        if base is None:
            return
        for item in node.named_children:
            if item.id == (module_node.id if module_node else -1):
                continue
            if item.type == "wildcard_import":
                scope.stars.append(base)
            elif item.type == "dotted_name":
                imported = self.text(item)
                self.bind(scope, imported.split(".")[-1], ("f", base, imported))
            elif item.type == "aliased_import":
                name, alias = item.child_by_field_id(F_NAME), item.child_by_field_id(F_ALIAS)
                if name is not None and alias is not None:
                    self.bind(scope, self.text(alias), ("f", base, self.text(name)))

    def absolute(self, module_node: Node | None) -> str | None:
        if module_node is None:
            return None
        if module_node.type != "relative_import":
            return self.text(module_node)
        prefix = next((c for c in module_node.children if c.type == "import_prefix"), None)
        dots = len(self.text(prefix)) if prefix is not None else 1
        package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
        if dots - 1 > len(package):
            return None
        package = package[: len(package) - (dots - 1)]
        rest = next((c for c in module_node.named_children if c.type == "dotted_name"), None)
        return ".".join(package + ([self.text(rest)] if rest is not None else []))

    # the whole module ----------------------------------------------------------------------
    def end_phase(self) -> None:
        """Called after each phase of `run` (a statement's extraction collects there what
        the phase put into the module scope)."""

    def finish(self) -> None:
        """What `run` does once every node was seen: stores under keys, mutations."""
        self.apply_keyed_stores()
        self.apply_mutations()

    def run(self, root: Node, pause: Pause | None = None) -> dict[str, Scope]:
        """The module's scopes. `pause` (the editor's, in the language server's thread
        pool) is called between the phases and every PAUSE_EVERY nodes within them: an
        edit's update of a large module is 50-150 ms of pure Python holding the GIL."""
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
        end = self.end_phase  # (see fragments.py: a statement's share of the module scope)
        scope_nodes = captures.get("scope", [])
        for node in every(scope_nodes, pause, PAUSE_EVERY):
            self.declare(node)
        end()
        for node in captures.get("global", []):
            self.scope(node).globals.update(
                self.text(n) for n in node.named_children if node.type == "global_statement"
            )
        end()
        for node in every(scope_nodes, pause, PAUSE_EVERY):
            self.define(node)
        end()
        for node in every(captures.get("import", []), pause, PAUSE_EVERY):
            self.import_(node)
        end()
        for node in every(captures.get("assign", []), pause, PAUSE_EVERY):
            self.assignment(node)
        end()
        for node in every(captures.get("for", []), pause, PAUSE_EVERY):
            left, right = node.child_by_field_id(F_LEFT), node.child_by_field_id(F_RIGHT)
            if left is not None and right is not None:
                iterable = self.expr(right)
                self.bind_target(self.scope(node), left, ("i", iterable), None)
                for protocol in ("I", "N"):  # the loop calls __iter__, then __next__
                    self.scope(node).calls.append(
                        Call((protocol, iterable), (), (), right.start_byte, right.end_byte, right.start_point.row)
                    )
        end()
        for node in captures.get("raise", []):
            raised = node.named_children[0] if node.named_children else None
            if raised is not None and raised.type != "call":  # `raise E` instantiates E
                self.scope(node).calls.append(
                    Call(("R", self.expr(raised)), (), (), raised.start_byte, raised.end_byte, raised.start_point.row)
                )
        end()
        for node in captures.get("yield", []):
            value = node.named_children[0] if node.named_children else None
            if value is not None:  # a generator returns what it yields, as a container
                frm = any(c.type == "from" for c in node.children)
                item = ("i", self.expr(value)) if frm else self.expr(value)
                self.scope(node).returns.append(("l", (item,), "generator"))
        end()
        for node in captures.get("with", []):
            value = node.child_by_field_id(F_VALUE)
            if value is not None and value.type == "as_pattern":
                alias = value.child_by_field_id(F_ALIAS)
                if alias is not None and value.named_children:
                    self.bind_target(self.scope(node), alias, self.expr(value.named_children[0]), None)
        end()
        for node in captures.get("walrus", []):
            name = node.child_by_field_id(F_NAME)
            if name is not None:
                self.bind_target(self.scope(node), name, self.expr(node.child_by_field_id(F_VALUE)), None)
        end()
        for node in every(captures.get("return", []), pause, PAUSE_EVERY):
            if node.named_children:
                self.scope(node).returns.append(self.expr(node.named_children[0]))
        end()
        # the most frequent capture by far: methods and tables bound once, the scope found
        # without the two calls of `self.scope`
        call_expr, body_of, scopes, module = self.call_expr, self._body_of, self.scopes, self.module
        for node in every(captures.get("call", []), pause, PAUSE_EVERY):
            expr = call_expr(node)
            fn = node.child_by_field_id(F_FUNCTION)
            span = fn if fn is not None else node
            tag = expr[0]
            if tag == "c" or tag == "s" or tag == "S":
                body = body_of(node)
                scopes[body[2] if body is not None else module].calls.append(
                    Call(
                        expr[1] if tag == "c" else _SUPER,  # super() is a call of the builtin too
                        expr[2] if tag == "c" else (),
                        expr[3] if tag == "c" else (),
                        span.start_byte,
                        span.end_byte,
                        span.start_point.row,
                    )
                )
            if fn is not None and fn.type == "attribute":  # `name.append(v)` and friends
                self.mutation(node, fn)
        end()
        if pause is not None:
            pause()
        self.finish()
        return self.scopes


def summarize(
    source: bytes,
    module: str,
    path: str,
    is_package: bool = False,
    tree: Tree | None = None,
    words: bool = True,
    compact: bool = True,
    texts: Texts | None = None,
    pause: Pause | None = None,
) -> ModuleSummary:
    """The module's summary; `tree` (already parsed from exactly `source`) saves a parse.
    Without `words` the word counts (only `unreferenced` reads them) are left empty; without
    `compact` equal expressions are not shared (memory for a workspace's build, time for an
    edit's update: the graph is the same either way). `texts`: a parser process's table of
    texts, shared by the files it summarizes (see Texts). `pause`: see Extractor.run."""
    tree = tree if tree is not None else parse(source)
    if texts is not None:
        texts.trim()
    extractor = Extractor(source, module, is_package, compact, texts)
    scopes = extractor.run(tree.root_node, pause)
    if compact:
        share_top(scopes, extractor.shared)
    digest = hashlib.blake2b(source, digest_size=12).hexdigest()
    counts = count_words(source) if words else {}
    return ModuleSummary(module, path, digest, scopes, counts, is_package)


def count_words(source: bytes) -> dict[str, int]:
    """`Counter(WORD.findall(source))`, decoded, in the same order: each run of word bytes
    holds one match, from its first non-digit to its end. Split in C, the digits taken off
    once per distinct run: a third of the regex's time (a few ms of every edit's update on
    a large module)."""
    out: dict[str, int] = {}
    for run, n in Counter(source.translate(_NOT_WORD).split()).items():
        if run[0] < 65:  # a digit first (the other word bytes are letters and _)
            run = run.lstrip(b"0123456789")
            if not run:
                continue
        word = run.decode()
        out[word] = out.get(word, 0) + n
    return out
