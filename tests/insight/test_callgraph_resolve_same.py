"""The resolver's shortcuts change nothing: its memo of class attributes (kept only when no
evaluation was cut short), the in-progress mark in its expression memo and its one-value fast
paths give exactly the edges of a plain resolver that evaluates everything every time (the
algorithm as it was before them, issue 15), on this project's own code and the test suites."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

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
