"""What security-taint keeps between keystrokes holds nothing of past versions' trees or
texts: the states module-level code saves between top-level statements (to run again only
from the one an edit changed) keep lists and calls by place, not as tree-sitter nodes (a
node keeps its whole tree alive; run again from such a state, the findings still equal a
fresh analysis), and the import fix remembers only the last text it searched."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest
from tree_sitter import Node

from codie.analyzers.security.taint import TaintAnalyzer
from codie.core.document import Document
from tests.analyzers.security.test_incremental_taint import URI, analyse, fresh, full


def _nodes(value: object) -> int:
    """How many tree-sitter nodes a saved state holds, anywhere inside it."""
    if isinstance(value, Node):
        return 1
    if isinstance(value, dict):
        return sum(_nodes(k) + _nodes(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(_nodes(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(_nodes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def test_saved_states_hold_places_and_a_run_from_them_equals_a_fresh_one() -> None:
    lines = ["import os", "import subprocess", "import sys", "", "user = sys.argv[1]"]
    lines += ["argv = ['sh', '-c']", "argv.append(user)", "proc = subprocess.Popen(argv)"]
    lines += [f"NAME_{i} = 'value {i}'" for i in range(40)]
    lines += [f"OTHER_{i} = NAME_{i} + 'x'" for i in range(40)]
    lines += ["subprocess.call(argv)", "os.system('ls ' + user)", ""]
    doc = Document(URI, "\n".join(lines))
    analyzer = TaintAnalyzer()
    before = analyse(analyzer, doc)
    assert full(before) == full(fresh(doc.source))
    module = analyzer._caches[URI].module
    assert module is not None and len(module.checkpoints) >= 4
    assert sum(len(state.calls) + len(state.lists) for state, _ in module.checkpoints.values()) > 0
    restarted = 0
    for k, new in enumerate([b"x_unused = eval(input())\n", b"user = 'safe'\n", b"argv.append(NAME_3)\n"] * 3):
        at = doc.source.index(f"OTHER_{10 + 3 * k} =".encode())
        doc.splice(at, at, new)
        doc.reparse()
        found = analyse(analyzer, doc)
        assert full(found) == full(fresh(doc.source)), doc.source.decode()
        restarted += analyzer.module_restart[URI] > 0
        module = analyzer._caches[URI].module
        assert module is not None
        assert sum(_nodes(state) for state, _ in module.checkpoints.values()) == 0
    assert restarted >= 5  # run again from a saved state, not from the top


def test_the_import_fix_remembers_no_text_of_past_keystrokes() -> None:
    """A fix that adds an import remembers where to insert it per module, for the last text
    it was asked about only: keyed by the text's id, it held 64 past versions of an edited
    file alive (~240 KB each on a 6,862-line file)."""
    import sys

    from codie.analyzers.security.fixes import import_edit

    sources = [f"import os\n\nx = {i}\neval(x)\n".encode() for i in range(10)]
    base = [sys.getrefcount(sources[i]) for i in range(len(sources))]
    for src in list(sources):
        doc = Document(URI, src)
        assert doc.tree is not None
        edits = import_edit(doc.source, doc.tree.root_node, "shlex")
        assert edits and edits[0].new_text == "\nimport shlex"
        del doc
    held = [sys.getrefcount(sources[i]) - base[i] for i in range(len(sources))]
    assert held[:-1] == [0] * 9  # only the last text asked about may still be held


def _script(statements: int) -> str:
    """Module-level code whose later statements read earlier ones (a source, a list built
    item by item, a constant), with functions between (edits in them move the code)."""
    lines = ["import os", "import subprocess", "import sys", "", "user = sys.argv[1]", "argv = ['sh', '-c']"]
    for i in range(statements):
        if i % 15 == 7:
            lines += [
                "",
                "",
                f"def helper_{i}(v):",
                "    total = v",
                "    os.system(total)",
                "    return total",
                "",
                "",
            ]
        lines.append(f"NAME_{i} = 'value {i}'" if i % 3 else f"OTHER_{i} = user + NAME_{i - 1 if i else 0}")
        if i % 10 == 4:
            lines.append(f"argv.append(NAME_{i - 1})")
    lines += ["subprocess.call(argv)", "os.system('ls ' + user)", "eval(OTHER_30)", ""]
    return "\n".join(lines)


SCRIPT_EDITS = [b"x_unused = eval(input())\n", b"user = 'safe'\n", b"argv.append(user)\n", b"NAME_29 = input()\n"]


@pytest.mark.parametrize("seed", range(4))
def test_statements_typed_and_deleted_again_keep_the_run_they_are_compared_with(seed: int) -> None:
    """lspbench types a statement and deletes it again, at many places: each such pair
    gives back where the text stood (table.ModuleTable.before_moves), so module-level code
    still restarts near the next edit and takes the rest from the last run that saved its
    states (kept when a run converged) after any number of pairs; the findings equal a
    fresh analysis after every edit, pairs or not, edits in functions or not."""
    rng = random.Random(seed)
    doc = Document(URI, _script(120))
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    converged = restarted = 0
    for _ in range(40):
        starts = [m.start() for m in re.finditer(rb"^\S", doc.source, re.M)]
        at = rng.choice(starts[10:])
        if rng.random() < 0.25:  # a statement typed into a function
            inner = [m.start() for m in re.finditer(rb"^    total = v\n", doc.source, re.M)]
            at = rng.choice(inner)
            new = b"    " + rng.choice(SCRIPT_EDITS)
        else:  # lspbench's statement, mostly
            new = SCRIPT_EDITS[0] if rng.random() < 0.6 else rng.choice(SCRIPT_EDITS)
        doc.splice(at, at, new)
        doc.reparse()
        assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
        converged += analyzer.module_converged[URI] >= 0
        restarted += analyzer.module_restart[URI] > 0
        if rng.random() < 0.8:  # deleted again
            doc.splice(at, at + len(new), b"")
            doc.reparse()
            assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
        if rng.random() < 0.3:  # a line of the same length as one typed, deleted elsewhere
            lines = [m for m in re.finditer(rb"^NAME_\d+ = 'value \d+'\n", doc.source, re.M)]
            line = rng.choice(lines)
            doc.splice(line.start(), line.end(), b"")
            doc.reparse()
            assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
    assert restarted >= 20
    assert converged >= 5


def test_lspbench_pairs_down_the_file_restart_near_each_edit_and_converge() -> None:
    """lspbench's edits: `x_unused = eval(input())` typed before a statement and deleted
    again, at 12 places down the file (more than table.MAX_MOVES), some in functions:
    module-level code runs again from a state saved just before each edit and stops at
    the next state it saves (the rest is the last full run's)."""
    doc = Document(URI, _script(120))
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    for k in range(12):
        target = f"NAME_{8 + 9 * k} =".encode() if k % 3 else b"    total = v\n"
        starts = [m.start() for m in re.finditer(re.escape(target), doc.source)]
        at = starts[min(k, len(starts) - 1)]
        new = (b"    " if k % 3 == 0 else b"") + f"x_unused_{k} = eval(input())\n".encode()
        doc.splice(at, at, new)
        doc.reparse()
        assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
        if k % 3:  # (in module-level code: the same text around it since the last full run)
            index = len(re.findall(rb"^\S", doc.source[:at], re.M))  # its top-level statement
            assert index - 16 <= analyzer.module_restart[URI] <= index
            assert 0 <= analyzer.module_converged[URI] <= index + 16
        doc.splice(at, at + len(new), b"")
        doc.reparse()
        assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
