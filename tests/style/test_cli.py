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


def test_suggest_ranks_candidates_leaving_the_file_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.delenv("CODIE_DB", raising=False)
    root = make_workspace(tmp_path / "shop")
    target = root / "shop" / "cart.py"  # `for thing in orders` where the project says order
    assert main(["style", "suggest", str(target), "--format", "json"]) == 2  # not trained
    capsys.readouterr()
    assert main(["style", "train", str(root)]) == 0
    capsys.readouterr()
    assert main(["style", "suggest", str(target), "--format", "json", "--top", "3"]) == 0
    rows = json.loads(capsys.readouterr().out)
    (thing,) = [r for r in rows if r["name"] == "thing" and r["line"] == 6]
    assert thing["path"] == "shop/cart.py" and thing["kind"] == "variable"
    assert thing["suggested"] is True and thing["candidates"][0]["name"] == "order"
    assert 1 <= len(thing["candidates"]) <= 3
    scores = [c["score"] for c in thing["candidates"]]
    assert scores == sorted(scores)
    assert all(
        c["gain"] == round(thing["score"] - c["score"], 3) or abs(c["gain"] - (thing["score"] - c["score"])) < 0.01
        for c in thing["candidates"]
    )
    assert main(["style", "suggest", str(target)]) == 0
    assert "thing: order" in capsys.readouterr().out
    assert main(["style", "suggest", str(target), "--top", "0"]) == 2


def test_annotated_star_parameters_are_bindings() -> None:
    from codie.analyzers.style.scopes import PARAMETER, build
    from codie.core.document import parse

    source = b"def f(*args: int, **kwargs: str):\n    return args, kwargs\n"
    tree = build(source, parse(source).root_node)
    found = {(b.name, b.kind, len(b.occurrences)) for b in tree.bindings()}
    assert ("args", PARAMETER, 2) in found and ("kwargs", PARAMETER, 2) in found
