"""What the call graph knows about one module, as plain picklable / msgpack-able data.

Expressions are nested tuples with a one-letter tag, evaluated later by the resolver:

  ("n", name)                  a name, looked up in the scope
  ("a", expr, attr)            attribute access
  ("c", callee, args, kwargs)  the value a call returns; kwargs = ((name, expr), ...)
  ("d", qualname)              a function, class or lambda defined in the project
  ("m", module)                `import module`
  ("f", module, name)          `from module import name`
  ("s", class_qualname)        `super()` inside a method of that class
  ("S", class_expr)            `super(Class, obj)`
  ("o", scope, expr)           expr, evaluated in another scope (parameter defaults, self.x = ...)
  ("D", decorated, plain)      a decorated definition: `decorated` if it resolves, else `plain`
  ("l", (expr, ...)[, kind[, keys]])  a container literal; kind "list", "dict", ...; keys:
                               a dict's literal string keys (None where not a literal)
  ("k", expr, key)             container[literal string key]
  ("X", "builtins.str")        a literal of a builtin type
  ("R", expr)                  `raise expr`: instantiates expr if it is a class
  ("I", expr) / ("N", expr)    `for .. in expr`: its __iter__ / its iterator's __next__
  ("i", expr)                  an element of a container (subscript, for-loop target)
  ("U", (expr, ...))           any of these (`a or b`, `a if c else b`)
  ("t", class_expr)            an instance of the class named by a type annotation
  ("T", expr)                  `type(expr)`: the class of an instance
  ("u",)                       unknown
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

Expr = tuple[Any, ...]
UNKNOWN: Expr = ("u",)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC inside, given back as it was after. For the call graph's bulk work:
    summaries, values and edges are millions of tuples and slotted objects in no cycle, and
    each allocation burst had the collector rescan every live one; reference counting still
    frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(slots=True)
class Call:
    callee: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    start: int  # bytes of the called expression (for call hierarchy's fromRanges)
    end: int
    line: int  # 0-based

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled as constructor arguments (to and from the parser processes): the
        # per-field state a slotted dataclass pickles by default made pickling a third
        # slower, unpickling twice as slow and the stream a third longer
        return Call, (self.callee, self.args, self.kwargs, self.start, self.end, self.line)


@dataclass(slots=True)
class Scope:
    qualname: str
    kind: str  # "module" | "class" | "function" | "lambda"
    parent: str | None
    name: str
    start: int = 0
    end: int = 0
    name_start: int = 0
    name_end: int = 0
    line: int = 0
    params: tuple[str, ...] = ()
    positional: int = 0  # how many of params can be passed by position
    method_kind: str = ""  # "instance" | "class" | "static" for functions in a class body
    bases: tuple[Expr, ...] = ()
    assigns: dict[str, list[Expr]] = field(default_factory=dict)
    attrs: dict[str, list[Expr]] = field(default_factory=dict)  # classes: self.x = ...
    returns: list[Expr] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    stars: list[str] = field(default_factory=list)  # `from m import *` (modules)
    globals: set[str] = field(default_factory=set)
    # `obj.attr = value` on something other than self: (obj, attr, value)
    stores: list[tuple[Expr, str, Expr]] = field(default_factory=list)

    def assign(self, name: str, value: Expr) -> None:
        self.assigns.setdefault(name, []).append(value)

    def __reduce__(self) -> tuple[Any, ...]:  # see Call.__reduce__
        return Scope, (
            self.qualname,
            self.kind,
            self.parent,
            self.name,
            self.start,
            self.end,
            self.name_start,
            self.name_end,
            self.line,
            self.params,
            self.positional,
            self.method_kind,
            self.bases,
            self.assigns,
            self.attrs,
            self.returns,
            self.calls,
            self.stars,
            self.globals,
            self.stores,
        )


@dataclass(slots=True)
class ModuleSummary:
    module: str
    path: str
    digest: str
    scopes: dict[str, Scope]
    words: dict[str, int]  # identifier-like words of the file, counted (for "unreferenced")
    is_package: bool = False

    def __reduce__(self) -> tuple[Any, ...]:  # see Call.__reduce__
        return ModuleSummary, (self.module, self.path, self.digest, self.scopes, self.words, self.is_package)


# serialisation (msgpack: lists for tuples; the resolver accepts both) --------------------
def to_plain(summary: ModuleSummary) -> dict[str, Any]:
    return {
        "module": summary.module,
        "path": summary.path,
        "digest": summary.digest,
        "is_package": summary.is_package,
        "words": summary.words,
        "scopes": [
            [
                s.qualname,
                s.kind,
                s.parent,
                s.name,
                s.start,
                s.end,
                s.name_start,
                s.name_end,
                s.line,
                list(s.params),
                s.positional,
                s.method_kind,
                list(s.bases),
                s.assigns,
                s.attrs,
                s.returns,
                [[c.callee, c.args, c.kwargs, c.start, c.end, c.line] for c in s.calls],
                s.stars,
                sorted(s.globals),
                [list(st) for st in s.stores],
            ]
            for s in summary.scopes.values()
        ],
    }


def from_plain(data: dict[str, Any]) -> ModuleSummary:
    scopes: dict[str, Scope] = {}
    for row in data["scopes"]:
        (
            qualname,
            kind,
            parent,
            name,
            start,
            end,
            name_start,
            name_end,
            line,
            params,
            positional,
            method_kind,
            bases,
            assigns,
            attrs,
            returns,
            calls,
            stars,
            globs,
            stores,
        ) = row
        scopes[qualname] = Scope(
            qualname,
            kind,
            parent,
            name,
            start,
            end,
            name_start,
            name_end,
            line,
            tuple(params),
            positional,
            method_kind,
            tuple(_tup(b) for b in bases),
            {k: [_tup(v) for v in vs] for k, vs in assigns.items()},
            {k: [_tup(v) for v in vs] for k, vs in attrs.items()},
            [_tup(r) for r in returns],
            [
                Call(
                    _tup(c[0]),
                    tuple(_tup(a) for a in c[1]),
                    tuple((str(k), _tup(v)) for k, v in c[2]),
                    c[3],
                    c[4],
                    c[5],
                )
                for c in calls
            ],
            list(stars),
            set(globs),
            [(_tup(o), str(a), _tup(v)) for o, a, v in stores],
        )
    share(scopes)
    return ModuleSummary(
        data["module"], data["path"], data["digest"], scopes, dict(data["words"]), bool(data.get("is_package"))
    )


def share(scopes: dict[str, Scope]) -> None:
    """Make equal expressions of a module one object (hash-consing).

    The summaries of a whole workspace are held at once, and a module repeats the same
    expressions (`self`, `self.x`, `os.path.join`) hundreds of times: sharing them took a
    quarter off the summaries' memory, and pickling (to and from the parser processes)
    keeps the sharing. Keys are the ids of already-shared parts, so nothing is hashed
    deeply; the table holds every part, so no id is reused while it lives."""
    table: dict[tuple[int, ...], Expr] = {}
    done: set[int] = set()

    def cons(value: Any) -> Any:
        if id(value) in done:
            return value
        parts = tuple([cons(p) if type(p) is tuple else p for p in value])
        key = tuple(map(id, parts))
        found = table.get(key)
        if found is None:
            found = table[key] = parts
            done.add(id(parts))
        return found

    for scope in scopes.values():
        if scope.bases:
            scope.bases = cons(scope.bases)
        for mapping in (scope.assigns, scope.attrs):
            for name, values in mapping.items():
                mapping[name] = [cons(v) for v in values]
        if scope.returns:
            scope.returns = [cons(r) for r in scope.returns]
        for call in scope.calls:
            call.callee, call.args, call.kwargs = cons(call.callee), cons(call.args), cons(call.kwargs)
        if scope.stores:
            scope.stores = [cons(s) for s in scope.stores]


def share_top(scopes: dict[str, Scope], shared: dict[Expr, Expr]) -> None:
    """`share` for a summary whose expressions were shared as they were built (the
    extractor's `shared` table): only the tuples put together around them (call arguments,
    `("o", scope, expr)` wrappers, stores) are left, each looked up whole."""
    cons = shared.setdefault
    for scope in scopes.values():
        if scope.bases:
            scope.bases = cons(scope.bases, scope.bases)
        for mapping in (scope.assigns, scope.attrs):
            for name, values in mapping.items():
                mapping[name] = [cons(v, v) for v in values]
        if scope.returns:
            scope.returns = [cons(r, r) for r in scope.returns]
        for call in scope.calls:
            call.callee = cons(call.callee, call.callee)
            call.args = cons(call.args, call.args)
            call.kwargs = cons(call.kwargs, call.kwargs)
        if scope.stores:
            scope.stores = [cons(s, s) for s in scope.stores]


def _tup(value: Any) -> Any:
    """Lists back to tuples, recursively (msgpack has no tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_tup(v) for v in value)
    return value
