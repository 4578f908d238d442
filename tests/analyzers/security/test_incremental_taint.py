"""Per-function incremental taint: after every edit, the results the analyzer keeps and
reuses equal a fresh analysis of the same text; an edit inside one function re-analyses
that function only (counted through TaintAnalyzer.analysed, not timed)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from codie.analyzers.security.taint import TaintAnalyzer
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.rules import catalogue

from .helpers import from_scratch

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "security"
URI = "file:///p/app.py"

# cross-function flows, module constants, module-level objects, methods, nested functions
FLOWS = """import os
import subprocess
import requests
from flask import Flask, request

app = Flask(__name__)
BASE = "http://internal.example/"
PREFIX = "ls "


class Repo:
    def run(self, cmd):
        return subprocess.call(cmd, shell=True)

    def fetch(self, path):
        return requests.get(BASE + path)


repo = Repo()


def helper(cmd):
    os.system(PREFIX + cmd)


def passthrough(value):
    return value.strip()


def outer(arg):
    def inner(x):
        os.system(x)

    inner(arg)


@app.get("/a")
def view_a():
    helper(passthrough(request.args["x"]))
    return "ok"


@app.get("/b")
def view_b():
    repo.run(request.args["c"])
    repo.fetch(request.args["p"])
    outer(request.args["o"])
    return "ok"


@app.get("/c")
def view_c():
    data = request.args["d"]
    later(data)
    return "ok"


def unrelated(n):
    total = 0
    for i in range(n):
        total += i
    return total
"""

# edits a person makes while typing: statements in and out of functions, new functions
# (a call that did not resolve now does), changed constants and module-level objects
SNIPPETS = [
    "x_unused = eval(input())\n",
    "os.system(cmd)\n",
    "value = request.args['q']\n",
    "return value\n",
    "cmd = 'ls'\n",
    "pass\n",
    "if cmd in ALLOWED:\n    return\n",
]
MODULE_SNIPPETS = [
    "def later(v):\n    os.system(v)\n\n\n",
    "def passthrough(value):\n    return 'constant'\n\n\n",
    'BASE = "https://other.example/"\n',
    'BASE = "x" + os.environ["B"]\n',
    "PREFIX = input()\n",
    "repo = None\n",
    "ALLOWED = ('a', 'b')\n",
    "class Repo:\n    pass\n\n\n",
    "import yaml\n",
]


def full(findings: list[Finding]) -> list[tuple[object, ...]]:
    return sorted(
        (
            f.rule_id,
            f.start,
            f.end,
            f.message,
            f.evidence,
            f.severity,
            tuple((r.start, r.end, r.message, r.uri) for r in f.related),
            tuple(f.evidence_notes),
            None if f.fix is None else tuple((e.start, e.end, e.new_text) for e in f.fix.edits),
        )
        for f in findings
    )


def analyse(analyzer: TaintAnalyzer, doc: Document) -> list[Finding]:
    # (the findings only: an analyzer may also mark the units it works through)
    return [f for f in analyzer.analyze(Context(doc, catalogue()), doc.top_level()) if isinstance(f, Finding)]


def fresh(source: bytes) -> list[Finding]:
    return fresh_run(source)[0]


def fresh_run(source: bytes) -> tuple[list[Finding], list[str]]:
    """A new analyzer's findings, and the functions it analysed, with no process-wide
    memo left by the incremental analysis."""
    analyzer = TaintAnalyzer()
    with from_scratch():
        found = analyse(analyzer, Document(URI, source.decode("utf-8", "replace")))
    return found, analyzer.analysed.get(URI, [])


def line_starts(doc: Document, indented: bool) -> list[int]:
    """Byte offsets of lines that start a statement (indented: inside a block)."""
    out = []
    pos = 0
    for line in doc.source.split(b"\n"):
        stripped = line.lstrip(b" ")
        starts = stripped and not stripped.startswith((b"#", b")", b"]", b"}", b"@", b"elif", b"else", b"except"))
        if starts and (len(line) > len(stripped)) == indented:
            out.append(pos)
        pos += len(line) + 1
    return out


def random_edit(doc: Document, rng: random.Random) -> None:
    kind = rng.random()
    if kind < 0.45:  # a statement typed into a function
        at = rng.choice(line_starts(doc, True))
        line_end = doc.source.index(b"\n", at)
        indent = len(doc.source[at:line_end]) - len(doc.source[at:line_end].lstrip(b" "))
        text = "".join(" " * indent + part + "\n" for part in rng.choice(SNIPPETS).splitlines())
        doc.splice(at, at, text.encode())
    elif kind < 0.65:  # a module-level statement
        at = rng.choice(line_starts(doc, False))
        doc.splice(at, at, rng.choice(MODULE_SNIPPETS).encode())
    elif kind < 0.85:  # a line deleted
        at = rng.choice(line_starts(doc, rng.random() < 0.7))
        doc.splice(at, doc.source.index(b"\n", at) + 1, b"")
    else:  # a few characters typed or deleted anywhere (syntax may break)
        at = rng.randrange(len(doc.source))
        end = min(len(doc.source), at + rng.randint(0, 6))
        doc.splice(at, end, rng.choice([b"", b"x", b"(", b"request.args['q']", b" + name", b"\n"]))
    doc.reparse()


@pytest.mark.parametrize(
    "name,seed",
    [("flows", 1), ("flows", 2), ("flows", 3), ("corpus", 4), ("corpus", 5)],
)
def test_random_edits_equal_a_fresh_analysis_after_every_edit(name: str, seed: int) -> None:
    if name == "flows":
        text = FLOWS
    else:
        files = sorted(p for p in CORPUS.glob("*.py") if p.stat().st_size < 4_000)
        text = "\n\n".join(p.read_text() for p in random.Random(seed).sample(files, 25))
    doc = Document(URI, text)
    analyzer = TaintAnalyzer()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    rng = random.Random(seed)
    with_findings = reused = 0
    for _ in range(40):
        random_edit(doc, rng)
        incremental = analyse(analyzer, doc)
        expected, analysed = fresh_run(doc.source)
        assert full(incremental) == full(expected), doc.source.decode()
        with_findings += bool(expected)
        reused += len(analyzer.analysed[URI]) < len(analysed)
    assert with_findings >= 10  # the comparisons were about something
    assert reused >= 10  # and cached results were used


def test_an_edit_in_one_function_analyses_that_function_only() -> None:
    doc = Document(URI, FLOWS)
    analyzer = TaintAnalyzer()
    before = full(analyse(analyzer, doc))
    assert {"SEC002"} <= {f[0] for f in before}
    assert len(analyzer.analysed[URI]) > 4
    # inside a callee whose summary the views use: only it runs again; the views'
    # results are reused (their paths into helper() move with the edit)
    at = doc.source.index(b"    os.system(PREFIX + cmd)")
    doc.splice(at, at, b"    x_unused = eval(input())\n")
    doc.reparse()
    after = analyse(analyzer, doc)
    assert analyzer.analysed[URI] == ["helper"]
    assert full(after) == full(fresh(doc.source))
    # inside a view: only the view
    at = doc.source.index(b'    repo.fetch(request.args["p"])')
    doc.splice(at, at, b"    y = 1\n")
    doc.reparse()
    after = analyse(analyzer, doc)
    assert analyzer.analysed[URI] == ["view_b"]
    assert full(after) == full(fresh(doc.source))
    # typed back out (an undo): nothing runs at all
    doc.splice(at, at + len(b"    y = 1\n"), b"")
    doc.reparse()
    analyse(analyzer, doc)
    assert analyzer.analysed[URI] == []


def test_module_level_edits_invalidate_what_read_them() -> None:
    doc = Document(URI, FLOWS)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)

    def edit(anchor: bytes, new: bytes) -> list[Finding]:
        at = doc.source.index(anchor)
        doc.splice(at, at + len(anchor), new)
        doc.reparse()
        found = analyse(analyzer, doc)
        assert full(found) == full(fresh(doc.source))
        return found

    # view_c calls later(), which does not exist yet: defining it makes the call resolve
    assert not any(b"later" in doc.source[f.start : f.end] for f in edit(b"", b""))
    found = edit(b"def unrelated(n):", b"def later(v):\n    os.system(v)\n\n\ndef unrelated(n):")
    assert "view_c" in analyzer.analysed[URI]
    assert any(doc.source[f.start : f.end].startswith(b"os.system(v)") for f in found)
    # a constant a function read changes (the SSRF prefix no longer fixes the host)
    edit(b'BASE = "http://internal.example/"', b'BASE = "http" + os.environ["B"]')
    assert "Repo.fetch" in analyzer.analysed[URI]
    # the module-level object the call was resolved through is no longer a Repo
    edit(b"repo = Repo()", b"repo = object()")
    assert "view_b" in analyzer.analysed[URI]


def test_module_level_code_runs_again_from_the_statement_that_changed() -> None:
    """Module-level code is one flow (a name bound at the top reaches a sink below): an
    edit near its end runs it again from a state saved shortly before the edit."""
    lines = ["import os", "import sys", "", "user = sys.argv[1]"]
    lines += [f"NAME_{i} = 'value {i}'" for i in range(60)]
    lines += ["", "def run(cmd):", "    os.system(cmd)", ""]
    lines += [f"OTHER_{i} = NAME_{i} + 'x'" for i in range(40)]
    lines += ["os.system('ls ' + user)", "run(user)", ""]
    doc = Document(URI, "\n".join(lines))
    analyzer = TaintAnalyzer()
    before = analyse(analyzer, doc)
    assert full(before) == full(fresh(doc.source))
    assert len([f for f in before if f.rule_id == "SEC002"]) == 2
    rng = random.Random(7)
    restarted = 0
    inserted = -1
    for step in range(30):
        if step % 3 == 2:  # a line typed before taken out again
            doc.splice(inserted, doc.source.index(b"\n", inserted) + 1, b"")
        else:
            inserted = doc.source.index(f"OTHER_{rng.randrange(40)} =".encode())
            new = rng.choice(
                [b"x_unused = eval(input())\n", b"user = 'safe'\n", b"run = print\n", b"os.system(user)\n"]
            )
            doc.splice(inserted, inserted, new)
        doc.reparse()
        found = analyse(analyzer, doc)
        assert full(found) == full(fresh(doc.source)), doc.source.decode()
        restarted += analyzer.module_restart[URI] > 0
    assert restarted >= 10


def test_each_function_is_analysed_under_its_own_unit_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine charges the work between two Unit marks to the second one. Choosing which
    callers to analyse needs the summaries of the functions that mention a sink; those must
    be computed one per mark, not all before the first (which charged a whole file's work to
    one function, and the engine then degraded every function with the same text)."""
    from codie.analyzers.security import module

    analysed: list[str] = []
    real = module.ModuleInfo._analyze_guarded

    def counting(self: module.ModuleInfo, info: module.FunctionInfo) -> module.Result:
        analysed.append(info.key)
        return real(self, info)

    monkeypatch.setattr(module.ModuleInfo, "_analyze_guarded", counting)
    text = "import pickle\nimport subprocess\n" + "".join(
        f"\ndef load_{i}(path):\n    with open(path, 'rb') as fh:\n        return pickle.load(fh)\n"
        f"\ndef run_{i}(cmd):\n    return helper_{i}(cmd)\n"
        f"\ndef helper_{i}(cmd):\n    return subprocess.run(cmd, shell=True)\n"
        for i in range(20)
    )
    doc = Document(URI, text)
    work_per_mark: list[int] = []
    marks: list[str] = []
    for item in TaintAnalyzer().analyze(Context(doc, catalogue()), list(doc.tree.root_node.named_children)):
        if isinstance(item, Finding):
            continue
        work_per_mark.append(len(analysed))
        marks.append(item.name)
        analysed.clear()
    assert len(marks) == 1 + 60  # module-level code, then every function (run_i: its helper reaches a sink)
    assert max(work_per_mark) == 1, list(zip(marks, work_per_mark, strict=True))
    found = {
        f.rule_id
        for f in TaintAnalyzer().analyze(Context(Document(URI, text), catalogue()), [])
        if isinstance(f, Finding)
    }
    assert {"SEC002", "SEC009"} <= found


def test_a_pass_reads_again_only_the_statements_an_edit_changed() -> None:
    """The module table (module.ModuleTable): a statement whose text and shape did not
    change is taken from the last pass, not read again (counted, not timed)."""
    doc = Document(URI, FLOWS)
    analyzer = TaintAnalyzer()
    first = full(analyse(analyzer, doc))
    assert analyzer.collected[URI] > 10  # the first pass reads every statement
    at = doc.source.index(b"    os.system(PREFIX + cmd)")
    doc.splice(at, at, b"    x_unused = eval(input())\n")
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source)) != first
    assert analyzer.collected[URI] == 1  # `def helper` only
    analyse(analyzer, doc)
    assert analyzer.collected[URI] == 0  # the same text again: nothing
    at = doc.source.index(b"repo = Repo()")
    doc.splice(at, at, b"PREFIX = input()\n")  # a new module-level statement between two others
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    assert analyzer.collected[URI] == 1


def test_a_pass_reads_from_the_tree_only_the_statements_whose_shape_may_have_changed() -> None:
    """The module table takes the spans, types and sizes of the statements before and after
    the ones the tree's changes reach from the last table (Document.shape_kept_from), not
    from the tree: a keystroke reads one statement, not every one of the file's."""
    doc = Document(URI, FLOWS)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    statements = doc.tree.root_node.named_child_count
    assert analyzer._caches[URI].table.spans_read == statements > 10
    at = doc.source.index(b"    os.system(PREFIX + cmd)")
    doc.splice(at, at, b"    x_unused = eval(input())\n")
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    assert analyzer._caches[URI].table.spans_read <= 2  # `def helper` (and where its tree ends)
    at = doc.source.index(b"repo = Repo()")
    doc.splice(at, at, b"PREFIX = input()\n")  # a new module-level statement between two others
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    assert analyzer._caches[URI].table.spans_read <= 4  # (those next to it, where tree-sitter looked again)
    # a string left open swallows the rest of the file: all of it is read again
    at = doc.source.index(b"class Repo:")
    doc.splice(at, at, b'"""\n')
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    after = [c for c in doc.tree.root_node.named_children if c.end_byte > at]
    assert analyzer._caches[URI].table.spans_read >= len(after)


def test_a_pass_makes_function_objects_only_for_what_it_analyses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The functions whose results a pass carries from the last one are marked (Unit) and
    reported from the module table's spans: no FunctionInfo is made for them."""
    from codie.analyzers.security import module

    made: list[str] = []
    real = module.FunctionInfo.__init__

    def counting(self: module.FunctionInfo, mod: object, key: str, *args: object, **kwargs: object) -> None:
        made.append(key)
        real(self, mod, key, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module.FunctionInfo, "__init__", counting)
    doc = Document(URI, FLOWS)
    analyzer = TaintAnalyzer()
    units = [u for u in analyzer.analyze(Context(doc, catalogue()), doc.top_level()) if not isinstance(u, Finding)]
    assert len(units) > 6
    at = doc.source.index(b"    return total")
    doc.splice(at, at, b"    total += 1\n")
    doc.reparse()
    made.clear()
    again = [u for u in analyzer.analyze(Context(doc, catalogue()), doc.top_level()) if not isinstance(u, Finding)]
    assert [(u.name, u.end - u.start) for u in again] == [(u.name, u.end - u.start) for u in units]
    assert analyzer.analysed[URI] == []
    assert made == [module.MODULE_KEY]


class CountedIndex(dict[str, set[str]]):
    """The callers' index (name -> the functions calling it), its look-ups counted."""

    looked = 0

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        CountedIndex.looked += 1
        return super().get(name, default)


def test_choosing_callers_walks_only_from_what_reaches_a_sink() -> None:
    """Callers are analysed when a function they call, transitively, reaches a sink from a
    parameter. A function with a sink but no such path (a constant command) has many
    callers: a keystroke elsewhere does not walk them."""
    text = "import os\n\n\ndef ls():\n    os.system('ls')\n\n\ndef run(cmd):\n    os.system(cmd)\n"
    text += "".join(f"\n\ndef caller_{i}(x):\n    ls()\n    return caller_{i + 1}(x)\n" for i in range(30))
    text += "\n\ndef entry(arg):\n    return run(arg)\n\n\ndef top(arg):\n    return entry(arg)\n"
    doc = Document(URI, text)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    cache = analyzer._caches[URI]
    assert cache.callers is not None
    cache.callers = (cache.callers[0], CountedIndex(cache.callers[1]))
    CountedIndex.looked = 0
    at = doc.source.index(b"    return caller_3(x)")
    doc.splice(at, at, b"    y = 1\n")
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    assert analyzer.analysed[URI] == []
    assert 0 < CountedIndex.looked <= 3  # run's callers, entry's, top's (none)


# edits that change how text far from them parses: an unclosed string or bracket swallows
# the rest of the file, a dedent ends a class, an indented line joins the function above
RESHAPING = [b'"""', b"'''", b"(", b"[", b")", b"class X:\n", b"    ", b"\n", b"    y = 1\n", b"def g(:\n", b"#"]


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_edits_that_reshape_the_file_far_away_equal_a_fresh_analysis(seed: int) -> None:
    """The module table takes a statement from the last pass only if the text and the shape
    it parses to are the same; edits that change the parse beyond themselves, typed and then
    typed away, must give what a fresh analysis gives after every edit."""
    rng = random.Random(seed)
    doc = Document(URI, FLOWS)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    reused = 0
    for _ in range(30):
        at = rng.choice(line_starts(doc, rng.random() < 0.5))
        new = rng.choice(RESHAPING)
        doc.splice(at, at, new)
        doc.reparse()
        assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
        reused += analyzer.collected[URI] < fresh_collected(doc.source)
        if rng.random() < 0.7:  # typed away again (an undo)
            doc.splice(at, at + len(new), b"")
            doc.reparse()
            assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
    assert reused >= 10  # the table was used


def fresh_collected(source: bytes) -> int:
    analyzer = TaintAnalyzer()
    with from_scratch():
        analyse(analyzer, Document(URI, source.decode("utf-8", "replace")))
    return analyzer.collected[URI]
