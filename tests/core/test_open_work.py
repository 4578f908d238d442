"""What opening a file costs was cut without changing what it finds: each shortcut here
gives exactly what the long way gave (issue 15, open -> diagnostics)."""

from __future__ import annotations

import random
import re

import pytest
from tree_sitter import Node

from codie.analyzers import quality, registered
from codie.analyzers.function_figures import outermost_functions
from codie.analyzers.quality import QualityAnalyzer
from codie.analyzers.security import secrets
from codie.analyzers.security.secrets import SecretsAnalyzer
from codie.core.analyzer import Context
from codie.core.document import Document, parse
from codie.core.engine import DocumentAnalysis, analyze
from codie.core.findings import Finding
from codie.core.lines import EOL, LineIndex
from codie.core.rules import catalogue


def regex_starts(source: bytes) -> list[int]:
    return [0, *(m.end() for m in EOL.finditer(source))]


@pytest.mark.parametrize("alphabet", [b"ab\n\n", b"ab\r\n", b"\n\r\xc3\xa9x"])
def test_line_index_is_the_regex_index(alphabet: bytes) -> None:
    rng = random.Random(15)
    for _ in range(500):
        source = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert LineIndex(source).starts == regex_starts(source), source


def every_outermost(top: Node, source: bytes) -> list[tuple[int, str, int, bool]]:
    """outermost_functions the long way: into every node."""
    out: list[tuple[int, str, int, bool]] = []

    def walk(node: Node, prefix: str, depth: int, class_body: bool) -> None:
        if node.type == "function_definition":
            out.append((node.start_byte, prefix, depth, class_body))
        elif node.type == "class_definition":
            body, name = node.child_by_field_name("body"), node.child_by_field_name("name")
            if body is None:
                return
            text = source[name.start_byte : name.end_byte].decode() if name else "?"
            for child in body.children:
                walk(child, f"{prefix}.{text}" if prefix else text, depth + 1, True)
        elif node.type == "decorated_definition":
            for child in node.children:
                walk(child, prefix, depth, class_body)
        else:
            for child in node.children:
                walk(child, prefix, depth, False)

    walk(top, "", 0, False)
    return out


@pytest.mark.parametrize(
    "source",
    [
        "x = {'a': [1, 2, (lambda y: y)(3)]}\ndef f():\n    pass\n",
        "if x:\n    def f():\n        return [i for i in y]\nelse:\n    g = lambda: 1\n",
        "class C:\n    x = 1\n    @d\n    def m(self):\n        def inner(): pass\n    y = [z for z in w]\n",
        "try:\n    import a\nexcept ImportError:\n    def a(): pass\n",
        # broken code: error recovery may hang a definition anywhere
        "x = (\ndef f():\n    pass\n",
        "print(1 +\n    def g(a):\n        return a\n",
        "assert (def h(): pass)\nreturn def k():\n    pass\n",
        "import os, def m():\n    pass\n",
    ],
)
def test_outermost_functions_skip_nothing_that_holds_a_def(source: str) -> None:
    src = source.encode()
    for top in parse(src).root_node.children:
        fast = [(f.start_byte, prefix, depth, method) for f, prefix, depth, method in outermost_functions(top, src)]
        assert fast == every_outermost(top, src)


def quality_findings(uri: str, source: str, analyzer: QualityAnalyzer) -> list[tuple[str, int, int, str]]:
    ctx = Context(Document(uri, source), catalogue())
    return [(f.rule_id, f.start, f.end, f.message) for f in analyze(ctx, [analyzer])]


QUALITY = (
    "class C:\n"
    "    def m(self, value):\n"
    "        assert value > 0\n"
    "        try:\n"
    "            go()\n"
    "        except:\n"
    "            pass\n"
    "        return value\n"
    "        print('never')\n"
)


def test_quality_cached_by_chunk_text_gives_fresh_findings() -> None:
    shared = QualityAnalyzer()
    first = quality_findings("file:///p/a.py", QUALITY, shared)
    assert {r for r, *_ in first} == {"Q001", "Q003", "Q004"}
    # the same class further down another file: served from the cache, at its new offsets
    moved = "import os\n\n\n" + QUALITY
    assert quality_findings("file:///p/b.py", moved, shared) == quality_findings(
        "file:///p/b.py", moved, QualityAnalyzer()
    )
    # a test file asserts on purpose: the cache keys on that, never mixes the two
    in_tests = quality_findings("file:///p/tests/test_a.py", QUALITY, shared)
    assert in_tests == quality_findings("file:///p/tests/test_a.py", QUALITY, QualityAnalyzer())
    assert "Q003" not in {r for r, *_ in in_tests}
    assert quality_findings("file:///p/a.py", QUALITY, shared) == first


def test_reopening_finds_what_a_fresh_server_finds() -> None:
    """The analyzers are shared by every document (their caches too): the second file
    with the same text, and an edited one, get what fresh analyzers give."""
    source = QUALITY + "\n\ndef f(a=[]):\n    a.append(1)\n    return a\n\n\nx = 1\n\n\n\ny = 2\n"
    shared = registered()

    def run(uri: str, text: str, analyzers: list) -> list[Finding]:  # type: ignore[type-arg]
        return DocumentAnalysis(Context(Document(uri, text, 1), catalogue()), analyzers).run()

    def key(found: list[Finding]) -> list[tuple[str, int, int, str]]:
        return [(f.rule_id, f.start, f.end, f.message) for f in found]

    assert key(run("file:///p/one.py", source, shared)) == key(run("file:///p/one.py", source, registered()))
    assert key(run("file:///p/two.py", source, shared)) == key(run("file:///p/two.py", source, registered()))
    edited = source.replace("        assert value > 0\n", "        assert value > 1\n\n\n")
    assert key(run("file:///p/two.py", edited, shared)) == key(run("file:///p/two.py", edited, registered()))


class CountingPattern:
    """A compiled pattern that counts its searches."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.searches = 0

    def search(self, text: str) -> re.Match[str] | None:
        self.searches += 1
        return self.pattern.search(text)


def test_whether_a_file_is_a_test_is_asked_once_per_uri_not_per_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """quality and security-secrets ask it for each statement: a search of the uri (~12 us,
    the patterns have no literal prefix) once per document, not 2 x 400 on opening a file of
    400 statements. The answers are the patterns' (a test file asserts on purpose)."""
    test_file = CountingPattern(quality.TEST_FILE)
    test_path = CountingPattern(secrets.TEST_PATH)
    monkeypatch.setattr(quality, "TEST_FILE", test_file)
    monkeypatch.setattr(secrets, "TEST_PATH", test_path)
    text = "".join(f"def f{i}(x):\n    assert x > {i}\n    token = 'ghp_{i:036d}'\n\n\n" for i in range(100))
    analyzers = [QualityAnalyzer(), SecretsAnalyzer()]
    for uri in ("file:///p/once_per_uri.py", "file:///p/tests/test_once_per_uri.py"):
        found = DocumentAnalysis(Context(Document(uri, text, 1), catalogue()), analyzers).run()
        assert ("Q003" in {f.rule_id for f in found}) == ("tests" not in uri)
    assert test_file.searches <= 2 and test_path.searches <= 2
