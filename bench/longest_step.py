"""How long the editor's engine holds the event loop: the longest single step, per analyzer.

The language server analyses in steps (`DocumentAnalysis.step(STEP_BUDGET)`) and yields to
the event loop between them; a step cannot stop inside one analyzer call (nor, for a
whole-document analyzer, between two of its `Unit` marks), so the longest step is how long
a keystroke can wait behind analysis. Each analyzer runs alone as the editor runs it
(the editor's budgets, no services) on each file: opened, then edited inside function
bodies. Figures are CPU seconds of the thread (the machine is shared: wall-clock figures
measure the neighbours).

`maintainability` computes the module metrics inline here; the server reads them from its
metrics child process (ctx.services["metrics"]), so in the editor it costs ~0 on the loop.

    .venv/bin/python bench/longest_step.py [--edits 5] [--files stdlib,web]

Compare with another checkout: PYTHONPATH=/path/to/other/server .venv/bin/python bench/longest_step.py
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bigfiles import stdlib_large  # noqa: E402
from codie.analyzers import registered  # noqa: E402
from codie.core.analyzer import Analyzer, Context  # noqa: E402
from codie.core.document import Document  # noqa: E402
from codie.core.engine import DocumentAnalysis  # noqa: E402
from codie.core.rules import catalogue  # noqa: E402
from security_edit_latency import big_file  # noqa: E402

STEP_BUDGET = 0.004  # lsp/scheduling.py
FILES: dict[str, Callable[[], str]] = {"stdlib": stdlib_large, "web": big_file}


def settle(analysis: DocumentAnalysis) -> float:
    """The longest step, in CPU seconds, until the findings are current."""
    longest = 0.0
    while True:
        started = time.thread_time()
        done = analysis.step(STEP_BUDGET)
        longest = max(longest, time.thread_time() - started)
        if done:
            return longest


def measure(text: str, analyzers: list[Analyzer], edits: int) -> tuple[float, float]:
    doc = Document("file:///bench/step.py", text, version=1)
    analysis = DocumentAnalysis(Context(doc, catalogue()), analyzers)
    opened = settle(analysis)
    bodies = [i for i, line in enumerate(text.split("\n")) if line.startswith("    return ")]
    edited = 0.0
    for k in range(edits):
        line = bodies[(k * 7919) % len(bodies)]
        analysis.note_edit(doc.apply_change((line, 4), (line, 4), f"x{k} = 1\n    "))
        edited = max(edited, settle(analysis))
    return opened, edited


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--files", default="stdlib,web")
    args = ap.parse_args()
    texts = {name: FILES[name]() for name in args.files.split(",")}
    print("longest step, ms of CPU: " + ", ".join(f"{n} {t.count(chr(10)):,} lines" for n, t in texts.items()))
    print(f"{'analyzer':<22}" + "".join(f"{n + ' open':>14}{n + ' edits':>14}" for n in texts))
    for analyzer in registered():
        if "python" not in analyzer.languages:
            continue
        row = [measure(text, [analyzer], args.edits) for text in texts.values()]
        print(f"{analyzer.name:<22}" + "".join(f"{o * 1000:>14.1f}{e * 1000:>14.1f}" for o, e in row))


if __name__ == "__main__":
    main()
