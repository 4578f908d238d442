from __future__ import annotations

from pathlib import Path

from codie.core.config import Settings, load_pyproject, load_pyproject_text, merge
from codie.core.findings import Severity


def test_valid_table_is_applied() -> None:
    text = (
        '[tool.codie]\nselect = ["Q", "SEC"]\nignore = ["Q003"]\nmin-confidence = 0.6\n'
        'exclude = ["gen/**"]\n[tool.codie.severity]\nQ001 = "error"\n[tool.codie.llm]\nprovider = "ollama"\n'
    )
    settings, problems = load_pyproject_text(text, "pyproject.toml")
    assert problems == []
    assert settings.enabled("Q001") and settings.enabled("SEC001")
    assert not settings.enabled("Q003") and not settings.enabled("SYN001")
    assert settings.min_confidence == 0.6
    assert settings.is_excluded("gen/a/b.py") and not settings.is_excluded("src/gen.py")
    assert settings.severity["Q001"] is Severity.ERROR
    assert settings.section("llm") == {"provider": "ollama"}


def test_bad_values_keep_the_defaults_and_say_where() -> None:
    text = '[tool.codie]\nselect = "Q"\nmin-confidence = 2\nbogus = 1\n[tool.codie.severity]\nQ001 = "loud"\n'
    settings, problems = load_pyproject_text(text, "pyproject.toml")
    assert settings.select == ("Q",)  # a lone string is accepted as a list of one
    assert settings.min_confidence == Settings().min_confidence
    assert "Q001" not in settings.severity
    assert sorted((p.line, p.key) for p in problems) == [(2, "min-confidence"), (3, "bogus"), (5, "Q001")]


def test_invalid_toml_is_one_problem_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.codie]\nselect = [\n")
    settings, problems = load_pyproject(tmp_path / "pyproject.toml")
    assert settings == Settings()
    assert len(problems) == 1 and "invalid TOML" in problems[0].message


def test_client_settings_underneath_the_file() -> None:
    client, _ = merge(Settings(), {"minConfidence": 0.9, "ignore": ["Q001"]}, "client")
    merged, problems = load_pyproject_text('[tool.codie]\nignore = ["Q002"]\n', "pyproject.toml", client)
    assert problems == [] and merged.min_confidence == 0.9 and merged.ignore == ("Q002",)


def test_config_errors_cannot_be_deselected() -> None:
    settings, _ = load_pyproject_text('[tool.codie]\nselect = ["Q"]\n', "p")
    assert settings.enabled("CFG001")
