"""The batch handlers that the worker runs (called directly, as the worker would)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.llm.jobs import explain_findings, verify_fixes
from tests.llm.llm_fakes import FakeLLM

# `f` evaluates what the console gives it (a traced source: shown by default)
CODE = "def f(x):\n    try:\n        return eval(x)\n    except:\n        pass\n\n\nf(input())\n"


class Ctx:
    def __init__(self, cancel_after: int = 10**6) -> None:
        self.steps: list[tuple[float, str]] = []
        self.cancel_after = cancel_after

    def progress(self, fraction: float, message: str = "") -> None:
        self.steps.append((fraction, message))

    def cancelled(self) -> bool:
        return len(self.steps) >= self.cancel_after


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CODIE_LLM_PROVIDER", raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "app.py").write_text(CODE)
    return tmp_path / "app.py"


def test_explain_job(app: Path) -> None:
    ctx = Ctx()
    out = explain_findings({"paths": [str(app)]}, ctx)
    assert [r["ruleId"] for r in out["results"]] == ["SEC001", "Q001"]
    assert out["results"][0]["markdown"].startswith("### SEC001")
    assert ctx.steps[-1][0] == 1.0 and out["provider"] == "offline"


def test_verify_job_filters_and_cancels(app: Path) -> None:
    out = verify_fixes({"paths": [str(app)], "lines": {str(app): [4]}}, Ctx())
    assert len(out["results"]) == 1 and out["results"][0]["verified"] is True
    assert app.read_text() == CODE  # nothing written
    out = verify_fixes({"paths": [str(app)]}, Ctx(cancel_after=1))
    assert out["cancelled"] is True and len(out["results"]) == 1
    with pytest.raises(ValueError, match="paths"):
        verify_fixes({}, Ctx())


def test_job_results_say_what_answered(app: Path, fake_llm: FakeLLM) -> None:
    fake_llm.stall = True
    llm = {"provider": "ollama", "host": fake_llm.url, "timeout": 1, "retries": 3}
    out = explain_findings({"paths": [str(app)], "rules": ["SEC001"], "llm": llm}, Ctx())
    (result,) = out["results"]
    assert out["provider"] == "ollama"  # configured
    assert result["provider"] == "offline"  # what answered
    assert result["label"] == "offline explainer (ollama unreachable: timeout after 1 s)"
    out = verify_fixes({"paths": [str(app)], "lines": {str(app): [4]}, "llm": llm}, Ctx())
    assert out["results"][0]["label"].startswith("offline explainer (ollama unreachable")
