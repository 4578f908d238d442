from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from codie.core.rules import Catalogue, Rule, _rule_from, catalogue, catalogue_dir, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_is_complete() -> None:
    for rule in catalogue():
        assert re.fullmatch(r"[A-Z]{1,4}\d{3}", rule.id), rule.id
        assert rule.title and rule.explanation.strip(), rule.id
        assert 0 < rule.confidence < 1, rule.id
        assert all(re.fullmatch(r"CWE-\d+", c) for c in rule.cwe), rule.id


def test_docs_page_is_generated_from_the_catalogue() -> None:
    """docs/rules.md is rendered by `make docs`; it must not drift from the catalogue."""
    assert (ROOT / "docs" / "rules.md").read_text() == render_markdown(catalogue())


def parsed_from_toml(folder: Path) -> list[Rule]:
    """The catalogue's rules as the TOML files say, read without any cache."""
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        rules.extend(_rule_from(raw, path.name) for raw in data.get("rule", []))
    return rules


def test_the_parsed_tables_are_kept_and_equal_the_toml_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second load reads the tables from the user's cache folder, not the TOML parser,
    and gives the same rules as parsing the files."""
    folder = catalogue_dir()
    expected = parsed_from_toml(folder)
    assert list(Catalogue.from_dir(folder).rules.values()) == expected  # parses and keeps them
    parses = 0
    load, loads = tomllib.load, tomllib.loads

    def counting_load(fh: BinaryIO) -> dict[str, Any]:
        nonlocal parses
        parses += 1
        return load(fh)

    def counting_loads(text: str) -> dict[str, Any]:
        nonlocal parses
        parses += 1
        return loads(text)

    monkeypatch.setattr(tomllib, "load", counting_load)
    monkeypatch.setattr(tomllib, "loads", counting_loads)
    assert list(Catalogue.from_dir(folder).rules.values()) == expected
    assert parses == 0


def test_a_changed_rule_file_is_parsed_again(tmp_path: Path) -> None:
    for path in catalogue_dir().glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    first = Catalogue.from_dir(tmp_path)
    core = tmp_path / "core.toml"
    text = core.read_text(encoding="utf-8")
    title = first.rules["CFG001"].title
    core.write_text(text.replace(f'title = "{title}"', 'title = "Another title"', 1), encoding="utf-8")
    assert Catalogue.from_dir(tmp_path).rules["CFG001"].title == "Another title"
    assert list(Catalogue.from_dir(tmp_path).rules.values()) == parsed_from_toml(tmp_path)
