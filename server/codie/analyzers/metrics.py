"""Code metrics from the tree-sitter tree: cyclomatic and cognitive complexity, Halstead
measures, maintainability index and line counts, per function, class and module.

Cyclomatic complexity follows radon 6.0.1's counting rules exactly (its code, not its docs):
a function's figure is 1 + the decisions in its body, where nested functions and classes
are scored on their own and lambdas count towards the function that contains them.
The CPX analyzer (analyzers/complexity.py) turns the figures into findings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from codie.analyzers.cognitive import cognitive_complexity

FUNCTION = "function_definition"
CLASS = "class_definition"
SCOPES = (FUNCTION, CLASS)
_EXCEPT_STAR = re.compile(rb"except\s*\*")


@dataclass(frozen=True, slots=True)
class Halstead:
    h1: int  # distinct operators
    h2: int  # distinct operands
    n1: int  # total operators
    n2: int  # total operands

    @property
    def vocabulary(self) -> int:
        return self.h1 + self.h2

    @property
    def length(self) -> int:
        return self.n1 + self.n2

    @property
    def volume(self) -> float:
        return self.length * math.log2(self.vocabulary) if self.vocabulary else 0.0

    @property
    def difficulty(self) -> float:
        return (self.h1 / 2) * (self.n2 / self.h2) if self.h2 else 0.0

    @property
    def effort(self) -> float:
        return self.difficulty * self.volume

    @property
    def time(self) -> float:
        return self.effort / 18

    @property
    def bugs(self) -> float:
        return self.volume / 3000


@dataclass(frozen=True, slots=True)
class Lines:
    loc: int  # physical lines
    sloc: int  # lines holding code (not blank, not only a comment or docstring)
    lloc: int  # logical lines: statements
    comments: int  # lines holding a comment
    multi: int  # lines of docstrings / multi-line string statements
    blank: int


@dataclass(frozen=True, slots=True)
class Metrics:
    """The figures of one function, class or module."""

    kind: str  # "function" | "method" | "class" | "module"
    name: str
    qualname: str
    start: int  # byte span of the definition (the whole file for a module)
    end: int
    name_start: int
    name_end: int
    line: int  # 0-based line of `def` / `class`
    cyclomatic: int
    cognitive: int
    halstead: Halstead
    lines: Lines
    maintainability: float
    children: tuple[Metrics, ...] = field(default=())
    # radon's "real" complexity: the function's figure, or for a class 1 + its body's
    # decisions + its methods' figures (before averaging); feeds the module total.
    real_cyclomatic: int = 0

    @property
    def rank(self) -> str:
        """radon's letter for the cyclomatic figure."""
        return cc_rank(self.cyclomatic)


def cc_rank(cc: int) -> str:
    for limit, letter in ((5, "A"), (10, "B"), (20, "C"), (30, "D"), (40, "E")):
        if cc <= limit:
            return letter
    return "F"


# cyclomatic complexity (radon's rules) ------------------------------------------------------
def decisions(node: Node, source: bytes) -> int:
    """radon's decision points below `node`, not entering nested functions or classes."""
    total = 0
    stack = [node]
    while stack:
        n = stack.pop()
        kind = n.type
        if kind in SCOPES or kind == "decorated_definition":
            continue
        if kind == "assert_statement":
            total += 1  # radon's visit_Assert does not look inside the assertion
            continue
        if kind in (
            "if_statement",
            "elif_clause",
            "conditional_expression",
            "boolean_operator",
            "for_in_clause",
            "if_clause",
        ):
            if kind == "if_clause" and n.parent is not None and n.parent.type == "case_clause":
                pass  # a match guard: radon counts cases, not guards
            else:
                total += 1
        elif kind in ("for_statement", "while_statement"):
            total += 1 + (n.child_by_field_name("alternative") is not None)
        elif kind == "try_statement":
            total += _try_decisions(n, source)
        elif kind == "match_statement":
            total += _match_decisions(n)
        stack.extend(n.children)
    return total


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


def function_cc(func: Node, source: bytes) -> int:
    body = func.child_by_field_name("body")
    return 1 + (decisions(body, source) if body is not None else 0)


# Halstead (radon's operator set: BinOp, UnaryOp, BoolOp, AugAssign, Compare) -------------
def halstead(node: Node, source: bytes, context: str = "") -> Halstead:
    operators: set[str] = set()
    operands: set[tuple[str, object]] = set()
    n1 = n2 = 0

    def operand_key(n: Node) -> object:
        while n.type == "parenthesized_expression" and n.named_children:
            n = n.named_children[0]
        if n.type == "attribute":
            attr = n.child_by_field_name("attribute")
            return ("attr", source[attr.start_byte : attr.end_byte]) if attr else n.id
        if n.type in ("identifier", "integer", "float", "string", "true", "false", "none"):
            return (n.type, source[n.start_byte : n.end_byte])
        return n.id  # any other expression is an operand of its own (radon: the node)

    for n in _walk(node):
        kind = n.type
        if kind == "binary_operator" or kind == "augmented_assignment":
            op = n.child_by_field_name("operator")
            # `x += 1` and `x + 1` share radon's operator name (ast.Add)
            operators.add(
                source[op.start_byte : op.end_byte].decode().rstrip("=")
                if op and kind == "augmented_assignment"
                else source[op.start_byte : op.end_byte].decode()
                if op
                else kind
            )
            n1 += 1
            n2 += 2
            for side in ("left", "right"):
                child = n.child_by_field_name(side)
                if child is not None:
                    operands.add((context, operand_key(child)))
        elif kind in ("unary_operator", "not_operator"):
            # unary minus (ast.USub) is another operator than binary minus (ast.Sub)
            op_text = "not" if kind == "not_operator" else "unary" + source[n.start_byte : n.start_byte + 1].decode()
            operators.add(op_text)
            n1 += 1
            n2 += 1
            arg = n.child_by_field_name("argument")
            if arg is not None:
                operands.add((context, operand_key(arg)))
        elif kind == "boolean_operator":
            parent = n.parent
            op = n.child_by_field_name("operator")
            op_text = source[op.start_byte : op.end_byte].decode() if op else "and"
            if (
                parent is not None
                and parent.type == "boolean_operator"
                and _bool_op(parent, source) == op_text
                and parent.child_by_field_name("left") == n
            ):
                continue  # `a and b and c` is one BoolOp for radon
            values = _bool_values(n, op_text, source)
            operators.add(op_text)
            n1 += 1
            n2 += len(values)
            operands.update((context, operand_key(v)) for v in values)
        elif kind == "comparison_operator":
            values = n.named_children
            ops = [c for c in n.children if not c.is_named]
            n1 += len(values) - 1
            n2 += len(values)
            operators.update(source[o.start_byte : o.end_byte].decode() for o in ops)
            operands.update((context, operand_key(v)) for v in values)
    return Halstead(len(operators), len(operands), n1, n2)


def _bool_op(node: Node, source: bytes) -> str:
    op = node.child_by_field_name("operator")
    return source[op.start_byte : op.end_byte].decode() if op else ""


def _bool_values(node: Node, op: str, source: bytes) -> list[Node]:
    """The operands of a chain of one boolean operator (iterative: chains can be long)."""
    rights: list[Node] = []
    current: Node | None = node
    while current is not None:
        right = current.child_by_field_name("right")
        if right is not None:
            rights.append(right)
        left = current.child_by_field_name("left")
        if left is not None and left.type == "boolean_operator" and _bool_op(left, source) == op:
            current = left
            continue
        if left is not None:
            rights.append(left)
        current = None
    return rights[::-1]


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


# lines ----------------------------------------------------------------------------------
_STRING_PARTS = frozenset({"string", "string_start", "string_content", "string_end", "escape_sequence"})
_LLOC_KINDS = frozenset(
    {
        "function_definition",
        "class_definition",
        "elif_clause",
        "else_clause",
        "except_clause",
        "finally_clause",
        "case_clause",
    }
)


def line_counts(node: Node, source: bytes) -> Lines:
    first, last = node.start_point.row, node.end_point.row
    if node.type == "module":
        last = source.count(b"\n") - (source.endswith(b"\n") or not source)
    loc = max(0, last - first + 1)
    comment_rows: set[int] = set()
    doc_rows: set[int] = set()
    code_rows: set[int] = set()
    lloc = 0
    # one walk, top down; `in_doc`: the node is a string part reached from a string
    # statement through string parts only (what _inside_docstring asks bottom up, without
    # a parent chain per leaf)
    stack: list[tuple[Node, bool]] = [(node, _inside_docstring_chain(node))]
    while stack:
        n, in_doc = stack.pop()
        kind = n.type
        children = n.children
        docstring = False
        if kind == "comment":
            comment_rows.add(n.start_point.row)
        elif kind == "expression_statement":
            named = n.named_children
            lloc += 1
            if len(named) == 1 and named[0].type == "string":
                docstring = True
                doc_rows.update(range(n.start_point.row, n.end_point.row + 1))
        elif kind.endswith("_statement") or kind in _LLOC_KINDS:
            lloc += 1
        if not children:
            if (
                kind != "comment"
                and kind not in ("block", "module")
                and n.end_byte > n.start_byte
                and not (in_doc and kind != "expression_statement")
            ):
                code_rows.update(range(n.start_point.row, n.end_point.row + 1))
            continue
        for child in reversed(children):
            stack.append((child, child.type in _STRING_PARTS and (docstring or (in_doc and kind in _STRING_PARTS))))
    blank = _blank_rows(source, node, first, last)
    sloc = len(code_rows)
    return Lines(loc, sloc, lloc, len(comment_rows), len(doc_rows - code_rows), blank)


def _inside_docstring_chain(node: Node) -> bool:
    """Whether `node` (where a walk starts) is a string part of a string statement."""
    return node.type in _STRING_PARTS and _inside_docstring(node)


def _blank_rows(source: bytes, node: Node, first: int, last: int) -> int:
    """Blank rows among rows first..last, reading only those rows' bytes: a file-wide split
    per function made a 50,000-line file quadratic."""
    if last < first:
        return 0
    lo = source.rfind(b"\n", 0, node.start_byte) + 1  # the start of row `first`
    hi = len(source) if node.type == "module" else source.find(b"\n", node.end_byte)
    rows = source[lo : len(source) if hi < 0 else hi].split(b"\n")[: last - first + 1]
    return sum(1 for row in rows if not row.strip())


def _inside_docstring(leaf: Node) -> bool:
    n: Node | None = leaf
    while n is not None and n.type in ("string", "string_start", "string_content", "string_end", "escape_sequence"):
        n = n.parent
    return (
        n is not None
        and n.type == "expression_statement"
        and leaf.type != "expression_statement"
        and len(n.named_children) == 1
        and n.named_children[0].type == "string"
    )


def maintainability(volume: float, complexity: int, lloc: int, comment_lines: int, sloc: int) -> float:
    """radon's MI: 0..100 from Halstead volume, total CC, LLOC and the comment percentage."""
    if volume <= 0 or lloc <= 0:
        return 100.0
    comments = comment_lines / sloc * 100 if sloc else 0.0
    raw = (
        171
        - 5.2 * math.log(volume)
        - 0.23 * complexity
        - 16.2 * math.log(lloc)
        + 50 * math.sin(math.sqrt(2.46 * math.radians(comments)))
    )
    return min(max(0.0, raw * 100 / 171), 100.0)


# per definition -------------------------------------------------------------------------
def definitions(node: Node) -> Iterator[Node]:
    """Function and class definitions directly below `node` (through any statement)."""
    stack = list(reversed(node.children))
    while stack:
        n = stack.pop()
        if n.type in SCOPES:
            yield n
            continue
        stack.extend(reversed(n.children))


MAX_NESTING = 50  # definitions nested deeper than this are not measured on their own


def measure(node: Node, source: bytes, prefix: str = "", in_class: bool = False, depth: int = 0) -> Metrics:
    """Metrics of one function or class definition, with its nested definitions."""
    name_node = node.child_by_field_name("name")
    name = (
        source[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace") if name_node is not None else "?"
    )
    qualname = f"{prefix}.{name}" if prefix else name
    body = node.child_by_field_name("body")
    children = tuple(
        measure(d, source, qualname, in_class=node.type == CLASS, depth=depth + 1)
        for d in (definitions(body) if body is not None and depth < MAX_NESTING else ())
    )
    lines = line_counts(node, source)
    if node.type == FUNCTION:
        kind = "method" if in_class else "function"
        cc = real_cc = function_cc(node, source)
        # depth 0: no enclosing class, and asking a top-level node for its parent scans
        # every statement of the module
        cog = cognitive_complexity(node, source, is_method=False if depth == 0 else None)
        hal = halstead(body, source, name) if body is not None else Halstead(0, 0, 0, 0)
    else:
        kind = "class"
        methods = [c for c in children if c.kind == "method"]
        real = 1 + (decisions(body, source) if body is not None else 0) + sum(m.cyclomatic for m in methods)
        # radon's class figure: the methods' average, plus one when there are several
        cc = int(real / len(methods)) + (len(methods) > 1) if methods else real
        real_cc = real
        cog = sum(c.cognitive for c in methods)
        hal = halstead(body, source, name) if body is not None else Halstead(0, 0, 0, 0)
    mi = maintainability(hal.volume, cc, lines.lloc, lines.comments + lines.multi, lines.sloc)
    return Metrics(
        kind=kind,
        name=name,
        qualname=qualname,
        start=node.start_byte,
        end=node.end_byte,
        name_start=name_node.start_byte if name_node else node.start_byte,
        name_end=name_node.end_byte if name_node else node.start_byte,
        line=node.start_point.row,
        cyclomatic=cc,
        cognitive=cog,
        halstead=hal,
        lines=lines,
        maintainability=mi,
        children=children,
        real_cyclomatic=real_cc,
    )


def module_metrics(tree: Tree, source: bytes, name: str = "") -> Metrics:
    root = tree.root_node
    children = tuple(measure(d, source) for d in definitions(root))
    lines = line_counts(root, source)
    module_cc = 1 + decisions(root, source)
    # radon's total_complexity: module decisions + 1, plus each top-level block's decisions
    total_cc = module_cc + sum(c.real_cyclomatic - 1 for c in children)
    hal = halstead(root, source)
    mi = maintainability(hal.volume, total_cc, lines.lloc, lines.comments + lines.multi, lines.sloc)
    return Metrics(
        kind="module",
        name=name,
        qualname=name,
        start=0,
        end=len(source),
        name_start=0,
        name_end=0,
        line=0,
        cyclomatic=total_cc,
        cognitive=sum(c.cognitive for c in children),
        halstead=hal,
        lines=lines,
        maintainability=mi,
        children=children,
    )


def module_maintainability(tree: Tree, source: bytes) -> tuple[float, int, int]:
    """The module's (maintainability index, total complexity, logical lines), exactly as
    module_metrics computes them, without measuring every definition on its own: radon's
    total needs only each top-level block's cyclomatic figure (a class: its body's
    decisions and its methods' figures), not their line counts, Halstead or cognitive
    figures. What a headless check's CPX004 reads (module_metrics walked each nested
    definition several times)."""
    root = tree.root_node
    total_cc = 1 + decisions(root, source)
    for top in definitions(root):
        body = top.child_by_field_name("body")
        if top.type == FUNCTION:
            total_cc += function_cc(top, source) - 1
            continue
        real = 1 + (decisions(body, source) if body is not None else 0)
        if body is not None:
            real += sum(function_cc(d, source) for d in definitions(body) if d.type == FUNCTION)
        total_cc += real - 1
    lines = line_counts(root, source)
    hal = halstead(root, source)
    mi = maintainability(hal.volume, total_cc, lines.lloc, lines.comments + lines.multi, lines.sloc)
    return mi, total_cc, lines.lloc


def _radon_total(m: Metrics) -> int:
    """What one top-level block adds to radon's total_complexity (decisions, not the +1)."""
    return m.cyclomatic - 1


def flatten(m: Metrics) -> Iterator[Metrics]:
    """Every function/class below (and including) m, depth first."""
    yield m
    for child in m.children:
        yield from flatten(child)


def metrics_of_source(source: bytes) -> Metrics:
    """Parse and measure: for a worker process, which cannot receive a tree-sitter Tree."""
    from codie.core.document import parse

    return module_metrics(parse(source), source)
