"""Crash recovery: a raising analyzer is disabled for the file, visibly; a slow one is
reported (ANA002) in the function it was slow on only; the rest runs."""

from __future__ import annotations

import sys
from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import by_line, change, diagnostics, lsp_session, open_file

FAULTY = [sys.executable, str(Path(__file__).with_name("faulty_server.py"))]


async def test_raising_analyzers_are_disabled_per_file_and_slow_ones_per_function(tmp_path: Path) -> None:
    async with lsp_session([tmp_path], command=FAULTY) as client:
        uri = open_file(client, tmp_path / "a.py", "x = eval(input())\nboom = 1\n")
        diags = await diagnostics(client, uri, lambda d: any(x.code == "CFG010" for x in d))
        assert by_line(diags) == [(0, "CFG010"), (0, "SEC001")]  # the others still run
        cfg = next(d for d in diags if d.code == "CFG010")
        assert "`raising`" in cfg.message and "RuntimeError: boom" in cfg.message
        assert any(m.type == types.MessageType.Warning and "raising" in m.message for m in client.messages)

        text = "z = eval(input())\ndef fast():\n    pass\ndef slow():\n    slow_marker = 1\n"
        other = open_file(client, tmp_path / "b.py", text)
        diags = await diagnostics(client, other, lambda d: any(x.code == "ANA002" for x in d))
        assert by_line(diags) == [(0, "SEC001"), (1, "Q004"), (3, "ANA002")]  # not turned off
        slow = next(d for d in diags if d.code == "ANA002")
        assert "`sleepy`" in slow.message and "a function" in slow.message
        assert slow.severity == types.DiagnosticSeverity.Information

        # the server keeps serving: edits are analysed, the disabled analyzer stays off
        change(client, uri, 2, 1, 0, 1, 0, "boom()\nw = eval(input())\n")
        diags = await diagnostics(client, uri, lambda d: (2, "SEC001") in by_line(d))
        assert by_line(diags) == [(0, "CFG010"), (0, "SEC001"), (2, "SEC001")]
        clean = open_file(client, tmp_path / "c.py", "v = eval(input())\n")
        assert by_line(await diagnostics(client, clean)) == [(0, "SEC001")]
