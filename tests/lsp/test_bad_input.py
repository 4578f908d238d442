"""Any text is accepted: the server never crashes and never diverges from the client."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.core.reference import apply
from tests.lsp.helpers import change, codes, edit, open_doc, wait_for

NASTY = "x = 1\r\ny = '😋\x00'\rdef f(:\n\x0c    return eval(z)\n\n\u2028try:\n  pass\nexcept:\n pass"


def snapshot(client: LanguageClient, uri: str) -> list[tuple[str, int, int, int, int]]:
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in client.diagnostics.get(uri, [])
    )


async def test_nasty_text_and_edits_never_diverge(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "nasty.py", NASTY)
    await wait_for(lambda: "SYN001" in codes(client, uri) and "Q001" in codes(client, uri))
    text = NASTY
    edits = [
        (0, 0, 0, 0, "\x00"),
        (1, 6, 1, 7, "é"),  # replace inside the line with the emoji
        (2, 5, 2, 7, "):\n"),  # repair the def
        (50, 0, 60, 3, "\nz = eval(q)"),  # a range past the end
        (3, 0, 3, 1, ""),  # drop the form feed
        (0, 9999, 1, 0, "\r"),  # a column past the end of the line
    ]
    for sl, sc, el, ec, new in edits:
        change(client, uri, [edit(sl, sc, el, ec, new)])
        text = apply(text, (sl, sc), (el, ec), new, "utf-16")
    fresh = open_doc(client, tmp_path / "fresh.py", text)
    await wait_for(lambda: bool(client.diagnostics.get(fresh)))
    await wait_for(lambda: snapshot(client, uri) == snapshot(client, fresh))


async def test_empty_and_huge_files(client: LanguageClient, tmp_path: Path) -> None:
    empty = open_doc(client, tmp_path / "empty.py", "")
    big_text = "".join(f"def f{i}(a, b=[]):\n    return a\n" for i in range(25_000))
    big = open_doc(client, tmp_path / "big.py", big_text)
    await wait_for(lambda: len(client.diagnostics.get(big, [])) == 25_000, timeout=600)
    assert empty in client.diagnostics and len(client.diagnostics[empty]) == 0
    change(client, big, [edit(0, 0, 0, 0, "import os\n")])
    await wait_for(lambda: client.diagnostics[big][0].range.start.line == 1, timeout=600)
    change(client, empty, [edit(0, 0, 0, 0, "try:\n  x\nexcept:\n  pass\n")])
    # behind the big file's work in the same server: on a busy machine that takes a while
    await wait_for(lambda: codes(client, empty) == ["Q001"], timeout=600)


async def test_a_failing_rule_drops_only_its_own_results(tmp_path: Path) -> None:
    """An exception inside one analyzer is logged; the others still publish."""
    from codie.analyzers import registered
    from codie.core.analyzer import Context
    from codie.core.document import Document
    from codie.core.engine import DocumentAnalysis
    from codie.core.rules import catalogue

    class Broken:
        name = "broken"
        languages = frozenset({"python"})
        incremental = True
        deferred = False

        def analyze(self, ctx, nodes):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    failures: list[str] = []
    doc = Document("file:///x.py", "try:\n  x\nexcept:\n  pass\n")
    analysis = DocumentAnalysis(
        Context(doc, catalogue()),
        [*registered(), Broken()],
        on_error=lambda a, exc: failures.append(a.name),
    )
    assert [f.rule_id for f in analysis.run()] == ["Q001"]
    assert failures == ["broken"]
    assert "boom" in analysis.failures.errors["broken"]
