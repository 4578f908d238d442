"""The CPX rules' per-function figures in one walk: cyclomatic complexity, cognitive
complexity and source lines of a function and of every function nested in it.

The definitions are the ones of `metrics.function_cc` (radon's decisions),
`cognitive.cognitive_complexity` (SonarSource's increments) and `metrics.line_counts`
(`sloc`); tests/insight/test_function_figures.py checks that every function of several
standard-library modules gets exactly their figures. Measured one function at a time, the
three walks cost three passes over each function, and a function nested in others was
walked again for each of them (the complexity analyzer was most of the first analysis of
a big file). Here each node is visited once:

- cyclomatic: a decision counts towards the innermost function whose body holds it (not
  through a nested class or decorator, which radon scores apart).
- source lines: the rows of a function's code leaves; a nested function's rows are added
  to the functions around it at the end.
- cognitive: an increment inside a nested function G counts towards every function F
  around it, with the nesting it has in F's walk. Within G's own code (not counting the
  functions inside G) that nesting is G's nesting plus a constant, G's offset in F, so
  each function keeps the sum of its own increments and how many of them carry the
  nesting term, and the offsets are applied at the end. The offset of G's body in the
  walk of its parent P is the nesting at G plus one (none when G sits in a decorator's
  body, SonarPython's exemption, which applies only in P's own walk); in the walks of
  P's ancestors it is always plus one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from tree_sitter import Node

from codie.analyzers.cognitive import _is_decorator, boolean_sequences
from codie.analyzers.metrics import MAX_NESTING, _match_decisions, _try_decisions

_STRING_PARTS = frozenset({"string", "string_start", "string_content", "string_end", "escape_sequence"})
_NO_ROWS = frozenset({"comment", "block", "module"})
_SPECIAL = frozenset(
    {
        "function_definition",
        "class_definition",
        "lambda",
        "decorated_definition",
        "if_statement",
        "for_statement",
        "while_statement",
        "try_statement",
        "match_statement",
        "conditional_expression",
        "boolean_operator",
        "parenthesized_expression",
        "call",
        "expression_statement",
        "assert_statement",
        "for_in_clause",
        "if_clause",
        "case_clause",
    }
)
# What holds for every node of a group of siblings (see _Walk.group).
DECORATOR_BODY = 1  # the statements of a decorator's body (cognitive.py's exemption)
IN_BOOL = 2  # operands of a boolean operator (through parentheses)
IN_DOCSTRING = 4  # children of a docstring statement, or of a string part of one
CLASS_BODY = 8  # the statements of a class's body: a function here is a method
CASE_GUARD = 16  # the children of a `case` clause: its `if` is a guard, not a decision


class Figures(NamedTuple):
    """One function's figures; offsets relative to the start of the outermost function
    measured (so that figures cached by its text apply wherever it moves)."""

    qualname: str  # relative to the outermost function's prefix
    name_start: int
    name_end: int
    cyclomatic: int
    cognitive: int
    sloc: int


@dataclass(slots=True, eq=False)
class _Frame:
    """A function met in the walk."""

    node: Node
    name: bytes
    is_method: bool
    cog_parent: _Frame | None  # the function whose cognitive walk reaches this one
    row_parent: _Frame | None  # the function whose node holds this one
    offset: int  # the nesting of this function's body in cog_parent's walk
    outer_offset: int  # ... in the walks of cog_parent's ancestors, past cog_parent's
    qualname: str | None  # None: not measured on its own (too deep, or not in a body)
    has_body: bool
    cyclomatic: int = 1
    own: int = 0  # cognitive increments of its own code, nesting counted from its body
    nested: int = 0  # how many of them carry the nesting term
    recursive: bool = False
    cognitive: int = 0
    rows: set[int] = field(default_factory=set)


# a group of sibling nodes: (nodes, nesting, flags, cognitive frame, cyclomatic frame,
# rows frame, definitions scope: (qualname prefix, depth) or None when definitions found
# here are not measured on their own)
_Scope = tuple[str, int] | None
_Group = tuple[list[Node], int, int, "_Frame | None", "_Frame | None", "_Frame | None", _Scope]


def function_figures(func: Node, source: bytes, depth: int = 0, is_method: bool = False) -> list[Figures]:
    """The figures of `func` (a function_definition at `depth` definitions below the
    statement being measured) and of the functions nested in it, in source order."""
    walk = _Walk(source)
    walk.function(func, 0, is_method, None, None, ("", depth))
    walk.run()
    return walk.results(func.start_byte)


class _Walk:
    def __init__(self, source: bytes) -> None:
        self.source = source
        self.frames: list[_Frame] = []
        self.groups: list[_Group] = []

    def text(self, node: Node) -> bytes:
        return self.source[node.start_byte : node.end_byte]

    # definitions ----------------------------------------------------------------------
    def function(
        self,
        node: Node,
        nesting: int,
        is_method: bool,
        cog: _Frame | None,
        rows: _Frame | None,
        scope: _Scope,
        decorator_body: bool = False,
    ) -> None:
        """A function_definition met at `nesting` of `cog`'s walk: a new frame."""
        name_node = node.child_by_field_name("name")
        params = node.child_by_field_name("parameters")
        body = node.child_by_field_name("body")
        name = self.text(name_node) if name_node is not None else b""
        qualname: str | None = None
        body_scope: _Scope = None
        if scope is not None:
            prefix, depth = scope
            shown = name.decode("utf-8", "replace") if name_node is not None else "?"
            qualname = f"{prefix}.{shown}" if prefix else shown
            body_scope = (qualname, depth + 1) if depth < MAX_NESTING else None
        frame = _Frame(
            node,
            name,
            is_method,
            cog,
            rows,
            nesting if decorator_body else nesting + 1,
            nesting + 1,
            qualname,
            body is not None,
        )
        self.frames.append(frame)
        groups = self.groups
        rest: list[Node] = []
        for child in node.children:
            if child == body:
                flags = DECORATOR_BODY if _is_decorator(child) else 0
                groups.append((child.children, 0, flags, frame, frame, frame, body_scope))
            elif child in (name_node, params):
                groups.append(([child], 0, 0, None, None, frame, None))
            else:  # `def`, `->` and the return annotation: the enclosing walk's, at the body's nesting
                rest.append(child)
        if rest:
            groups.append((rest, frame.offset, 0, cog, None, frame, None))

    def klass(self, node: Node, nesting: int, cog: _Frame | None, rows: _Frame | None, scope: _Scope) -> None:
        """A class: nested for the cognitive walk, apart for the cyclomatic one."""
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        body_scope: _Scope = None
        if scope is not None:
            prefix, depth = scope
            shown = self.text(name_node).decode("utf-8", "replace") if name_node is not None else "?"
            qualname = f"{prefix}.{shown}" if prefix else shown
            body_scope = (qualname, depth + 1) if depth < MAX_NESTING else None
        groups = self.groups
        rest: list[Node] = []
        for child in node.children:
            if child == body:
                groups.append((child.children, nesting + 1, CLASS_BODY, cog, None, rows, body_scope))
            elif child == name_node:
                groups.append(([child], 0, 0, None, None, rows, None))
            else:
                rest.append(child)
        if rest:
            groups.append((rest, nesting + 1, 0, cog, None, rows, None))

    # the walk -------------------------------------------------------------------------
    def run(self) -> None:
        groups = self.groups
        source = self.source
        special = _SPECIAL
        while groups:
            nodes, nesting, flags, cog, cc, rows, scope = groups.pop()
            in_doc = flags & IN_DOCSTRING
            for node in nodes:
                kind = node.type
                children = node.children
                if not children:
                    if (
                        rows is not None
                        and kind not in _NO_ROWS
                        and node.end_byte > node.start_byte
                        and not (in_doc and kind in _STRING_PARTS)
                    ):
                        first, last = node.start_point[0], node.end_point[0]  # (row, column)
                        if first == last:
                            rows.rows.add(first)
                        else:
                            rows.rows.update(range(first, last + 1))
                    continue
                if kind not in special:
                    child_flags = IN_DOCSTRING if in_doc and kind in _STRING_PARTS else 0
                    groups.append((children, nesting, child_flags, cog, cc, rows, scope))
                    continue
                if kind == "function_definition":
                    self.function(
                        node,
                        nesting,
                        bool(flags & CLASS_BODY),
                        cog,
                        rows,
                        scope,
                        bool(flags & DECORATOR_BODY),
                    )
                elif kind == "class_definition":
                    self.klass(node, nesting, cog, rows, scope)
                elif kind == "decorated_definition":
                    # radon scores the decorators with the definition (apart); cognitive
                    # complexity walks them at the same nesting
                    groups.append((children, nesting, flags & (DECORATOR_BODY | CLASS_BODY), cog, None, rows, scope))
                elif kind == "lambda":
                    params = node.child_by_field_name("parameters")
                    rest = [c for c in children if c != params]
                    groups.append((rest, nesting + 1, 0, cog, cc, rows, scope))
                    if params is not None:
                        groups.append(([params], nesting, 0, None, cc, rows, scope))
                elif kind == "if_statement":
                    if cc is not None:
                        cc.cyclomatic += 1
                    if cog is not None:
                        cog.own += 1 + nesting
                        cog.nested += 1
                    self._if(children, nesting, cog, cc, rows, scope)
                elif kind == "for_statement" or kind == "while_statement":
                    if cc is not None:
                        cc.cyclomatic += 1 + (node.child_by_field_name("alternative") is not None)
                    if cog is not None:
                        cog.own += 1 + nesting
                        cog.nested += 1
                    same: list[Node] = []
                    for child in children:
                        ckind = child.type
                        if ckind == "else_clause":
                            if cog is not None:
                                cog.own += 1
                            groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
                        elif ckind == "block":
                            groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
                        else:
                            same.append(child)
                    groups.append((same, nesting, 0, cog, cc, rows, scope))
                elif kind == "try_statement":
                    if cc is not None:
                        cc.cyclomatic += _try_decisions(node, source)
                    same = []
                    for child in children:
                        ckind = child.type
                        if ckind == "except_clause" or ckind == "except_group_clause":
                            if cog is not None:
                                cog.own += 1 + nesting
                                cog.nested += 1
                            groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
                        elif ckind == "else_clause":
                            if cog is not None:
                                cog.own += 1
                            groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
                        elif ckind == "finally_clause":
                            groups.append((child.children, nesting, 0, cog, cc, rows, scope))
                        else:
                            same.append(child)
                    groups.append((same, nesting, 0, cog, cc, rows, scope))
                elif kind == "match_statement" or kind == "conditional_expression":
                    if cc is not None:
                        cc.cyclomatic += 1 if kind == "conditional_expression" else _match_decisions(node)
                    if cog is not None:
                        cog.own += 1 + nesting
                        cog.nested += 1
                    groups.append((children, nesting + 1, 0, cog, cc, rows, scope))
                elif kind == "boolean_operator":
                    if cc is not None:
                        cc.cyclomatic += 1
                    if cog is not None and not flags & IN_BOOL:  # the root of a sequence
                        cog.own += boolean_sequences(node, source)
                    groups.append((children, nesting, IN_BOOL, cog, cc, rows, scope))
                elif kind == "parenthesized_expression":
                    groups.append((children, nesting, flags & IN_BOOL, cog, cc, rows, scope))
                elif kind == "call":
                    if cog is not None:
                        self._recursion(node, cog)
                    groups.append((children, nesting, 0, cog, cc, rows, scope))
                elif kind == "expression_statement":
                    child_flags = 0
                    if rows is not None:
                        head = children[0]
                        if head.type == "string" or head.type == "comment" or not head.is_named:
                            named = node.named_children
                            if len(named) == 1 and named[0].type == "string":
                                child_flags = IN_DOCSTRING
                    groups.append((children, nesting, child_flags, cog, cc, rows, scope))
                elif kind == "assert_statement":
                    if cc is not None:
                        cc.cyclomatic += 1  # radon does not look inside the assertion
                    groups.append((children, nesting, 0, cog, None, rows, scope))
                elif kind == "for_in_clause" or kind == "if_clause":
                    if cc is not None and not flags & CASE_GUARD:  # radon counts cases, not guards
                        cc.cyclomatic += 1
                    groups.append((children, nesting, 0, cog, cc, rows, scope))
                else:  # case_clause
                    groups.append((children, nesting, CASE_GUARD, cog, cc, rows, scope))

    def _if(
        self,
        children: list[Node],
        nesting: int,
        cog: _Frame | None,
        cc: _Frame | None,
        rows: _Frame | None,
        scope: _Scope,
    ) -> None:
        groups = self.groups
        same: list[Node] = []
        for child in children:
            ckind = child.type
            if ckind == "block":
                groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
            elif ckind == "elif_clause":
                if cc is not None:
                    cc.cyclomatic += 1
                if cog is not None:
                    cog.own += 1  # `elif`: no nesting increment, its body is nested
                for sub in child.children:
                    if sub.type == "block":
                        groups.append((sub.children, nesting + 1, 0, cog, cc, rows, scope))
                    else:
                        same.append(sub)
            elif ckind == "else_clause":
                if cog is not None:
                    cog.own += 1
                groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
            else:
                same.append(child)
        groups.append((same, nesting, 0, cog, cc, rows, scope))

    def _recursion(self, call: Node, cog: _Frame) -> None:
        """Mark the functions whose walk reaches this call and which it calls."""
        fn = call.child_by_field_name("function")
        if fn is None:
            return
        if fn.type == "identifier":
            callee, method = self.text(fn), False
        elif fn.type == "attribute":
            obj, attr = fn.child_by_field_name("object"), fn.child_by_field_name("attribute")
            if obj is None or attr is None or self.text(obj) not in (b"self", b"cls"):
                return
            callee, method = self.text(attr), True
        else:
            return
        frame: _Frame | None = cog
        while frame is not None:
            if frame.is_method == method and frame.name and frame.name == callee:
                frame.recursive = True
            frame = frame.cog_parent

    # results --------------------------------------------------------------------------
    def results(self, base: int) -> list[Figures]:
        frames = self.frames
        for frame in frames:
            own, nested = frame.own, frame.nested
            frame.cognitive += own
            offset = 0
            child = frame
            parent = frame.cog_parent
            while parent is not None:
                parent.cognitive += own + nested * (offset + child.offset)
                offset += child.outer_offset
                child = parent
                parent = parent.cog_parent
        for frame in reversed(frames):  # a frame comes before the frames inside it
            if frame.row_parent is not None:
                frame.row_parent.rows |= frame.rows
        out: list[Figures] = []
        for frame in sorted(frames, key=lambda f: f.node.start_byte):
            if frame.qualname is None:
                continue
            node = frame.node
            name_node = node.child_by_field_name("name")
            name_start = name_node.start_byte if name_node is not None else node.start_byte
            name_end = name_node.end_byte if name_node is not None else node.start_byte
            cognitive = frame.cognitive + frame.recursive if frame.has_body else 0
            out.append(
                Figures(
                    frame.qualname,
                    name_start - base,
                    name_end - base,
                    frame.cyclomatic,
                    cognitive,
                    len(frame.rows),
                )
            )
        return out


def outermost_functions(top: Node, source: bytes) -> Iterator[tuple[Node, str, int, bool]]:
    """The functions of a top-level statement that no function holds, in source order,
    each with its qualname prefix (the classes around it), its depth (definitions above
    it) and whether it is a method (right in a class's body): the definitions the
    complexity analyzer measures, found as `metrics.definitions` finds them."""
    stack: list[tuple[Node, str, int, bool]] = [(top, "", 0, False)]
    while stack:
        node, prefix, depth, class_body = stack.pop()
        kind = node.type
        if kind == "function_definition":
            yield node, prefix, depth, class_body
        elif kind == "class_definition":
            body = node.child_by_field_name("body")
            if body is None or depth >= MAX_NESTING:
                continue
            name_node = node.child_by_field_name("name")
            name = source[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace") if name_node else "?"
            qualname = f"{prefix}.{name}" if prefix else name
            stack.extend((child, qualname, depth + 1, True) for child in reversed(body.children))
        elif kind == "decorated_definition":
            stack.extend((child, prefix, depth, class_body) for child in reversed(node.children))
        else:
            stack.extend((child, prefix, depth, False) for child in reversed(node.children))
