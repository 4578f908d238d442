"""The extractor's short cuts change nothing (issue 15): texts kept by their bytes, names not
looked up again in the sharing table, numbers and operators answered before the rarer kinds,
and `name.append(v)` and friends recognised by the method's bytes before their arguments are
read give exactly the summaries of a plain extractor without them, on this project's own
code, the call-graph suites and the edge cases of each short cut; words are counted as the
regular expression counts them."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from tree_sitter import Node

from codie.analyzers.callgraph import extract
from codie.analyzers.callgraph.extract import WORD, Extractor, count_words, module_name
from codie.analyzers.callgraph.fields import F_ARGUMENTS, F_ATTRIBUTE, F_FUNCTION, F_OBJECT
from codie.analyzers.callgraph.model import Expr, Scope, share_top
from codie.core.document import parse

ROOT = Path(__file__).resolve().parents[2]


class PlainExtractor(Extractor):
    """The extraction as it was before the short cuts (with `_OPAQUE` emptied by the test)."""

    def text(self, node: Node) -> str:
        return sys.intern(self.src[node.start_byte : node.end_byte].decode("utf-8", "replace"))

    def expr(self, node: Node | None, depth: int = 0) -> Expr:
        found = self._expr(node, depth)
        return self.shared.setdefault(found, found)

    def mutation(self, node: Node, fn: Node) -> None:
        function = node.child_by_field_id(F_FUNCTION)
        if function is None or function.type != "attribute":
            return
        obj, attr = function.child_by_field_id(F_OBJECT), function.child_by_field_id(F_ATTRIBUTE)
        args = node.child_by_field_id(F_ARGUMENTS)
        if obj is None or attr is None or obj.type != "identifier" or args is None:
            return
        named = [a for a in args.named_children if a.type not in ("comment", "keyword_argument")]
        method = self.text(attr)
        value: Expr | None = None
        if method in ("append", "add", "appendleft") and len(named) == 1:
            value = self.expr(named[0])
        elif method in ("insert", "setdefault") and len(named) == 2:
            value = self.expr(named[1])
        elif method in ("extend", "update") and len(named) == 1:
            value = ("i", self.expr(named[0]))
        if value is not None:
            self.mutations.append((self.enclosing(node), self.text(obj), value))


def scopes_of(cls: type[Extractor], source: bytes, module: str, is_package: bool) -> dict[str, Scope]:
    extractor = cls(source, module, is_package, compact=True)
    scopes = extractor.run(parse(source).root_node)
    share_top(scopes, extractor.shared)
    return scopes


EDGE_CASES = b"""
import collections
xs, d, q = [], {}, collections.deque()
def f(): pass
xs.append(f)
xs.append(f, 1)
xs.append(  # a comment between
    f)
xs.append(key=f)
xs.appendx(f)
xs.push(f)
d.setdefault("k", f)
d.setdefault("k")
d.update([f])
d.update(**{"k": f})
xs.insert(0, f)
xs.extend([f, print])
q.appendleft(lambda: f())
xs.add(f)
(xs).append(f)
xs[0].append(f)
self_xs = xs; self_xs.append(-1 + 2 * 3)
y = (1, 2.5, True, False, None, ..., not f, -f, f < 1, f + 1, b"x", rb"y", "z", f"{f}" "w")
g = f if 1 else None or f
def h(a=1, *b, c=None, **e): return a.b.c(d[0], *b, **e)
nested = [[[[[[f]]]]]]
"""


@pytest.mark.parametrize(
    "root", [ROOT / "server", ROOT / "tests" / "callgraph_suite", ROOT / "tests" / "callgraph_pycg"], ids=str
)
def test_shortcuts_give_the_plain_extractors_summaries(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(root.rglob("*.py"))
    assert len(files) > 40
    sources = [(path.read_bytes(), *module_name(path.relative_to(root).as_posix())) for path in files]
    fast = [scopes_of(Extractor, source, module, is_package) for source, module, is_package in sources]
    monkeypatch.setattr(extract, "_OPAQUE", frozenset())
    plain = [scopes_of(PlainExtractor, source, module, is_package) for source, module, is_package in sources]
    for path, one, other in zip(files, fast, plain, strict=True):
        assert one == other, path


def test_shortcuts_give_the_plain_extractors_summary_on_their_edge_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = scopes_of(Extractor, EDGE_CASES, "m", False)
    monkeypatch.setattr(extract, "_OPAQUE", frozenset())
    plain = scopes_of(PlainExtractor, EDGE_CASES, "m", False)
    assert fast == plain
    # and the cases do reach each short cut: containers filled by each kind of mutation,
    # literals and operators among the values
    # xs: append(f), the append across a comment, insert, extend and add (not the wrong
    # arity, the keyword, appendx, push, nor a container that is not a plain name)
    assert len([e for e in fast["m"].assigns["xs"] if e[0] == "l" and len(e) == 2]) == 5
    assert len([e for e in fast["m"].assigns["q"] if e[0] == "l" and len(e) == 2]) == 1
    assert ("X", "builtins.bytes") in fast["m"].assigns["y"][0][1]
    assert ("u",) in fast["m"].assigns["y"][0][1]


def test_the_opaque_kinds_are_none_the_extractor_follows() -> None:
    """Answered before the kinds `_expr` handles, they must not be any of them."""
    handled = {
        "identifier",
        "attribute",
        "call",
        "lambda",
        "parenthesized_expression",
        "await",
        "as_pattern",
        "dictionary",
        "subscript",
        "string",
        "concatenated_string",
        "conditional_expression",
        "boolean_operator",
        "named_expression",
        *extract.CONTAINERS,
    }
    assert not extract._OPAQUE & handled


@pytest.mark.parametrize(
    "source",
    [
        b"",
        b"123",
        b"1abc 2_x _1 a1b2 9 a.b",
        b"\xff\xfeabc\x00def\xc3\xa9g\n\tx",
        b"__ _ 0_ 00a a a 1a",
        b"abc1abc abc",
    ],
)
def test_word_counts_are_the_regexs(source: bytes) -> None:
    reference = {w.decode(): n for w, n in Counter(WORD.findall(source)).items()}
    counted = count_words(source)
    assert counted == reference
    assert list(counted) == list(reference)  # in the same order too


def test_word_counts_of_this_projects_files_are_the_regexs() -> None:
    for path in sorted((ROOT / "server").rglob("*.py")):
        source = path.read_bytes()
        assert count_words(source) == dict(Counter(w.decode() for w in WORD.findall(source))), path
