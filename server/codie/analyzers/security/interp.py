"""The interpreter: walks one function's statements in order, tracking taint per variable.

May-analysis: a variable is tainted after a branch if it is tainted on any path that
reaches the join; loops run their body once (loop-carried taint through concatenation is
still caught because `+=` joins), and what a `break`/`continue` leaves behind joins the
state after the loop. Conditions on constants are folded (folding.py): a branch that can
never run is not analysed. Calls to functions of the same file use their summaries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.containers import Containers
from codie.analyzers.security.exprs import Expressions, TooComplex
from codie.analyzers.security.folding import ANY_LITERAL, Unknown, Value, assigned, fold, literal, truth
from codie.analyzers.security.guards import refine
from codie.analyzers.security.model import SinkHit, Skipped, Summary, Taint, join, join_all
from codie.analyzers.security.names import dotted, text
from codie.analyzers.security.sinks import SinkChecker

if TYPE_CHECKING:
    from codie.analyzers.security.functions import FunctionInfo
    from codie.analyzers.security.module import ModuleInfo

CONSTANT_TYPES = frozenset({"integer", "float", "true", "false", "none", "ellipsis"})
MAX_BLOCK_DEPTH = 40  # nested blocks followed (CPython itself stops at 100 indents)
CHECKPOINT_EVERY = 16  # top-level statements between two saved states (Flow.run)
NodeSpan = tuple[int, int, str]  # a node by place: start byte, end byte, type


@dataclass(frozen=True)
class FlowState:
    """What Flow.save keeps between top-level statements: module-level code edited in its
    middle is run again from the last saved state before the edit (module.py)."""

    env: dict[str, Taint]
    types: dict[str, str]
    consts: set[str]
    returns: Taint | None
    used: dict[str, Summary | None]
    derived: dict[str, str]
    built: set[str]
    values: dict[str, Value]
    # the nodes of lists and calls by place (start, end, type), not as tree-sitter nodes: a
    # node keeps its whole tree and text alive, and saved states outlive many keystrokes'
    # trees (load() finds them again in the current tree, where this prefix is unchanged)
    lists: dict[str, tuple[int, list[tuple[NodeSpan, Taint | None]]]]
    keyed: dict[str, set[str]]
    calls: dict[str, NodeSpan]
    hits: int
    found: int
    skipped: int


@dataclass
class Flow(Expressions, Containers):
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
    skipped: list[Skipped] = field(default_factory=list)  # statements not analysed
    block_depth: int = 0
    # names bound to a literal on every path here (for folding conditions)
    values: dict[str, Value] = field(default_factory=dict)
    # list variables built item by item (`argv = ["sh"]; argv.append("-c")`): the block
    # that made them and their items, each with the taint it had when added (containers.py)
    lists: dict[str, tuple[int, list[tuple[Node, Taint | None]]]] = field(default_factory=dict)
    keyed: dict[str, set[str]] = field(default_factory=dict)  # dict entries (containers.py)
    current_block: int = -1
    # names bound to a call here (`parser = etree.XMLParser(...)`): how the object was made
    calls: dict[str, Node] = field(default_factory=dict)
    # per enclosing loop: the states a `break` (or `continue`) left it with
    loop_exits: list[list[tuple[dict[str, Taint], dict[str, Value]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.src = self.mod.src
        self.base = self.func.start
        self.qualify: Callable[[str], str] = self.mod.imports.qualify
        self.sinks = SinkChecker(self)
        self.exprs = self.expression_table()

    # ------------------------------------------------------------------------- statements
    def run(
        self, body: Node, start: int = 0, checkpoint: Callable[[int], bool] | None = None, every: int = CHECKPOINT_EVERY
    ) -> None:
        """The body's statements in order, each top-level one with a fresh budget; from
        statement `start` on (the state before it restored with `load`), calling
        `checkpoint(i)` before every `every`-th statement counted from the end (so
        that the same statements after an edit get them in two runs); it returns True to
        stop the run there (module.py: the rest is the last run's)."""
        self.current_block = body.start_byte
        children = body.named_children
        n = len(children)
        for i in range(start, n):
            stmt = children[i]
            if checkpoint is not None and i and (n - i) % every == 0 and checkpoint(i):
                return
            self.work = 0
            try:
                if self.guarded(stmt):
                    return
            except TooComplex as exc:  # over budget somewhere inside this statement
                self.skip(stmt, exc.reason)

    def save(self, origin: int = 0) -> FlowState:
        """The state between two top-level statements (copied: the run goes on); the places
        of its nodes relative to `origin` (a function's: its start, so that its saved states
        hold when an edit above it moves it)."""

        def span(node: Node) -> NodeSpan:
            return (node.start_byte - origin, node.end_byte - origin, node.type)

        return FlowState(
            dict(self.env),
            dict(self.types),
            set(self.consts),
            self.returns,
            dict(self.used),
            dict(self.derived),
            set(self.built),
            dict(self.values),
            {k: (block - origin, [(span(n), t) for n, t in items]) for k, (block, items) in self.lists.items()},
            {k: set(v) for k, v in self.keyed.items()},
            {k: span(n) for k, n in self.calls.items()},
            len(self.hits),
            len(self.found),
            len(self.skipped),
        )

    def load(
        self,
        state: FlowState,
        hits: tuple[SinkHit, ...],
        found: tuple[SinkHit, ...],
        skipped: tuple[Skipped, ...],
        origin: int = 0,
    ) -> None:
        """Continue from a saved state; hits, found and skipped: those of the run that
        saved it (the state keeps how many of each it had)."""
        self.env = dict(state.env)
        self.types = dict(state.types)
        self.consts = set(state.consts)
        self.returns = state.returns
        self.used = dict(state.used)
        self.derived = dict(state.derived)
        self.built = set(state.built)
        self.values = dict(state.values)

        def node_at(start: int, end: int, kind: str) -> Node:
            return self.mod.node_at(start + origin, end + origin, kind)

        self.lists = {
            k: (block + origin, [(node_at(*n), t) for n, t in items]) for k, (block, items) in state.lists.items()
        }
        self.keyed = {k: set(v) for k, v in state.keyed.items()}
        self.calls = {k: node_at(*n) for k, n in state.calls.items()}
        self.hits = list(hits[: state.hits])
        self.found = list(found[: state.found])
        self.skipped = list(skipped[: state.skipped])

    def block(self, block: Node) -> bool:
        """Run the statements of a block; True when it always exits early."""
        self.block_depth += 1
        outer, self.current_block = self.current_block, block.start_byte
        try:
            if self.block_depth > MAX_BLOCK_DEPTH:
                raise TooComplex(f"blocks nested more than {MAX_BLOCK_DEPTH} levels deep")
            return any(self.guarded(stmt) for stmt in block.named_children)
        finally:
            self.block_depth -= 1
            self.current_block = outer

    def guarded(self, stmt: Node) -> bool:
        """One statement; one that is too deep to analyse is skipped and reported, and the
        analysis goes on with the next (per statement, never per function or file)."""
        depth = self.depth
        try:
            return self.statement(stmt)
        except TooComplex as exc:
            if exc.budget:
                raise  # the budget is the top-level statement's: run() reports it
            self.skip(stmt, exc.reason)
        except RecursionError:  # deep, and called from deep summaries: still per statement
            self.skip(stmt, "nested too deeply for the interpreter's stack")
        self.depth = depth
        return False

    def skip(self, node: Node, reason: str) -> None:
        self.skipped.append(Skipped(self.func.key, node.start_byte - self.base, node.end_byte - self.base, reason))

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
            if self.loop_exits:
                # the value assigned before `break` is what the code after the loop sees
                self.loop_exits[-1].append((dict(self.env), dict(self.values)))
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
        return name is not None and (name in specs.NO_RETURN or self.qualify(name) in specs.NO_RETURN)

    def apply(self, clears: list[tuple[str, frozenset[str], bool]]) -> None:
        for var, families, needs_normalized in clears:
            t = self.env.get(var)
            if t is None or (needs_normalized and not t.normalized):
                continue
            self.env[var] = t.clear(families)
            for entry in self.keyed.get(var, ()):  # `if m["a"] not in ALLOWED:` checks m's entry
                if entry in self.env:
                    self.env[entry] = self.env[entry].clear(families)
            root = self.derived.get(var)
            if root and root != var and root in self.env:
                # `host = urlparse(url).hostname` checked: the URL's host is checked
                self.env[root] = self.env[root].clear(families & frozenset({"ssrf", "redirect"}))

    def branch(
        self,
        body: Node | None,
        clears: list[tuple[str, frozenset[str], bool]],
        start: dict[str, Taint],
        values: dict[str, Value],
    ) -> tuple[dict[str, Taint], dict[str, Value], bool]:
        self.env = dict(start)
        self.values = dict(values)
        self.apply(clears)
        exits = self.block(body) if body is not None else False
        return self.env, self.values, exits

    def if_statement(self, node: Node) -> bool:
        cond = node.child_by_field_name("condition")
        start, start_values = self.env, self.values
        if cond is not None:
            self.ev(cond)
        arms: list[tuple[Node | None, list[tuple[str, frozenset[str], bool]]]] = []
        negated: list[tuple[str, frozenset[str], bool]] = []
        # folding: once a condition is known to hold, no later arm runs
        taken = False
        if cond is not None:
            known = truth(self.src, cond, self.values)
            if known is not False:
                arms.append((node.child_by_field_name("consequence"), refine(self.src, cond, True, self.qualify)))
            taken = known is True
            negated = refine(self.src, cond, False, self.qualify)
        has_else = False
        for alt in node.children_by_field_name("alternative"):
            if taken:
                has_else = True
                break
            if alt.type == "elif_clause":
                c = alt.child_by_field_name("condition")
                if c is not None:
                    self.ev(c)
                    known = truth(self.src, c, self.values)
                    if known is not False:
                        arms.append(
                            (alt.child_by_field_name("consequence"), negated + refine(self.src, c, True, self.qualify))
                        )
                    taken = known is True
                    negated = negated + refine(self.src, c, False, self.qualify)
            else:
                has_else = True
                arms.append((alt.child_by_field_name("body"), negated))
        if not has_else and not taken:
            arms.append((None, negated))
        outcomes = [self.branch(body, clears, start, start_values) for body, clears in arms]
        live = [(env, values) for env, values, exits in outcomes if not exits]
        chosen = live or [(env, values) for env, values, _ in outcomes]
        self.env = _join_envs([env for env, _ in chosen])
        self.values = _join_values([values for _, values in chosen])
        return not live

    def loop(self, node: Node) -> None:
        body = node.child_by_field_name("body")
        # a later iteration sees what the body assigned: those names are not known values
        self._vary(assigned(self.src, node))
        start = dict(self.env)
        start_values = dict(self.values)
        runs = True
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
                runs = truth(self.src, cond, self.values) is not False  # `while False:`
        exits: list[tuple[dict[str, Taint], dict[str, Value]]] = []
        if body is not None and runs:
            self.loop_exits.append(exits)
            try:
                if self.block(body):
                    self.env = start  # every pass leaves by break/continue/return
            finally:
                self.loop_exits.pop()
        self.env = _join_envs([start, self.env])
        self.values = _join_values([start_values, self.values])
        alt = node.child_by_field_name("alternative")
        if alt is not None:
            self.block(alt)
        if exits:
            # `else` runs only when no `break` did; the code after the loop sees both
            self.env = _join_envs([self.env, *(env for env, _ in exits)])
            self.values = _join_values([self.values, *(values for _, values in exits)])

    def _vary(self, names: set[str]) -> None:
        """These names may hold another value here: still literals, if they were."""
        for name in names:
            if name in self.values:
                self.values[name] = ANY_LITERAL

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
        # any statement of the try may have run before an exception: names it binds are
        # not constants afterwards (nor in its handlers)
        self._vary(assigned(self.src, node))
        start = dict(self.env)
        start_values = dict(self.values)
        exits = False
        envs = []
        all_values = [start_values]
        for child in node.named_children:
            if child.type == "block":
                exits = self.block(child)
                envs.append(self.env)
                all_values.append(self.values)
            elif child.type == "except_clause":
                self.env = _join_envs([start, *envs])
                self.values = _join_values(all_values)
                for part in child.named_children:
                    if part.type == "block":
                        exits = self.block(part) and exits
                envs.append(self.env)
                all_values.append(self.values)
            elif child.type in ("else_clause", "finally_clause"):
                body = child.child_by_field_name("body") or (child.named_children[-1] if child.named_children else None)
                if body is not None:
                    self.values = _join_values(all_values)
                    self.block(body)
                    all_values.append(self.values)
        self.env = _join_envs(envs) if envs else self.env
        self.values = _join_values(all_values)
        return False

    def match_statement(self, node: Node) -> None:
        subject = node.child_by_field_name("subject")
        subject_value: Value | Unknown = Unknown()
        if subject is not None:
            self.ev(subject)
            with contextlib.suppress(Unknown):
                subject_value = fold(self.src, subject, self.values)
        start, start_values = dict(self.env), dict(self.values)
        outcomes: list[tuple[dict[str, Taint], dict[str, Value]]] = []
        exhaustive = False
        body = node.child_by_field_name("body")
        for case in body.named_children if body is not None else []:
            if case.type != "case_clause":
                continue
            matches = _case_matches(self.src, case, subject_value)
            if matches is False:
                continue  # a literal the constant subject is not: never runs
            self.env, self.values = dict(start), dict(start_values)
            block = case.child_by_field_name("consequence")
            if block is not None:
                self.block(block)
            outcomes.append((self.env, self.values))
            if matches is True:
                exhaustive = True
                break  # the first case that surely matches: no later one runs
        if not exhaustive:
            outcomes.append((start, start_values))
        self.env = _join_envs([env for env, _ in outcomes])
        self.values = _join_values([values for _, values in outcomes])

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
        if left.type == "identifier":
            try:
                value = fold(self.src, right, self.values)
            except Unknown:
                return
            if not isinstance(value, tuple):  # a list literal is mutated in place later
                self.values[text(self.src, left)] = value

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
            self.values.pop(name, None)
            self.lists.pop(name, None)
            self.calls.pop(name, None)
            if not augmented:
                self.forget_keys(name)
            if value.type == "call" and not augmented and kind == "identifier":
                self.calls[name] = value
            if value.type == "list" and not augmented and kind == "identifier":
                self.track_list(name, value)
            elif value.type == "dictionary" and not augmented and kind == "identifier":
                # per key from now on; the name itself holds only the rest (`**other`)
                rest = self.init_dict(name, value)
                t = rest.clear(frozenset({"xss"})) if rest is not None else None
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
                if (
                    value.type == "string" and not augmented and not value.named_children[1:-1]
                ) or value.type in CONSTANT_TYPES:
                    self.consts.add(name)
                return
            self.env[name] = t.step(self.step(target, f"assigned to `{name}`"))
        elif kind in (
            "pattern_list",
            "tuple_pattern",
            "list_pattern",
            "tuple",
            "list",
            "list_splat_pattern",
            "parenthesized_expression",
        ):
            for child in target.named_children:
                self.bind(child, t, value, augmented)
        elif kind == "subscript":
            container = target.child_by_field_name("value")
            if container is None:
                return
            self.sinks.session_store(container, target, t)
            name = dotted(self.src, container)
            if name is not None and self.subscript_store(name, target, t, value):
                return
            if name is not None and t is not None:
                self.env[name] = join(self.env.get(name), t.step(self.step(target, f"stored in `{name}`"))) or t

    # ------------------------------------------------------------------------ expressions


def _formats(src: bytes, value: Node) -> bool:
    """True for an expression that formats text: f-string, `+`/`%`, `.format`, `.join`."""
    if value.type == "binary_operator":
        return True
    if value.type == "string":
        return any(c.type == "interpolation" for c in value.named_children)
    fn = value.child_by_field_name("function") if value.type == "call" else None
    if fn is None:
        return False
    name = text(src, fn)
    return name.endswith((".format", ".join")) and not name.endswith("path.join")


def _case_matches(src: bytes, case: Node, subject: Value | Unknown) -> bool | None:
    """Does a `case` surely match (True), surely not (False), or maybe (None)? Folded
    only for `case _:`, literals and `|` of literals, without a guard."""
    if case.child_by_field_name("guard") is not None:
        return None
    patterns = [c for c in case.named_children if c.type == "case_pattern"]
    if len(patterns) != 1:
        return None
    pattern = patterns[0]
    if not pattern.named_children:
        return True  # `case _:`
    if isinstance(subject, Unknown):
        return None
    options = pattern.named_children
    if len(options) == 1 and options[0].type == "union_pattern":
        options = options[0].named_children
    try:
        values = [literal(src, o) for o in options]
    except Unknown:
        return None
    # `case True:`/`case None:` compare by identity, other literals by equality
    return any(v is subject if v is None or isinstance(v, bool) else v == subject for v in values)


def _join_values(all_values: list[dict[str, Value]]) -> dict[str, Value]:
    """Constants that hold on every path: the same literal in each."""
    if len(all_values) == 1:
        return all_values[0]
    first, *rest = all_values
    out: dict[str, Value] = {}
    for k, v in first.items():
        if all(k in other for other in rest):
            # the same literal everywhere keeps its value; different ones are still literals
            same = all(type(other[k]) is type(v) and other[k] == v for other in rest)
            out[k] = v if same else ANY_LITERAL
    return out


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
