"""The whole-graph resolve, run in a child process for the editor.

An edit re-resolves its own module in the server (fast); what flowed through it into other
modules is settled by resolving the whole workspace again once typing pauses. That costs
about a second of CPU on a few hundred modules, so it runs here, in a child process that
keeps its own copy of the summaries: the server sends only the modules edited since the
last request, and gets back only the modules whose edges changed (plus the edited ones,
whose edges the server replaced itself meanwhile). A child that lost its state (restarted,
or another graph's) answers None and is sent everything.

Everything crossing the process boundary is plain picklable data (ModuleSummary, Edge).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

from codie.analyzers.callgraph.model import ModuleSummary, gc_paused
from codie.analyzers.callgraph.resolve import Edge, Resolver


@dataclass(slots=True)
class ReconcileJob:
    key: str  # which graph (a child may serve several)
    base: int | None  # the generation the child must hold; None: `changed` is everything
    changed: list[ModuleSummary]
    removed: list[str]


@dataclass(slots=True)
class ReconcileResult:
    generation: int
    edges: dict[str, list[Edge]]  # module -> its edges, for modules that changed


@dataclass(slots=True)
class _State:
    generation: int = 0
    summaries: dict[str, ModuleSummary] = field(default_factory=dict)
    edges: dict[str, list[Edge]] = field(default_factory=dict)


_STATES: dict[str, _State] = {}  # in the child: one per graph


def reconcile(job: ReconcileJob) -> ReconcileResult | None:
    """In the child: apply the job's modules, resolve everything, return what changed.

    No cyclic GC meanwhile, and what the child keeps is frozen after: the resolve paused it
    already, but re-enabling it had the next allocations scan every new edge, and each
    request's million long-lived objects set off full collections over every summary the
    child holds. Nothing here makes cycles; reference counting frees the old state."""
    with gc_paused():
        result = _reconcile(job)
        gc.freeze()
        return result


def _reconcile(job: ReconcileJob) -> ReconcileResult | None:
    state = _STATES.get(job.key)
    if job.base is None:
        state = _STATES[job.key] = _State()
    elif state is None or state.generation != job.base:
        return None  # not what the server thinks we hold: ask for everything
    for module in job.removed:
        state.summaries.pop(module, None)
    for summary in job.changed:
        state.summaries[summary.module] = summary
    # a fresh resolver, dropped after: its caches go before the edges are made (lower peak)
    edges = Resolver(state.summaries.values()).resolve_all(keep_caches=False)
    resent = {s.module for s in job.changed} | set(job.removed)
    out = {m: e for m, e in edges.items() if m in resent or state.edges.get(m) != e}
    for module in state.edges.keys() - edges.keys():
        out[module] = []  # removed: no edges any more
    state.edges = edges
    state.generation += 1
    return ReconcileResult(state.generation, out)


def forget(key: str) -> None:
    """In the child: drop a graph's state (its folder closed)."""
    _STATES.pop(key, None)
