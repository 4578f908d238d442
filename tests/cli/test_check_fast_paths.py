"""`codie check`'s performance short cuts change no finding: the same tree checked with
them and with the plain computations they replace gives the same report, byte for byte
(the module index for CPX004, the n-gram scoring's inline path and its shared levels,
the naming scores' kept word ids, early bar, new-name bound and capped scores)."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest
from tree_sitter import Tree

import codie.analyzers.complexity as complexity
from codie.analyzers.metrics import module_metrics
from codie.analyzers.style.naming import Scorer
from codie.analyzers.style.ngram import NgramModel
from codie.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = ("shlex.py", "textwrap.py", "csv.py", "json/decoder.py", "json/encoder.py", "fnmatch.py")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "examples" / "shop", root / "shop")
    for name in MODULES:
        if (STDLIB / name).is_file():
            (root / "lib").mkdir(exist_ok=True)
            shutil.copyfile(STDLIB / name, root / "lib" / name.replace("/", "_"))
    # a low bar, so that this small tree has a complexity finding or two to compare
    (root / "pyproject.toml").write_text("[tool.codie.complexity]\nmaintainability = 60\n")
    return root


def check(root: Path, out: Path) -> bytes:
    args = ["check", str(root), "--format", "json", "-o", str(out), "--fail-on", "never", "-j", "1", "--no-cache"]
    assert main(args) == 0
    return out.read_bytes()


def plain_index(tree: Tree, source: bytes) -> tuple[float, int, int]:
    m = module_metrics(tree, source)
    return m.maintainability, m.cyclomatic, m.lines.lloc


def test_the_short_cuts_change_no_finding(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = check(tree, tmp_path / "fast.json")
    monkeypatch.setattr(complexity, "module_maintainability", plain_index)
    monkeypatch.setattr(NgramModel, "shortcuts", False)  # no inline path, no sharing
    monkeypatch.setattr(Scorer, "memoize", False)  # every word id looked up
    monkeypatch.setattr(Scorer, "early_bar", False)  # every name's candidates scored
    monkeypatch.setattr(Scorer, "new_name_bar", False)  # every new name's candidates sought
    monkeypatch.setattr(Scorer, "capped_scores", False)  # every candidate scored to the end
    plain = check(tree, tmp_path / "plain.json")
    assert fast == plain
    assert b'"CPX004"' in fast and b'"STY' in fast  # both paths were really taken
