"""One deadline per request, retries included; malformed answers are one clear reason; the
label says what answered. Against loopback servers speaking the real OpenAI and Ollama wire
protocols, through the real openai and ollama clients. Outcomes and labels are asserted,
never elapsed time."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from codie.analyzers import registered
from codie.cli.main import main
from codie.core.llm_config import LLMConfig
from codie.core.rules import catalogue
from codie.llm.service import LLMRequest, LLMService
from tests.llm.llm_fakes import FakeLLM
from tests.llm.llm_helpers import context_for

KINDS = ["openai", "ollama"]


def config(fake: FakeLLM, kind: str, timeout: float = 1, retries: int = 3) -> LLMConfig:
    if kind == "openai":
        return LLMConfig(provider="openai", model="m1", base_url=fake.url + "/v1", timeout=timeout, retries=retries)
    return LLMConfig(provider="ollama", model="m2", host=fake.url, timeout=timeout, retries=retries)


@pytest.fixture(autouse=True)
def log_everything(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """The failure is logged on one line; a traceback only at debug level (-vv).

    Only Codie's own records count: asyncio may log here the failed close of an HTTP client
    that an earlier test's (closed) event loop left to the garbage collector."""
    logged = [r for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith("codie")]
    assert any("failed" in r.getMessage() or "unreachable" in r.getMessage() for r in logged)
    assert all(r.exc_info is None for r in logged), "a traceback was logged"
    assert all("\n" not in r.getMessage() for r in logged)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_stalled_endpoint_ends_at_the_deadline_with_an_honest_label(
    fake_llm: FakeLLM, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.stall = True
    service = LLMService.from_config(config(fake_llm, kind, timeout=1, retries=3))
    _, _, fc = context_for("SEC001")
    progress: list[str] = []
    request = LLMRequest(on_progress=progress.append)
    text = await service.explain(fc, request)
    assert request.provider == "offline"
    assert request.label == f"offline explainer ({kind} unreachable: timeout after 1 s)"
    assert text.startswith(f"_Offline answer: {kind} unreachable: timeout after 1 s._")
    assert "### SEC001" in text  # the offline explanation itself
    assert progress[0].startswith(f"asking {kind} (m") and "deadline 1 s" in progress[0]
    assert len(progress) == 1  # the start; the outcome is the label
    assert fake_llm.stalled.is_set()
    no_traceback(caplog)


@pytest.mark.parametrize("kind", KINDS)
async def test_one_deadline_covers_retries_and_every_call_of_the_request(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.stall = True
    service = LLMService.from_config(config(fake_llm, kind, timeout=1, retries=5))
    _, _, fc = context_for("SEC001")
    request = LLMRequest()
    first = await service.explain(fc, request)
    asked = len(fake_llm.requests)
    second = await service.explain(fc, request)  # the deadline is already spent
    assert len(fake_llm.requests) == asked  # so the model is not asked again
    assert "unreachable: timeout after 1 s" in first and "unreachable: timeout after 1 s" in second
    assert request.label == f"offline explainer ({kind} unreachable: timeout after 1 s)"
    # a verdict (non-streamed, background) is bounded the same way, and simply absent;
    # the request says why, so a pass of verdicts stops at the first failure
    verdicts = LLMRequest()
    assert await service.verdict(fc, verdicts) is None
    assert verdicts.fallback == "unreachable: timeout after 1 s"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_stalled_fix_proposal_is_the_offline_fix_labelled_as_such(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.stall = True
    service = LLMService.from_config(config(fake_llm, kind, timeout=1))
    doc, finding, fc = context_for("Q002")
    proposal = await service.propose_fix(doc, finding, fc, registered(), catalogue())
    assert proposal.provider == "offline"
    assert proposal.label == f"offline explainer ({kind} unreachable: timeout after 1 s)"
    assert proposal.ok, proposal.verification.reason  # the rule's own fix, verified


MALFORMED = {
    "openai": [
        b"data: {not json\n\n",
        b'data: {"choices": 7}\n\n',
        b'data: {"choices": [{"delta": {"content": ["x"]}}]}\n\n',
    ],
    "ollama": [
        b"not json\n",
        b'{"message": 5, "done": false}\n',
        b'{"message": {"role": "assistant", "content": 5}, "done": false}\n',
    ],
}
CASES = [(kind, i) for kind in KINDS for i in range(3)]


@pytest.mark.parametrize(("kind", "case"), CASES)
async def test_a_malformed_chunk_cuts_the_answer_with_one_reason(
    fake_llm: FakeLLM, kind: str, case: int, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.bad_chunk = MALFORMED[kind][case]
    service = LLMService.from_config(config(fake_llm, kind, timeout=10, retries=0))
    _, _, fc = context_for("SEC001")
    request = LLMRequest()
    text = await service.explain(fc, request)
    assert text.startswith("You ask")  # the first, good piece was shown
    assert f"The answer was cut off: {kind} failed: malformed answer (" in text
    assert request.provider == kind and request.cut_off is not None
    assert request.label.startswith(f"{kind} (m") and ", cut off: failed: malformed" in request.label
    no_traceback(caplog)


@pytest.mark.parametrize(("kind", "case"), CASES)
async def test_a_malformed_first_chunk_falls_back_to_offline(
    fake_llm: FakeLLM, kind: str, case: int, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.bad_chunk, fake_llm.bad_first = MALFORMED[kind][case], True
    service = LLMService.from_config(config(fake_llm, kind, timeout=10, retries=0))
    _, _, fc = context_for("SEC001")
    request = LLMRequest()
    text = await service.explain(fc, request)
    assert request.provider == "offline"
    assert request.label.startswith(f"offline explainer ({kind} failed: malformed answer (")
    assert "### SEC001" in text
    no_traceback(caplog)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_malformed_body_is_one_reason_for_non_streamed_calls(
    fake_llm: FakeLLM, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.bad_body = b'{"choices": [{"message": {"content": 5}}], "message": 3}'
    service = LLMService.from_config(config(fake_llm, kind, timeout=10, retries=0))
    doc, finding, fc = context_for("Q002")
    assert await service.verdict(fc) is None
    proposal = await service.propose_fix(doc, finding, fc, registered(), catalogue())
    assert proposal.provider == "offline"
    assert proposal.label.startswith(f"offline explainer ({kind} failed: ")
    no_traceback(caplog)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_stream_that_stalls_after_it_started_is_cut_off(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.stall_after_first = True
    service = LLMService.from_config(config(fake_llm, kind, timeout=1, retries=0))
    _, _, fc = context_for("SEC001")
    request = LLMRequest()
    text = await service.explain(fc, request)
    assert text.startswith("You ask")
    assert text.endswith(f"_(The answer was cut off: {kind} stalled: no data for 1 s.)_")
    assert request.label.endswith(", cut off: stalled: no data for 1 s")


@pytest.mark.parametrize("kind", KINDS)
async def test_an_answer_is_labelled_with_the_model(fake_llm: FakeLLM, kind: str) -> None:
    service = LLMService.from_config(config(fake_llm, kind, timeout=10))
    _, _, fc = context_for("SEC001")
    request = LLMRequest()
    assert (await service.explain(fc, request)).startswith("You asked")
    assert request.provider == kind and request.fallback is None
    assert request.label == f"{kind} ({'m1' if kind == 'openai' else 'm2'})"


async def test_offline_is_labelled_offline() -> None:
    request = LLMRequest()
    _, _, fc = context_for("SEC001")
    await LLMService().explain(fc, request)
    assert (request.provider, request.label) == ("offline", "offline explainer")


# the CLI -------------------------------------------------------------------------------
# `f` evaluates what the console gives it (a traced source: shown by default)
CODE = "def f(x):\n    try:\n        return eval(x)\n    except:\n        pass\n\n\nf(input())\n"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.codie.llm]\ntimeout = 1\nretries = 3\n")
    path = tmp_path / "app.py"
    path.write_text(CODE)
    return path


def test_cli_explain_against_a_stalled_endpoint(
    app: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.stall = True
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.url + "/v1")
    assert main(["explain", f"{app}:3", "--provider", "openai"]) == 0
    out, err = capsys.readouterr()
    assert "### SEC001" in out  # the offline explanation
    lines = err.strip().splitlines()
    assert lines[0].startswith("codie: asking openai (gpt-4o-mini) at " + fake_llm.url)
    assert lines[0].endswith("deadline 1 s")
    assert lines[-1].startswith("codie: answered by offline explainer (openai unreachable: timeout after 1 s) in ")
    assert "Traceback" not in err


def test_cli_fix_label_says_what_answered(
    app: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.stall = True
    monkeypatch.setenv("OLLAMA_HOST", fake_llm.url)
    assert main(["fix", f"{app}:4", "--provider", "ollama"]) == 0
    err = capsys.readouterr().err
    assert "fix verified" in err
    assert "by offline explainer (ollama unreachable: timeout after 1 s)" in err
    assert "by ollama" not in err and "Traceback" not in err


@pytest.mark.parametrize("kind", KINDS)
def test_cli_malformed_chunk_is_one_line_never_a_traceback(
    app: Path, fake_llm: FakeLLM, kind: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.bad_chunk = MALFORMED[kind][0]
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.url + "/v1")
    monkeypatch.setenv("OLLAMA_HOST", fake_llm.url)
    assert main(["-v", "explain", f"{app}:3", "--provider", kind]) == 0
    out, err = capsys.readouterr()
    assert f"The answer was cut off: {kind} failed: malformed answer" in out
    assert "Traceback" not in err
    assert f"answered by {kind} (" in err and "cut off: failed: malformed answer" in err
