"""The resolver's shortcuts change nothing: its memo of class attributes (kept only when no
evaluation was cut short), the in-progress mark in its expression memo and its one-value fast
paths give exactly the edges of a plain resolver that evaluates everything every time (the
algorithm as it was before them, issue 15), on this project's own code, the test suites and
generated workspaces; on those also whatever order the modules are added in."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import pytest

from codie.analyzers.callgraph import CallGraph, remote
from codie.analyzers.callgraph.extract import module_name, summarize
from codie.analyzers.callgraph.model import Expr, ModuleSummary
from codie.analyzers.callgraph.resolve import EMPTY, MAX_DEPTH, Resolver, Values

ROOT = Path(__file__).resolve().parents[2]


class PlainResolver(Resolver):
    """No class-attribute memo; the expression memo and recursion cut as they were."""

    def __init__(self, summaries: list[ModuleSummary]) -> None:
        self._active: set[tuple[str, Expr]] = set()
        super().__init__(summaries)

    def class_attr(
        self, cls: str, name: str, *, bound: bool, instance: bool = False, after: str | None = None
    ) -> Values:
        return self._class_attr(cls, name, bound, instance, after)

    def remove(self, module: str, keep: Iterable[str] = ()) -> None:
        """Every store slot of the workspace looked at (no index of who stored what)."""
        old = self.modules.get(module)
        stored = dict(self.stored)
        super().remove(module, keep)
        if old is not None:
            for key, values in stored.items():
                kept = {v: None for v in values if v[1] not in old.scopes}
                if len(kept) != len(values):
                    stored[key] = kept
        self.stored = stored

    def eval(self, expr: Expr, q: str) -> Values:
        memo = self._memo.setdefault(q, {})
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


def summaries(root: Path, prefix: str = "") -> list[ModuleSummary]:
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        module, is_package = module_name(prefix + rel)
        out.append(summarize(path.read_bytes(), module, rel, is_package))
    return out


@pytest.mark.parametrize(
    ("root", "prefix"),
    [(ROOT / "server", ""), (ROOT / "tests" / "callgraph_suite", ""), (ROOT / "tests" / "callgraph_pycg", "")],
    ids=["codie", "suite", "pycg"],
)
def test_shortcuts_give_the_plain_resolvers_edges(root: Path, prefix: str) -> None:
    modules = summaries(root, prefix)
    assert len(modules) > 40
    fast = Resolver(modules).resolve_all()
    plain = PlainResolver(modules).resolve_all()
    assert sum(len(e) for e in fast.values()) > 100
    assert fast == plain


def test_shortcuts_give_the_plain_resolvers_edges_after_edits() -> None:
    """An edit's update re-resolves one module against a warm resolver (memos kept): each
    edited module loses its second half (scopes, stores, parameters go), then gets it back."""
    modules = summaries(ROOT / "server")
    fast, plain = Resolver(modules), PlainResolver(modules)
    fast.resolve_all()
    plain.resolve_all()
    assert fast.stored
    for summary in modules[::5]:
        path = ROOT / "server" / summary.path
        source = path.read_bytes()
        half = source[: source.rfind(b"\n", 0, len(source) // 2) + 1]
        for version in (half, source):
            edited = summarize(version, summary.module, summary.path, summary.is_package, compact=False)
            for resolver in (fast, plain):
                resolver.add(edited)
                resolver.apply_stores(summary.module)
            assert fast.resolve_module(summary.module) == plain.resolve_module(summary.module), summary.module
            assert fast.stored == plain.stored
            assert fast.param_values == plain.param_values


CYCLE = b"""class C:
    m = helper()


def other():
    pass


def helper(cond=True):
    if cond:
        return C().m  # reads C.m while C.m is being evaluated: cut short, nothing
    return other


def first():
    return C.m()


def use():
    return C().m()
"""


def test_an_answer_cut_short_by_a_cycle_is_not_remembered() -> None:
    """`C().m` is first asked inside the evaluation of `C.m` itself, where it gets nothing;
    asked again later (in `use`) it must be evaluated anew, as the plain resolver does."""
    modules = [summarize(CYCLE, "main", "main.py")]
    fast = Resolver(modules).resolve_all()
    assert ("main.use", "main.other") in {(e.caller, e.callee) for e in fast["main"]}
    assert fast == PlainResolver(modules).resolve_all()


BASES = b"""class Base:
    def hook(self):
        pass


def make():
    return C().hook or Base  # reads C's attribute while C's bases are being found


class C(make()):
    pass


def use():
    C().hook()
"""


def test_an_answer_read_from_an_unfinished_mro_is_not_remembered() -> None:
    modules = [summarize(BASES, "main", "main.py")]
    fast = Resolver(modules).resolve_all()
    assert ("main.use", "main.Base.hook") in {(e.caller, e.callee) for e in fast["main"]}
    assert fast == PlainResolver(modules).resolve_all()


# generated workspaces ----------------------------------------------------------------------
# Random packages of a few modules that pass functions around (arguments, returns, closures,
# containers, decorators, stores on instances, callbacks, inheritance, super(), recursion):
# what makes parameters grow from pass to pass and recursions be cut, in shapes the real
# corpora above may not hold.


def _module(rng: random.Random, index: int, count: int) -> str:
    funcs = [f"f{index}_{j}" for j in range(rng.randint(3, 7))]
    classes = [f"C{index}_{j}" for j in range(rng.randint(1, 3))]
    lines = ["import builtins", "from functools import partial"]
    imported: list[str] = []
    for other in rng.sample(range(count), k=min(count, 2)):
        if other != index:
            name = f"f{other}_0"
            lines.append(rng.choice([f"from pkg.m{other} import {name}", f"from .m{other} import {name}"]))
            lines.append(f"from pkg.m{other} import C{other}_0")
            lines.append(f"import pkg.m{other} as m{other}")
            imported += [name, f"C{other}_0", f"m{other}.f{other}_1"]
    callables = funcs + classes + imported
    lines += [
        "",
        "def deco(fn):",
        "    def wrap(*args, **kwargs):",
        "        return fn(*args, **kwargs)",
        "    return wrap",
        "",
    ]

    def pick() -> str:
        return rng.choice(callables)

    def statement(params: list[str]) -> str:
        a = rng.choice(params) if params else pick()
        options = [
            f"return {a}",
            f"return {pick()}",
            f"return lambda x: x({a})",
            f"{a}({pick()})",
            f"{pick()}({pick()}, {a})",
            f"x = {pick()}({a})\n    x()",
            f"for item in [{pick()}, {a}]:\n        item()",
            f'd = {{"k": {pick()}, "j": {a}}}\n    d["k"]()\n    d["j"](d)',
            f"{rng.choice(classes)}({a}).run()",
            f"obj = {rng.choice(classes)}({pick()})\n    obj.hook = {a}\n    obj.hook()",
            f"list(map({pick()}, [{a}]))",
            f"sorted([{a}], key={pick()})",
            f"partial({pick()}, {a})()",
            f"str({a}).split()",
            f"({a} or {pick()})()",
            f"return {rng.choice(funcs)}({a}, {pick()})",
            f"xs = []\n    xs.append({a})\n    xs[0]()",
            f"return {rng.choice(classes)}.make({a})",
        ]
        return rng.choice(options)

    for name in funcs:
        params = rng.sample(["a", "b", "c"], k=rng.randint(0, 3))
        header = f"def {name}({', '.join(p if i == 0 else p + '=None' for i, p in enumerate(params))}):"
        if rng.random() < 0.3:
            lines.append("@deco")
        lines.append(header)
        for _ in range(rng.randint(1, 4)):
            lines.append("    " + statement(params))
        lines.append("")
    for i, name in enumerate(classes):
        base = rng.choice([*classes[:i], *imported[1::3], "object"]) if rng.random() < 0.7 else "object"
        lines += [
            f"class {name}({base}):",
            "    def __init__(self, cb=None):",
            "        self.cb = cb",
            f"        self.other = {pick()}",
            "    def run(self):",
            "        return self.cb()",
            "    def apply(self, fn):",
            "        return fn(self)",
            "    def __call__(self, *args):",
            f"        return self.other({pick()})",
            "    def __iter__(self):",
            "        return iter([self.cb, self.other])",
            "    @classmethod",
            "    def make(cls, cb):",
            "        return cls(cb)",
            "    @staticmethod",
            "    def helper(fn):",
            f"        return fn({pick()})",
        ]
        if base != "object":
            lines += ["    def hook(self):", "        return super().run()"]
        lines.append("")
    lines += ["def main():"] + ["    " + statement([]) for _ in range(4)]
    return "\n".join(lines) + "\n"


def _sources(seed: int, count: int | None = None) -> dict[str, bytes]:
    """A package of generated modules: relative path -> source."""
    rng = random.Random(seed)
    count = count or rng.randint(2, 5)
    out = {"pkg/__init__.py": b""}
    for i in range(count):
        out[f"pkg/m{i}.py"] = _module(rng, i, count).encode()
    return out


def _generated(seed: int) -> list[ModuleSummary]:
    out = []
    for rel, source in _sources(seed).items():
        module, is_package = module_name(rel)
        out.append(summarize(source, module, rel, is_package))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_generated_workspaces_resolve_as_the_plain_resolver_and_in_any_order(seed: int) -> None:
    modules = _generated(seed)
    fast = Resolver(modules).resolve_all()
    assert sum(len(e) for e in fast.values()) > 10
    assert fast == PlainResolver(modules).resolve_all()
    # the order modules arrive in (cached first, edited last) changes nothing
    assert Resolver(modules[::-1]).resolve_all() == fast
    assert Resolver(random.Random(seed).sample(modules, k=len(modules))).resolve_all() == fast


def _edge_set(graph: CallGraph) -> set[tuple[str, str, int, int, int]]:
    return {(e.caller, e.callee, e.start, e.end, e.line) for es in graph.edges.values() for e in es}


def _write(root: Path, sources: dict[str, bytes]) -> None:
    for rel, source in sources.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(source)


@pytest.mark.parametrize("seed", range(8))
def test_generated_workspaces_updated_then_settled_equal_a_fresh_build(seed: int, tmp_path: Path) -> None:
    """Each module edited in turn (the editor's `update`), then the whole graph settled
    both ways the editor can (`reresolve` in process, `remote.reconcile` in its child):
    the graph a fresh build of the edited files gives."""
    before, after = _sources(seed, 4), _sources(seed + 1000, 4)
    _write(tmp_path, before)
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    job = graph.reconcile_job()
    assert graph.apply_reconcile(job, remote.reconcile(job))
    for rel, source in after.items():
        graph.update(tmp_path / rel, source)
    _write(tmp_path, after)
    fresh = CallGraph(tmp_path)
    fresh.build(jobs=1)
    assert sum(len(e) for e in fresh.edges.values()) > 10
    job = graph.reconcile_job()  # only the edited modules go to the child, which settles all
    try:
        assert graph.apply_reconcile(job, remote.reconcile(job))
    finally:
        remote.forget(graph.key)
    assert _edge_set(graph) == _edge_set(fresh)
    graph.reresolve()
    assert _edge_set(graph) == _edge_set(fresh)
    assert graph.pycg_adjacency() == fresh.pycg_adjacency()
