"""Python opcodes executed per keystroke in the bookkeeping of findings: a count, so the
same on a busy machine as on an idle one (CPU-time figures on a shared 2-core box move by
a third from run to run; this does not move at all).

Drives the server in-process through bench/keystroke_profile.py's edits (lspbench's plan on
the 6,862-line file) and counts, with sys.settrace's opcode events, what runs inside:

  engine: note_edit   the engine moving what survives an edit (groups, dirty ranges)
  engine: map whole   moving whole-document analyzers' findings through edits
  present             the presentation (findings(), the rescoring, suppressions, filters)
  encode              the diagnostics' JSON (lsp/convert.DiagnosticCache)
  analysis            with --analysis: the engine's steps (the reparse, every analyzer on
                      the statements an edit changed and on the whole file, the bookkeeping)

Work done in C (a sort, a regex scan, json.dumps) counts as the one opcode that calls it:
compare the figures of two builds, not with CPU time. `--by-function` lists the functions
that ran the most opcodes.

    .venv/bin/python bench/keystroke_opcodes.py [--edits 60] [--by-function] [--analysis]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT / "bench"))

import keystroke_profile  # noqa: E402
from codie.core import engine  # noqa: E402
from codie.lsp import server  # noqa: E402

STAGES = {
    "engine: note_edit": (engine.DocumentAnalysis, "note_edit"),
    "engine: map whole": (engine.DocumentAnalysis, "_map_whole_through_edits"),
    "present": (server.CodieServer, "visible_findings"),
    "encode": (server.CodieServer, "_encoded"),
}


class Counting:
    def __init__(self) -> None:
        self.stage: str | None = None
        self.counts: Counter[str] = Counter()
        self.functions: Counter[tuple[str, str]] = Counter()
        self.on = False  # after the first analysis

    def local(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        if event == "opcode" and self.stage is not None:
            self.counts[self.stage] += 1
            self.functions[(self.stage, frame.f_code.co_qualname)] += 1
        return self.local

    def start(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        frame.f_trace_opcodes = True
        return self.local

    def wrap(self, label: str, owner: type, name: str) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            if self.stage is not None or not self.on:  # (nested, or the first analysis)
                return original(*args, **kwargs)
            self.stage = label
            sys.settrace(self.start)
            try:
                return original(*args, **kwargs)
            finally:
                sys.settrace(None)
                self.stage = None

        setattr(owner, name, counted)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=60)
    ap.add_argument("--by-function", action="store_true")
    ap.add_argument("--analysis", action="store_true", help="also count the engine's steps (every analyzer)")
    args = ap.parse_args()
    if args.analysis:
        STAGES["analysis"] = (engine.DocumentAnalysis, "step")
    counting = Counting()
    for label, (owner, name) in STAGES.items():
        counting.wrap(label, owner, name)
    note_edit = engine.DocumentAnalysis.note_edit

    def first_edit(self: engine.DocumentAnalysis, edit: Any) -> None:
        counting.on = True  # the edits start: the first analysis is done
        note_edit(self, edit)

    engine.DocumentAnalysis.note_edit = first_edit  # type: ignore[method-assign]
    text = keystroke_profile.stdlib_large()
    plan = keystroke_profile.lspbench_plan(text, args.edits)
    asyncio.run(keystroke_profile.profile(text, plan))
    edits = len(plan)
    print(f"Python opcodes per keystroke ({edits} edits, lspbench's plan, the 6,862-line file)")
    for label in STAGES:
        print(f"  {label:<20}{counting.counts[label] / edits:>10,.0f}")
    print(f"  {'total':<20}{sum(counting.counts.values()) / edits:>10,.0f}")
    if args.by_function:
        for (label, function), count in counting.functions.most_common(25):
            print(f"  {label:<20}{function:<44}{count / edits:>8,.0f}")


if __name__ == "__main__":
    main()
