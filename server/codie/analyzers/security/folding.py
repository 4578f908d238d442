"""Constant folding of conditions: a branch that can never run produces no finding.

`num = 86; if 7 * 18 + num > 200:` always holds, `x if 1 > 2 else y` is always y and
`match "ABC"[1]:` takes the `case "B":` arm. Only literals and names bound to literals
fold; anything else (a call, an attribute, a parameter) is unknown and both arms run.
Values stay small: a fold that would build a huge number or string gives up instead.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from tree_sitter import Node

from codie.analyzers.security.names import Source, text
from codie.core.document import BINDING_TARGETS

MAX_INT = 2**64
MAX_TEXT = 4_096
MAX_NODES = 64  # a condition of more parts is not worth folding (and stays cheap)


class _AnyLiteral:
    """A name bound to a literal on every path, but not the same one (after a loop or a
    branch): constant for the sinks, unknown for folding."""

    def __repr__(self) -> str:
        return "ANY_LITERAL"


ANY_LITERAL = _AnyLiteral()
Value = int | float | str | bool | None | tuple["Value", ...] | _AnyLiteral


class Unknown(Exception):
    """The expression is not a constant (or folding it would cost too much)."""


ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "/": operator.truediv,
    "%": operator.mod,
}
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda a, b: operator.contains(b, a),
    "not in": lambda a, b: not operator.contains(b, a),
    "is": lambda a, b: _identical(a, b),
    "is not": lambda a, b: not _identical(a, b),
}
LITERALS = frozenset({"integer", "float", "string", "true", "false", "none"})


def fold(src: Source, node: Node, values: Mapping[str, Value]) -> Value:
    """The value of a constant expression; raises Unknown for anything else."""
    return _Folder(src, values).value(node)


def truth(src: Source, node: Node, values: Mapping[str, Value]) -> bool | None:
    """True/False when the condition is constant, None when it is not known."""
    try:
        return bool(fold(src, node, values))
    except Unknown:
        return None


def literal(src: Source, node: Node) -> Value:
    """The value of a literal node (a `case` pattern, an assigned constant)."""
    return _Folder(src, {}).value(node)


class _Folder:
    def __init__(self, src: Source, values: Mapping[str, Value]) -> None:
        self.src = src
        self.values = values
        self.seen = 0

    def value(self, node: Node) -> Value:
        self.seen += 1
        if self.seen > MAX_NODES:
            raise Unknown
        kind = node.type
        if kind == "integer":
            try:
                return _small(int(text(self.src, node).replace("_", ""), 0))
            except ValueError:
                raise Unknown from None
        if kind == "float":
            try:
                return float(text(self.src, node).replace("_", ""))
            except ValueError:
                raise Unknown from None
        if kind in ("true", "false"):
            return kind == "true"
        if kind == "none":
            return None
        if kind == "string":
            return self.string(node)
        if kind == "concatenated_string":
            return _small("".join(str(self.string(c)) for c in node.named_children))
        if kind == "identifier":
            name = text(self.src, node)
            found = self.values.get(name, ANY_LITERAL)
            if found is ANY_LITERAL:
                raise Unknown
            return found
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.value(node.named_children[0])
        if kind == "call":
            return self.length(node)
        if kind in ("tuple", "list"):
            return tuple(self.value(c) for c in node.named_children)
        if kind == "unary_operator":
            arg = node.child_by_field_name("argument")
            op = node.child_by_field_name("operator")
            if arg is None or op is None:
                raise Unknown
            v = self.value(arg)
            if op.type == "-" and isinstance(v, int | float) and not isinstance(v, bool):
                return -v
            if op.type == "+" and isinstance(v, int | float):
                return v
            raise Unknown
        if kind == "not_operator":
            arg = node.child_by_field_name("argument")
            if arg is None:
                raise Unknown
            return not self.value(arg)
        if kind == "boolean_operator":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node.child_by_field_name("operator")
            if left is None or right is None or op is None:
                raise Unknown
            first = self.value(left)
            if op.type == "and":
                return self.value(right) if first else first
            return first if first else self.value(right)
        if kind == "binary_operator":
            return self.binary(node)
        if kind == "comparison_operator":
            return self.comparison(node)
        if kind == "subscript":
            return self.subscript(node)
        if kind == "conditional_expression" and len(node.named_children) == 3:
            body, cond, orelse = node.named_children
            return self.value(body) if self.value(cond) else self.value(orelse)
        raise Unknown

    def length(self, node: Node) -> int:
        """`len("abc")`, `len(NAMES)` of a folded constant: the only call folded."""
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or args is None or text(self.src, fn) != "len" or args.named_child_count != 1:
            raise Unknown
        seq = self.value(args.named_children[0])
        if not isinstance(seq, str | tuple):
            raise Unknown
        return len(seq)

    def string(self, node: Node) -> str:
        if node.type != "string":
            raise Unknown
        start = node.named_children[0] if node.named_children else None
        prefix = text(self.src, start).lower() if start is not None else ""
        if "b" in prefix or "f" in prefix:
            raise Unknown  # bytes compare unlike str; an f-string's text is not known
        parts = []
        for child in node.named_children:
            if child.type == "string_content":
                parts.append(text(self.src, child))
            elif child.type == "escape_sequence":
                raise Unknown  # `"\n"`: not worth decoding here
            elif child.type == "interpolation":
                raise Unknown
        return str(_small("".join(parts)))

    def binary(self, node: Node) -> Value:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        if left is None or right is None or op is None:
            raise Unknown
        a, b = self.value(left), self.value(right)
        fn = ARITH.get(op.type)
        if fn is None or isinstance(a, tuple) or isinstance(b, tuple):
            raise Unknown
        if op.type == "*" and (isinstance(a, str) or isinstance(b, str)):
            count = b if isinstance(a, str) else a
            if not isinstance(count, int) or count * len(str(a if isinstance(a, str) else b)) > MAX_TEXT:
                raise Unknown
        try:
            result = fn(a, b)
        except (TypeError, ZeroDivisionError, OverflowError, ValueError):
            raise Unknown from None
        if not isinstance(result, int | float | str):
            raise Unknown
        return _small(result)

    def comparison(self, node: Node) -> Value:
        operands = [c for c in node.named_children if c.type != "comment"]
        ops = [c.type for c in node.children if not c.is_named or c.type in ("not in", "is not")]
        ops = [o for o in ops if o not in ("(", ")")]
        if len(operands) != len(ops) + 1:
            raise Unknown
        values = [self.value(o) for o in operands]
        for op, a, b in zip(ops, values, values[1:], strict=False):
            fn = COMPARE.get(op)
            if fn is None:
                raise Unknown
            try:
                if not fn(a, b):
                    return False
            except TypeError:
                raise Unknown from None
        return True

    def subscript(self, node: Node) -> Value:
        container = node.child_by_field_name("value")
        index = node.child_by_field_name("subscript")
        if container is None or index is None:
            raise Unknown
        seq = self.value(container)
        i = self.value(index)
        if not isinstance(seq, str | tuple) or not isinstance(i, int) or isinstance(i, bool):
            raise Unknown
        try:
            return seq[i]
        except IndexError:
            raise Unknown from None


def _small(v: Value | object) -> Value:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int) and abs(v) > MAX_INT:
        raise Unknown
    if isinstance(v, str) and len(v) > MAX_TEXT:
        raise Unknown
    if isinstance(v, int | float | str):
        return v
    raise Unknown


def _identical(a: object, b: object) -> bool:
    """`x is None`: known only where one side is None (identity of other values is not)."""
    if a is None or b is None:
        return a is b
    raise TypeError


def assigned(src: Source, node: Node) -> set[str]:
    """Every plain name a statement (re)binds anywhere inside it: a loop forgets those
    constants before running its body once, or a later iteration's value is missed."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        field = BINDING_TARGETS.get(n.type)
        target = n.child_by_field_name(field) if field is not None else None
        if target is not None:
            targets = [target]
            while targets:
                t = targets.pop()
                if t.type == "identifier":
                    out.add(text(src, t))
                else:
                    targets.extend(t.named_children)
        stack.extend(n.named_children)
    return out
