"""Learned conventions and naming findings, through the analyzer as the engine runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.analyzers.style.analyzer import StyleAnalyzer
from codie.analyzers.style.conventions import Observation, deviations, name_case
from codie.analyzers.style.rename import RenameError, rename_edits
from codie.analyzers.style.service import StyleService
from codie.analyzers.style.training import build_model
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.rules import catalogue
from tests.style.workspace import DEVIANT, make_workspace

CAMEL = '''def loadOrders(path):
    """Load.

    :param path: where
    """
    import sys, os
    return 'x' + path
'''


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StyleService]:
    root = make_workspace(tmp_path_factory.mktemp("ws") / "shop").resolve()
    model, _ = build_model(root)
    service = StyleService()
    service.models[root] = model
    return root, service


def analyze(root: Path, service: StyleService, path: Path, text: str, **style: object) -> list[Finding]:
    options = {"min-tokens": 200, "min-samples": 10, **style}
    doc = Document(path.as_uri(), text)
    ctx = Context(doc, catalogue(), Settings(sections={"style": options}), root=root, services={"style": service})
    return list(StyleAnalyzer().analyze(ctx, doc.top_level()))


def test_case_deviation_quotes_the_projects_statistics(workspace: tuple[Path, StyleService]) -> None:
    root, service = workspace
    found = analyze(root, service, root / "shop" / "new.py", CAMEL)
    (case,) = [f for f in found if f.rule_id == "STY002"]
    assert case.message.startswith("100% of functions here are snake_case")
    assert "`loadOrders` is camelCase" in case.message
    quotes = [f for f in found if f.rule_id == "STY003"]
    assert quotes and 'use " quotes' in quotes[0].message


def test_nothing_is_reported_before_the_model_has_seen_enough(workspace: tuple[Path, StyleService]) -> None:
    root, service = workspace
    assert analyze(root, service, root / "shop" / "new.py", CAMEL, **{"min-tokens": 10**6}) == []


def test_naming_finding_carries_a_rename_of_every_occurrence_in_scope(workspace: tuple[Path, StyleService]) -> None:
    root, service = workspace
    path = root / "shop" / "cart.py"
    found = [f for f in analyze(root, service, path, DEVIANT) if f.rule_id == "STY001"]
    doc = Document(path.as_uri(), DEVIANT)
    (first,) = [f for f in found if doc.position_at(f.start) == (5, 8)]
    assert first.data["suggestion"] == "order" and first.fix is not None
    assert [doc.position_at(e.start) for e in first.fix.edits] == [(5, 8), (6, 17), (6, 31)]
    assert 0.5 < first.confidence < 1


def test_consistent_file_gets_no_naming_finding(workspace: tuple[Path, StyleService]) -> None:
    root, service = workspace
    path = root / "shop" / "books.py"
    found = analyze(root, service, path, path.read_text())
    assert [f for f in found if f.rule_id in ("STY001", "STY002")] == []


def test_deviations_need_a_dominant_convention() -> None:
    obs = [Observation("quotes", "'", 0, 3, "string")]
    assert list(deviations(obs, {"quotes": {'"': 50, "'": 50}})) == []
    (dev,) = deviations(obs, {"quotes": {'"': 95, "'": 5}})
    assert dev.dominant == '"' and dev.share == 0.95
    assert list(deviations(obs, {"quotes": {'"': 9}}, min_samples=10)) == []


def test_one_word_names_fit_both_snake_and_camel_case() -> None:
    assert name_case("total") == "lower" and name_case("load_orders") == "snake_case"
    assert name_case("loadOrders") == "camelCase" and name_case("MAX_SIZE") == "UPPER_CASE"
    obs = [Observation("case:function", "lower", 0, 1, "function `load`")]
    assert list(deviations(obs, {"case:function": {"camelCase": 40, "lower": 10}})) == []


def test_rename_refusals(workspace: tuple[Path, StyleService]) -> None:
    root, service = workspace
    model = service.models[root]
    doc = Document((root / "shop" / "cart.py").as_uri(), DEVIANT)
    assert doc.tree is not None
    tree = doc.tree.root_node
    at = doc.offset_at(5, 9)
    with pytest.raises(RenameError, match="not a valid"):
        rename_edits(doc.source, tree, at, "class", model, None)
    with pytest.raises(RenameError, match="already used"):
        rename_edits(doc.source, tree, at, "total", model, None)
    books = root / "shop" / "books.py"
    text = books.read_text()
    other = Document(books.as_uri(), text)
    assert other.tree is not None
    ledger = text.index("class ") + len("class ")  # BooksLedger: used by no other file
    assert rename_edits(other.source, other.tree.root_node, ledger, "Books", model, books.as_posix())
    doc2 = Document("file:///x.py", "def total_books():\n    pass\n")  # books.py has one too
    assert doc2.tree is not None
    with pytest.raises(RenameError, match="other files"):
        rename_edits(doc2.source, doc2.tree.root_node, doc2.offset_at(0, 5), "x", model, None)
    imported = Document("file:///y.py", "from shop.books import total_books\n")
    assert imported.tree is not None
    with pytest.raises(RenameError, match="imported"):
        rename_edits(imported.source, imported.tree.root_node, imported.offset_at(0, 25), "x", model, None)


def test_parameters_of_functions_other_files_use_are_left_alone(workspace: tuple[Path, StyleService]) -> None:
    root, service = workspace
    model = service.models[root]
    source = "def total_books(things):\n    return things\n"  # books.py defines one too
    doc = Document("file:///z.py", source)
    assert doc.tree is not None
    with pytest.raises(RenameError, match="keyword arguments"):
        rename_edits(doc.source, doc.tree.root_node, doc.offset_at(0, 17), "orders", model, None)
    private = Document("file:///z.py", "def _helper(things):\n    return things\n")
    assert private.tree is not None
    edits = rename_edits(private.source, private.tree.root_node, private.offset_at(0, 13), "orders", model, None)
    assert [private.position_at(e.start) for e in edits] == [(0, 12), (1, 11)]


def test_naming_runs_in_slices_under_a_budget(workspace: tuple[Path, StyleService]) -> None:
    root, service = workspace
    sliced = StyleService()
    sliced.models = service.models
    sliced.naming_budget = 0.0  # one name per pass
    asked: list[str] = []
    sliced.on_unfinished = asked.append
    path = root / "shop" / "cart.py"
    doc = Document(path.as_uri(), DEVIANT)
    ctx = Context(
        doc, catalogue(), Settings(sections={"style": {"min-tokens": 200}}), root=root, services={"style": sliced}
    )
    analyzer = StyleAnalyzer()
    passes = 0
    while True:
        asked.clear()
        found = [f for f in analyzer.analyze(ctx, doc.top_level()) if f.rule_id == "STY001"]
        passes += 1
        if not asked:
            break
        assert asked == [path.as_uri()] and passes < 50
    assert passes > 2  # it did take several passes
    assert any(f.data["suggestion"] == "order" for f in found)


def test_members_reached_through_other_objects_are_not_renamed() -> None:
    source = "class Cart:\n    def add(self, item):\n        self.add(item)\n\n\ndef fill(cart):\n    cart.add(1)\n"
    doc = Document("file:///m.py", source)
    assert doc.tree is not None
    with pytest.raises(RenameError, match="attribute of other objects"):
        rename_edits(doc.source, doc.tree.root_node, doc.offset_at(1, 9), "put", WorkspaceModelStub(), None)


class WorkspaceModelStub:
    """Nothing is used in other files."""

    def used_elsewhere(self, name: str, path: str | None) -> bool:
        return False
