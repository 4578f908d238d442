"""Every analyzer on a 50,000-line file: complete findings, nothing quarantined or skipped.

The file repeats one block of code with known findings, so the findings of the whole are
the block's, once per copy. The analysis runs as the editor runs it (the engine's
slow-analyzer quarantine on); there is no wall-clock assertion, only a generous safety
timeout so a regression cannot hang the suite. Speed is measured by
bench/analyzer_profile.py, not here.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

from codie.analyzers import registered
from codie.analyzers.callgraph.extract import summarize
from codie.analyzers.metrics import flatten, module_metrics
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.rules import catalogue

SAFETY_TIMEOUT = 900.0  # seconds: a hang fails the test instead of the suite; not a budget

HEADER = "import os\nimport django\n"
BLOCK = '''

def handler_{i}(request, items=[]):
    """Look the value up, the unsafe way."""
    value = request.args.get("q")
    try:
        result = eval(value)
    except:
        result = None
    if value and result:
        for item in items:
            if item > 0 and item < 10 or item == 99:
                while item:
                    item -= 1
            elif item < -10:
                item = -item if item else 0
            elif item == 5 or item == 6:
                continue
            elif item == 7:
                break
            elif item == 8 and value:
                pass
    return result


class Store{i}:
    password = "hunter2-secret"

    def load(self, path):
        import pickle
        with open(path, "rb") as fh:
            return pickle.load(fh)

    def run(self, cmd):
        import subprocess
        return subprocess.run(cmd, shell=True)
'''
BLOCK_LINES = BLOCK.count("\n")
# findings about the module as a whole, not about one block
MODULE_RULES = frozenset({"CPX004", "DEP004"})


def source(lines: int) -> tuple[str, int]:
    copies = max(1, (lines - HEADER.count("\n")) // BLOCK_LINES)
    return HEADER + "".join(BLOCK.format(i=i) for i in range(copies)), copies


def analysed(root: Path, name: str, text: str) -> tuple[DocumentAnalysis, list[Finding]]:
    (root / "requirements.txt").write_text("django==1.11\n")  # DEP004 on `import django`
    doc = Document((root / name).as_uri(), text)
    # the editor's engine: incremental steps and the slow-analyzer quarantine
    analysis = DocumentAnalysis(Context(doc, catalogue(), root=root), registered())
    return analysis, analysis.run()


def in_thread(fn: Callable[[], Any]) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(timeout=SAFETY_TIMEOUT)


def per_block(findings: list[Finding]) -> Counter[str]:
    return Counter(f.rule_id for f in findings if f.rule_id not in MODULE_RULES)


def test_a_50000_line_file_gets_every_finding_from_every_analyzer(tmp_path: Path) -> None:
    _, one_found = analysed(tmp_path, "one.py", source(1)[0])
    block = per_block(one_found)
    # the block exercises every kind of analyzer that has something to say about it
    assert {"Q001", "Q002", "CPX001", "SEC001", "SEC002", "SEC009", "SEC004"} <= set(block)
    text, copies = source(50_000)
    assert text.count("\n") >= 49_000

    big, found = in_thread(lambda: analysed(tmp_path, "big.py", text))
    assert big.disabled == {}, big.disabled  # nothing quarantined
    assert big.failures.errors == {}
    assert "ANA001" not in {f.rule_id for f in found}  # nothing skipped as too deep
    assert per_block(found) == Counter({rule: n * copies for rule, n in block.items()})
    module_level = Counter(f.rule_id for f in found if f.rule_id in MODULE_RULES)
    assert module_level == Counter({"DEP004": 1, "CPX004": 1})  # the whole module, once
    # each block's finding sits in its own block, in order
    evals = [f for f in found if f.rule_id == "SEC001"]
    assert [big.doc.source.count(b"\n", 0, f.start) for f in evals] == [
        HEADER.count("\n") + i * BLOCK_LINES + 6 for i in range(copies)
    ]


def test_metrics_and_call_graph_of_a_50000_line_file_are_complete() -> None:
    text, copies = source(50_000)
    data = text.encode()
    doc = Document("file:///big.py", data)
    assert doc.tree is not None
    tree = doc.tree
    metrics = in_thread(lambda: module_metrics(tree, data))
    functions = [m for m in flatten(metrics) if m.kind in ("function", "method")]
    assert len(functions) == 3 * copies
    assert {m.cyclomatic for m in functions if m.name.startswith("handler_")} == {16}
    assert metrics.lines.loc == text.count("\n")
    summary = in_thread(lambda: summarize(data, "big", "big.py", tree=tree))
    assert sum(1 for key in summary.scopes if key.startswith("big.handler_")) == copies


def _calls(fn: Callable[[], object]) -> int:
    """Python and C calls made by fn: a deterministic count of the work done."""
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def _work(lines: int, root: Path) -> Iterator[tuple[str, int]]:
    text, _ = source(lines)
    data = text.encode()
    doc = Document((root / f"w{lines}.py").as_uri(), data)
    assert doc.tree is not None
    tree = doc.tree
    yield "engine (every analyzer)", _calls(lambda: analysed(root, f"w{lines}.py", text))
    yield "metrics", _calls(lambda: module_metrics(tree, data))
    yield "callgraph", _calls(lambda: summarize(data, "w", "w.py", tree=tree))


def test_work_grows_linearly_with_the_file(tmp_path: Path) -> None:
    """Five times the text costs five times the calls (a quadratic step would cost 25).

    Counting calls is deterministic and independent of the machine; it sees every loop
    in Python, though not the work inside one C call (a whole-file `split` per function
    counts as one call each time: bench/analyzer_profile.py catches those)."""
    small = dict(_work(2_000, tmp_path))
    large = dict(_work(10_000, tmp_path))
    ratios = {name: large[name] / small[name] for name in small}
    assert all(ratio < 5 * 1.2 for ratio in ratios.values()), ratios
