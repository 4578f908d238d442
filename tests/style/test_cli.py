"""`codie style train|show` and headless STY findings in `codie check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.cli.main import main
from tests.style.workspace import make_workspace


def test_train_show_then_check_reports_style_headlessly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CODIE_DB", raising=False)
    root = make_workspace(tmp_path / "shop")
    assert main(["style", "show", str(root)]) == 2  # nothing trained yet
    assert main(["style", "train", str(root)]) == 0
    assert "learned the style of 14 files" in capsys.readouterr().out
    assert main(["style", "show", str(root)]) == 0
    shown = capsys.readouterr().out
    assert "case:function" in shown and "snake_case" in shown
    (root / "shop" / "late.py").write_text(
        "def loadOrders(orders):\n    return [o for o in orders]\nx = 'a'\ny = 'b'\nz = 'c'\nw = 'd'\n"
    )
    assert main(["check", str(root), "--select", "STY", "--fail-on", "never", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "STY001" in out and "`order`, not `thing`" in out
    assert "function `loadOrders` is camelCase" in out
    # four strings against the project's double quotes: one finding for the file
    assert out.count("STY003") == 1 and "(and 3 more in this file)" in out
