"""An edit's module summary from its top-level statements' shares, reusing the unchanged ones.

`summarize` extracts a whole module: on a large one (typing.py, argparse.py) that was most
of an edit's update. Here each top-level statement is extracted on its own into a
`Fragment`: the scopes it declares, and what each phase of `Extractor.run` put into the
module scope, the keyed stores, dict literals and mutations it saw (applied only once the
module is put together, as `run` applies them after every phase). An edit re-extracts the
statements whose text changed; the others are reused, moved to their new offsets.

Put together phase by phase, statement by statement, the shares give the module scope
exactly the order `run` gives it (each phase visits nodes in source order, and statements
are in source order), so the summary equals `summarize`'s. Where a statement's share would
depend on the others, this module says so and the caller summarizes the whole text:
  - a name defined at the top of two statements (`@overload`s): `run` merges the second
    definition into the first one's scope;
  - `f(**options)` at module level: the dict literal bound to `options` anywhere in the
    module decides the keywords.
Lambdas at module level are numbered through the module: a statement holding some is
re-extracted when the number of those before it changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from tree_sitter import Node, Tree

from codie.analyzers.callgraph.extract import _WORD_BYTES, Extractor, Texts, count_words
from codie.analyzers.callgraph.model import Call, Expr, ModuleSummary, Scope
from codie.core.pausing import Pause

# what one phase of `run` put into the module scope: assigns, calls, returns, stores,
# stars, globals
ModuleShare = tuple[dict[str, list[Expr]], list[Call], list[Expr], list[tuple[Expr, str, Expr]], list[str], set[str]]
KeyedStore = tuple[str, str, str | None, Expr, int]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One top-level statement's share of its module's summary, as extracted at `start`
    (byte) and `row`. Never changed once made: summaries share its scopes."""

    text: bytes
    start: int
    row: int
    lambda_base: int  # module-level lambdas before it when it was extracted
    lambdas: int  # module-level lambdas it declares
    context: bool  # it read the module's dict literals (f(**options) at module level)
    scopes: tuple[Scope, ...]
    phases: tuple[tuple[int, ModuleShare], ...]  # (phase, its share), the non-empty ones
    keyed: tuple[tuple[int, list[KeyedStore]], ...]  # (phase, keyed stores)
    literals: tuple[tuple[tuple[str, str], int], ...]  # dict literals bound: (scope, name) -> start
    mutations: tuple[tuple[str, str, Expr], ...]
    words: dict[str, int]  # count_words of its text


@dataclass(slots=True)
class Fragments:
    """A module's fragments, in source order, kept between its updates."""

    module: str
    is_package: bool
    items: list[Fragment]
    texts: Texts


class _ModuleTexts(Texts):
    """One edited module's texts (kept while it is among the last few edited: every
    half-typed name adds one, so a lower bound than a parser process's)."""

    LIMIT = 20_000


class _StatementExtractor(Extractor):
    """Extracts one top-level statement: after each phase, what went into the module scope
    is taken away into the fragment's shares; keyed stores and mutations are kept, not
    applied (`finish`)."""

    def __init__(self, source: bytes, module: str, is_package: bool, texts: Texts, lambda_base: int) -> None:
        super().__init__(source, module, is_package, compact=False, texts=texts)
        if lambda_base:
            self.lambda_count[module] = lambda_base
        self.phase = 0
        self.shares: list[tuple[int, ModuleShare]] = []
        self.keyed: list[tuple[int, list[KeyedStore]]] = []
        self.context = False

    def end_phase(self) -> None:
        top = self.scopes[self.module]
        if top.assigns or top.calls or top.returns or top.stores or top.stars or top.globals:
            self.shares.append((self.phase, (top.assigns, top.calls, top.returns, top.stores, top.stars, top.globals)))
            top.assigns, top.calls, top.returns, top.stores, top.stars, top.globals = {}, [], [], [], [], set()
        if self.keyed_stores:
            self.keyed.append((self.phase, self.keyed_stores))
            self.keyed_stores = []
        self.phase += 1

    def finish(self) -> None:
        pass

    def splat_kwargs(self, call: Node, mapping: Node, depth: int) -> list[tuple[str, Expr]]:
        if mapping.type == "identifier" and self.enclosing(call) == self.module:
            self.context = True
        return super().splat_kwargs(call, mapping, depth)


def _extract(
    node: Node, text: bytes, source: bytes, state: Fragments, lambda_base: int, pause: Pause | None
) -> Fragment:
    ex = _StatementExtractor(source, state.module, state.is_package, state.texts, lambda_base)
    ex.run(node, pause)
    module = state.module
    return Fragment(
        text,
        node.start_byte,
        node.start_point.row,
        lambda_base,
        ex.lambda_count.get(module, 0) - lambda_base,
        ex.context,
        tuple(s for q, s in ex.scopes.items() if q != module),
        tuple(ex.shares),
        tuple(ex.keyed),
        tuple((key, literal.start_byte) for key, literal in ex.dict_literals.items()),
        tuple(ex.mutations),
        count_words(text),
    )


def _moved_call(c: Call, by: int, rows: int) -> Call:
    return Call(c.callee, c.args, c.kwargs, c.start + by, c.end + by, c.line + rows)


def _moved(f: Fragment, start: int, row: int) -> Fragment:
    """The fragment of the same text at another place: offsets and lines moved."""
    by, rows = start - f.start, row - f.row
    scopes = tuple(
        Scope(
            s.qualname,
            s.kind,
            s.parent,
            s.name,
            s.start + by,
            s.end + by,
            s.name_start + by,
            s.name_end + by,
            s.line + rows,
            s.params,
            s.positional,
            s.method_kind,
            s.bases,
            s.assigns,
            s.attrs,
            s.returns,
            [_moved_call(c, by, rows) for c in s.calls],
            s.stars,
            s.globals,
            s.stores,
        )
        for s in f.scopes
    )
    phases = tuple(
        (p, (a, [_moved_call(c, by, rows) for c in calls] if calls else calls, r, st, sr, g))
        for p, (a, calls, r, st, sr, g) in f.phases
    )
    keyed = tuple((p, [(q, n, k, v, o + by) for q, n, k, v, o in stores]) for p, stores in f.keyed)
    literals = tuple((key, at + by) for key, at in f.literals)
    return Fragment(
        f.text, start, row, f.lambda_base, f.lambdas, f.context, scopes, phases, keyed, literals, f.mutations, f.words
    )


def fragments_of(
    source: bytes, tree: Tree, module: str, is_package: bool, old: Fragments | None, pause: Pause | None
) -> Fragments:
    """The fragments of `source` (parsed as `tree`), reusing `old`'s where a statement's
    text is unchanged."""
    state = old if old is not None and old.module == module and old.is_package == is_package else None
    if state is None:
        state = Fragments(module, is_package, [], _ModuleTexts())
    state.texts.trim()
    previous = state.items
    nodes = tree.root_node.children
    texts = [source[n.start_byte : n.end_byte] for n in nodes]
    # the unchanged statements at both ends (an edit changes a run of statements between)
    head = 0
    limit = min(len(previous), len(nodes))
    while head < limit and previous[head].text == texts[head]:
        head += 1
    tail = 0
    while tail < limit - head and previous[-1 - tail].text == texts[-1 - tail]:
        tail += 1
    items: list[Fragment] = []
    lambdas = 0
    for i, node in enumerate(nodes):
        if i < head:
            reuse: Fragment | None = previous[i]
        elif i >= len(nodes) - tail:
            reuse = previous[len(previous) - (len(nodes) - i)]
        else:
            reuse = None
        if reuse is not None and (node.has_error or (reuse.lambdas and reuse.lambda_base != lambdas)):
            reuse = None
        if reuse is None:
            if pause is not None:
                pause()
            fragment = _extract(node, texts[i], source, state, lambdas, pause)
        elif reuse.start != node.start_byte or reuse.row != node.start_point.row:
            fragment = _moved(reuse, node.start_byte, node.start_point.row)
        else:
            fragment = reuse
        items.append(fragment)
        lambdas += fragment.lambdas
    state.items = items
    return state


class _Assembler(Extractor):
    """Applies the module's keyed stores and mutations to scopes put together from
    fragments (Extractor's own code for them: one place for those rules)."""

    def __init__(self, module: str, is_package: bool, scopes: dict[str, Scope]) -> None:
        super().__init__(b"", module, is_package, compact=False)
        self.scopes = scopes


def _copy(scope: Scope) -> Scope:
    """A scope whose assigns can be changed (keyed stores and mutations add to them)."""
    return Scope(
        scope.qualname,
        scope.kind,
        scope.parent,
        scope.name,
        scope.start,
        scope.end,
        scope.name_start,
        scope.name_end,
        scope.line,
        scope.params,
        scope.positional,
        scope.method_kind,
        scope.bases,
        {k: list(v) for k, v in scope.assigns.items()},
        scope.attrs,
        scope.returns,
        scope.calls,
        scope.stars,
        scope.globals,
        scope.stores,
    )


def assemble(
    state: Fragments, source: bytes, path: str, words: bool = True, pause: Pause | None = None
) -> ModuleSummary | None:
    """The module's summary from its fragments; None where the statements' shares depend
    on one another (see the module's docstring): summarize the whole text instead."""
    module = state.module
    items: Sequence[Fragment] = state.items
    top = Scope(module, "module", None, module.split(".")[-1], 0, len(source), 0, 0, 0)
    scopes = {module: top}
    shares: list[tuple[int, int, ModuleShare]] = []
    keyed: list[tuple[int, int, list[KeyedStore]]] = []
    literals: dict[tuple[str, str], int] = {}
    mutations: list[tuple[str, str, Expr]] = []
    for i, f in enumerate(items):
        if f.context:
            return None
        for s in f.scopes:
            if s.qualname in scopes:  # a redefinition across statements: merged by `run`
                return None
            scopes[s.qualname] = s
        shares.extend((p, i, share) for p, share in f.phases)
        keyed.extend((p, i, stores) for p, stores in f.keyed)
        literals.update(f.literals)
        mutations.extend(f.mutations)
    if pause is not None:
        pause()
    shares.sort(key=lambda e: (e[0], e[1]))
    assigns = top.assigns
    for _, _, (a, calls, returns, stores, stars, globs) in shares:
        for name, values in a.items():
            found = assigns.get(name)
            if found is None:
                assigns[name] = list(values)
            else:
                found.extend(values)
        top.calls.extend(calls)
        top.returns.extend(returns)
        top.stores.extend(stores)
        top.stars.extend(stars)
        top.globals.update(globs)
    keyed.sort(key=lambda e: (e[0], e[1]))
    stores_in_order = [store for _, _, stores in keyed for store in stores]
    # the scopes keyed stores and mutations may add to (those named, and their enclosing
    # ones) are copied: the fragments' own stay as extracted, for the next edit
    touched: set[str] = set()
    for q in [s[0] for s in stores_in_order] + [m[0] for m in mutations]:
        walk: str | None = q
        while walk is not None and walk not in touched:
            touched.add(walk)
            walk = scopes[walk].parent
    for q in touched:
        if q != module:
            scopes[q] = _copy(scopes[q])
    assembler = _Assembler(module, state.is_package, scopes)
    assembler.keyed_stores = stores_in_order
    assembler.mutations = mutations
    assembler.apply_keyed_stores(literals)
    assembler.apply_mutations()
    digest = hashlib.blake2b(source, digest_size=12).hexdigest()
    counts = (_words(items, source) or count_words(source)) if words else {}
    return ModuleSummary(module, path, digest, scopes, counts, state.is_package)


def _words(items: Sequence[Fragment], source: bytes) -> dict[str, int] | None:
    """`count_words(source)` from the statements' counts: the same counts, in the same
    order (each word where it first occurs). None where the text between statements is
    more than white space, or a run of word bytes crosses a statement's edge (neither seen
    in tree-sitter's trees): count the whole text."""
    out: dict[str, int] = {}
    get = out.get
    at = 0
    end = len(source)
    for f in items:
        start, stop = f.start, f.start + len(f.text)
        if start > at and source[at:start].strip():
            return None
        for edge in (start, stop):
            if 0 < edge < end and source[edge - 1] in _WORD_BYTES and source[edge] in _WORD_BYTES:
                return None
        for word, n in f.words.items():
            out[word] = get(word, 0) + n
        at = stop
    return None if source[at:].strip() else out
