"""Choosing related tests, and the z-score rule for slow-downs."""

from __future__ import annotations

from pathlib import Path

from codie.runtime.history import History, zscore
from codie.runtime.select import related_tests

from .conftest import write_project


def test_related_by_imports_then_naming(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "src/shop/__init__.py": "",
            "src/shop/cart.py": "def total(xs):\n    return sum(xs)\n",
            "src/shop/tax.py": "RATE = 0.2\n",
            "tests/test_checkout.py": "from shop.cart import total\n",
            "tests/test_module_import.py": "import shop.cart as c\n",
            "tests/test_from_package.py": "from shop import cart\n",
            "tests/test_tax.py": "X = 1\n",  # imports nothing: found by its name only
            "tests/test_unrelated.py": "import json\n",
            "tests/test_broken.py": "def (:\n",
        },
    )
    chosen, how = related_tests(root, [root / "src/shop/cart.py"])
    assert [p.name for p in chosen] == ["test_checkout.py", "test_from_package.py", "test_module_import.py"]
    assert how == "imports"
    chosen, how = related_tests(root, [root / "src/shop/tax.py"])
    assert [p.name for p in chosen] == ["test_tax.py"] and how == "naming"
    chosen, how = related_tests(root, [root / "tests/test_unrelated.py"])
    assert [p.name for p in chosen] == ["test_unrelated.py"] and how == "edited"
    assert related_tests(root, [root / "README.md"]) == ([], "no related test")


def test_zscore_needs_history_and_respects_noise_floors() -> None:
    steady = [0.100, 0.102, 0.098, 0.101, 0.099]
    assert zscore(0.5, steady[:4]) is None  # not enough history
    hit = zscore(0.5, steady)
    assert hit is not None and hit[2] > 3
    assert zscore(0.104, steady) is None  # within the 5 % relative floor
    tiny = [5e-6] * 6
    assert zscore(2e-3, tiny) is None  # a scheduler hiccup on a 5 µs test
    assert zscore(2e-3, tiny, abs_floor=0.0) is not None  # benchmarks: relative floor only


def test_history_records_and_flags(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db", min_history=3)

    def run(duration: float, outcome: str = "passed") -> list[str]:
        tests = [{"nodeid": "t.py::test_a", "outcome": outcome, "duration": duration}]
        found = history.anomalies("/p", tests)
        history.record("/p", "process", {"wall_s": 1.0}, tests)
        return [a.describe() for a in found]

    for value in (0.10, 0.11, 0.09):
        assert run(value) == []
    assert run(5.0, "failed") == []  # failures never count as slow-downs...
    slow = run(0.5)  # ...nor as history
    assert len(slow) == 1 and "over the last 3 runs" in slow[0] and "5.0x" in slow[0]
    assert history.durations("/p", "t.py::test_a") == [0.10, 0.11, 0.09, 0.5]
