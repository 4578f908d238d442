"""A long function edited in its body runs again from the state its last run saved before
the first statement the edit changed, and stops once its state agrees with the last run's
again (module.ModuleInfo._run_body): after every edit of random sequences the findings
equal a fresh analyzer's on the same text. Edits land in straight-line code, inside loops,
`try`, `with`, `if` and nested functions, change what later statements read (a name
bound to a source, or made safe), what earlier statements' saved states read (a module
constant, a callee's summary) and the function's signature; some are typed away again."""

from __future__ import annotations

import random
import re

import pytest

from codie.analyzers.security import module
from codie.analyzers.security.taint import TaintAnalyzer
from codie.core.document import Document

from .test_incremental_taint import URI, analyse, fresh, full
from .test_taint_saved_states import _nodes

BODIES = '''"""Long functions."""
import os
import pickle
import subprocess
import requests
from flask import Flask, request

app = Flask(__name__)
PREFIX = "ls "
SAFE = "echo"
BASE = "http://internal.example/"


def helper(value):
    return value.strip()


def runner(cmd):
    os.system(cmd)


@app.get("/a")
def view_a():
    name = request.args["name"]
    cmd = PREFIX + name
    clean = SAFE
    items = []
    for part in name.split(","):
        items.append(part)
        if part:
            cmd = cmd + part
    label = helper(name)
    try:
        data = pickle.loads(label)
    except ValueError:
        data = None
    with open(clean) as handle:
        text = handle.read()
    subprocess.call(cmd, shell=True)
    total = 0
    while total < 3:
        total += 1
    argv = ["sh", "-c"]
    argv.append(label)
    subprocess.Popen(argv)
    eval(clean)
    runner(label)
    return text


def process(arg, other):
    requests.get(BASE + other)
    first = arg
    second = other
    def inner(x):
        os.system(x)
        return x
    inner(first)
    count = 0
    for i in range(3):
        count += i
    try:
        third = helper(second)
    finally:
        count = 0
    keyed = {"a": first, "b": SAFE}
    os.system(keyed["a"])
    eval(third)
    fourth = first
    subprocess.call(fourth, shell=True)
    requests.get(BASE + fourth)
    return fourth


def quiet(n):
    total = 0
    for i in range(n):
        total += i
    values = [total]
    result = sum(values)
    return result
'''

SNIPPETS = [
    b"x_unused = eval(input())\n",
    b"name = 'constant'\n",
    b"name = request.args['other']\n",
    b"first = 'safe'\n",
    b"label = input()\n",
    b"cmd = SAFE\n",
    b"os.system(name)\n",
    b"pass\n",
    b"return None\n",
    b"text = helper(first)\n",
]
BINDINGS = [b"input()", b'"x"', b'"http"', b'"https://other.example/"', b'"ls "']
MODULE_EDITS = [
    b"def helper(value):\n    return 'constant'\n\n\n",
    b"def runner(cmd):\n    return cmd\n\n\n",
]
CALLEE_EDITS = [b"    os.system(value)\n", b"    value = 'x'\n", b"    return value\n"]


def _body_lines(doc: Document) -> list[int]:
    """Offsets of the lines that start a statement inside the long functions' bodies."""
    out = []
    for m in re.finditer(rb"^def (view_a|process|quiet)\(.*?(?=^\S|\Z)", doc.source, re.M | re.S):
        for line in re.finditer(rb"^( +)(?![ #)\]}]|elif|else|except|finally)\S", m.group(0), re.M):
            out.append(m.start() + line.start())
    return out


def _edit(doc: Document, rng: random.Random) -> tuple[int, bytes, bytes]:
    """One edit; returns where, what was typed and what it replaced (to undo it)."""
    kind = rng.random()
    lines = _body_lines(doc)
    removed = b""
    if kind < 0.55 and lines:  # a statement typed into a body, at the indent of the line
        at = rng.choice(lines)
        indent = len(doc.source[at:]) - len(doc.source[at:].lstrip(b" "))
        new = b" " * indent + rng.choice(SNIPPETS)
    elif kind < 0.7 and lines:  # a line of a body deleted
        at = rng.choice(lines)
        removed, new = doc.source[at : doc.source.index(b"\n", at) + 1], b""
    elif kind < 0.75:  # a module-level constant's value (what saved states read)
        m = rng.choice(list(re.finditer(rb"^(PREFIX|SAFE|BASE) = (.*)$", doc.source, re.M)) or [None])
        if m is None:
            return 0, b"", b""
        at, removed, new = m.start(2), m.group(2), rng.choice(BINDINGS)
    elif kind < 0.8:  # a module-level definition
        found = [m.start() for m in re.finditer(rb"^(?:def helper|def runner|@app)", doc.source, re.M)]
        at = rng.choice(found) if found else 0
        new = rng.choice(MODULE_EDITS)
    elif kind < 0.9:  # a callee's summary changes
        m = re.search(rb"^def (?:helper|runner)\(\w+\):\n", doc.source, re.M)
        if m is None:
            return 0, b"", b""
        at, new = m.end(), rng.choice(CALLEE_EDITS)
    else:  # a few characters anywhere in a body (syntax may break: undone by the caller)
        at = rng.choice(lines) if lines else rng.randrange(len(doc.source))
        at = min(at + rng.randrange(40), len(doc.source))
        new = rng.choice([b"x", b"(", b"request.args['q'] + ", b"\n", b", other"])
    doc.splice(at, at + len(removed), new)
    doc.reparse()
    return at, new, removed


@pytest.fixture
def every_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every function keeps the states of its last run (not only the long ones)."""
    monkeypatch.setattr(module, "MIN_RUN_BYTES", 0)


@pytest.mark.parametrize("seed", range(6))
def test_every_edit_of_a_random_sequence_equals_a_full_analysis(every_function: None, seed: int) -> None:
    rng = random.Random(seed)
    doc = Document(URI, BODIES)
    analyzer = TaintAnalyzer()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    resumed = converged = with_findings = 0
    for _ in range(60):
        at, typed, removed = _edit(doc, rng)
        found = analyse(analyzer, doc)
        expected = fresh(doc.source)
        assert full(found) == full(expected), doc.source.decode()
        with_findings += bool(expected)
        runs = analyzer.resumed[URI].values()
        resumed += any(start > 0 for start, _ in runs)
        converged += any(stop >= 0 for _, stop in runs)
        if (typed or removed) and (doc.tree is None or doc.tree.root_node.has_error or rng.random() < 0.4):
            doc.splice(at, at + len(typed), removed)  # undone (and so syntax errors are short-lived)
            doc.reparse()
            assert full(analyse(analyzer, doc)) == full(fresh(doc.source)), doc.source.decode()
    assert with_findings >= 40
    # the saved states hold places, not tree-sitter nodes (a node keeps its whole tree alive)
    runs = analyzer._caches[URI].runs
    assert runs and sum(_nodes(run) for run in runs.values()) == 0
    # (the shortcuts were taken, not every run from the top)
    assert resumed >= 12
    assert converged >= 5


def _long_function(statements: int) -> str:
    """A route whose body is long (over module.MIN_RUN_BYTES) with a sink at its end."""
    lines = ["import os", "from flask import request", "", "", "def view():", "    name = request.args['n']"]
    for i in range(statements):
        lines.append(f"    value_{i} = name + 'suffix number {i} of a long function body'")
        if i % 10 == 5:
            lines += [f"    for part_{i} in value_{i}.split():", f"        value_{i} = value_{i} + part_{i}"]
    lines += ["    os.system(value_3)", "    return value_7", ""]
    return "\n".join(lines)


def test_an_edit_in_a_long_body_runs_its_statement_and_takes_the_rest() -> None:
    text = _long_function(60)
    assert len(text) > module.MIN_RUN_BYTES
    doc = Document(URI, text)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    for target, snippet in [(20, b"x_unused = eval(input())\n"), (40, b"name = 'safe'\n"), (10, b"pass\n")]:
        at = doc.source.index(f"    value_{target} =".encode())
        doc.splice(at, at, b"    " + snippet)
        doc.reparse()
        found = analyse(analyzer, doc)
        assert full(found) == full(fresh(doc.source)), doc.source.decode()
        start, stop = analyzer.resumed[URI]["view"]
        assert start > 0  # from the state before the new statement
        if snippet != b"name = 'safe'\n":  # (a binding read later: runs to the end)
            assert stop == start + 1  # and the rest taken from the last run
        else:
            assert stop == -1


def test_a_changed_callee_runs_its_caller_from_before_the_first_call() -> None:
    text = _long_function(60).replace("    value_30 =", "    value_30 = helper(name)\n    value_30b =")
    text += "\n\ndef helper(v):\n    return 'constant'\n"
    doc = Document(URI, text)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    at = doc.source.index(b"    return 'constant'")
    doc.splice(at, at, b"    os.system(v)\n")
    doc.reparse()
    found = analyse(analyzer, doc)
    assert full(found) == full(fresh(doc.source))
    assert any("helper" in f.message or f.related for f in found)
    start, _ = analyzer.resumed[URI]["view"]
    # the first call to helper is statement ~36 of the body (the loops add statements)
    assert 30 < start < 40


def test_a_constant_read_before_and_after_the_restart_is_read_again(every_function: None) -> None:
    """`process` reads BASE in its first and in a late statement: changing BASE (which
    moves the function) runs it from the top, and the rest after the first statement is
    the last run's only if every fact the rest read is unchanged (it is not)."""
    doc = Document(URI, BODIES)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    for value in [b'"http"', b'"http://internal.example/"', b"input()"]:
        m = re.search(rb"^BASE = (.*)$", doc.source, re.M)
        assert m is not None
        doc.splice(m.start(1), m.end(1), value)
        doc.reparse()
        assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
        assert "process" in analyzer.resumed[URI]


def test_an_edit_above_a_long_function_keeps_its_states(every_function: None) -> None:
    """Saved states hold places relative to the function: a line typed above it (moving
    it) and a statement typed into it then runs it from the state before that statement."""
    doc = Document(URI, BODIES)
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    at = doc.source.index(b"def helper")
    doc.splice(at, at, b"def moved(v):\n    return v\n\n\n")
    doc.reparse()
    analyse(analyzer, doc)
    at = doc.source.index(b"    fourth = first")
    doc.splice(at, at, b"    x_unused = eval(input())\n")
    doc.reparse()
    assert full(analyse(analyzer, doc)) == full(fresh(doc.source))
    start, stop = analyzer.resumed[URI]["process"]
    assert start > 5 and stop == start + 1


JINJA = """import jinja2
from flask import Flask, request
app = Flask(__name__)


@app.get("/x")
def view():
    env = jinja2.Environment(autoescape=True)
    tpl = env.from_string("<p>{{{{ name }}}}</p>")
{filler}    html = tpl.render(name=request.args.get("n"))
    return html
"""


def test_a_name_read_through_how_an_object_was_made_is_not_taken_from_the_last_run(every_function: None) -> None:
    """`tpl.render(...)` reads `env`'s entry through the call `tpl` was made by, though the
    rest of the body never names `env`: changing how `env` is made runs the rest again."""
    filler = "".join(f"    x_{i} = 'filler'\n" for i in range(40))
    doc = Document(URI, JINJA.format(filler=filler))
    analyzer = TaintAnalyzer()
    analyse(analyzer, doc)
    for setting in [b"False", b"True", b"False"]:
        m = re.search(rb"autoescape=(\w+)", doc.source)
        assert m is not None
        doc.splice(m.start(1), m.end(1), setting)
        doc.reparse()
        found = analyse(analyzer, doc)
        assert full(found) == full(fresh(doc.source)), doc.source.decode()
        assert any(f.rule_id == "SEC005" for f in found) == (setting == b"False")


def test_mentions_finds_the_words_a_regular_expression_finds() -> None:
    """module._mentions (the rest of a run reads a name only if its text mentions it) finds
    words with bytes.find and checks the boundaries itself: the same answers as
    `\\b(?:w1|w2)\\b` over the same range, on words that occur, occur inside longer words,
    or do not occur."""
    src = (BODIES + "x_unused_1 = 1\nprefix_x = PREFIX_y\nabc.def = abcdef\n").encode()
    words = sorted({w.decode() for w in re.findall(rb"[A-Za-z_]\w*", src)})
    words += ["x_unused", "abc", "self.cmd", "PREFIX", "ab", "missing_name"]
    rng = random.Random(3)
    for _ in range(3000):
        names = set(rng.sample(words, rng.randint(1, 3)))
        start = rng.randrange(len(src))
        end = rng.choice([None, min(len(src), start + rng.randrange(400))])
        found = {w for name in names for w in re.findall(r"\w+", name)}
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in sorted(found)) + rb")\b")
        expected = pattern.search(src, start, len(src) if end is None else end) is not None
        assert module._mentions(src, start, names, end) == expected, (names, start, end)
