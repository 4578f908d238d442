"""What security-taint keeps between keystrokes holds nothing of past versions' trees or
texts: the states module-level code saves between top-level statements (to run again only
from the one an edit changed) keep lists and calls by place, not as tree-sitter nodes (a
node keeps its whole tree alive; run again from such a state, the findings still equal a
fresh analysis), and the import fix remembers only the last text it searched."""

from __future__ import annotations

import dataclasses

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
