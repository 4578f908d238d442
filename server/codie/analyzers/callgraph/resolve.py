"""Resolve call sites to the functions they call, across the workspace.

A flow-insensitive points-to analysis over the module summaries, in the spirit of PyCG:
every name, attribute and call evaluates to a set of abstract values

  ("d", qualname)   a project function, class or lambda
  ("b", qualname)   a method bound to an instance (its first parameter is implicit)
  ("i", class)      an instance of a project class
  ("m", module)     a project module
  ("x", dotted)     something outside the project (stdlib, third party, builtins)
  ("v", dotted)     the same, received as an argument: callable, attributes unknown
  ("s", class, of)  super() in a method of `class`, for an instance of class `of`
  ("C", values, kind, keyed, complete)  a container (kind "list", "dict", ...) holding
                    these values; keyed: ((literal key, values), ...) for dicts with string
                    keys, complete when every key is such a literal

Arguments flow into parameters (functions passed as arguments, decorators), return values
flow out of calls (factories, closures), `self`/`cls` are instances/classes of the
enclosing class and attributes follow the C3 MRO. Passes repeat until the parameters'
values stop growing (at most MAX_PASSES).

Values are insertion-ordered tuples, never sets: the evaluation order decides where a
recursion is cut and which values fit under MAX_VALUES, so iterating a set (whose order
follows the per-process string hash) made two runs give different graphs.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from sys import intern
from typing import Any

from codie.analyzers.callgraph.model import Call, Expr, ModuleSummary, Scope, gc_paused
from codie.core.pausing import Pause, every

Value = tuple[Any, ...]
Values = tuple[Value, ...]
EMPTY: Values = ()
# in a scope's memo while its expression is being evaluated: a recursion reaching it again
# gets nothing (one dict entry instead of a separate set of active (scope, expr) keys,
# which hashed the expression four more times per evaluation)
_ACTIVE: Values = (("active",),)
# a call site's edge before it becomes an Edge: (caller, callee, start, end, line). Only
# the last pass's are kept, so the passes before it make no Edge objects at all
Site = tuple[str, str, int, int, int]
BUILTINS = frozenset(dir(builtins))
MAX_PASSES = 3  # each pass carries values one more call deeper; 3 bounds the cost
MAX_VALUES = 48  # per parameter: beyond this a parameter is "anything", we stop tracking
MAX_DEPTH = 120
PARTIAL: Value = ("x", "functools.partial")
# builtins that call a function they are given: name -> (positional index, keyword)
CALLBACKS = {
    "builtins.map": (0, ""),
    "builtins.filter": (0, ""),
    "builtins.sorted": (-1, "key"),
    "builtins.min": (-1, "key"),
    "builtins.max": (-1, "key"),
    "functools.reduce": (0, ""),
    "builtins.list.sort": (-1, "key"),
}
# builtins whose call returns an instance of that builtin type ("x" values name its methods)
BUILTIN_TYPES = frozenset(
    {
        "builtins.str",
        "builtins.bytes",
        "builtins.dict",
        "builtins.list",
        "builtins.set",
        "builtins.frozenset",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.bytearray",
    }
)


def by_value(value: Value) -> Value:
    """An external value passed on (argument, return value, container member): it can be
    called, but `sys.abiflags` coming back from a helper has no known attributes."""
    return ("v", value[1]) if value[0] == "x" else value


def ordered(values: Iterable[Value]) -> Values:
    """Deduplicated, in first-seen order (deterministic, unlike a set)."""
    return tuple(dict.fromkeys(values))


def ordered_list(values: list[Value]) -> Values:
    """`ordered` for a list: most hold one value or none, which need no hashing (values are
    nested tuples, hashed anew each time)."""
    return tuple(values) if len(values) < 2 else tuple(dict.fromkeys(values))


def _edges(sites: list[Site]) -> list[Edge]:
    # interned: an external callee's name is built anew by each evaluation (`builtins.len`
    # once per call site), and the edges of a workspace are held at once
    return [Edge(caller, intern(callee), start, end, line) for caller, callee, start, end, line in sites]


@dataclass(slots=True, unsafe_hash=True)
class Edge:
    """A call site. Treated as immutable (it is hashed in the reverse index) but not frozen:
    a frozen dataclass's __init__ (an object.__setattr__ per field) made the standard
    library's 456k edges in 0.6 s, three times as long as this one's. (A named tuple is as
    quick to make, but its instances are a size class larger: 37 MB more at the peak.)"""

    caller: str
    callee: str
    start: int  # bytes of the called expression in the caller's file
    end: int
    line: int

    def __reduce__(self) -> tuple[Any, ...]:  # as constructor arguments (see model.Call)
        return Edge, (self.caller, self.callee, self.start, self.end, self.line)


# between two pauses (see Resolver.pause): stores applied for this many modules, call sites
# resolved for this many scopes: each well under a millisecond on most code
PAUSE_MODULES = 8
PAUSE_SCOPES = 8


class Resolver:
    def __init__(self, summaries: Iterable[ModuleSummary] = (), pause: Pause | None = None) -> None:
        # called between scopes and between modules when the language server's thread pool
        # resolves (core/pausing.py): the editor's analysis gets the GIL back there
        self.pause = pause
        self.modules: dict[str, ModuleSummary] = {}
        self.scopes: dict[str, Scope] = {}
        self.module_of: dict[str, str] = {}
        self.packages: set[str] = set()
        self.param_values: defaultdict[tuple[str, str], dict[Value, None]] = defaultdict(dict)
        self._memo: dict[str, dict[Any, Values]] = {}  # scope -> expr -> values (or _ACTIVE)
        self._mro: dict[str, list[Value]] = {}
        self._mro_pending: set[str] = set()  # classes whose MRO is being computed
        # class_attr's answers, kept only when nothing was cut short while computing them
        # (`_cuts` counts evaluations that gave nothing because they were already under way
        # or too deep, and MROs read while still being computed): asked again, such an
        # answer is made of the same memoized values. Two thirds of the lookups are repeats.
        self._attrs: dict[tuple[str, str, bool, bool, str | None], Values] = {}
        self._cuts = 0
        self.stored: dict[tuple[str, str], dict[Expr, None]] = {}  # (class, attr) -> values
        # scope -> the (class, attr) slots holding its stores: an edit's remove() visits
        # those, not every slot of the workspace (a quarter of an update's time on typing.py)
        self._stored_by: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
        self._depth = 0
        self._changed = False
        for summary in summaries:
            self.add(summary)

    # the workspace -------------------------------------------------------------------------
    def add(self, summary: ModuleSummary) -> None:
        self.remove(summary.module, keep=summary.scopes.keys())
        self.modules[summary.module] = summary
        for q, scope in summary.scopes.items():
            self.scopes[q] = scope
            self.module_of[q] = summary.module
        parts = summary.module.split(".")
        self.packages.update(".".join(parts[:i]) for i in range(1, len(parts)))
        self._forget(summary.scopes)

    def remove(self, module: str, keep: Iterable[str] = ()) -> None:
        """Forget a module; what flowed into the parameters of its scopes stays only for
        those in `keep` (the module's new version still has them)."""
        old = self.modules.pop(module, None)
        if old is None:
            return
        for q in old.scopes:
            self.scopes.pop(q, None)
            self.module_of.pop(q, None)
        gone = old.scopes.keys() - set(keep)
        if gone:  # a renamed or deleted function's parameters: not kept for the session
            for key in [k for k in self.param_values if k[0] in gone]:
                del self.param_values[key]
        slots: set[tuple[str, str]] = set()
        for q in old.scopes:
            slots.update(self._stored_by.pop(q, ()))
        for key in slots:
            values = self.stored[key]
            kept = {v: None for v in values if v[1] not in old.scopes}
            if len(kept) != len(values):
                self.stored[key] = kept
        self._forget(old.scopes)

    def _forget(self, scopes: Iterable[str]) -> None:
        """Drop what was derived from these scopes. Other scopes' cached values may still
        mention them until the next full resolve: an edit re-resolves its own module only."""
        for q in scopes:
            self._memo.pop(q, None)
            self._mro.pop(q, None)
        self._attrs.clear()

    def invalidate(self) -> None:
        self._memo.clear()
        self._mro.clear()
        self._attrs.clear()

    def is_module(self, name: str) -> bool:
        return name in self.modules or name in self.packages

    # resolving -----------------------------------------------------------------------------
    def resolve_all(self, keep_caches: bool = True) -> dict[str, list[Edge]]:
        """Edges of every module, after the parameters' values reach a fixed point.

        Without `keep_caches` the per-scope caches (what `invalidate` drops, what makes a
        later edit's update quick) are let go before the edges are made, so the edges reuse
        their memory: a one-shot graph's peak is lower.

        Python's cyclic GC is paused meanwhile: the resolve allocates millions of tuples
        (none in cycles), and each allocation burst made the collector rescan every live
        one: a fifth of the standard library's resolve. Reference counting still frees
        everything as usual."""
        with gc_paused():
            return self._resolve_all(keep_caches)

    def _resolve_all(self, keep_caches: bool) -> dict[str, list[Edge]]:
        sites: dict[str, list[Site]] = {}
        # By name, not in the order modules were added: the order decides where a recursion
        # is cut, and a warm build (cached summaries first), an edited workspace (the edited
        # module last) and a fresh build must all give the same graph.
        order = sorted(self.modules)
        for _ in range(MAX_PASSES):
            sites = {}  # only the last pass's edges are kept: let the previous ones go first
            self._changed = False
            self.invalidate()
            if any([self.apply_stores(module) for module in every(order, self.pause, PAUSE_MODULES)]):
                self.invalidate()  # attributes changed: what was read before may differ
            sites = {m: self._module_sites(m) for m in order}
            if not self._changed:
                break
        if not keep_caches:
            self.invalidate()
        edges: dict[str, list[Edge]] = {}
        for module in order:  # each module's sites let go as its edges are made (peak memory)
            edges[module] = _edges(sites.pop(module))
        return edges

    def apply_stores(self, module: str) -> bool:
        """`obj.attr = value` outside obj's class: the class's instances get the attribute."""
        changed = False
        summary = self.modules.get(module)
        for q, scope in summary.scopes.items() if summary is not None else ():
            for obj, attr, value in scope.stores:
                for target in self.eval(obj, q):
                    if target[0] in ("i", "d") and self._is_class(target[1]):
                        slot = self.stored.setdefault((target[1], attr), {})
                        before = len(slot)
                        slot[("o", q, value)] = None
                        self._stored_by[q].add((target[1], attr))
                        if len(slot) != before:
                            self._changed = True
                            self._attrs.clear()  # instances have another attribute value
                            changed = True
        return changed

    def resolve_module(self, module: str) -> list[Edge]:
        return _edges(self._module_sites(module))

    def _module_sites(self, module: str) -> list[Site]:
        summary = self.modules.get(module)
        if summary is None:
            return []
        out: list[Site] = []
        for q in every(summary.scopes, self.pause, PAUSE_SCOPES):
            out.extend(self._scope_sites(q))
        return out

    def _scope_sites(self, q: str) -> list[Site]:
        scopes, evaluate, target_of, bind = self.scopes, self.eval, self.target, self.bind  # the hottest loop
        calls = scopes[q].calls
        if not calls:
            return []
        memo = self._memo.get(q)
        if memo is None:
            memo = self._memo[q] = {}
        found: dict[tuple[str, int], Site] = {}
        for call in calls:
            # a callee mostly repeats in its scope (`self.x(...)`, `len(...)`): read the memo
            # here and call `eval` only for a new one. Nothing is being evaluated at this
            # level, so an entry here is a finished value (never _ACTIVE, kept anyway).
            values = memo.get(call.callee)
            if values is None or values is _ACTIVE:
                values = evaluate(call.callee, q)
            for value in values:
                tag = value[0]
                if tag == "x" or tag == "v":  # most callees are external: target() inlined
                    target: str = value[1]
                    skip_first = False
                elif tag == "b":  # a bound method (`self.m()`): as target() answers it
                    target = value[1]
                    skip_first = True
                else:
                    found_target, skip_first = target_of(value)
                    if found_target is None:
                        continue
                    target = found_target
                if call.args or call.kwargs:
                    callee = scopes.get(target)
                    if callee is not None and (callee.kind == "function" or callee.kind == "lambda"):
                        bind(callee, call.args, call.kwargs, q, skip_first, memo)
                key = (target, call.start)
                if key not in found:
                    found[key] = (q, target, call.start, call.end, call.line)
                if tag == "x" and target in CALLBACKS:
                    self.callbacks(target, call, q, found)
        return list(found.values())

    def callbacks(self, builtin: str, call: Call, q: str, found: dict[tuple[str, int], Site]) -> None:
        """`map(f, xs)`, `sorted(xs, key=f)`: the builtin calls f, on the caller's behalf."""
        index, keyword = CALLBACKS[builtin]
        exprs = [e for k, e in call.kwargs if k == keyword] if keyword else []
        if index >= 0 and index < len(call.args):
            exprs.append(call.args[index])
        elements = (
            tuple(("i", a) for a in call.args[index + 1 :]) if index >= 0 else tuple(("i", a) for a in call.args[:1])
        )
        for expr in exprs:
            for fn in self.eval(expr, q):
                target, skip_first = self.target(fn)
                if target is None or target in BUILTIN_TYPES:
                    continue
                callee = self.scopes.get(target)
                if callee is not None and callee.kind in ("function", "lambda"):
                    self.bind(callee, elements[:1], (), q, skip_first)
                key = (target, call.start)
                if key not in found:
                    found[key] = (q, target, call.start, call.end, call.line)

    def target(self, value: Value) -> tuple[str | None, bool]:
        """The node a call of `value` reaches, and whether its first parameter is implicit."""
        tag = value[0]
        if tag in ("x", "v"):
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
                    if init[0] == "x" and not init[1].startswith("builtins."):
                        return init[1], False  # a third-party base's constructor
                return value[1], False
            return value[1], scope.method_kind == "class"
        if tag == "i":
            for call in self.class_attr(value[1], "__call__", bound=True):
                if call[0] == "b":
                    return call[1], True
        return None, False

    def bind(
        self,
        scope: Scope,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str, Expr], ...],
        caller: str,
        skip_first: bool,
        memo: dict[Any, Values] | None = None,
    ) -> None:
        """Arguments of a call from `caller` flow into the parameters of `scope` (a function
        or lambda). `memo`: the caller's memo, when the caller already has it at hand."""
        fq, params, positional = scope.qualname, scope.params, scope.positional
        # an argument is mostly evaluated already (this call site, another target of it, a
        # previous call with it): read the caller's memo here, `eval` only if it is not there
        if memo is None:
            memo = self._memo.get(caller) or {}
        param_values = self.param_values
        index = 1 if skip_first else 0
        for arg in args:
            if index >= positional:
                break
            values = memo.get(arg)
            if values is None or values is _ACTIVE:
                values = self.eval(arg, caller)
            if values:  # _add_param, inlined (a million calls on the standard library)
                slot = param_values[(fq, params[index])]
                before = len(slot)
                if before < MAX_VALUES:
                    if len(values) == 1:  # most: no dict made to add one value
                        if values[0] not in slot:
                            slot[values[0]] = None
                            self._changed = True
                    else:
                        slot.update(dict.fromkeys(values))
                        if len(slot) != before:
                            self._changed = True
            index += 1
        for name, arg in kwargs:
            if name in params:
                values = memo.get(arg)
                if values is None or values is _ACTIVE:
                    values = self.eval(arg, caller)
                self._add_param(fq, name, values)

    def _add_param(self, fq: str, name: str, values: Values) -> None:
        if not values:
            return
        slot = self.param_values[(fq, name)]
        if len(slot) >= MAX_VALUES:
            return
        before = len(slot)
        slot.update(dict.fromkeys(values))
        if len(slot) != before:
            self._changed = True

    # evaluation ----------------------------------------------------------------------------
    def eval(self, expr: Expr, q: str) -> Values:
        memo = self._memo.get(q)
        if memo is None:
            memo = self._memo[q] = {}
        size = len(memo)
        cached = memo.setdefault(expr, _ACTIVE)  # one lookup: known, being evaluated, or new
        if len(memo) == size:
            if cached is _ACTIVE:
                self._cuts += 1
                return EMPTY
            return cached
        if self._depth > MAX_DEPTH:
            del memo[expr]
            self._cuts += 1
            return EMPTY
        self._depth += 1
        try:
            # a name (a third of all evaluations) without the dispatch's call
            result = self.lookup(q, expr[1]) if expr[0] == "n" else self._eval(expr, q)
        except BaseException:
            memo.pop(expr, None)
            raise
        finally:
            self._depth -= 1
        memo[expr] = result
        return result

    def _eval(self, expr: Expr, q: str) -> Values:
        tag = expr[0]
        # the tags by how often they are evaluated (names a third, ..., unknowns 4 %): each
        # test passed on the way costs, and constants came after sixteen of them
        if tag == "n":
            return self.lookup(q, expr[1])
        # attr() and call_result() give values without duplicates: one object's need no
        # ordered() (most expressions have one)
        if tag == "a":
            objs = self.eval(expr[1], q)
            if len(objs) < 2:
                return self.attr(objs[0], expr[2]) if objs else EMPTY
            return ordered(v for obj in objs for v in self.attr(obj, expr[2]))
        if tag == "c":
            called = self.eval(expr[1], q)
            if PARTIAL in called and expr[2]:  # partial(f, ...) behaves like f when called
                return self.eval(expr[2][0], q)
            if len(called) < 2:
                return self.call_result(called[0]) if called else EMPTY
            return ordered(v for f in called for v in self.call_result(f))
        if tag == "d":
            return (("d", expr[1]),) if expr[1] in self.scopes else EMPTY
        if tag == "l":
            return self.container(expr, q)
        if tag == "X":  # a literal of a builtin type: its methods are builtins.<type>.<m>
            return (("x", expr[1]),)
        if tag == "u":
            return EMPTY
        if tag == "m":
            return (("m", expr[1]) if self.is_module(expr[1]) else ("x", expr[1]),)
        if tag == "f":
            return self.from_import(expr[1], expr[2])
        if tag == "s":
            return self.super_of(expr[1], q) if expr[1] in self.scopes else EMPTY
        if tag == "S":
            return ordered(("s", v[1], v[1]) for v in self.eval(expr[1], q) if v[0] == "d" and self._is_class(v[1]))
        if tag == "o":
            return self.eval(expr[2], expr[1]) if expr[1] in self.scopes else EMPTY
        if tag == "D":
            decorated = self.eval(expr[1], q)
            return decorated or self.eval(expr[2], q)
        if tag == "i":
            return self.elements(self.eval(expr[1], q))
        if tag == "k":  # container[literal key]
            return self.item(self.eval(expr[1], q), expr[2])
        if tag == "U":
            return ordered(v for e in expr[1] for v in self.eval(e, q))
        if tag == "T":  # type(x): the class of an instance
            return ordered(("d", v[1]) for v in self.eval(expr[1], q) if v[0] == "i")
        if tag == "t":  # an annotation: an instance of the class it names
            return ordered(
                ("i", v[1]) if v[0] == "d" else v
                for v in self.eval(expr[1], q)
                if (v[0] == "d" and self._is_class(v[1])) or (v[0] == "x" and v[1].rpartition(".")[2][:1].isupper())
            )
        if tag == "R":  # `raise E`: only a class is instantiated (an instance is not called)
            return ordered(
                v
                for v in self.eval(expr[1], q)
                if (v[0] == "d" and self._is_class(v[1])) or (v[0] == "x" and v[1].rpartition(".")[2][:1].isupper())
            )
        if tag == "I":  # `for x in obj`: obj.__iter__
            return ordered(
                m
                for v in self.eval(expr[1], q)
                if v[0] == "i"
                for m in self.class_attr(v[1], "__iter__", bound=True, instance=True)
            )
        if tag == "N":  # `for x in obj`: obj.__iter__().__next__
            return ordered(
                m
                for it in self._iterators(self.eval(expr[1], q))
                for m in self.class_attr(it[1], "__next__", bound=True, instance=True)
            )
        return EMPTY

    def super_of(self, cls: str, q: str) -> Values:
        """Bare super() in a method of cls: the next class in the MRO of each class whose
        instance the method's first parameter may hold (a subclass's, through inheritance)."""
        scope = self.scopes.get(q)
        while scope is not None and scope.kind == "lambda":  # super() in a nested lambda
            scope = self.scopes.get(scope.parent or "")
        owners: list[str] = []
        if scope is not None and scope.kind == "function" and scope.params:
            owners = [
                v[1]
                for v in self.local(scope, scope.params[0])
                if v[0] in ("i", "d") and self._is_class(v[1]) and ("d", cls) in self.mro(v[1])
            ]
        return ordered(("s", cls, of) for of in [cls, *owners])

    def _iterators(self, values: Values) -> Values:
        """What `iter()` returns for these values (instances of project classes only)."""
        return ordered(
            r
            for v in values
            if v[0] == "i"
            for m in self.class_attr(v[1], "__iter__", bound=True, instance=True)
            for r in self.call_result(m)
            if r[0] == "i"
        )

    def container(self, expr: Expr, q: str) -> Values:
        """("l", exprs[, kind[, keys]]) -> one container value."""
        kind = expr[2] if len(expr) > 2 else ""  # "": filled by mutation, kind unknown
        keys = expr[3] if len(expr) > 3 else ()
        # Nested containers are flattened into one level and members are capped: values
        # are compared and hashed whole, and containers of containers of ... made the
        # number of distinct values (and the time) explode on real code.
        parts = [self._flat(self.eval(e, q)) for e in expr[1]]
        members = ordered(v for part in parts for v in part)[:MAX_VALUES]
        keyed: dict[str, Values] = {}
        for key, part in zip(keys, parts, strict=False):
            if key is not None:
                keyed[key] = part
        complete = len(keyed) == len(parts) and len(keys) == len(parts)
        return (("C", members, kind, tuple(keyed.items()), complete),)

    @staticmethod
    def _flat(values: Values) -> Values:
        for v in values:  # (a loop: `any` of a generator made a frame per call)
            if v[0] == "C":
                break
        else:
            return values
        return ordered(m for v in values for m in (v[1] if v[0] == "C" else (v,)))

    def elements(self, values: Values) -> Values:
        """What iterating or indexing these values gives."""
        out: list[Value] = []
        for c in values:
            if c[0] == "C":
                out += [("v", v[1]) if v[0] == "x" else v for v in c[1]]  # by_value, inlined
            elif c[0] == "i":  # an iterator class: what its __next__ returns
                for it in self._iterators((c,)):
                    for m in self.class_attr(it[1], "__next__", bound=True, instance=True):
                        out.extend(self.call_result(m))
        return ordered_list(out)

    def item(self, values: Values, key: str) -> Values:
        out: list[Value] = []
        for c in values:
            if c[0] != "C":
                continue
            found = [v for k, v in c[3] if k == key]
            if found:
                out.extend(by_value(v) for v in found[0])
            elif not c[4]:  # some key is not a literal: it may be this one
                out.extend(by_value(v) for v in c[1])
        return ordered_list(out)

    def _is_class(self, q: str) -> bool:
        scope = self.scopes.get(q)
        return scope is not None and scope.kind == "class"

    def lookup(self, q: str, name: str) -> Values:
        """Python's scoping: local (if bound there), enclosing functions, module, builtins."""
        scope = self.scopes.get(q)
        while scope is not None:
            if scope.kind == "module":
                bound = scope.assigns.get(name)
                if bound is not None:  # module_names' own case, without its call
                    module = scope.qualname
                    if len(bound) == 1:
                        return self.eval(bound[0], module)
                    return ordered(v for e in bound for v in self.eval(e, module))
                found = self.module_names(scope.qualname, name)
                if found:
                    return found
                external = [s for s in scope.stars if not self.is_module(s)] if scope.stars else []
                if external and name not in BUILTINS and not name.startswith("_"):
                    return (("x", f"{external[0]}.{name}"),)
                return (("x", f"builtins.{name}"),) if name in BUILTINS else EMPTY
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
        values: list[Value] = []
        if name in scope.params:
            if scope.params[0] == name and scope.method_kind in ("instance", "class"):
                cls = scope.parent or ""
                values.append(("i", cls) if scope.method_kind == "instance" else ("d", cls))
            # an external value that arrived as an argument can still be called, but its
            # attributes are unknown: `s.split()` on a parameter that once received
            # `sys.abiflags` is not `sys.abiflags.split` ("v": external, by value)
            received = self.param_values.get((scope.qualname, name))
            if received:  # (by_value inlined: a million calls on the standard library)
                values += [("v", v[1]) if v[0] == "x" else v for v in received]
        for e in scope.assigns.get(name, ()):
            values.extend(self.eval(e, scope.qualname))
        return tuple(values) if len(values) < 2 else tuple(dict.fromkeys(values))  # ordered_list

    def module_names(self, module: str, name: str, seen: frozenset[str] = frozenset()) -> Values:
        """A module's global `name` (its own bindings, then its star imports)."""
        scope = self.scopes.get(module)
        if scope is None or module in seen:
            return EMPTY
        if name in scope.assigns:
            bound = scope.assigns[name]
            if len(bound) == 1:  # one binding: its values (already without duplicates)
                return self.eval(bound[0], module)
            return ordered(v for e in bound for v in self.eval(e, module))
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
            return (("m", sub),)
        if module in self.modules:
            return self.module_names(module, name)
        if self.is_module(module):
            return EMPTY
        return (("x", sub),)

    def attr(self, obj: Value, name: str) -> Values:
        tag = obj[0]
        if tag == "m":
            sub = f"{obj[1]}.{name}"
            if self.is_module(sub):
                return (("m", sub),)
            return self.module_names(obj[1], name)
        if tag == "x":
            return (("x", f"{obj[1]}.{name}"),)
        if tag == "d" and self._is_class(obj[1]):
            return self.class_attr(obj[1], name, bound=False)
        if tag == "i":
            if name == "__class__":
                return (("d", obj[1]),)
            return self.class_attr(obj[1], name, bound=True, instance=True)
        if tag == "s":
            return self.class_attr(obj[2], name, bound=True, instance=True, after=obj[1])
        if tag == "C" and obj[2]:  # a literal's method: builtins.dict.items
            return (("x", f"builtins.{obj[2]}.{name}"),)
        return EMPTY

    def call_result(self, f: Value) -> Values:
        tag = f[0]
        if tag in ("d", "b"):
            scope = self.scopes.get(f[1])
            if scope is None:
                return EMPTY
            if scope.kind == "class":
                return (("i", f[1]),)
            if not scope.returns:
                return EMPTY
            values = [("v", v[1]) if v[0] == "x" else v for r in scope.returns for v in self.eval(r, f[1])]  # by_value
            return tuple(values) if len(values) < 2 else tuple(dict.fromkeys(values))  # ordered_list
        if tag == "i":
            return ordered(v for c in self.class_attr(f[1], "__call__", bound=True) for v in self.call_result(c))
        if tag == "x" and f[1] in BUILTIN_TYPES:
            return (f,)  # str(x): its methods are builtins.str.<method>
        if tag == "x" and f[1].rpartition(".")[2][:1].isupper():
            # an external class (by naming convention): its instance's methods are named
            # after it, e.g. threading.Thread().start -> threading.Thread.start
            return (f,)
        return EMPTY

    # classes -------------------------------------------------------------------------------
    def class_attr(
        self, cls: str, name: str, *, bound: bool, instance: bool = False, after: str | None = None
    ) -> Values:
        key = (cls, name, bound, instance, after)
        found = self._attrs.get(key)
        if found is not None:
            return found
        cuts = self._cuts
        found = self._class_attr(cls, name, bound, instance, after)
        if self._cuts == cuts:
            self._attrs[key] = found
        return found

    def _class_attr(self, cls: str, name: str, bound: bool, instance: bool, after: str | None) -> Values:
        mro = self.mro(cls)
        if after is not None:
            index = next((i for i, k in enumerate(mro) if k == ("d", after)), -1)
            mro = mro[index + 1 :]
        for klass in mro:
            if klass[0] == "x":
                return (("x", f"{klass[1]}.{name}"),)
            scope = self.scopes.get(klass[1])
            if scope is None:  # a base removed by an edit, still in a cached MRO (see _forget)
                continue
            values: list[Value] = []
            for e in scope.assigns.get(name, ()):
                values.extend(self.eval(e, scope.qualname))
            if instance:
                for e in scope.attrs.get(name, ()):
                    values.extend(self.eval(e, scope.qualname))
                for e in self.stored.get((klass[1], name), ()):
                    values.extend(self.eval(e, scope.qualname))
            if values or name in scope.assigns:
                if bound:
                    values = [self._bind_method(v, cls, instance) for v in values]
                return ordered_list(values)
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
        if instance and (scope.method_kind == "" or (scope.method_kind == "instance" and scope.parent != cls)):
            # a wrapper assigned as a method, or a method inherited by a subclass: its
            # first parameter holds an instance of this class (self.hook() reaches overrides)
            self._add_param(value[1], scope.params[0], (("i", cls),))
        return ("b", value[1])

    def mro(self, cls: str) -> list[Value]:
        """C3 linearisation over project classes; an external base ends its branch."""
        cached = self._mro.get(cls)
        if cached is not None:
            if self._mro_pending and cls in self._mro_pending:
                self._cuts += 1  # the placeholder of a cycle: another answer later
            return cached
        scope = self.scopes.get(cls)
        if scope is None:
            # A class an edit removed, named by a value cached in another module's scope
            # (an edit re-resolves its own module only; see _forget): it has no attributes.
            return []
        self._mro[cls] = [("d", cls)]  # a cycle in bases ends here
        self._mro_pending.add(cls)
        try:
            result = self._linearize(cls, scope)
        finally:
            self._mro_pending.discard(cls)
        self._mro[cls] = result
        return result

    def _linearize(self, cls: str, scope: Scope) -> list[Value]:
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
        return result
