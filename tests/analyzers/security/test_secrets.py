"""Secrets: find_secrets() for redaction, and the SEC030/SEC024 findings."""

from __future__ import annotations

from codie.analyzers.security.secrets import find_secrets

from .helpers import rules, run

AWS = "AKIA" + "Z3BQWERTYU7XK2PL"
GHP = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"


def kinds(text: str) -> list[str]:
    return [kind for _, _, kind in find_secrets(text)]


def test_provider_tokens_are_found_with_exact_spans() -> None:
    text = f'KEY = "{AWS}"\nheaders = {{"Authorization": "token {GHP}"}}\n'
    found = find_secrets(text)
    assert [text[s:e] for s, e, _ in found] == [AWS, GHP]
    assert [k for _, _, k in found] == ["aws-access-key-id", "github-token"]


def test_private_key_block_and_connection_string_password() -> None:
    text = (
        'K = """-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"""\n'
        'URL = "postgresql://app:Qx7!mVz2pL@db:5432/x"\n'
    )
    found = find_secrets(text)
    assert "private-key" in [k for _, _, k in found]
    pw = next((s, e) for s, e, k in found if k == "connection-string")
    assert text[pw[0] : pw[1]] == "Qx7!mVz2pL"


def test_high_entropy_value_needs_a_secret_name() -> None:
    value = "q8Zr2LmX0vT9bN4cW7yK1pS6"
    assert kinds(f'API_KEY = "{value}"\n') == ["high-entropy-secret"]
    assert kinds(f'BUILD_ID = "{value}"\n') == []


def test_hashes_placeholders_and_env_lookups_are_not_secrets() -> None:
    text = (
        'EXPECTED_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"\n'
        'API_TOKEN = "your-api-token-here"\n'
        'SECRET_KEY = os.environ["SECRET_KEY"]\n'
        'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'
        'DB_URL = "postgresql://app:${DB_PASSWORD}@db/app"\n'
        'password_label = "Password"\n'
    )
    assert find_secrets(text) == []


def test_findings_and_test_fixture_damping() -> None:
    source = f'AWS_ACCESS_KEY_ID = "{AWS}"\nDB_PASSWORD = "Winter2024!"\n'
    assert {"SEC030", "SEC024"} <= rules(source)
    in_tests = run(source, uri="file:///p/tests/test_upload.py", shown=False)
    sec030 = next(f for f in in_tests if f.rule_id == "SEC030")
    assert sec030.evidence < 0.5
    assert "SEC024" not in {f.rule_id for f in in_tests}


def test_non_ascii_text_keeps_byte_offsets_right() -> None:
    source = f'# café ☕\nTOKEN = "{GHP}"\n'
    finding = next(f for f in run(source) if f.rule_id == "SEC030")
    assert source.encode()[finding.start : finding.end].decode() == GHP


def test_basic_auth_pairs_are_passwords() -> None:
    text = 'requests.get(u, auth=("admin", "s3cret!pw"), timeout=5)\n'
    assert [(text[s:e], k) for s, e, k in find_secrets(text)] == [("s3cret!pw", "password")]
