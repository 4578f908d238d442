"""Redaction: planted secrets and personal data never reach the model; answers get them back."""

from __future__ import annotations

import pytest

from codie.core.llm_config import LLMConfig
from codie.llm.context import ChatContext
from codie.llm.redact import PLACEHOLDER, Redactor, placeholder, regex_secrets
from codie.llm.service import LLMService
from tests.llm.llm_fakes import FakeLLM
from tests.llm.llm_helpers import SOURCE, context_for

PLANTED = {
    "github": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "email": "jane.doe@example.org",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "url-user": "admin",
    "url-password": "hunter2pass",
    "password": "s3cr3t-Value!",
    "phone": "+44 20 7946 0958",
    "ip": "10.20.30.40",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}
SECRET_FILE = (
    SOURCE
    + f'''
DB = "postgres://{PLANTED["url-user"]}:{PLANTED["url-password"]}@db.internal/app"
AWS = "{PLANTED["aws"]}"
password = "{PLANTED["password"]}"
SUPPORT = "{PLANTED["phone"]}"  # or {PLANTED["ip"]}
TOKEN = "{PLANTED["jwt"]}"
'''
)


def test_regex_layer_finds_each_kind() -> None:
    kinds = {kind for kind, _ in regex_secrets(SECRET_FILE)}
    assert {"github-token", "email", "aws-access-key", "url-credentials", "password", "phone", "ip", "jwt"} <= kinds


def test_ordinary_code_is_left_alone() -> None:
    code = (
        'import os\nVERSION = "1.2.3"\nHOST = "127.0.0.1"\npassword = os.environ["PW"]\n'
        "def total(items):\n    return sum(i.price * 2 for i in items)\n"
    )
    assert Redactor().redact(code) == code


def test_placeholders_are_stable_and_restored() -> None:
    r = Redactor()
    text = f"mail {PLANTED['email']} and again {PLANTED['email']}"
    red = r.redact(text)
    token = placeholder("email", PLANTED["email"])
    assert red == f"mail {token} and again {token}"
    assert r.restore(f"Do not hardcode {token}.") == f"Do not hardcode {PLANTED['email']}."


def test_stream_restorer_handles_split_placeholders() -> None:
    r = Redactor()
    red = r.redact(SECRET_FILE)
    assert PLACEHOLDER.search(red)
    for size in (1, 3, 8, 50):
        s = r.restorer()
        out = "".join(s.feed(red[i : i + size]) for i in range(0, len(red), size)) + s.flush()
        assert out == SECRET_FILE


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_no_planted_secret_reaches_the_server(fake_llm: FakeLLM, kind: str) -> None:
    config = LLMConfig(provider=kind, model="m", base_url=fake_llm.url + "/v1", host=fake_llm.url, timeout=5)
    service = LLMService.from_config(config)
    _, _, fc = context_for("SEC001", SECRET_FILE)
    question = f"Is {PLANTED['email']} allowed to call {PLANTED['ip']}? Key {PLANTED['aws']}"
    chat = ChatContext(
        question,
        history=(("user", f"my password is {PLANTED['password']}"),),
        path="app.py",
        selection=tuple(enumerate(SECRET_FILE.splitlines(), 1)),
        findings=(fc,),
    )
    answer = "".join([p async for p in service.chat(chat)])
    await service.explain(fc)
    await service.verdict(fc)
    sent = fake_llm.sent_text()
    assert len(fake_llm.requests) == 3
    assert "<SECRET:" in sent
    for name, value in PLANTED.items():
        assert value not in sent, f"{name} leaked"
    # the fake echoes the question with placeholders; the user sees the real values again
    assert answer == "You asked: " + question


async def test_redaction_can_be_switched_off(fake_llm: FakeLLM) -> None:
    config = LLMConfig(provider="openai", model="m", base_url=fake_llm.url + "/v1", redact=False)
    service = LLMService.from_config(config)
    "".join([p async for p in service.chat(ChatContext(f"mail {PLANTED['email']}"))])
    assert PLANTED["email"] in fake_llm.sent_text()


def test_analyzer_detector_is_used_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    module = types.ModuleType("codie.analyzers.security.secrets")

    def find_secrets(text: str) -> list[tuple[int, int, str]]:  # the analyzer's shape
        start = text.find("zz-internal-42")
        return [(start, start + 14, "high-entropy-secret")] if start >= 0 else []

    module.find_secrets = find_secrets  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "codie.analyzers.security.secrets", module)
    red = Redactor().redact('KEY = "zz-internal-42"')
    assert red == f'KEY = "{placeholder("high-entropy-secret", "zz-internal-42")}"'
