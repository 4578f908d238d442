"""`codie explain` and `codie fix` headless."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.cli.main import main
from tests.llm.llm_fakes import FakeLLM

# `f` evaluates what the console gives it (a traced source: shown by default)
CODE = "def f(x):\n    try:\n        return eval(x)\n    except:\n        pass\n\n\nf(input())\n"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CODIE_LLM_PROVIDER", raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    path = tmp_path / "app.py"
    path.write_text(CODE)
    return path


def test_explain_offline(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", f"{app}:3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### SEC001") and ">3 |         return eval(x)" in out
    assert main(["explain", f"{app}:1"]) == 1
    assert main(["explain", f"{app}:zero"]) == 2
    assert main(["explain", f"{app}.missing:1"]) == 2


def test_fix_prints_a_verified_diff_and_applies_it(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", f"{app}:4"]) == 0
    assert "+    except Exception:" in capsys.readouterr().out
    assert app.read_text() == CODE  # not without --apply
    assert main(["fix", f"{app}:4", "--apply"]) == 0
    assert "except Exception:" in app.read_text()
    assert main(["fix", f"{app}:4"]) == 1  # nothing left to fix
    capsys.readouterr()
    assert main(["fix", f"{app}:3", "--apply"]) == 0  # eval -> ast.literal_eval + import
    assert "+import ast" in capsys.readouterr().out
    assert app.read_text().startswith("import ast\n")
    assert "return ast.literal_eval(x)" in app.read_text()


def test_explain_through_ollama(
    app: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_llm.url)
    assert main(["explain", f"{app}:3", "--provider", "ollama"]) == 0
    assert capsys.readouterr().out.startswith("You asked: Finding SEC001")
    assert fake_llm.requests[-1]["model"] == "qwen2.5-coder:7b"


def test_fix_from_a_model_that_breaks_the_code_is_refused(
    app: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.answer = lambda body: (
        "```diff\n@@ -3,2 +3,2 @@\n-        return eval(x)\n+        return eval(x\n     except:\n```"
    )
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.url + "/v1")
    assert main(["fix", f"{app}:3", "--provider", "openai", "--apply"]) == 1
    assert "does not parse" in capsys.readouterr().err
    assert app.read_text() == CODE
