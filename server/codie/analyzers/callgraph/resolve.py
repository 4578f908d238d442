"""Resolve call sites to the functions they call, across the workspace.

A flow-insensitive points-to analysis over the module summaries, in the spirit of PyCG:
every name, attribute and call evaluates to a set of abstract values

  ("d", qualname)   a project function, class or lambda
  ("b", qualname)   a method bound to an instance (its first parameter is implicit)
  ("i", class)      an instance of a project class
  ("m", module)     a project module
  ("x", dotted)     something outside the project (stdlib, third party, builtins)
  ("s", class)      super() in a method of `class`
  ("C", values)     a container literal holding these values

Arguments flow into parameters (functions passed as arguments, decorators), return values
flow out of calls (factories, closures), `self`/`cls` are instances/classes of the
enclosing class and attributes follow the C3 MRO. Passes repeat until the parameters'
values stop growing (at most MAX_PASSES).
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from codie.analyzers.callgraph.model import Expr, ModuleSummary, Scope

Value = tuple[Any, ...]
Values = frozenset[Value]
EMPTY: Values = frozenset()
BUILTINS = frozenset(dir(builtins))
MAX_PASSES = 3  # each pass carries values one more call deeper; 3 bounds the cost
MAX_VALUES = 48  # per parameter: beyond this a parameter is "anything", we stop tracking
MAX_DEPTH = 120
PARTIAL: Value = ("x", "functools.partial")


@dataclass(frozen=True, slots=True)
class Edge:
    caller: str
    callee: str
    start: int  # bytes of the called expression in the caller's file
    end: int
    line: int


class Resolver:
    def __init__(self, summaries: Iterable[ModuleSummary] = ()) -> None:
        self.modules: dict[str, ModuleSummary] = {}
        self.scopes: dict[str, Scope] = {}
        self.module_of: dict[str, str] = {}
        self.packages: set[str] = set()
        self.param_values: defaultdict[tuple[str, str], set[Value]] = defaultdict(set)
        self._memo: dict[str, dict[Any, Values]] = {}  # scope -> expr -> values
        self._active: set[tuple[str, Any]] = set()
        self._mro: dict[str, list[Value]] = {}
        self.stored: dict[tuple[str, str], set[Expr]] = {}  # (class, attr) -> values
        self._depth = 0
        self._changed = False
        for summary in summaries:
            self.add(summary)

    # the workspace -------------------------------------------------------------------------
    def add(self, summary: ModuleSummary) -> None:
        self.remove(summary.module)
        self.modules[summary.module] = summary
        for q, scope in summary.scopes.items():
            self.scopes[q] = scope
            self.module_of[q] = summary.module
        parts = summary.module.split(".")
        self.packages.update(".".join(parts[:i]) for i in range(1, len(parts)))
        self._forget(summary.scopes)

    def remove(self, module: str) -> None:
        old = self.modules.pop(module, None)
        if old is None:
            return
        for q in old.scopes:
            self.scopes.pop(q, None)
            self.module_of.pop(q, None)
        for key, values in list(self.stored.items()):
            kept = {v for v in values if v[1] not in old.scopes}
            if len(kept) != len(values):
                self.stored[key] = kept
        self._forget(old.scopes)

    def _forget(self, scopes: Iterable[str]) -> None:
        """Drop what was derived from these scopes. Other scopes' cached values may still
        mention them until the next full resolve: an edit re-resolves its own module only."""
        for q in scopes:
            self._memo.pop(q, None)
            self._mro.pop(q, None)

    def invalidate(self) -> None:
        self._memo.clear()
        self._mro.clear()

    def is_module(self, name: str) -> bool:
        return name in self.modules or name in self.packages

    # resolving -----------------------------------------------------------------------------
    def resolve_all(self) -> dict[str, list[Edge]]:
        """Edges of every module, after the parameters' values reach a fixed point."""
        edges: dict[str, list[Edge]] = {}
        for _ in range(MAX_PASSES):
            self._changed = False
            self.invalidate()
            if any([self.apply_stores(module) for module in self.modules]):
                self.invalidate()  # attributes changed: what was read before may differ
            edges = {m: self.resolve_module(m) for m in self.modules}
            if not self._changed:
                break
        return edges

    def apply_stores(self, module: str) -> bool:
        """`obj.attr = value` outside obj's class: the class's instances get the attribute."""
        changed = False
        summary = self.modules.get(module)
        for q, scope in summary.scopes.items() if summary is not None else ():
            for obj, attr, value in scope.stores:
                for target in self.eval(obj, q):
                    if target[0] in ("i", "d") and self._is_class(target[1]):
                        slot = self.stored.setdefault((target[1], attr), set())
                        before = len(slot)
                        slot.add(("o", q, value))
                        if len(slot) != before:
                            self._changed = True
                            changed = True
        return changed

    def resolve_module(self, module: str) -> list[Edge]:
        summary = self.modules.get(module)
        if summary is None:
            return []
        out: list[Edge] = []
        for q in summary.scopes:
            out.extend(self.resolve_scope(q))
        return out

    def resolve_scope(self, q: str) -> list[Edge]:
        scope = self.scopes[q]
        found: dict[tuple[str, int], Edge] = {}
        for call in scope.calls:
            for value in self.eval(call.callee, q):
                target, skip_first = self.target(value)
                if target is None:
                    continue
                if target in self.scopes and self.scopes[target].kind in ("function", "lambda"):
                    self.bind(target, call.args, call.kwargs, q, skip_first)
                key = (target, call.start)
                if key not in found:
                    found[key] = Edge(q, target, call.start, call.end, call.line)
        return list(found.values())

    def target(self, value: Value) -> tuple[str | None, bool]:
        """The node a call of `value` reaches, and whether its first parameter is implicit."""
        tag = value[0]
        if tag == "x":
            return value[1], False
        if tag == "b":
            return value[1], True
        if tag == "d":
            scope = self.scopes.get(value[1])
            if scope is None:
                return None, False
            if scope.kind == "class":
                for init in self.class_attr(value[1], "__init__", bound=True):
                    if init[0] == "b":
                        return init[1], True
                return value[1], False
            return value[1], scope.method_kind == "class"
        if tag == "i":
            for call in self.class_attr(value[1], "__call__", bound=True):
                if call[0] == "b":
                    return call[1], True
        return None, False

    def bind(
        self, fq: str, args: tuple[Expr, ...], kwargs: tuple[tuple[str, Expr], ...], caller: str, skip_first: bool
    ) -> None:
        scope = self.scopes[fq]
        offset = 1 if skip_first else 0
        pairs = [(scope.params[i + offset], a) for i, a in enumerate(args) if i + offset < scope.positional]
        pairs += [(k, a) for k, a in kwargs if k in scope.params]
        for name, arg in pairs:
            self._add_param(fq, name, self.eval(arg, caller))

    def _add_param(self, fq: str, name: str, values: Values) -> None:
        if not values:
            return
        slot = self.param_values[(fq, name)]
        if len(slot) >= MAX_VALUES:
            return
        before = len(slot)
        slot.update(values)
        if len(slot) != before:
            self._changed = True

    # evaluation ----------------------------------------------------------------------------
    def eval(self, expr: Expr, q: str) -> Values:
        memo = self._memo.get(q)
        if memo is None:
            memo = self._memo[q] = {}
        cached = memo.get(expr)
        if cached is not None:
            return cached
        key = (q, expr)
        if key in self._active or self._depth > MAX_DEPTH:
            return EMPTY
        self._active.add(key)
        self._depth += 1
        try:
            result = self._eval(expr, q)
        finally:
            self._depth -= 1
            self._active.discard(key)
        memo[expr] = result
        return result

    def _eval(self, expr: Expr, q: str) -> Values:
        tag = expr[0]
        if tag == "n":
            return self.lookup(q, expr[1])
        if tag == "a":
            return frozenset(v for obj in self.eval(expr[1], q) for v in self.attr(obj, expr[2]))
        if tag == "c":
            called = self.eval(expr[1], q)
            if PARTIAL in called and expr[2]:  # partial(f, ...) behaves like f when called
                return self.eval(expr[2][0], q)
            return frozenset(v for f in called for v in self.call_result(f))
        if tag == "d":
            return frozenset({("d", expr[1])}) if expr[1] in self.scopes else EMPTY
        if tag == "m":
            return frozenset({("m", expr[1]) if self.is_module(expr[1]) else ("x", expr[1])})
        if tag == "f":
            return self.from_import(expr[1], expr[2])
        if tag == "s":
            return frozenset({("s", expr[1])}) if expr[1] in self.scopes else EMPTY
        if tag == "S":
            return frozenset(("s", v[1]) for v in self.eval(expr[1], q) if v[0] == "d" and self._is_class(v[1]))
        if tag == "o":
            return self.eval(expr[2], expr[1]) if expr[1] in self.scopes else EMPTY
        if tag == "D":
            decorated = self.eval(expr[1], q)
            return decorated or self.eval(expr[2], q)
        if tag == "l":
            members = frozenset(v for e in expr[1] for v in self.eval(e, q))
            return frozenset({("C", members)}) if members else EMPTY
        if tag == "i":
            return frozenset(v for c in self.eval(expr[1], q) if c[0] == "C" for v in c[1])
        if tag == "U":
            return frozenset(v for e in expr[1] for v in self.eval(e, q))
        if tag == "T":  # type(x): the class of an instance
            return frozenset(("d", v[1]) for v in self.eval(expr[1], q) if v[0] == "i")
        if tag == "t":  # an annotation: an instance of the class it names
            return frozenset(
                ("i", v[1]) if v[0] == "d" else v
                for v in self.eval(expr[1], q)
                if (v[0] == "d" and self._is_class(v[1])) or (v[0] == "x" and v[1].rpartition(".")[2][:1].isupper())
            )
        return EMPTY

    def _is_class(self, q: str) -> bool:
        scope = self.scopes.get(q)
        return scope is not None and scope.kind == "class"

    def lookup(self, q: str, name: str) -> Values:
        """Python's scoping: local (if bound there), enclosing functions, module, builtins."""
        scope = self.scopes.get(q)
        while scope is not None:
            if scope.kind == "module":
                found = self.module_names(scope.qualname, name)
                if found or name in scope.assigns:
                    return found
                external = [s for s in scope.stars if not self.is_module(s)]
                if external and name not in BUILTINS and not name.startswith("_"):
                    return frozenset({("x", f"{external[0]}.{name}")})
                return frozenset({("x", f"builtins.{name}")}) if name in BUILTINS else EMPTY
            if name in scope.globals:
                scope = self.scopes.get(self.module_of.get(scope.qualname, ""))
                continue
            if name in scope.assigns or name in scope.params:
                return self.local(scope, name)
            parent = self.scopes.get(scope.parent or "")
            # class bodies are not enclosing scopes for what is nested inside them
            while parent is not None and parent.kind == "class":
                parent = self.scopes.get(parent.parent or "")
            scope = parent
        return EMPTY

    def local(self, scope: Scope, name: str) -> Values:
        values: set[Value] = set()
        if name in scope.params:
            if scope.params[0] == name and scope.method_kind in ("instance", "class"):
                cls = scope.parent or ""
                values.add(("i", cls) if scope.method_kind == "instance" else ("d", cls))
            values.update(self.param_values.get((scope.qualname, name), ()))
        for e in scope.assigns.get(name, ()):
            values.update(self.eval(e, scope.qualname))
        return frozenset(values)

    def module_names(self, module: str, name: str, seen: frozenset[str] = frozenset()) -> Values:
        """A module's global `name` (its own bindings, then its star imports)."""
        scope = self.scopes.get(module)
        if scope is None or module in seen:
            return EMPTY
        if name in scope.assigns:
            return frozenset(v for e in scope.assigns[name] for v in self.eval(e, module))
        if name.startswith("_"):
            return EMPTY  # `import *` skips private names
        for star in scope.stars:
            if star in self.modules:
                found = self.module_names(star, name, seen | {module})
                if found:
                    return found
        return EMPTY

    def from_import(self, module: str, name: str) -> Values:
        sub = f"{module}.{name}"
        if self.is_module(sub):
            return frozenset({("m", sub)})
        if module in self.modules:
            return self.module_names(module, name)
        if self.is_module(module):
            return EMPTY
        return frozenset({("x", sub)})

    def attr(self, obj: Value, name: str) -> Values:
        tag = obj[0]
        if tag == "m":
            sub = f"{obj[1]}.{name}"
            if self.is_module(sub):
                return frozenset({("m", sub)})
            return self.module_names(obj[1], name)
        if tag == "x":
            return frozenset({("x", f"{obj[1]}.{name}")})
        if tag == "d" and self._is_class(obj[1]):
            return self.class_attr(obj[1], name, bound=False)
        if tag == "i":
            if name == "__class__":
                return frozenset({("d", obj[1])})
            return self.class_attr(obj[1], name, bound=True, instance=True)
        if tag == "s":
            return self.class_attr(obj[1], name, bound=True, instance=True, after=obj[1])
        return EMPTY

    def call_result(self, f: Value) -> Values:
        tag = f[0]
        if tag in ("d", "b"):
            scope = self.scopes.get(f[1])
            if scope is None:
                return EMPTY
            if scope.kind == "class":
                return frozenset({("i", f[1])})
            return frozenset(v for r in scope.returns for v in self.eval(r, f[1]))
        if tag == "i":
            return frozenset(v for c in self.class_attr(f[1], "__call__", bound=True) for v in self.call_result(c))
        if tag == "x" and f[1].rpartition(".")[2][:1].isupper():
            # an external class (by naming convention): its instance's methods are named
            # after it, e.g. threading.Thread().start -> threading.Thread.start
            return frozenset({f})
        return EMPTY

    # classes -------------------------------------------------------------------------------
    def class_attr(
        self, cls: str, name: str, *, bound: bool, instance: bool = False, after: str | None = None
    ) -> Values:
        mro = self.mro(cls)
        if after is not None:
            index = next((i for i, k in enumerate(mro) if k == ("d", after)), -1)
            mro = mro[index + 1 :]
        for klass in mro:
            if klass[0] == "x":
                return frozenset({("x", f"{klass[1]}.{name}")})
            scope = self.scopes[klass[1]]
            values: set[Value] = set()
            for e in scope.assigns.get(name, ()):
                values.update(self.eval(e, scope.qualname))
            if instance:
                for e in scope.attrs.get(name, ()):
                    values.update(self.eval(e, scope.qualname))
                for e in self.stored.get((klass[1], name), ()):
                    values.update(self.eval(e, scope.qualname))
            if values or name in scope.assigns:
                return frozenset(self._bind_method(v, cls, instance) if bound else v for v in values)
        return EMPTY

    def _bind_method(self, value: Value, cls: str, instance: bool) -> Value:
        """A function found on a class, read through an instance (or cls), is bound.

        Any function is, not only those written in the class body (a decorator's wrapper
        assigned as a method too); its first parameter then holds the instance.
        """
        if value[0] != "d":
            return value
        scope = self.scopes.get(value[1])
        if (
            scope is None
            or scope.kind not in ("function", "lambda")
            or scope.method_kind == "static"
            or not scope.params
        ):
            return value
        if scope.method_kind == "" and instance:
            self._add_param(value[1], scope.params[0], frozenset({("i", cls)}))
        return ("b", value[1])

    def mro(self, cls: str) -> list[Value]:
        """C3 linearisation over project classes; an external base ends its branch."""
        cached = self._mro.get(cls)
        if cached is not None:
            return cached
        self._mro[cls] = [("d", cls)]  # a cycle in bases ends here
        scope = self.scopes[cls]
        bases: list[Value] = []
        for b in scope.bases:
            for v in self.eval(b, scope.parent or cls):
                if v[0] == "d" and self._is_class(v[1]) and v[1] != cls:
                    bases.append(v)
                    break
                if v[0] == "x" and v[1] != "builtins.object":
                    bases.append(v)
                    break
        sequences = [self.mro(b[1]) if b[0] == "d" else [b] for b in bases] + [list(bases)]
        result: list[Value] = [("d", cls)]
        while any(sequences):
            sequences = [s for s in sequences if s]
            head = next((s[0] for s in sequences if not any(s[0] in other[1:] for other in sequences)), None)
            if head is None:  # inconsistent hierarchy: fall back to depth-first order
                result += [k for s in sequences for k in s if k not in result]
                break
            result.append(head)
            sequences = [s[1:] if s[0] == head else s for s in sequences]
        self._mro[cls] = result
        return result
