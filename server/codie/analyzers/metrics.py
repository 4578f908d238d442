"""Code metrics per function, class and module: Halstead measures and the maintainability
index here, with the cyclomatic and cognitive complexity and line counts of every scope
from analyzers/function_figures.py (their one definition, computed in one walk of the
module). Cyclomatic complexity follows radon 6.0.1's counting rules; a class's figure is
radon's (its methods' average), the module's radon's total_complexity.
The CPX analyzer (analyzers/complexity.py) turns the figures into findings.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from codie.analyzers.function_figures import MAX_NESTING, Lines, ScopeFigures, scope_figures
from codie.core.pausing import Pause, every

FUNCTION = "function_definition"
CLASS = "class_definition"
SCOPES = (FUNCTION, CLASS)


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


# Halstead (radon's operator set: BinOp, UnaryOp, BoolOp, AugAssign, Compare) -------------
def halstead(node: Node, source: bytes, context: str = "", pause: Pause | None = None) -> Halstead:
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

    for n in every(_walk(node), pause, PAUSE_NODES):
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


PAUSE_NODES = 1024  # nodes of a Halstead walk between two pauses (~1 ms)


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


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


def measure(
    node: Node,
    source: bytes,
    figures: dict[int, ScopeFigures],
    prefix: str = "",
    in_class: bool = False,
    depth: int = 0,
    pause: Pause | None = None,
) -> Metrics:
    """Metrics of one function or class definition, with its nested definitions;
    `figures`: scope_figures of the module."""
    name_node = node.child_by_field_name("name")
    name = (
        source[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace") if name_node is not None else "?"
    )
    qualname = f"{prefix}.{name}" if prefix else name
    body = node.child_by_field_name("body")
    children = tuple(
        measure(d, source, figures, qualname, in_class=node.type == CLASS, depth=depth + 1, pause=pause)
        for d in (definitions(body) if body is not None and depth < MAX_NESTING else ())
    )
    own = figures[node.id]
    lines = own.lines
    hal = halstead(body, source, name, pause) if body is not None else Halstead(0, 0, 0, 0)
    if node.type == FUNCTION:
        kind = "method" if in_class else "function"
        cc = real_cc = own.cyclomatic
        cog = own.cognitive
    else:
        kind = "class"
        methods = [c for c in children if c.kind == "method"]
        real = own.cyclomatic + sum(m.cyclomatic for m in methods)
        # radon's class figure: the methods' average, plus one when there are several
        cc = int(real / len(methods)) + (len(methods) > 1) if methods else real
        real_cc = real
        cog = sum(c.cognitive for c in methods)
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


def module_metrics(tree: Tree, source: bytes, name: str = "", pause: Pause | None = None) -> Metrics:
    """The module's metrics and its definitions'; `pause` (the language server's thread pool:
    core/pausing.py) is called about every millisecond of the walks."""
    root = tree.root_node
    figures = scope_figures(root, source, pause)
    children = tuple(measure(d, source, figures, pause=pause) for d in definitions(root))
    module = figures[root.id]
    lines = module.lines
    # radon's total_complexity: module decisions + 1, plus each top-level block's decisions
    total_cc = module.cyclomatic + sum(c.real_cyclomatic - 1 for c in children)
    hal = halstead(root, source, pause=pause)
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
    module_metrics computes them, without the Halstead measures and index of every
    definition: radon's total needs only each top-level block's cyclomatic figure (a
    class: its own decisions and its methods' figures). What a headless check's CPX004
    reads."""
    root = tree.root_node
    figures = scope_figures(root, source)
    total_cc = figures[root.id].cyclomatic
    for top in definitions(root):
        real = figures[top.id].cyclomatic
        body = top.child_by_field_name("body")
        if top.type == CLASS and body is not None:
            real += sum(figures[d.id].cyclomatic for d in definitions(body) if d.type == FUNCTION)
        total_cc += real - 1
    lines = figures[root.id].lines
    hal = halstead(root, source)
    mi = maintainability(hal.volume, total_cc, lines.lloc, lines.comments + lines.multi, lines.sloc)
    return mi, total_cc, lines.lloc


def flatten(m: Metrics) -> Iterator[Metrics]:
    """Every function/class below (and including) m, depth first."""
    yield m
    for child in m.children:
        yield from flatten(child)


def metrics_of_source(source: bytes) -> Metrics:
    """Parse and measure: for a worker process, which cannot receive a tree-sitter Tree."""
    from codie.core.document import parse

    return module_metrics(parse(source), source)
