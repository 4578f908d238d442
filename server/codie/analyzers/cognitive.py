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

NESTING = ("if_statement", "for_statement", "while_statement", "match_statement", "conditional_expression")
NESTED_SCOPES = ("function_definition", "class_definition", "lambda")


def cognitive_complexity(func: Node, source: bytes, is_method: bool | None = None) -> int:
    """`is_method`, when the caller knows it, saves asking for the parent (which costs a
    scan of the module's statements for a top-level function)."""
    body = func.child_by_field_name("body")
    if body is None:
        return 0
    name_node = func.child_by_field_name("name")
    name = source[name_node.start_byte : name_node.end_byte] if name_node is not None else b""
    walker = _Walker(source, name, _is_method(func) if is_method is None else is_method)
    walker.walk(body.children, _is_decorator(body))
    return walker.total + (1 if walker.recursive else 0)


def _is_method(func: Node) -> bool:
    parent = func.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return (
        parent is not None
        and parent.type == "block"
        and parent.parent is not None
        and parent.parent.type == "class_definition"
    )


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
        if stmt.type == "expression_statement" and stmt.named_children and stmt.named_children[0].type == "string":
            continue
        return False
    return True


# one pending visit: (node, nesting, in a decorator's body, directly below a boolean operator
# (through parentheses))
_Item = tuple[Node, int, bool, bool]


class _Walker:
    """An explicit-stack walk: generated code nests deeper than Python's recursion limit,
    and every node is counted however deep it is. Increments are a sum, so the order in
    which nodes are visited does not matter."""

    def __init__(self, source: bytes, name: bytes, is_method: bool) -> None:
        self.source = source
        self.name = name
        self.is_method = is_method
        self.total = 0
        self.recursive = False
        self._stack: list[_Item] = []

    def walk(self, nodes: list[Node], decorator_body: bool) -> None:
        stack = self._stack
        stack.extend((n, 0, decorator_body, False) for n in nodes)
        while stack:
            self.visit(*stack.pop())

    def _push(self, nodes: list[Node], nesting: int, in_bool: bool = False) -> None:
        self._stack.extend((n, nesting, False, in_bool) for n in nodes)

    def visit(self, node: Node, nesting: int, decorator_body: bool, in_bool: bool) -> None:
        kind = node.type
        if kind in NESTED_SCOPES:
            # a nested function raises nesting for its body; a decorator's wrapper does not
            inner = nesting if decorator_body and kind == "function_definition" else nesting + 1
            self._children(node, inner, skip_fields=("name", "parameters"))
            return
        if kind == "decorated_definition":
            self._stack.extend((c, nesting, decorator_body, False) for c in node.children)
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
                    self._push(child.children, nesting + 1)
                elif child.type == "block":
                    self._push(child.children, nesting + 1)
                else:
                    self._push([child], nesting)
            return
        if kind == "try_statement":
            for child in node.children:
                if child.type in ("except_clause", "except_group_clause"):
                    self.total += 1 + nesting
                    self._push(child.children, nesting + 1)
                elif child.type == "else_clause":
                    self.total += 1
                    self._push(child.children, nesting + 1)
                elif child.type == "finally_clause":
                    self._push(child.children, nesting)
                else:
                    self._push([child], nesting)
            return
        if kind in ("match_statement", "conditional_expression"):
            self.total += 1 + nesting
            self._push(node.children, nesting + 1)
            return
        if kind == "boolean_operator":
            if not in_bool:  # the root of a sequence (not an operand of another one)
                self.total += boolean_sequences(node, self.source)
            self._push(node.children, nesting, True)
            return
        if kind == "parenthesized_expression":
            self._push(node.children, nesting, in_bool)
            return
        if kind == "call":
            self._check_recursion(node)
        self._push(node.children, nesting)

    def _children(self, node: Node, nesting: int, skip_fields: tuple[str, ...] = ()) -> None:
        skipped = {c.id for f in skip_fields if (c := node.child_by_field_name(f)) is not None}
        self._push([c for c in node.children if c.id not in skipped], nesting)

    def _if(self, node: Node, nesting: int) -> None:
        for child in node.children:
            if child.type == "block":
                self._push(child.children, nesting + 1)
            elif child.type == "elif_clause":
                self.total += 1  # `elif`: no nesting increment, its body is nested
                for sub in child.children:
                    if sub.type == "block":
                        self._push(sub.children, nesting + 1)
                    else:
                        self._push([sub], nesting)
            elif child.type == "else_clause":
                self.total += 1
                self._push(child.children, nesting + 1)
            else:
                self._push([child], nesting)

    # recursion --------------------------------------------------------------------------
    def _check_recursion(self, call: Node) -> None:
        fn = call.child_by_field_name("function")
        if fn is None or not self.name:
            return
        if fn.type == "identifier":
            hit = not self.is_method and self.source[fn.start_byte : fn.end_byte] == self.name
        elif fn.type == "attribute" and self.is_method:
            obj, attr = fn.child_by_field_name("object"), fn.child_by_field_name("attribute")
            hit = (
                obj is not None
                and attr is not None
                and self.source[obj.start_byte : obj.end_byte] in (b"self", b"cls")
                and self.source[attr.start_byte : attr.end_byte] == self.name
            )
        else:
            hit = False
        self.recursive = self.recursive or hit


# boolean operator sequences -----------------------------------------------------------------
def boolean_sequences(node: Node, source: bytes) -> int:
    """The increments of a boolean expression: one per run of like operators."""
    ops: list[bytes] = []
    _operators(node, source, ops)
    return sum(1 for i, op in enumerate(ops) if i == 0 or ops[i - 1] != op)


def _operators(root: Node, source: bytes, out: list[bytes]) -> None:
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
            stack.append(source[op.start_byte : op.end_byte])
        if left is not None:
            stack.append(left)
