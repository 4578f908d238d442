"""The one definition of each per-scope figure: cyclomatic complexity (radon 6.0.1's
counting rules, its code rather than its docs), cognitive complexity (SonarSource's white
paper) and line counts, for every function, class and the module, in one walk.

Two entry points share the walk: `function_figures` (the CPX rules: a function and the
functions nested in it; cyclomatic, cognitive and source lines) and `scope_figures` (the
metrics of `codie metrics`, the code lens, hotspots and CPX004: the whole module, every
scope, with all the line counts). tests/insight/test_function_figures.py pins the figures
against radon and hand-checked examples.

Cyclomatic complexity: a function's figure is 1 + the decisions in its body (`if`, `elif`,
loops and their `else`, `except` handlers and a `try`'s `else`, `match` cases but not a
wildcard, conditional expressions, boolean operators, comprehension `for`/`if`, `assert`);
nested functions and classes are scored on their own, lambdas and decorators' bodies count
towards the scope around them. A class's own figure is 1 + the decisions of its body outside
its methods; the module's is 1 + the decisions outside every definition.

Cognitive complexity (G. Ann Campbell, v1.5, for Python): +1 for `if`, `elif`, `else` (of
if, loops and try), a conditional expression, `match`, `for`, `while`, `except`, each
sequence of like boolean operators, and a function that calls itself (recursion). `if`,
conditional expressions, `match`, loops and `except` also add the current nesting level;
their bodies, nested functions, nested classes and lambdas raise it. `try`, `finally` and
`with` are free. Python has no labelled jumps, so `break`/`continue` add nothing. As in
SonarPython, a decorator (a function whose body is only nested definitions and a `return`)
does not raise the nesting of its inner function. Nested functions' increments count
towards the functions around them; a class's figure is its methods' sum (metrics.py).

Line counts (radon's raw metrics): `sloc` is the rows of a scope's code leaves (not
comments, not docstrings: a statement that is only a string), `lloc` its statements (and
clauses), `comments` the rows holding a comment, `multi` the docstring rows that hold no
code, `blank` the empty rows of its span.

Each node is visited once, and each figure is kept by the scope it belongs to:

- cyclomatic: a decision counts towards the innermost function, class or module whose
  own code holds it (not through a nested definition or decorator, which radon scores
  apart).
- lines: rows and statements count towards the innermost scope whose node holds them;
  a nested scope's are added to the scopes around it at the end.
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

import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

from tree_sitter import Node

from codie.core.document import PYTHON
from codie.core.pausing import Pause

# The name of each node kind by its id: `node.type` makes a new string at every read (and
# sets hash it again), `node.kind_id` is a number; the names are interned as literals are.
# ERROR (65535) and any id past the table are read from the node.
KIND_NAMES = tuple(sys.intern(PYTHON.node_kind_for_id(i) or "") for i in range(PYTHON.node_kind_count))
# The same for a walk that reads the rows of code from the text (_Walk.text_rows): None for
# an anonymous token (a keyword, an operator), which then has nothing to give it. A token
# whose name has a space is two tokens under one node (`is not`, `not in`): a comment may
# sit between them, so it is walked.
# Named leaves on one row the walk has nothing to do with either (a third of a function's
# nodes are identifiers): skipped before their (empty) children are read, which was ~15% of
# the complexity analyzer's walk on opening a file. Never a comment or a string's part (a
# docstring's are blanked), never a kind the walk scores.
ONE_ROW_LEAVES = frozenset({"identifier", "integer", "float", "true", "false", "none", "ellipsis", "type_conversion"})
TOKENS_SKIPPED = tuple(
    None if (not PYTHON.node_kind_is_named(i) and " " not in name) or name in ONE_ROW_LEAVES else name
    for i, name in enumerate(KIND_NAMES)
)
MAX_NESTING = 50  # definitions nested deeper than this are not measured on their own

_STRING_PARTS = frozenset({"string", "string_start", "string_content", "string_end", "escape_sequence"})
_NO_ROWS = frozenset({"comment", "block", "module"})
# the leaves that may span rows (a string's text, `\` + line end) or hold bytes the text
# reading cannot tell (ERROR): their rows are read from their bytes, text_rows or not
_MULTI_ROW = frozenset({"string_content", "line_continuation", "ERROR"})
_BLANK = bytes(10 if b == 10 else 32 for b in range(256))  # every byte a space but `\n`
# what tree-sitter's grammar skips between tokens (its extras' /[\s\f\uFEFF\u2060\u200B]/;
# `\s` is Unicode's White_Space): a row holding only these holds no leaf
_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff\u2060\u200b"
)
# what counts as a logical line besides statements (kinds ending in `_statement`); a
# definition counts in its own scope
_CLAUSES = frozenset({"elif_clause", "else_clause", "except_clause", "finally_clause", "case_clause"})
_EXCEPT_STAR = re.compile(rb"except\s*\*")
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
# What holds for every node of a group of siblings (see _Group).
DECORATOR_BODY = 1  # the statements of a decorator's body (SonarPython's exemption)
IN_BOOL = 2  # operands of a boolean operator (through parentheses)
IN_DOCSTRING = 4  # children of a docstring statement, or of a string part of one
CLASS_BODY = 8  # the statements of a class's body: a function here is a method
CASE_GUARD = 16  # the children of a `case` clause: its `if` is a guard, not a decision


@dataclass(frozen=True, slots=True)
class Lines:
    loc: int  # physical lines
    sloc: int  # lines holding code (not blank, not only a comment or docstring)
    lloc: int  # logical lines: statements
    comments: int  # lines holding a comment
    multi: int  # lines of docstrings / multi-line string statements
    blank: int


class Figures(NamedTuple):
    """One function's figures; offsets relative to the start of the outermost function
    measured (so that figures cached by its text apply wherever it moves)."""

    qualname: str  # relative to the outermost function's prefix
    name_start: int
    name_end: int
    cyclomatic: int
    cognitive: int
    sloc: int


class ScopeFigures(NamedTuple):
    """One function's, class's or module's figures (see the module's docstring)."""

    cyclomatic: int  # a class: 1 + its own decisions, without its methods' figures
    cognitive: int  # 0 for a class or the module (their figure is their methods' sum)
    lines: Lines


@dataclass(slots=True, eq=False)
class _Frame:
    """A scope met in the walk: a function, a class or the module."""

    node: Node
    name: bytes
    is_function: bool
    is_method: bool
    cog_parent: _Frame | None  # the function whose cognitive walk reaches this one
    row_parent: _Frame | None  # the scope whose node holds this one
    offset: int  # the nesting of this function's body in cog_parent's walk
    outer_offset: int  # ... in the walks of cog_parent's ancestors, past cog_parent's
    qualname: str | None  # None: not measured on its own (too deep, or not in a body)
    has_body: bool
    cyclomatic: int = 1
    own: int = 0  # cognitive increments of its own code, nesting counted from its body
    nested: int = 0  # how many of them carry the nesting term
    recursive: bool = False
    cognitive: int = 0
    rows: set[int] = field(default_factory=set)  # rows of code
    # scope_figures only: logical lines, rows holding a comment, rows of docstrings
    lloc: int = 0
    comment_rows: set[int] = field(default_factory=set)
    doc_rows: set[int] = field(default_factory=set)


# a group of sibling nodes: (nodes, nesting, flags, cognitive frame, cyclomatic frame,
# rows frame, definitions scope: (qualname prefix, depth) or None when definitions found
# here are not measured on their own)
_Scope = tuple[str, int] | None
_Group = tuple[list[Node], int, int, "_Frame | None", "_Frame | None", "_Frame | None", _Scope]


def function_figures(func: Node, source: bytes, depth: int = 0, is_method: bool = False) -> list[Figures]:
    """The figures of `func` (a function_definition at `depth` definitions below the
    statement being measured) and of the functions nested in it, in source order."""
    walk = _Walk(source, lines=False, lo=func.start_byte, hi=func.end_byte, root=func, text_rows=True)
    walk.function(func, 0, is_method, None, None, ("", depth))
    walk.run()
    return walk.results(func.start_byte)


def scope_figures(root: Node, source: bytes, pause: Pause | None = None) -> dict[int, ScopeFigures]:
    """The figures of the module `root` and of every function and class in it, by node id;
    `pause` is called every PAUSE_EVERY groups of sibling nodes (core/pausing.py)."""
    walk = _Walk(source, lines=True, lo=0, hi=len(source), root=root, text_rows=False)
    module = _Frame(root, b"", False, False, None, None, 0, 0, "", True)
    walk.frames.append(module)
    walk.groups.append((root.children, 0, 0, None, module, module, ("", 0)))
    walk.run(pause)
    return walk.scopes()


PAUSE_EVERY = 128  # groups of sibling nodes between two pauses (~1 ms of the walk)


class _Walk:
    def __init__(self, source: bytes, lines: bool, lo: int, hi: int, root: Node, text_rows: bool) -> None:
        self.source = source
        self.lo, self.hi = lo, hi
        # (a tree of another grammar reads every kind from its nodes)
        self.kinds = KIND_NAMES if _kind_name(KIND_NAMES, root) == root.type else ()
        # The rows of code from the text (see _code_rows) rather than from every leaf's
        # bytes: two of three nodes are leaves, and reading their bytes and rows was ~40%
        # of the walk. Only where the text says what the leaves say: a tree without ERROR
        # (a broken tree may hold bytes no leaf covers) of this grammar.
        self.text_rows = text_rows and bool(self.kinds) and not root.has_error
        # the byte ranges that are no code in the text: comments and docstrings' string parts
        self.blanks: list[tuple[int, int]] = []
        # where the lines of source[lo:hi] end: a leaf's row, counted from lo's, is how
        # many of them come before it (reading a Node's start_point costs twice its
        # start_byte, and leaves are two thirds of the nodes)
        self.line_ends = _line_ends(source, lo, hi)
        self.frames: list[_Frame] = []
        self.groups: list[_Group] = []
        # whether to keep more than the rows of code; with a memo of which node kinds are
        # logical lines (a definition counts in its own frame, not its parent's)
        self.logical: dict[str, bool] | None = (
            {"function_definition": False, "class_definition": False} if lines else None
        )

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
            True,
            is_method,
            cog,
            rows,
            nesting if decorator_body else nesting + 1,
            nesting + 1,
            qualname,
            body is not None,
            lloc=1,
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
        """A class: nested for the cognitive walk, a scope of its own for the cyclomatic one."""
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        qualname: str | None = None
        body_scope: _Scope = None
        if scope is not None:
            prefix, depth = scope
            shown = self.text(name_node).decode("utf-8", "replace") if name_node is not None else "?"
            qualname = f"{prefix}.{shown}" if prefix else shown
            body_scope = (qualname, depth + 1) if depth < MAX_NESTING else None
        frame = _Frame(node, b"", False, False, None, rows, 0, 0, qualname, body is not None, lloc=1)
        self.frames.append(frame)
        groups = self.groups
        rest: list[Node] = []
        for child in node.children:
            if child == body:
                groups.append((child.children, nesting + 1, CLASS_BODY, cog, frame, frame, body_scope))
            elif child == name_node:
                groups.append(([child], 0, 0, None, None, frame, None))
            else:  # `class`, the bases: radon scores them with no scope
                rest.append(child)
        if rest:
            groups.append((rest, nesting + 1, 0, cog, None, frame, None))

    # the walk -------------------------------------------------------------------------
    def run(self, pause: Pause | None = None) -> None:
        groups = self.groups
        source = self.source
        special = _SPECIAL
        logical = self.logical
        line_ends = self.line_ends
        lines = len(line_ends)
        kinds: tuple[str | None, ...] = self.kinds
        text_rows = self.text_rows
        if text_rows:
            kinds = TOKENS_SKIPPED
        blanks = self.blanks
        countdown = PAUSE_EVERY
        while groups:
            nodes, nesting, flags, cog, cc, rows, scope = groups.pop()
            in_doc = flags & IN_DOCSTRING
            # the children of a node the figures do not look at share its group's context:
            # walked here, without a group of their own (most nodes are such)
            pending = [nodes]
            while pending:
                if pause is not None:
                    countdown -= 1
                    if not countdown:
                        countdown = PAUSE_EVERY
                        pause()
                for node in pending.pop():
                    try:
                        kind = kinds[node.kind_id]
                    except IndexError:
                        kind = node.type
                    if kind is None:
                        continue
                    children = node.children
                    if logical is not None and rows is not None:
                        counts = logical.get(kind)
                        if counts is None:
                            counts = logical[kind] = kind.endswith("_statement") or kind in _CLAUSES
                        if counts:
                            rows.lloc += 1
                        if kind == "comment":
                            rows.comment_rows.add(node.start_point[0])
                    # a string's text is a leaf for its rows: tree-sitter gives `string_content`
                    # children only for its escape sequences, and the rows between them hold
                    # code too (radon counts every row of a multi-line string)
                    if not children or kind == "string_content":
                        if text_rows and kind not in _MULTI_ROW:
                            # a token on one row: _code_rows reads its row from the text;
                            # what the text holds that is no code is blanked there
                            if kind == "comment" or (in_doc and kind in _STRING_PARTS):
                                blanks.append((node.start_byte, node.end_byte))
                            continue
                        if in_doc and text_rows and kind == "string_content":
                            blanks.append((node.start_byte, node.end_byte))
                            continue
                        if rows is not None and kind not in _NO_ROWS and not (in_doc and kind in _STRING_PARTS):
                            start, end = node.start_byte, node.end_byte
                            if end > start:
                                first = bisect_left(line_ends, start)
                                if first == lines or line_ends[first] >= end:  # no line ends in it
                                    rows.rows.add(first)
                                else:
                                    rows.rows.update(range(first, bisect_left(line_ends, end, first) + 1))
                        continue
                    if kind not in special:
                        child_flags = IN_DOCSTRING if in_doc and kind in _STRING_PARTS else 0
                        if child_flags == flags:
                            pending.append(children)
                        else:
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
                        groups.append(
                            (children, nesting, flags & (DECORATOR_BODY | CLASS_BODY), cog, None, rows, scope)
                        )
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
                                self._clause(rows)
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
                                if ckind == "except_clause":  # radon's raw metrics: not `except*`
                                    self._clause(rows)
                                groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
                            elif ckind == "else_clause":
                                if cog is not None:
                                    cog.own += 1
                                self._clause(rows)
                                groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
                            elif ckind == "finally_clause":
                                self._clause(rows)
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
                                    if logical is not None:
                                        rows.doc_rows.update(range(node.start_point[0], node.end_point[0] + 1))
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
                self._clause(rows)
                for sub in child.children:
                    if sub.type == "block":
                        groups.append((sub.children, nesting + 1, 0, cog, cc, rows, scope))
                    else:
                        same.append(sub)
            elif ckind == "else_clause":
                if cog is not None:
                    cog.own += 1
                self._clause(rows)
                groups.append((child.children, nesting + 1, 0, cog, cc, rows, scope))
            else:
                same.append(child)
        groups.append((same, nesting, 0, cog, cc, rows, scope))

    def _clause(self, rows: _Frame | None) -> None:
        """A clause the walk does not visit as a node (it takes the clause's children
        straight to their nesting) that is a logical line."""
        if self.logical is not None and rows is not None:
            rows.lloc += 1

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
    def _finish(self) -> None:
        """Apply the nested functions' cognitive offsets; add the nested scopes' lines to
        the scopes around them."""
        frames = self.frames
        for frame in frames:
            if not frame.is_function:
                continue
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
        lines = self.logical is not None
        for frame in reversed(frames):  # a frame comes before the frames inside it
            parent = frame.row_parent
            if parent is not None:
                parent.rows |= frame.rows
                if lines:
                    parent.lloc += frame.lloc
                    parent.comment_rows |= frame.comment_rows
                    parent.doc_rows |= frame.doc_rows

    @staticmethod
    def _cognitive(frame: _Frame) -> int:
        return frame.cognitive + frame.recursive if frame.has_body else 0

    def _code_rows(self) -> list[int]:
        """The rows (counted from lo's) of source[lo:hi] that hold a byte of code: any but
        spaces, once comments and docstrings' string parts are blanked. Every such byte is
        some leaf's (the tree has no ERROR), so they are the rows of the code leaves on one
        row; the leaves that span rows add theirs in the walk."""
        lo = self.lo
        text = bytearray(self.source[lo : self.hi])
        for start, end in self.blanks:  # keep the line ends: they count the rows
            text[start - lo : end - lo] = text[start - lo : end - lo].translate(_BLANK)
        return [
            row
            for row, line in enumerate(text.split(b"\n"))
            if line.strip() and (line.isascii() or line.decode("utf-8", "replace").strip(_SPACE))
        ]

    def _sloc(self, frame: _Frame, code: list[int]) -> int:
        """How many rows of code frame's node holds: the rows of code in its span, and the
        rows of its leaves that span rows outside those (a line continuation's next row)."""
        if not self.text_rows:
            return len(frame.rows)
        node, line_ends = frame.node, self.line_ends
        first = bisect_left(line_ends, node.start_byte)
        last = bisect_left(line_ends, node.end_byte - 1, first)
        lo, hi = bisect_left(code, first), bisect_right(code, last)
        if not frame.rows:  # (most functions: no string spans rows in them)
            return hi - lo
        inside = set(code[lo:hi])
        return hi - lo + sum(1 for row in frame.rows if row not in inside)

    def results(self, base: int) -> list[Figures]:
        self._finish()
        code: list[int] = []
        if self.text_rows:
            code = self._code_rows()
        out: list[Figures] = []
        for frame in sorted(self.frames, key=lambda f: f.node.start_byte):
            if frame.qualname is None or not frame.is_function:
                continue
            node = frame.node
            name_node = node.child_by_field_name("name")
            name_start = name_node.start_byte if name_node is not None else node.start_byte
            name_end = name_node.end_byte if name_node is not None else node.start_byte
            out.append(
                Figures(
                    frame.qualname,
                    name_start - base,
                    name_end - base,
                    frame.cyclomatic,
                    self._cognitive(frame),
                    self._sloc(frame, code),
                )
            )
        return out

    def scopes(self) -> dict[int, ScopeFigures]:
        self._finish()
        source = self.source
        out: dict[int, ScopeFigures] = {}
        for frame in self.frames:
            node = frame.node
            first, last = node.start_point[0], node.end_point[0]
            if node.type == "module":
                last = source.count(b"\n") - (source.endswith(b"\n") or not source)
            code = frame.rows
            lines = Lines(
                max(0, last - first + 1),
                len(code),
                frame.lloc,
                len(frame.comment_rows),
                len(frame.doc_rows - code),
                _blank_rows(source, node, first, last),
            )
            out[node.id] = ScopeFigures(frame.cyclomatic, self._cognitive(frame) if frame.is_function else 0, lines)
        return out


def _kind_name(kinds: tuple[str, ...], node: Node) -> str:
    try:
        return kinds[node.kind_id]
    except IndexError:
        return node.type


def _line_ends(source: bytes, lo: int, hi: int) -> list[int]:
    """The offsets of the `\n` in source[lo:hi] (a tree-sitter row ends at `\n` only)."""
    # each line's length + 1, summed from lo - 1: all in C (a find() per line, in Python,
    # was a tenth of measuring a function)
    rows = source[lo:hi].split(b"\n")
    rows.pop()  # the rest after the last `\n`
    return list(accumulate(map((1).__add__, map(len, rows)), initial=lo - 1))[1:]


def _blank_rows(source: bytes, node: Node, first: int, last: int) -> int:
    """Blank rows among rows first..last, reading only those rows' bytes: a file-wide split
    per function made a 50,000-line file quadratic."""
    if last < first:
        return 0
    lo = source.rfind(b"\n", 0, node.start_byte) + 1  # the start of row `first`
    hi = len(source) if node.type == "module" else source.find(b"\n", node.end_byte)
    rows = source[lo : len(source) if hi < 0 else hi].split(b"\n")[: last - first + 1]
    return sum(1 for row in rows if not row.strip())


# radon's decisions that need more than the node's kind ----------------------------------------
def _try_decisions(node: Node, source: bytes) -> int:
    handlers = [c for c in node.children if c.type in ("except_clause", "except_group_clause")]
    if any(_EXCEPT_STAR.match(source, h.start_byte) for h in handlers):
        return 0  # ast.TryStar: radon 6.0.1 only knows `Try`
    return len(handlers) + any(c.type == "else_clause" for c in node.children)


def _match_decisions(node: Node) -> int:
    body = node.child_by_field_name("body")
    cases = [c for c in (body.children if body is not None else []) if c.type == "case_clause"]
    wildcard = any(_irrefutable(c) for c in cases)
    return max(0, len(cases) - wildcard)


def _irrefutable(case: Node) -> bool:
    """`case _:` or `case name:` (ast.MatchAs without a sub-pattern)."""
    patterns = [c for c in case.named_children if c.type == "case_pattern"]
    if len(patterns) != 1:
        return False
    inner = patterns[0].named_children
    if not inner:
        return True
    return len(inner) == 1 and inner[0].type == "dotted_name" and len(inner[0].named_children) == 1


# cognitive complexity's increments that need more than the node's kind --------------------------
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


# Simple statements: a `def` is never inside one (a lambda is no function_definition), so
# outermost_functions does not walk their nodes (an assignment of a large literal has
# thousands), unless error recovery put who knows what under them.
NO_DEFINITIONS = frozenset(
    {
        "expression_statement",
        "import_statement",
        "import_from_statement",
        "future_import_statement",
        "return_statement",
        "raise_statement",
        "assert_statement",
        "pass_statement",
        "break_statement",
        "continue_statement",
        "global_statement",
        "nonlocal_statement",
        "delete_statement",
        "print_statement",
        "exec_statement",
        "type_alias_statement",
        "comment",
    }
)


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
        elif kind not in NO_DEFINITIONS or node.has_error:
            stack.extend((child, prefix, depth, False) for child in reversed(node.children))
