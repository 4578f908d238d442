"""A hover is answered from the analysis as it stands, not after the latest edit's analysis
(issue 19: one hover waited 2.5 s behind whole-document work during the soak), and the
findings it explains are where they are in the edited text.

hover_slow_server.py makes the analysis of the edit below take a while (300 statements that
each sleep); the test checks the order of events: the hover's answer comes while the edit's
diagnostics have not been published yet, and it explains the finding at its new place."""

from __future__ import annotations

import sys
from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import change, diagnostics, lsp_session, open_file

SLOW = [sys.executable, str(Path(__file__).with_name("hover_slow_server.py"))]
TEXT = "import os\n\n\nvalue = eval(input())\n"
ADDED = 300


def sec001_lines(diags: object) -> list[int]:
    assert isinstance(diags, (list, tuple))
    return [d.range.start.line for d in diags if d.code == "SEC001"]


async def test_a_hover_while_the_analysis_is_pending_is_answered_at_the_mapped_place(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(TEXT)
    async with lsp_session([tmp_path], command=SLOW) as client:
        uri = open_file(client, path)
        # SEC001 comes from a whole-document analyzer (taint), whose findings are not
        # recomputed until the whole analysis of the edit is done
        assert sec001_lines(await diagnostics(client, uri, lambda d: bool(sec001_lines(d)))) == [3]
        inserted = "".join(f"slow_stmt_{i} = {i}\n" for i in range(ADDED))
        change(client, uri, 2, 1, 0, 1, 0, inserted)
        answer = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(3 + ADDED, 9))
        )
        # answered before the edit's diagnostics: still the old version's
        assert sec001_lines(client.diagnostics[uri]) == [3]
        assert answer is not None and isinstance(answer.contents, types.MarkupContent)
        assert "**SEC001**" in answer.contents.value
        # and the analysis still ends where a hover at the old place finds nothing
        await diagnostics(client, uri, lambda d: sec001_lines(d) == [3 + ADDED])
        stale = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(3, 9))
        )
        assert stale is None or "SEC001" not in str(stale.contents)
