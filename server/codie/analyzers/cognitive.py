"""Cognitive complexity, per SonarSource's white paper (G. Ann Campbell, v1.5), for Python.

Increments (+1 each): `if`, `elif`, `else` (of if, loops and try), a conditional expression,
`match`, `for`, `while`, `except`, each sequence of like boolean operators, and a
function that calls itself (recursion). `if`, conditional expressions, `match`, loops and
`except` also add the current nesting level; their bodies, nested functions, nested
classes and lambdas raise it. `try`, `finally` and `with` are free. Python has no labelled
jumps, so `break`/`continue` add nothing. As in SonarPython, a decorator (a function whose
body is only nested definitions and a `return`) does not raise the nesting of its inner
function. Nested functions' increments count towards the function that contains them.
"""

from __future__ import annotations

from tree_sitter import Node

NESTING = ("if_statement", "for_statement", "while_statement", "match_statement",
           "conditional_expression")
NESTED_SCOPES = ("function_definition", "class_definition", "lambda")


def cognitive_complexity(func: Node, source: bytes) -> int:
    body = func.child_by_field_name("body")
    if body is None:
        return 0
    name_node = func.child_by_field_name("name")
    name = source[name_node.start_byte:name_node.end_byte] if name_node is not None else b""
    walker = _Walker(source, name, _is_method(func))
    nested_free = _is_decorator(body)
    try:
        for child in body.children:
            walker.visit(child, 0, nested_free)
    except RecursionError:
        pass  # absurdly deep nesting (generated code): what was counted is a lower bound
    return walker.total + (1 if walker.recursive else 0)


def _is_method(func: Node) -> bool:
    parent = func.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return parent is not None and parent.type == "block" and parent.parent is not None and \
        parent.parent.type == "class_definition"


def _is_decorator(body: Node) -> bool:
    """Only nested definitions and a return (plus a docstring): SonarPython's exemption."""
    statements = [c for c in body.named_children if c.type != "comment"]
    defs = [c for c in statements if c.type in ("function_definition", "decorated_definition")]
    rest = [c for c in statements if c not in defs]
    if not defs:
        return False
    for stmt in rest:
        if stmt.type == "return_statement":
            continue
        if stmt.type == "expression_statement" and stmt.named_children and \
                stmt.named_children[0].type == "string":
            continue
        return False
    return True


class _Walker:
    def __init__(self, source: bytes, name: bytes, is_method: bool) -> None:
        self.source = source
        self.name = name
        self.is_method = is_method
        self.total = 0
        self.recursive = False

    def visit(self, node: Node, nesting: int, decorator_body: bool = False) -> None:
        kind = node.type
        if kind in NESTED_SCOPES:
            # a nested function raises nesting for its body; a decorator's wrapper does not
            inner = nesting if decorator_body and kind == "function_definition" else nesting + 1
            self._children(node, inner, skip_fields=("name", "parameters"))
            return
        if kind == "decorated_definition":
            for child in node.children:
                self.visit(child, nesting, decorator_body)
            return
        if kind == "if_statement":
            self.total += 1 + nesting
            self._if(node, nesting)
            return
        if kind in ("for_statement", "while_statement"):
            self.total += 1 + nesting
            for child in node.children:
                if child.type == "else_clause":
                    self.total += 1
                    self._children(child, nesting + 1)
                elif child.type == "block":
                    self._children(child, nesting + 1)
                else:
                    self.visit(child, nesting)
            return
        if kind == "try_statement":
            for child in node.children:
                if child.type in ("except_clause", "except_group_clause"):
                    self.total += 1 + nesting
                    self._children(child, nesting + 1)
                elif child.type == "else_clause":
                    self.total += 1
                    self._children(child, nesting + 1)
                elif child.type == "finally_clause":
                    self._children(child, nesting)
                else:
                    self.visit(child, nesting)
            return
        if kind == "match_statement":
            self.total += 1 + nesting
            self._children(node, nesting + 1)
            return
        if kind == "conditional_expression":
            self.total += 1 + nesting
            self._children(node, nesting + 1)
            return
        if kind == "boolean_operator" and self._is_sequence_root(node):
            self.total += self._sequences(node)
        elif kind == "call":
            self._check_recursion(node)
        self._children(node, nesting)

    def _children(self, node: Node, nesting: int, skip_fields: tuple[str, ...] = ()) -> None:
        skipped = {c.id for f in skip_fields if (c := node.child_by_field_name(f)) is not None}
        for child in node.children:
            if child.id not in skipped:
                self.visit(child, nesting)

    def _if(self, node: Node, nesting: int) -> None:
        for child in node.children:
            if child.type == "block":
                self._children(child, nesting + 1)
            elif child.type == "elif_clause":
                self.total += 1  # `elif`: no nesting increment, its body is nested
                for sub in child.children:
                    if sub.type == "block":
                        self._children(sub, nesting + 1)
                    else:
                        self.visit(sub, nesting)
            elif child.type == "else_clause":
                self.total += 1
                self._children(child, nesting + 1)
            else:
                self.visit(child, nesting)

    # boolean operator sequences ---------------------------------------------------------
    @staticmethod
    def _is_sequence_root(node: Node) -> bool:
        parent = node.parent
        while parent is not None and parent.type == "parenthesized_expression":
            parent = parent.parent
        return parent is None or parent.type != "boolean_operator"

    def _sequences(self, node: Node) -> int:
        ops: list[bytes] = []
        self._operators(node, ops)
        return sum(1 for i, op in enumerate(ops) if i == 0 or ops[i - 1] != op)

    def _operators(self, root: Node, out: list[bytes]) -> None:
        """The operators of a boolean expression in source order (iterative in-order walk,
        through parentheses but not through `not`)."""
        stack: list[Node | bytes] = [root]
        while stack:
            item = stack.pop()
            if isinstance(item, bytes):
                out.append(item)
                continue
            node = item
            while node.type == "parenthesized_expression" and node.named_children:
                node = node.named_children[0]
            if node.type != "boolean_operator":
                continue
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node.child_by_field_name("operator")
            if right is not None:
                stack.append(right)
            if op is not None:
                stack.append(self.source[op.start_byte:op.end_byte])
            if left is not None:
                stack.append(left)

    # recursion --------------------------------------------------------------------------
    def _check_recursion(self, call: Node) -> None:
        fn = call.child_by_field_name("function")
        if fn is None or not self.name:
            return
        if fn.type == "identifier":
            hit = not self.is_method and self.source[fn.start_byte:fn.end_byte] == self.name
        elif fn.type == "attribute" and self.is_method:
            obj, attr = fn.child_by_field_name("object"), fn.child_by_field_name("attribute")
            hit = (obj is not None and attr is not None
                   and self.source[obj.start_byte:obj.end_byte] in (b"self", b"cls")
                   and self.source[attr.start_byte:attr.end_byte] == self.name)
        else:
            hit = False
        self.recursive = self.recursive or hit
