"""Taint's per-keystroke bookkeeping against a full analysis: the module table updated from
the statements an edit changed (table.py), the last finished pass's results carried for the
functions whose text did not change (module.ModuleInfo._carry), findings moved instead of
made again (taint._report). After every edit of a random sequence the findings equal a
fresh analyzer's on the same text: module-level bindings that functions read, renames,
deleted functions and classes, syntax errors typed and typed away, the `import ast` an
eval fix depends on."""

from __future__ import annotations

import random
import re

import pytest

from codie.analyzers.security import fixes
from codie.analyzers.security.taint import TaintAnalyzer
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.rules import catalogue

from .test_incremental_taint import FLOWS, URI, analyse, fresh, fresh_run, full, line_starts

# a file whose functions call each other (chains, a cycle, methods through module-level
# objects), read module-level constants and objects, and have eval() fixes
CHAINS = '''"""A module."""
import os
import subprocess
from flask import Flask, request

app = Flask(__name__)
PREFIX = "ls "
LIMIT = 10
runner = None


class Runner:
    def run(self, cmd):
        return subprocess.call(PREFIX + cmd, shell=True)

    def check(self, value):
        return eval(value)


runner = Runner()


def first(v):
    return second(v)


def second(v):
    return third(v) + ""


def third(v):
    os.system(v)
    return v


def ping(n, v):
    if n:
        return pong(n - 1, v)
    return eval(v)


def pong(n, v):
    return ping(n, v)


def helper(expr):
    return eval(expr)


@app.get("/a")
def view_a():
    first(request.args["a"])
    return "ok"


@app.get("/b")
def view_b():
    runner.run(request.args["b"])
    ping(3, request.args["p"])
    return helper(request.args["h"])


def unrelated(n):
    total = 0
    for i in range(n):
        total += i
    return total
'''

# edits that change what other functions read or call
MODULE_EDITS = [
    b"PREFIX = input()\n",
    b'PREFIX = "echo "\n',
    b"runner = object()\n",
    b"runner = Runner()\n",
    b"import ast\n",
    b"def third(v):\n    return v\n\n\n",
    b"def later(v):\n    os.system(v)\n\n\n",
    b"class Runner:\n    pass\n\n\n",
    b"LIMIT = 'x'\n",
]
BODY_EDITS = [
    b"x_unused = eval(input())\n",
    b"os.system(v)\n",
    b"v = request.args['q']\n",
    b"return v\n",
    b"pass\n",
    b"value = helper(v)\n",
]
BREAKING = [b'"""', b"(", b")", b"[", b"def g(:\n", b"    ", b"\n", b"#", b"class X:\n"]


def _rename(doc: Document, rng: random.Random) -> None:
    """Rename a function, method or class where it is defined (its callers no longer reach
    it; or, renamed to another's name, they reach that one)."""
    found = list(re.finditer(rb"^[ ]*(?:def|class) (\w+)", doc.source, re.M))
    if not found:
        return
    m = rng.choice(found)
    other = rng.choice(found).group(1)
    doc.splice(m.start(1), m.end(1), rng.choice([m.group(1) + b"_x", m.group(1)[:-1] or b"f", other]))


def _delete_definition(doc: Document, rng: random.Random) -> None:
    """Delete a whole top-level function or class (to the next top-level line)."""
    starts = [m.start() for m in re.finditer(rb"^(?:def|class|@)", doc.source, re.M)]
    if not starts:
        return
    at = rng.choice(starts)
    following = re.search(rb"^\S", doc.source[at + 1 :], re.M)
    end = at + 1 + following.start() if following is not None else len(doc.source)
    doc.splice(at, end, b"")


def random_edit(doc: Document, rng: random.Random) -> tuple[int, bytes]:
    """One edit as a person makes it; returns where and what it typed (to type it away)."""
    kind = rng.random()
    if kind < 0.3:  # a statement typed into a function
        at = rng.choice(line_starts(doc, True))
        line_end = doc.source.index(b"\n", at)
        indent = len(doc.source[at:line_end]) - len(doc.source[at:line_end].lstrip(b" "))
        new = b" " * indent + rng.choice(BODY_EDITS)
    elif kind < 0.5:  # a module-level statement (a binding functions read, a definition)
        at = rng.choice(line_starts(doc, False))
        new = rng.choice(MODULE_EDITS)
    elif kind < 0.6:
        _rename(doc, rng)
        doc.reparse()
        return 0, b""
    elif kind < 0.67:
        _delete_definition(doc, rng)
        doc.reparse()
        return 0, b""
    elif kind < 0.82:  # a line deleted
        at = rng.choice(line_starts(doc, rng.random() < 0.6))
        doc.splice(at, doc.source.index(b"\n", at) + 1, b"")
        doc.reparse()
        return 0, b""
    else:  # syntax broken, anywhere
        at = rng.randrange(len(doc.source))
        new = rng.choice(BREAKING)
    doc.splice(at, at, new)
    doc.reparse()
    return at, new


@pytest.mark.parametrize("text,seed", [(CHAINS, 1), (CHAINS, 2), (CHAINS, 3), (FLOWS, 6), (FLOWS, 7), (CHAINS, 5)])
def test_every_edit_of_a_random_sequence_equals_a_full_analysis(text: str, seed: int) -> None:
    rng = random.Random(seed)
    doc = Document(URI, text)
    analyzer = TaintAnalyzer()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    carried = with_findings = 0
    for _ in range(60):
        at, typed = random_edit(doc, rng)
        incremental = analyse(analyzer, doc)
        expected, analysed = fresh_run(doc.source)
        assert full(incremental) == full(expected), doc.source.decode()
        with_findings += bool(expected)
        carried += len(analyzer.analysed[URI]) < len(analysed)
        if typed and rng.random() < (0.8 if typed in BREAKING else 0.4):  # typed away again (an undo)
            doc.splice(at, at + len(typed), b"")
            doc.reparse()
            assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
        if rng.random() < 0.1:  # a pass abandoned half-way (the text changed under it)
            items = iter(analyzer.analyze(Context(doc, catalogue()), doc.top_level()))
            next(items, None)
            del items
    assert with_findings >= 15
    assert carried >= 15  # (results were carried, not all computed again)


def test_an_edit_inside_one_function_carries_every_other_result() -> None:
    doc = Document(URI, CHAINS)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    at = doc.source.index(b"    total = 0")
    doc.splice(at, at, b"    x_unused = 1\n")
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    assert analyzer.analysed[URI] == []  # `unrelated` mentions no sink: nothing runs
    # a callee's body: it runs again, its callers are reused through the remap
    at = doc.source.index(b"    os.system(v)\n    return v")
    doc.splice(at, at, b"    y = 2\n")
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    assert analyzer.analysed[URI] == ["third"]


def test_a_module_level_binding_a_function_reads_is_seen_by_it() -> None:
    doc = Document(URI, CHAINS)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)

    def edit(old: bytes, new: bytes) -> None:
        at = doc.source.index(old)
        doc.splice(at, at + len(old), new)
        doc.reparse()
        assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()

    edit(b'PREFIX = "ls "', b"PREFIX = input()")
    assert "Runner.run" in analyzer.analysed[URI]
    edit(b"runner = Runner()", b"runner = object()")
    edit(b"runner = object()", b"runner = Runner()")
    edit(b"def third(v):", b"def third_(v):")  # renamed: second() no longer reaches it
    edit(b"def third_(v):", b"def third(v):")
    edit(b"def helper(expr):\n    return eval(expr)\n\n\n", b"")  # deleted


def test_a_moved_eval_fix_follows_whether_ast_is_imported() -> None:
    """The eval() fix adds `import ast` when the module lacks it: a finding moved by an
    edit above it, with the import added or removed elsewhere, is the one a full analysis
    makes (the import edit stays at the top, the call's edit moves)."""
    doc = Document(URI, CHAINS)
    analyzer = TaintAnalyzer()
    before = analyse(analyzer, doc)
    fixes_ = [f.fix for f in before if f.rule_id == "SEC001" and f.fix is not None]
    assert fixes_ and all(any(e.new_text.strip() == "import ast" for e in fix.edits) for fix in fixes_)
    steps = [
        (b"LIMIT = 10\n", b"LIMIT = 10\nimport ast\n"),  # imported: no import edit
        (b"def first(v):", b"# a comment\ndef first(v):"),  # everything below moves
        (b"LIMIT = 10\nimport ast\n", b"LIMIT = 10\n"),  # no longer imported
        (b"# a comment\n", b""),
        (b'"""A module."""', b'"""A module, documented."""'),  # the import's place moves
    ]
    for old, new in steps:
        at = doc.source.index(old)
        doc.splice(at, at + len(old), new)
        doc.reparse()
        assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()


@pytest.mark.parametrize("seed", range(4))
def test_imported_reads_the_import_lines_as_the_whole_text_would(seed: int) -> None:
    pattern = re.compile(rb"^\s*import\s+ast\b", re.M)
    rng = random.Random(seed)
    pieces = [
        b"import ast",
        b"import",
        b" ",
        b"\n",
        b"\t",
        b"ast",
        b"astx",
        b"from x import (",
        b")",
        b"x = 1",
        b"#",
        b"\r\n",
        b"\\\n",
        b"  import  ast\n",
        b"import\n ast",
        b"'''",
    ]
    for _ in range(3000):
        src = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert fixes.imported(src, "ast") == bool(pattern.search(src)), src


def test_module_level_code_takes_the_rest_of_its_last_run_when_the_edit_changes_nothing_it_reads() -> None:
    """Module-level code runs again from the state saved before an edit; when, a little
    further, its state differs from the last run's only in names the rest of the file
    never mentions (a binding typed at module level), the rest is the last run's. When the
    rest reads the name, it runs to the end. Both equal a full analysis."""
    lines = ["import os", "import sys", "", "user = sys.argv[1]"]
    lines += [f"NAME_{i} = 'value {i}'" for i in range(60)]
    lines += ["", "def run(cmd):", "    os.system(cmd)", ""]
    lines += [f"OTHER_{i} = NAME_{i} + 'x'" for i in range(60)]
    lines += ["os.system('ls ' + user)", "run(user)", "os.system(late)", "os.system(late_3)", ""]
    doc = Document(URI, "\n".join(lines))
    analyzer = TaintAnalyzer()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    rng = random.Random(11)
    converged = ran_to_the_end = 0
    for step in range(40):
        anchor = f"OTHER_{rng.randrange(5, 40)} =".encode()
        new = rng.choice(
            [b"x_unused = eval(input())\n", b"late = input()\n", b"user = 'safe'\n", b"NAME_70 = 1\n", b"run = print\n"]
        )
        at = doc.source.index(anchor)
        doc.splice(at, at, new)
        doc.reparse()
        found = analyse(analyzer, doc)
        assert full(found) == full(fresh(doc.source)), doc.source.decode()
        converged += analyzer.module_converged[URI] > 0
        ran_to_the_end += analyzer.module_converged[URI] < 0
        if step % 2:  # typed away again, or replaced by another binding (a text not seen yet)
            other = b"" if step % 4 == 1 else b"late_%d = input()\n" % step
            doc.splice(at, at + len(new), other)
            doc.reparse()
            assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
            converged += analyzer.module_converged[URI] > 0
    assert converged >= 5  # (x_unused, NAME_70: nothing after reads them)
    assert ran_to_the_end >= 5  # (late, user, run: read at the end)
