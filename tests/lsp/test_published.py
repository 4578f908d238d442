"""A publish made from the last publishes' work (lsp/presenting.published: findings that
did not change, or only moved with their lines, keep their presented diagnostic) sends
exactly what a full presentation sends: the same publishDiagnostics params and the same
pull answer as the present step with fresh caches gives, through edits above, inside and
below findings, typing within a line, a suppression comment added and removed, the
minimum confidence changed and a model verdict landing."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

import pytest
from tree_sitter import Node

from codie.core.analyzer import Context
from codie.core.findings import Finding
from codie.lsp import presenting
from codie.lsp.convert import DiagnosticCache
from codie.lsp.features.llm_review import state
from codie.lsp.server import CodieServer, build_server

FUNCTION = """

def handler_{n}(request):
    value = request.args.get("q")
    return eval(value)


def run_{n}():
    data = input()
    os.system(data)
    return data
    print("never")
"""
TEXT = "import os\nimport sys\n" + "".join(FUNCTION.format(n=n) for n in range(6))
URI = "file:///tmp/codie-published/app.py"


def shown_json(server: CodieServer) -> list[dict[str, Any]]:
    """What the user sees of URI: the pull answer's items."""
    return [json.loads(text) for text in server.diagnostic_report(URI)[1]]


def full(server: CodieServer, version: int) -> tuple[str, tuple[str, list[str]]]:
    """The publish params and the pull answer of a full presentation, with fresh caches."""
    publisher, cache = server.publisher, server.diagnostic_cache
    server.publisher, server.diagnostic_cache = None, DiagnosticCache()
    state(server).forget_scores(URI)
    try:
        return server.publish_params(URI, version), server.diagnostic_report(URI)
    finally:
        server.publisher, server.diagnostic_cache = publisher, cache


async def edit(server: CodieServer, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    analysis = server.analyses[URI]
    analysis.note_edit(analysis.doc.apply_change(start, end, text))
    analysis.doc.version = version
    server.schedule(URI, edit=True)
    await asyncio.wait_for(server.settled(URI), 60)


def line_of(server: CodieServer, needle: str, nth: int = 0) -> int:
    lines = server.analyses[URI].doc.text.split("\n")
    return [i for i, line in enumerate(lines) if needle in line][nth]


async def test_reused_publishes_are_the_full_presentation(monkeypatch: pytest.MonkeyPatch) -> None:
    presented: list[int] = []  # findings presented in full by each reusing publish
    misses = presenting._present_misses

    def counted(ls, analysis, found, encoding, rows):  # type: ignore[no-untyped-def]
        presented.append(len(found))
        return misses(ls, analysis, found, encoding, rows)

    monkeypatch.setattr(presenting, "_present_misses", counted)
    server = build_server()
    server.open_document(URI, TEXT, 1, "python")
    await asyncio.wait_for(server.settled(URI), 60)
    version = 1
    compared = 0

    def check() -> None:
        nonlocal compared
        reused = server.publish_params(URI, version), server.diagnostic_report(URI)
        assert reused == full(server, version)
        compared += 1

    check()
    shown = len(shown_json(server))
    assert shown >= 12  # (every function has findings: most of them move below each edit)

    def at(needle: str, nth: int, column: int) -> tuple[int, int]:
        return line_of(server, needle, nth), column

    steps: list[Callable[[], tuple[tuple[int, int], tuple[int, int], str]]] = [
        lambda: ((0, 0), (0, 0), "import re\n"),  # a line above everything: every diagnostic moves
        lambda: (at("data = input()", 2, 4), at("data = input()", 2, 8), "info"),  # a finding changes
        lambda: (at("return eval", 1, 11), at("return eval", 1, 11), "  "),  # typing within a line
        lambda: ((0, 0), (1, 0), ""),  # the first line removed again
        lambda: (at("value = request", 3, 0), at("value = request", 3, 0), "    x = 1\n"),
    ]
    for step in steps:
        version += 1
        await edit(server, version, *step())
        check()
    # suppression comments added (every finding's answer may change, also on lines no edit
    # touched: presented in full), then removed again: for the whole file, then on one line
    before = len(shown_json(server))
    version += 1
    await edit(server, version, (0, 0), (0, 0), "# codie: ignore\n")
    check()
    assert len(shown_json(server)) < before
    version += 1
    await edit(server, version, (0, 0), (1, 0), "")
    check()
    row = line_of(server, "os.system(data)", 4)
    version += 1
    before = len(shown_json(server))
    await edit(server, version, (row, 19), (row, 19), "  # codie: ignore")
    check()
    assert len(shown_json(server)) < before
    version += 1
    await edit(server, version, (row, 19), (row, 19 + len("  # codie: ignore")), "")
    check()
    # the minimum confidence raised (another Settings object, the same findings), and back
    analysis = server.analyses[URI]
    settings = analysis.ctx.settings
    analysis.ctx.settings = dataclasses.replace(settings, min_confidence=0.9)
    check()
    assert len(shown_json(server)) < shown
    analysis.ctx.settings = settings
    check()
    # a model verdict on one finding lands (the rescoring's stamp changes)
    fingerprint = shown_json(server)[-1]["data"]["fingerprint"]
    said = shown_json(server)[-1]["message"]
    state(server).verdicts[fingerprint] = 0.01
    check()
    assert fingerprint not in {d["data"]["fingerprint"] for d in shown_json(server)} or said not in {
        d["message"] for d in shown_json(server)
    }
    # an edit after all of that, still the same
    version += 1
    await edit(server, version, (0, 0), (0, 0), "\n\n")
    check()
    assert compared == len(steps) + 9
    # and the publishes did reuse: most findings were not presented again
    assert presented and sum(presented) < shown * len(presented) / 2


class Parity:
    """A whole-file analyzer that makes its findings again on every run, equal to the last
    run's but for their confidence, which follows the parity of the file's line count: one
    on the first statement, one on the last (above and below an edit in the middle)."""

    name: ClassVar[str] = "parity"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        evidence = 0.9 if ctx.doc.lines.count % 2 else 0.6
        for node in (nodes[0], nodes[-1]):
            yield ctx.report("Q004", node.start_byte, node.end_byte, "parity", evidence=evidence)


async def test_findings_made_again_are_known_by_all_they_say() -> None:
    """A finding made again by a whole-file analyzer, at its place or moved, reuses the last
    publish's diagnostic only when it says the same (here its confidence changed)."""
    server = build_server()
    server.analyzers = (*server.analyzers, Parity())
    server.open_document(URI, TEXT, 1, "python")
    await asyncio.wait_for(server.settled(URI), 60)
    server.publish_params(URI, 1)
    middle = line_of(server, "def run_2")
    said = []
    for version, (end, text) in enumerate([(middle, "x = 1\n"), (middle + 1, ""), (middle, "y = 2\n")], 2):
        await edit(server, version, (middle, 0), (end, 0), text)
        assert server.publish_params(URI, version) == full(server, version)[0]
        said.append(sorted(d["message"] for d in shown_json(server) if d["message"].endswith("parity")))
    # (two findings, each saying something else after each edit)
    assert all(len(messages) == 2 for messages in said) and said[0] != said[1] != said[2]
