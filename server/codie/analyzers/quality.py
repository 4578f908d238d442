"""General code-quality rules of the core: Q001-Q004 (SEC001 moved to analyzers/security).

Q001, Q003 and Q004 look at one statement at a time (incremental). Q002 also weighs what
the file says about itself (a generated file, one that opts out of linting), so it runs
over the whole file (MutableDefaultAnalyzer), its findings cached by the text of their method.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from functools import lru_cache
from typing import ClassVar

from tree_sitter import Node, Query, QueryCursor, Tree

from codie.analyzers.security.chunks import ChunkCache
from codie.core.analyzer import Analyzer, Context
from codie.core.document import PYTHON
from codie.core.findings import Finding, Fix, TextEdit

# Both analyzers of this module query each statement: one query serves them both (what a
# query costs is its walk over the statement's nodes, whatever its patterns: two queries
# cost two walks). Patterns 0-2 are QualityAnalyzer's, 3-4 MutableDefaultAnalyzer's.
QUERY = Query(
    PYTHON,
    """
    (except_clause) @except
    (assert_statement) @assert
    [(return_statement) (raise_statement) (continue_statement) (break_statement)] @jump
    (default_parameter name: (_) @name value: (_) @default) @param
    (typed_default_parameter name: (_) @name value: (_) @default) @param
    """,
)
EXCEPT, ASSERT, JUMP, FIRST_DEFAULT = 0, 1, 2, 3
Matches = list[tuple[int, dict[str, list[Node]]]]


def query(top: Node) -> Matches:
    cursor = QueryCursor(QUERY)
    cursor.set_byte_range(top.start_byte, top.end_byte)
    return cursor.matches(top)


class StatementMatches:
    """The matches of QUERY in the chunks QualityAnalyzer queried for the statement it
    analysed last, for MutableDefaultAnalyzer (the engine runs it on the same statement
    right after): by the chunk's node in the very tree (kept while the statement is
    analysed: `is` cannot be fooled by a recycled id). Emptied when either analyzer is
    done with a statement, so no tree outlives its analysis here."""

    def __init__(self) -> None:
        self._tree: Tree | None = None
        self._found: dict[int, Matches] = {}

    def clear(self) -> None:
        self._tree = None
        self._found = {}

    def query(self, tree: Tree | None, top: Node) -> Matches:
        """QUERY's matches in `top`, kept for take()."""
        found = query(top)
        if tree is not None:
            if tree is not self._tree:
                self.clear()
                self._tree = tree
            self._found[top.id] = found
        return found

    def take(self, tree: Tree | None, top: Node) -> Matches:
        """QUERY's matches in `top`: those query() kept, or queried now."""
        if tree is not None and tree is self._tree:
            found = self._found.pop(top.id, None)
            if found is not None:
                return found
        return query(top)


MUTABLE_LITERALS = {"list", "dictionary", "set", "list_comprehension", "dictionary_comprehension", "set_comprehension"}
MUTABLE_CALLS = {
    "list",
    "dict",
    "set",
    "bytearray",
    "collections.defaultdict",
    "defaultdict",
    "collections.OrderedDict",
    "OrderedDict",
    "collections.deque",
    "deque",
}
TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|(^|/)tests?/")


@lru_cache(maxsize=256)
def is_test_file(uri: str) -> bool:
    """TEST_FILE on a document's uri, remembered: the analyzer asks once per statement, and
    a search (the pattern has no literal prefix to skip to) took ~12 us, ~5 ms of opening a
    file of 400 statements."""
    return bool(TEST_FILE.search(uri))


class QualityAnalyzer:
    name: ClassVar[str] = "quality"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def __init__(self, matches: StatementMatches | None = None) -> None:
        # findings by the text of their method or statement (and whether the file is a
        # test): each depends on that text alone, as the security analyzers' do; an edit
        # in a 3,000-line class, or a file opened again, queries only what changed
        self._cache = ChunkCache()
        self._matches = StatementMatches() if matches is None else matches

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        in_tests = is_test_file(ctx.doc.uri)
        self._matches.clear()  # the last statement's, if MutableDefaultAnalyzer did not run
        yield from self._cache.run(ctx.doc.source, nodes, in_tests, lambda chunks: self._scan(ctx, chunks, in_tests))

    def _scan(self, ctx: Context, nodes: Sequence[Node], in_tests: bool) -> Iterator[Finding]:
        tree = ctx.doc.tree
        for top in nodes:
            for pattern, caps in self._matches.query(tree, top):
                if pattern == EXCEPT:
                    yield from self._bare_except(ctx, caps["except"][0])
                elif pattern == ASSERT:
                    if not in_tests:
                        yield from self._assert_input(ctx, caps["assert"][0])
                elif pattern == JUMP:
                    yield from self._unreachable(ctx, caps["jump"][0])

    # Q001 -------------------------------------------------------------------------------
    def _bare_except(self, ctx: Context, clause: Node) -> Iterator[Finding]:
        named = [c for c in clause.named_children if c.type != "comment"]
        if named and named[0].type != "block":
            return
        if named and _passes_exception_on(ctx, named[0]):
            return  # `except: cleanup(); raise`: nothing is swallowed, the idiom is fine
        keyword = clause.children[0]
        fix = Fix(
            "Catch `Exception` instead",
            (TextEdit(keyword.end_byte, keyword.end_byte, " Exception"),),
            safe=False,
        )
        yield ctx.report(
            "Q001",
            keyword,
            message="Bare `except:` also catches KeyboardInterrupt and SystemExit",
            fix=fix,
            evidence=0.5,
        )

    # Q003 -------------------------------------------------------------------------------
    def _assert_input(self, ctx: Context, stmt: Node) -> Iterator[Finding]:
        func = stmt.parent
        while func is not None and func.type != "function_definition":
            func = func.parent
        if func is None:
            return
        params = func.child_by_field_name("parameters")
        names = set()
        for p in params.named_children if params is not None else []:
            ident = p if p.type == "identifier" else p.child_by_field_name("name")
            if ident is None and p.named_children:
                ident = p.named_children[0]
            if ident is not None and ident.type == "identifier":
                names.add(ctx.doc.node_text(ident))
        names -= {"self", "cls"}
        cond = stmt.named_children[0] if stmt.named_children else None
        if cond is None or not names:
            return
        if _narrows_type(ctx, cond):
            return  # `assert isinstance(x, T)` / `assert x is not None` informs type checkers
        used = {ctx.doc.node_text(n) for n in _identifiers(cond)}
        checked = sorted(used & names)
        if not checked:
            return
        message_node = stmt.named_children[1] if len(stmt.named_children) > 1 else None
        cond_text = ctx.doc.node_text(cond)
        msg = ctx.doc.node_text(message_node) if message_node is not None else repr(f"invalid {checked[0]}")
        src = ctx.doc.source
        line_start = src.rfind(b"\n", 0, stmt.start_byte) + 1
        indent = src[line_start : stmt.start_byte].decode("utf-8", "replace")
        fix = None
        if not indent.strip():
            fix = Fix(
                "Raise ValueError instead of asserting",
                (
                    TextEdit(
                        stmt.start_byte, stmt.end_byte, f"if not ({cond_text}):\n{indent}    raise ValueError({msg})"
                    ),
                ),
                safe=False,
            )
        name = func.child_by_field_name("name")
        private = name is not None and ctx.doc.node_text(name).startswith("_")
        yield ctx.report(
            "Q003",
            stmt,
            message=f"`assert` checks the argument `{checked[0]}`; it vanishes under `python -O`",
            fix=fix,
            evidence=0.3 if private else 0.5,
            notes=[f"the condition reads parameter(s): {', '.join(checked)}"],
        )

    # Q004 -------------------------------------------------------------------------------
    def _unreachable(self, ctx: Context, jump: Node) -> Iterator[Finding]:
        block = jump.parent
        # module-level jumps are syntax errors already; inside a block the finding stays
        # within its top-level statement (the engine's incremental contract)
        if block is None or block.type != "block":
            return
        following = []
        sibling = jump.next_named_sibling
        while sibling is not None:
            if sibling.type != "comment":
                following.append(sibling)
            sibling = sibling.next_named_sibling
        if not following:
            return
        if kind_of(jump) in ("raise", "return") and all(_is_yield(f) for f in following):
            return  # `raise X` / `return` then `yield`: the yield makes the function a generator
        start, end = following[0].start_byte, following[-1].end_byte
        src = ctx.doc.source
        line_start = src.rfind(b"\n", 0, start) + 1
        fix = None
        if not src[line_start:start].strip():
            fix = Fix("Delete the unreachable code", (TextEdit(line_start, end, ""),), safe=False)
        kind = kind_of(jump)
        yield ctx.report("Q004", start, end, message=f"Unreachable code after `{kind}`", fix=fix, evidence=0.6)


class MutableDefaultAnalyzer:
    """Q002, one top-level statement at a time: a mutable default and how its function uses
    it are inside the statement. A generated file's header (or a file-level lint opt-out)
    weighs on every mutable default in it: that verdict is the file context (when it
    changes, the engine analyses every statement again; a keystroke elsewhere costs the
    statement it is in, not a walk over the file)."""

    name: ClassVar[str] = "quality-defaults"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def __init__(self, matches: StatementMatches | None = None) -> None:
        # findings by the text of their method or statement and the file's verdict: a
        # keystroke elsewhere in a long file costs no second walk over this one
        self._cache = ChunkCache()
        self._matches = StatementMatches() if matches is None else matches
        # the verdict for the last tree seen (the engine asks once per statement; the tree
        # is kept, so `is` cannot be fooled by a recycled id)
        self._last: tuple[Tree, str] | None = None

    def _verdict(self, ctx: Context) -> str | None:
        tree = ctx.doc.tree
        if tree is None:
            return None
        last = self._last
        if last is not None and last[0] is tree:
            return last[1]
        verdict = _generated(ctx, tree.root_node)
        self._last = (tree, verdict)
        return verdict

    def file_context(self, ctx: Context) -> Hashable:
        return self._verdict(ctx) or ""

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        generated = self._verdict(ctx)
        if generated is None:
            self._matches.clear()
            return
        yield from self._cache.run(ctx.doc.source, nodes, generated, lambda chunks: self._scan(ctx, chunks, generated))
        self._matches.clear()

    def _scan(self, ctx: Context, nodes: Sequence[Node], generated: str) -> Iterator[Finding]:
        tree = ctx.doc.tree
        for top in nodes:
            for pattern, caps in self._matches.take(tree, top):
                if pattern >= FIRST_DEFAULT:
                    yield from self._mutable_default(ctx, caps["name"][0], caps["default"][0], generated)

    # Q002 -------------------------------------------------------------------------------
    def _mutable_default(self, ctx: Context, name: Node, value: Node, generated: str) -> Iterator[Finding]:
        kind = value.type
        if kind == "call":
            fn = value.child_by_field_name("function")
            if fn is None or ctx.doc.node_text(fn) not in MUTABLE_CALLS:
                return
        elif kind not in MUTABLE_LITERALS:
            return
        param = ctx.doc.node_text(name)
        declared = value.parent.child_by_field_name("type") if value.parent is not None else None
        use = _default_use(ctx, value, param)
        if declared is not None and _declared_read_only(ctx.doc.node_text(declared)):
            evidence, note = 0.1, "the annotation declares it read-only"
        elif use == "mutated":
            evidence, note = 0.8, "the function mutates it"
        elif use == "escapes":
            evidence, note = 0.5, "the function hands it on (stored, returned or passed on)"
        else:
            evidence, note = 0.35, "the function only reads it (or never uses it)"
        notes = [note]
        if generated:
            # the fix belongs in the generator (or the authors asked linters to keep out):
            # an edit here is overwritten or unwanted, whatever the function does
            evidence = min(evidence, 0.1)
            notes.append(generated)
        yield ctx.report(
            "Q002",
            value,
            message=f"Mutable default `{ctx.doc.node_text(value)[:40]}` for `{param}` is shared between calls",
            fix=self._none_default_fix(ctx, name, value),
            evidence=evidence,
            notes=notes,
        )

    def _none_default_fix(self, ctx: Context, name: Node, value: Node) -> Fix | None:
        func = _function_of(value)
        if func is None or func.type != "function_definition":
            return None
        body = func.child_by_field_name("body")
        if body is None or not body.named_children:
            return None
        first = body.named_children[0]
        # insert after a docstring, before the first real statement
        if first.type == "expression_statement" and first.named_children and first.named_children[0].type == "string":
            if len(body.named_children) < 2:
                return None
            first = body.named_children[1]
        if first.start_point.row == func.start_point.row:
            return None  # one-line def: not worth a risky rewrite
        src = ctx.doc.source
        line_start = src.rfind(b"\n", 0, first.start_byte) + 1
        indent = src[line_start : first.start_byte].decode("utf-8", "replace")
        if indent.strip():
            return None
        param, default = ctx.doc.node_text(name), ctx.doc.node_text(value)
        guard = f"if {param} is None:\n{indent}    {param} = {default}\n{indent}"
        return Fix(
            f"Default `{param}` to None and create it inside the function",
            (TextEdit(value.start_byte, value.end_byte, "None"), TextEdit(first.start_byte, first.start_byte, guard)),
            safe=False,
        )


def _function_of(value: Node) -> Node | None:
    func = value.parent
    while func is not None and func.type not in ("function_definition", "lambda"):
        func = func.parent
    return func


def _default_use(ctx: Context, value: Node, param: str) -> str:
    """How the function uses a parameter: "mutated", "escapes" (stored, returned, passed
    to a call) or "read"."""
    func = _function_of(value)
    body = func.child_by_field_name("body") if func is not None else None
    if body is None:
        return "escapes"
    use = "read"
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "identifier" and ctx.doc.node_text(n) == param and n.parent is not None:
            parent = n.parent
            if parent.type == "attribute" and parent.child_by_field_name("object") == n:
                attr = parent.child_by_field_name("attribute")
                call = parent.parent
                if (
                    attr is not None
                    and ctx.doc.node_text(attr) in MUTATING_METHODS
                    and call is not None
                    and call.type == "call"
                ):
                    return "mutated"
            elif _written(parent, n):
                return "mutated"
            elif parent.type in (
                "argument_list",
                "return_statement",
                "assignment",
                "pair",
                "list",
                "tuple",
                "expression_list",  # `return x, default`: a tuple that holds it
                "keyword_argument",
                "yield",
            ):
                use = "escapes"
        stack.extend(n.named_children)
    return use


def _written(parent: Node, name: Node) -> bool:
    """`name[k] = v`, `del name[k]`, `name += x`."""
    if parent.type == "augmented_assignment":
        return parent.child_by_field_name("left") == name
    grand = parent.parent
    return (
        parent.type == "subscript"
        and grand is not None
        and grand.type in ("assignment", "augmented_assignment", "delete_statement")
        and grand.child_by_field_name("left") in (parent, None)
    )


def kind_of(jump: Node) -> str:
    return jump.children[0].type if jump.children else jump.type


def _is_yield(stmt: Node) -> bool:
    """`yield`, `yield x` or `yield from x` as a statement."""
    return stmt.type == "expression_statement" and bool(stmt.named_children) and stmt.named_children[0].type == "yield"


def _passes_exception_on(ctx: Context, block: Node) -> bool:
    """The handler re-raises (a bare `raise`) or hands the exception on (`sys.exc_info()`)."""
    stack = list(block.named_children)
    while stack:
        n = stack.pop()
        if n.type in ("function_definition", "lambda", "class_definition"):
            continue
        if n.type == "raise_statement" and not n.named_children:
            return True
        if n.type == "call":
            callee = ctx.doc.node_text(n).replace(" ", "").split("(", 1)[0]
            if callee in ("sys.exc_info", "sys.exception") or callee.rsplit(".", 1)[-1] in RERAISING_CONTEXTS:
                return True
        stack.extend(n.named_children)
    return False


# Context managers that re-raise the exception being handled when they exit:
# SQLAlchemy's `util.safe_reraise()`, oslo's `excutils.save_and_reraise_exception()`.
RERAISING_CONTEXTS = frozenset({"safe_reraise", "save_and_reraise_exception"})
# Annotations that declare a parameter read-only: the default is never mutated.
READ_ONLY_TYPES = re.compile(
    r"^(?:typing\.|collections\.abc\.|abc\.)?(?:Mapping|Sequence|Iterable|"
    r"Collection|AbstractSet|Container|Reversible)\b"
)
MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "add",
        "update",
        "setdefault",
        "pop",
        "popitem",
        "remove",
        "discard",
        "clear",
        "sort",
        "reverse",
        "appendleft",
        "extendleft",
        "__setitem__",
    }
)
TYPE_PREDICATES = {"isinstance", "issubclass", "callable", "hasattr"}


def _narrows_type(ctx: Context, cond: Node) -> bool:
    """A condition a type checker uses to narrow: isinstance/issubclass/callable/hasattr,
    `x is None`, `x is not None`, `type(x) is T`, and `and`/`not` of those."""
    kind = cond.type
    if kind == "parenthesized_expression" and cond.named_children:
        return _narrows_type(ctx, cond.named_children[0])
    if kind == "not_operator":
        arg = cond.child_by_field_name("argument")
        return arg is not None and _narrows_type(ctx, arg)
    if kind == "boolean_operator":
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        return left is not None and right is not None and _narrows_type(ctx, left) and _narrows_type(ctx, right)
    if kind == "call":
        fn = cond.child_by_field_name("function")
        return fn is not None and ctx.doc.node_text(fn) in TYPE_PREDICATES
    if kind == "comparison_operator":
        ops = [c.type for c in cond.children if not c.is_named]
        operands = cond.named_children
        if ops and all(op in ("is", "is not") for op in ops):
            return any(o.type == "none" for o in operands) or any(
                o.type == "call" and ctx.doc.node_text(o).startswith("type(") for o in operands
            )
    return False


def _identifiers(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            parent = n.parent
            # `x.attr`: only the object counts, `f(key=...)`: the keyword does not
            if parent is not None and parent.type == "attribute" and parent.child_by_field_name("attribute") == n:
                continue
            if parent is not None and parent.type == "keyword_argument" and parent.child_by_field_name("name") == n:
                continue
            yield n
        stack.extend(n.named_children)


def _declared_read_only(annotation: str) -> bool:
    """`Mapping[...]`, and `Optional[Mapping]`, `Sequence | None`, `Union[Mapping, None]`:
    every alternative is a read-only type or None."""
    text = annotation.strip().strip("'\"")
    for wrapper in ("Optional[", "typing.Optional[", "Union[", "typing.Union["):
        if text.startswith(wrapper) and text.endswith("]"):
            return all(_declared_read_only(arm) for arm in _split_top(text[len(wrapper) : -1], ","))
    arms = _split_top(text, "|")
    if len(arms) > 1:
        return all(_declared_read_only(arm) for arm in arms)
    return text == "None" or bool(READ_ONLY_TYPES.match(text))


def _split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


# A file-level opt-out of linting, as Ruff, flake8 and Pylint read it.
LINT_OPT_OUT = re.compile(r"^#\s*(?:(?:ruff|flake8)\s*:\s*noqa|pylint\s*:\s*skip-file)\s*$", re.IGNORECASE)
# A generated file's header: it says it was generated and that it must not be edited
# (`# Generated by the protocol buffer compiler.  DO NOT EDIT!`, Go's `Code generated ...
# DO NOT EDIT.`). "Generated by Django" alone (a migration, edited by hand) is not enough.
GENERATED = re.compile(r"\b(?:auto-?)?generated\b", re.IGNORECASE)
DO_NOT_EDIT = re.compile(r"\bdo not (?:edit|modify)\b", re.IGNORECASE)


def _generated(ctx: Context, root: Node) -> str:
    """Why the file is not one to fix by hand ("" if it is): the comments before its first
    statement (a module docstring aside) say it is generated, or opt out of linting."""
    header = []
    # sibling by sibling: the header is a few nodes, `root.children` would list every
    # statement of the file (once per analysed statement, now that Q002 runs per statement)
    child = root.child(0) if root.child_count else None
    while child is not None:
        if child.type == "comment":
            header.append(ctx.doc.node_text(child))
        elif not (
            child.type == "expression_statement" and child.named_children and child.named_children[0].type == "string"
        ):
            break
        child = child.next_sibling
    for line in header:
        if LINT_OPT_OUT.match(line.strip()):
            return f"the file opts out of linting (`{line.strip()}`)"
    text = " ".join(header)
    if GENERATED.search(text) and DO_NOT_EDIT.search(text):
        return "the file is generated (its header says not to edit it): a change belongs in its generator"
    return ""


def analyzers() -> list[Analyzer]:
    matches = StatementMatches()  # QualityAnalyzer's queries, read by MutableDefaultAnalyzer
    return [QualityAnalyzer(matches), MutableDefaultAnalyzer(matches)]
