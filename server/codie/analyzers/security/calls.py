"""Calls to functions of the same file: their summaries applied at the call site."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tree_sitter import Node

from codie.analyzers.security import specs
from codie.analyzers.security.model import Step, Taint, join

if TYPE_CHECKING:
    from codie.analyzers.security.interp import Flow
    from codie.analyzers.security.module import ModuleInfo

CROSS_FUNCTION_PENALTY = 0.03
EXTERNAL = "ext:"  # key prefix of functions imported from other modules of the workspace


def apply_summary(
    mod: ModuleInfo,
    flow: Flow,
    key: str,
    call: Node,
    positional: list[Node],
    pos_t: list[Taint | None],
    keywords: dict[str, Node],
    kw_t: dict[str, Taint | None],
) -> Taint | None:
    summary = mod.summary(key)
    flow.used[key] = summary
    if summary is None:  # recursion: propagate the arguments
        merged: Taint | None = None
        for t in [*pos_t, *kw_t.values()]:
            merged = join(merged, t)
        return merged
    bound: dict[int, Taint] = {}
    for i, t in enumerate(pos_t):
        index = i if summary.vararg < 0 or i < summary.vararg else summary.vararg
        if t is not None and index < len(summary.params):
            bound[index] = join(bound.get(index), t) or t
    for k, t in kw_t.items():
        if t is not None and k in summary.params:
            bound[summary.params.index(k)] = t
    callee = key.rsplit(".", 1)[-1].removeprefix(EXTERNAL)
    call_step = flow.step(call, f"passed to `{callee}()`")
    external = key.startswith(EXTERNAL)
    for hit in summary.sinks:
        for index in hit.taint.params:
            arg = bound.get(index)
            if arg is None or (f"param:{index}", hit.family) in hit.taint.quiet:
                continue
            arg = arg.only_live(hit.family)
            cleared = arg.cleared | hit.taint.cleared
            if hit.family in cleared:
                continue
            inner = tuple(s for s in hit.taint.path if not s.message.startswith("parameter"))
            if external:
                # the sink is in another file: report at this call, point at the sink
                place = mod.external_place(key, hit)
                hit = replace(
                    hit,
                    owner=flow.func.key,
                    start=call.start_byte - flow.base,
                    end=call.end_byte - flow.base,
                    label=f"{hit.label} in `{callee}()`",
                    external=((place,) if place else ()) + hit.external,
                )
                inner = ()
            path = _concat(arg.path, call_step, inner)
            real = [k for k in arg.real_kinds if specs.kind_counts(k, hit.family)]
            if real:
                evidence = max(specs.KIND_EVIDENCE[k] for k in real) - CROSS_FUNCTION_PENALTY
                flow.found.append(replace(hit, taint=Taint(arg.real_kinds, path, cleared), evidence=round(evidence, 3)))
            if arg.params:
                flow.hits.append(replace(hit, taint=Taint(frozenset(f"param:{p}" for p in arg.params), path, cleared)))
    ret = summary.returns
    if ret is None:
        return None
    out: Taint | None = None
    if ret.real_kinds:
        head = () if external else ret.path
        out = Taint(ret.real_kinds, _concat(head, call_step, ()), ret.cleared, ret.normalized, ret.quiet)
    for index in ret.params:
        arg = bound.get(index)
        if arg is not None:
            # (an argument that reaches the result only through parts cleaned for a family)
            quiet = frozenset(f for k, f in ret.quiet if k == f"param:{index}")
            out = join(
                out,
                replace(
                    arg.step(call_step),
                    cleared=arg.cleared | ret.cleared | quiet,
                    normalized=arg.normalized or ret.normalized,
                ),
            )
    return out


def _concat(head: tuple[Step, ...], middle: Step, tail: tuple[Step, ...]) -> tuple[Step, ...]:
    path = (*head, middle, *tail)
    if len(path) > 8:
        path = (*path[:3], *path[-5:])
    return path
