"""Secrets in text: provider tokens, private keys, connection strings with passwords and
high-entropy values assigned to secret-looking names.

`find_secrets(text)` is the reusable core (other modules redact with it); the analyzer
reports SEC030 (a credential) and SEC024 (a hard-coded password) per top-level statement.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import ClassVar

from tree_sitter import Node

from codie.analyzers.alternation import compile_alternation
from codie.analyzers.security.chunks import ChunkCache
from codie.core.analyzer import Analyzer, Context
from codie.core.findings import Finding

TOKEN_PATTERNS: dict[str, str] = {
    "aws-access-key-id": r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    "github-token": r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}",
    "gitlab-token": r"\bglpat-[A-Za-z0-9_-]{20}\b",
    "slack-token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    "slack-webhook": r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
    "stripe-key": r"\b(?:sk|rk)_live_[0-9a-zA-Z]{20,}",
    "google-api-key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "openai-key": r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}",
    "anthropic-key": r"\bsk-ant-[A-Za-z0-9_-]{60,}",
    "sendgrid-key": r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
    "npm-token": r"\bnpm_[A-Za-z0-9]{36}\b",
    "pypi-token": r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
    "twilio-key": r"\bSK[0-9a-f]{32}\b",
    "private-key": r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY"
    r"(?: BLOCK)?-----"
    r"(?:[\s\S]{0,8000}?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----)?",
    "jwt": r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}",
    "connection-string": r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'\"]{1,64}:"
    r"(?P<cpw>[^\s@/'\"]{3,128})@[^\s'\"/]+",
}
TOKENS = {k: re.compile(v) for k, v in TOKEN_PATTERNS.items()}
# A pattern is tried only when its literal marker occurs: substring tests are far cheaper
# than running every regex over every line.
MARKERS: dict[str, tuple[str, ...]] = {
    "aws-access-key-id": ("AKIA", "ASIA", "ABIA", "ACCA"),
    "github-token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab-token": ("glpat-",),
    "slack-token": ("xox",),
    "slack-webhook": ("hooks.slack.com",),
    "stripe-key": ("_live_",),
    "google-api-key": ("AIza",),
    "openai-key": ("T3BlbkFJ",),
    "anthropic-key": ("sk-ant-",),
    "sendgrid-key": ("SG.",),
    "npm-token": ("npm_",),
    "pypi-token": ("pypi-AgEI",),
    "twilio-key": ("SK",),
    "private-key": ("PRIVATE KEY",),
    "jwt": ("eyJ",),
    "connection-string": ("://",),
}
SECRET_NAME = re.compile(
    r"secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|"
    r"client[_-]?secret|passw(?:or)?d|passwd|pwd|credentials?|signing[_-]?key|"
    r"encryption[_-]?key|session[_-]?key|bearer",
    re.IGNORECASE,
)
# a string literal right after `=` or `:`; the name before it is read backwards
VALUE_START = re.compile(r"(?<![=!<>])(?:=|:)(?!=)[ \t]*(?:[rbuRBU]{0,2})(['\"])")
NAME_BEFORE = re.compile(r"([A-Za-z_][\w.-]{0,80})['\"]?[ \t]*\Z")
# a password-like name ends with the word: `db_password`, not `password_last_used`
PASSWORD_NAME = re.compile(r"(?:passw(?:or)?d|passwd|pwd|secret|passphrase)$", re.IGNORECASE)
NOT_SECRET_NAME = re.compile(
    r"(?:hash|digest|checksum|sha\d*|md5|etag|_id$|_url$|_uri$|_path$|_file$|_dir$|"
    r"_field$|_name$|_header$|_prefix$|_type$|_label$|_length$|_len$|_regex$|_pattern$|"
    r"_env$|_var$|_key_name$|_message$|_msg$|_help$|^token_type$|_endpoint$|expires|"
    r"_format$|placeholder)",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(
    r"example|sample|dummy|fake|test|placeholder|changeme|change_me|your[_-]|<[^>]*>|"
    r"\$\{|\{\{|%\(|%s|^\{.*\}$|xxx|\*\*\*|\.\.\.|redacted|replace|insert|todo|none|null|"
    r"^(?:pass|passwd|pwd|pw|password\d*|secret|token|user|username|foo|bar|baz|qux|x+)$|^\w+_(?:key|token|secret)$|^(?:[a-z]+\.)+[a-z]+$|"
    r"(?-i:^[A-Z][A-Z0-9_]+$)|^env:|^vault:|^arn:|^/|^\.|^https?://(?![^/]*:[^/]*@)",
    re.IGNORECASE,
)


def entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


# Words joined by separators (`_auth_user_backend`, `userauth-gssapi-token`) are names, and
# regex syntax (`(?:"[^"]+"|[A-Za-z0-9_]+?)`) is a pattern: neither is a random secret.
WORDS_ONLY = re.compile(r"[_.-]*[A-Za-z]+(?:[-_. /:]+[A-Za-z]+)*[_.-]*")
REGEX_SYNTAX = re.compile(r"\(\?|\[\^|\\[dswbDSWB]|\]\+|\)\?|[|]")


def _looks_random(value: str) -> bool:
    if len(value) < 16 or " " in value:
        return False
    if WORDS_ONLY.fullmatch(value) or REGEX_SYNTAX.search(value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if re.fullmatch(r"[0-9a-f]+", value):
        return len(value) >= 20 and entropy(value) >= 3.0
    return classes >= 2 and entropy(value) >= 3.5


# `auth=("admin", "s3cret")`, `HTTPBasicAuth("admin", "s3cret")`: the second literal
AUTH_PAIR = re.compile(
    r"(?:\bauth\s*=\s*\(|BasicAuth\s*\(|DigestAuth\s*\()\s*[rbuRBU]{0,2}"
    r"(['\"])[^'\"\n]{1,80}\1\s*,\s*[rbuRBU]{0,2}(['\"])(?P<pw>[^'\"\n]{4,120})\2"
)


def _assigned_literals(text: str) -> list[tuple[str, str, int, int]]:
    """(name, value, start, end) for `name = "value"`, `name: "value"`, `"name": "value"`
    where the name looks like a secret's."""
    out = []
    for m in VALUE_START.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = NAME_BEFORE.search(text, max(line_start, m.start() - 90), m.start())
        if before is None or not SECRET_NAME.search(before.group(1)):
            continue
        if before.start() > 0 and text[before.start() - 1] == ":":
            continue  # `"AWS::MSK::BatchScramSecret": ...`: a type name, not a variable
        quote = m.group(1)
        start = m.end()
        end = text.find(quote, start)
        newline = text.find("\n", start)
        if end < 0 or (0 <= newline < end) or not 4 <= end - start <= 200:
            continue
        out.append((before.group(1), text[start:end], start, end))
    if "auth" in text.lower():
        for m in AUTH_PAIR.finditer(text):
            out.append(("password", m.group("pw"), m.start("pw"), m.end("pw")))
    return out


def find_secrets(text: str) -> list[tuple[int, int, str]]:
    """Secrets in `text` as (start, end, kind), character offsets of the secret itself."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in TOKENS.items():
        if not any(marker in text for marker in MARKERS[kind]):
            continue
        for m in pattern.finditer(text):
            start, end = m.span()
            if kind == "connection-string":
                pw = m.group("cpw")
                if PLACEHOLDER.search(pw) or pw.startswith(("$", "{", "%")):
                    continue
                start, end = m.span("cpw")
            elif "EXAMPLE" in m.group(0):
                continue
            found.append((start, end, kind))
    taken = [(s, e) for s, e, _ in found]
    for name, value, start, end in _assigned_literals(text):
        if any(s < end and start < e for s, e in taken) or NOT_SECRET_NAME.search(name):
            continue
        if PLACEHOLDER.search(value) or len(set(value)) <= 2:
            continue
        if _looks_random(value):
            found.append((start, end, "high-entropy-secret"))
        elif (
            PASSWORD_NAME.search(name) and not re.fullmatch(r"[\w.-]*\.[a-z]{2,4}", value) and " " not in value.strip()
        ):
            found.append((start, end, "password"))
    found.sort()
    return found


TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|fixtures?|examples?)/|(^|/)(test_[^/]*|[^/]*_test|"
    r"conftest)\.py$"
)


@lru_cache(maxsize=256)
def in_test_path(uri: str) -> bool:
    """TEST_PATH on a document's uri, remembered: the analyzer asks once per statement
    (~13 us a search: the pattern has no literal prefix to skip to)."""
    return bool(TEST_PATH.search(uri))


KIND_TITLE = {
    "aws-access-key-id": "an AWS access key id",
    "github-token": "a GitHub token",
    "gitlab-token": "a GitLab token",
    "slack-token": "a Slack token",
    "slack-webhook": "a Slack webhook URL",
    "stripe-key": "a Stripe live key",
    "google-api-key": "a Google API key",
    "openai-key": "an OpenAI API key",
    "anthropic-key": "an Anthropic API key",
    "sendgrid-key": "a SendGrid key",
    "npm-token": "an npm token",
    "pypi-token": "a PyPI token",
    "twilio-key": "a Twilio key",
    "private-key": "a private key",
    "jwt": "a JSON Web Token",
    "connection-string": "a password in a connection string",
    "high-entropy-secret": "a high-entropy secret",
}
# Run once over the lower-cased document; statements without a hit are skipped. (Compiled
# with its branches grouped by first character: the same matches, a third of the time.)
PREFILTER_WORDS = (
    rb"akia|asia|abia|acca|gh[pousr]_|github_pat|glpat|xox|hooks\.slack|_live_|aiza|t3blbkfj|"
    rb"sk-ant|sg\.|npm_|pypi-|private key|eyj|://[^\s/@'\"]+:[^\s/@'\"]+@|secret|token|"
    rb"api[_-]?key|apikey|[_-]key|passw|pwd|credential|bearer|auth\s*=|basicauth|digestauth|"
    rb"\bsk[0-9a-f]{32}"
)
PREFILTER = compile_alternation(PREFILTER_WORDS)


def hits_by_node(
    pattern: re.Pattern[bytes], data: bytes, nodes: Sequence[Node], lower: bool = False
) -> list[tuple[Node, list[tuple[int, int]]]]:
    """One regex pass over the span of `nodes`; match spans (document offsets) by node."""
    if not nodes:
        return []
    if len(nodes) > 1:
        nodes = sorted(nodes, key=lambda n: n.start_byte)
    first, last = nodes[0].start_byte, nodes[-1].end_byte
    if lower:
        spans = [(m.start() + first, m.end() + first) for m in pattern.finditer(data[first:last].lower())]
    else:
        spans = [m.span() for m in pattern.finditer(data, first, last)]
    if len(nodes) == 1:
        return [(nodes[0], spans)] if spans else []
    out: list[tuple[Node, list[tuple[int, int]]]] = []
    i = 0
    for node in nodes:
        while i < len(spans) and spans[i][0] < node.start_byte:
            i += 1
        j = i
        while j < len(spans) and spans[j][0] < node.end_byte:
            j += 1
        if j > i:
            out.append((node, spans[i:j]))
        i = j
    return out


def _windows(src: bytes, spans: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """Whole lines around each hit, merged; a key block runs to its END marker."""
    out: list[tuple[int, int]] = []
    for start, _ in spans:
        line_start = max(lo, src.rfind(b"\n", 0, start) + 1)
        line_end = src.find(b"\n", start)
        line_end = hi if line_end < 0 or line_end > hi else line_end
        if src[line_start:line_end].find(b"-----BEGIN") >= 0:
            end_marker = src.find(b"-----END", line_end, hi)
            if end_marker >= 0:
                close = src.find(b"-----", end_marker + 8, hi)
                line_end = hi if close < 0 else close + 5
        if out and line_start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], line_end))
        else:
            out.append((line_start, line_end))
    return out


# A key or a provider token is a credential wherever it sits; a password, a connection
# string or a merely random-looking value in prose is an example.
ALWAYS_REAL = frozenset(TOKEN_PATTERNS) - {"connection-string", "jwt"}


def _in_code(top: Node, start: int, end: int, kind: str) -> bool:
    """Is the hit a credential in code rather than text about code? Comments and docstrings
    are documentation; a multi-line string literal is text (a usage example, a template,
    a module's EXAMPLES block), so only unmistakable tokens and keys count there."""
    node: Node | None = top.descendant_for_byte_range(start, max(start, end - 1))
    while node is not None and node.type not in ("string", "comment"):
        if node.type in ("block", "module", "function_definition", "class_definition"):
            return True
        node = node.parent
    if node is None:
        return True
    if node.type == "comment":
        return False
    parent = node.parent
    while parent is not None and parent.type in ("concatenated_string", "parenthesized_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "expression_statement":
        return False  # a docstring, or a bare string used as a comment
    if node.start_point.row != node.end_point.row:
        return kind in ALWAYS_REAL
    return True


class SecretsAnalyzer:
    name: ClassVar[str] = "security-secrets"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def __init__(self) -> None:
        self._cache = ChunkCache()

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        in_tests = in_test_path(ctx.doc.uri)
        yield from self._cache.run(ctx.doc.source, nodes, in_tests, lambda chunks: self._scan(ctx, chunks, in_tests))

    def _scan(self, ctx: Context, nodes: Sequence[Node], in_tests: bool) -> Iterator[Finding]:
        src = ctx.doc.source
        for top, spans in hits_by_node(PREFILTER, src, nodes, lower=True):
            # only the lines with a hit are scanned (a private key block to its END line):
            # a big class with one `token` in it costs one line, not the whole class
            for lo, hi in _windows(src, spans, top.start_byte, top.end_byte):
                chunk = src[lo:hi].decode("utf-8", "replace")
                ascii_only = chunk.isascii()
                for start, end, kind in find_secrets(chunk):
                    if not ascii_only:
                        start, end = len(chunk[:start].encode()), len(chunk[:end].encode())
                    if not _in_code(top, lo + start, lo + end, kind):
                        continue
                    yield from self._report(ctx, lo + start, lo + end, kind, in_tests)

    def _report(self, ctx: Context, start: int, end: int, kind: str, in_tests: bool) -> Iterator[Finding]:
        if kind == "password":
            if in_tests:
                return
            yield ctx.report(
                "SEC024",
                start,
                end,
                "Hard-coded password in the source",
                evidence=0.6,
                notes=["a literal assigned to a password-like name"],
                data={"kind": kind},
            )
            return
        evidence = 0.8 if kind not in ("high-entropy-secret", "jwt") else 0.65
        notes = [f"matches the pattern of {KIND_TITLE.get(kind, kind)}"]
        if in_tests:
            evidence = 0.05
            notes.append("in a test or example file: almost always a fixture")
        yield ctx.report(
            "SEC030",
            start,
            end,
            f"Secret in source code: {KIND_TITLE.get(kind, kind)}",
            evidence=evidence,
            notes=notes,
            data={"kind": kind},
        )


def analyzers() -> list[Analyzer]:
    return [SecretsAnalyzer()]
