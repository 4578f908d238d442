"""Redaction: secrets and personal data never leave the machine.

Every sensitive value in a prompt becomes a stable placeholder `<SECRET:type:hash8>`
(hash8 = the first 8 hex digits of the value's SHA-256), so the model still sees that two
places share a value, and the answer can be mapped back: placeholders in the model's
answer are restored to the original values before the user sees them.

Detectors: the security analyzer's `find_secrets(text)` when it is installed, then a regex
layer of our own (private keys, credentials in URLs, JWTs, well-known token formats,
password-like assignments, e-mail addresses, phone numbers, IP addresses). Overlapping
matches merge into one placeholder, so no part of a value is left behind.
"""

from __future__ import annotations

import hashlib
import importlib
import ipaddress
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"<SECRET:([a-z0-9_-]+):([0-9a-f]{8})>")
_PLACEHOLDER_PREFIX = "<SECRET:"
_MAX_PLACEHOLDER = 64

# (type, pattern, group holding the value)
PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("private-key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), 0),
    ("url-credentials", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://([^\s:/@'\"]+:[^\s@/'\"]+)@"), 1),
    ("jwt", re.compile(r"\beyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]+"), 0),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 0),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"), 0),
    ("openai-key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}"), 0),
    ("slack-token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), 0),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), 0),
    ("stripe-key", re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}"), 0),
    (
        "password",
        re.compile(
            r"(?i)\b[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
            r"private[_-]?key|credential|auth)[\w.-]*[\"']?\s*[:=]\s*[bru]?"
            r"[\"']([^\"'\s]{4,})[\"']"
        ),
        1,
    ),
    (
        "password",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|passphrase)\s+(?:is|was)\s+[\"']?"
            r"([^\s\"']{4,})"
        ),
        1,
    ),
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), 0),
    (
        "phone",
        re.compile(
            r"(?<![\w+])(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"
            r"|\(\d{3}\)\s?\d{3}[\s.-]\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4})\b"
        ),
        0,
    ),
    ("ip", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9A-Fa-f]{1,4}:){4,7}[0-9A-Fa-f]{1,4}\b"), 0),
)
# Values that look sensitive but carry nothing personal; kept so code stays readable.
HARMLESS_IPS = {"0.0.0.0", "127.0.0.1", "255.255.255.255"}
_HARMLESS_WORDS = {"password", "changeme", "example", "xxxx", "none", "null", "true", "false"}

Detector = Callable[[str], Iterable[tuple[str, str]]]


def placeholder(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"<SECRET:{kind}:{digest}>"


def regex_secrets(text: str) -> list[tuple[str, str]]:
    """(type, value) of every sensitive value the regex layer sees in text."""
    found: list[tuple[str, str]] = []
    for kind, pattern, group in PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(group)
            if not value or PLACEHOLDER.fullmatch(value) or _harmless(kind, value):
                continue
            found.append((kind, value))
    return found


def _harmless(kind: str, value: str) -> bool:
    if kind == "ip":
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            return True  # 999.1.1.1: a version number, not an address
        return value in HARMLESS_IPS or ip.is_loopback or ip.is_unspecified
    if kind == "password":
        return value.lower() in _HARMLESS_WORDS or value.startswith(("{", "$", "%"))
    return False


def _analyzer_detector() -> Detector | None:
    """The security analyzer's detector (codie.analyzers.security.secrets), if present."""
    try:
        module = importlib.import_module("codie.analyzers.security.secrets")
    except ImportError:
        return None
    find = getattr(module, "find_secrets", None)
    if not callable(find):
        return None

    def detect(text: str) -> Iterable[tuple[str, str]]:
        for item in find(text):
            kind, value = _coerce(item, text)
            if value:
                yield kind, value

    return detect


def _coerce(item: Any, text: str) -> tuple[str, str]:
    """Accept the shapes a detector may return: (start, end, kind) offsets into text (what
    codie.analyzers.security.secrets.find_secrets returns), (type, value), or objects and
    dicts with type/kind and value/secret or start/end."""
    if isinstance(item, tuple) and len(item) >= 2 and all(isinstance(x, str) for x in item[:2]):
        return _slug(item[0]), item[1]
    if (
        isinstance(item, tuple) and len(item) >= 2 and isinstance(item[0], int) and isinstance(item[1], int)
    ):  # (start, end, kind): the security analyzer's shape
        kind = str(item[2]) if len(item) > 2 else "secret"
        return _slug(kind), text[item[0] : item[1]]
    get = item.get if isinstance(item, dict) else (lambda k, d=None: getattr(item, k, d))
    kind = str(get("type") or get("kind") or get("rule_id") or "secret")
    value = get("value") or get("secret") or get("secret_value") or get("text")
    if not value and isinstance(get("start"), int) and isinstance(get("end"), int):
        value = text[get("start") : get("end")]
    return _slug(kind), str(value or "")


def _slug(kind: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", kind.lower()).strip("-") or "secret"


@dataclass
class Redactor:
    """Redacts prompts and restores answers for one conversation (placeholders are stable)."""

    enabled: bool = True
    detectors: list[Detector] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # placeholder -> original
    known: dict[str, str] = field(default_factory=dict)  # original -> type, seen so far

    def __post_init__(self) -> None:
        if not self.detectors:
            extra = _analyzer_detector()
            self.detectors = [*([extra] if extra else []), regex_secrets]

    def redact_many(self, texts: list[str]) -> list[str]:
        """Redact the parts of one prompt together: a value detected in one part (a quoted
        password in the file) is also hidden where nothing marks it (the chat history)."""
        if not self.enabled:
            return texts
        self.learn("\n\n".join(texts))
        return [self.redact(t) for t in texts]

    def learn(self, text: str) -> None:
        for detect in self.detectors:
            try:
                for kind, value in detect(text):
                    self.known.setdefault(value, kind)
            except Exception as exc:  # a broken detector must not leak: the others still run
                log.warning(
                    "secret detector %s failed: %s: %s", getattr(detect, "__name__", "?"), type(exc).__name__, exc
                )
                log.debug("secret detector failure", exc_info=True)

    def redact(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        self.learn(text)
        # every occurrence of every detected value, as spans; overlapping spans merge, so
        # `user:pass@host.org` is one placeholder, never an e-mail with the user left over
        spans: list[tuple[int, int, int, str]] = []  # start, end, priority, type
        for priority, (value, kind) in enumerate(self.known.items()):
            start = text.find(value)
            while start != -1:
                spans.append((start, start + len(value), priority, kind))
                start = text.find(value, start + 1)
        merged: list[list[Any]] = []
        for start, end, priority, kind in sorted(spans):
            if merged and start < merged[-1][1]:
                last = merged[-1]
                last[1] = max(last[1], end)
                if priority < last[2]:
                    last[2], last[3] = priority, kind
            else:
                merged.append([start, end, priority, kind])
        out: list[str] = []
        pos = 0
        for start, end, _, kind in merged:
            value = text[start:end]
            token = placeholder(kind, value)
            self.mapping[token] = value
            out += [text[pos:start], token]
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def restore(self, text: str) -> str:
        if not self.mapping:
            return text
        return PLACEHOLDER.sub(lambda m: self.mapping.get(m.group(0), m.group(0)), text)

    def restorer(self) -> StreamRestorer:
        return StreamRestorer(self)


@dataclass
class StreamRestorer:
    """Restores placeholders in a stream whose chunks may split a placeholder in two."""

    redactor: Redactor
    pending: str = ""

    def feed(self, delta: str) -> str:
        text = self.pending + delta
        cut = text.rfind("<")
        if cut != -1 and ">" not in text[cut:] and len(text) - cut < _MAX_PLACEHOLDER:
            tail = text[cut:]
            if _PLACEHOLDER_PREFIX.startswith(tail) or tail.startswith(_PLACEHOLDER_PREFIX):
                self.pending = tail
                return self.redactor.restore(text[:cut])
        self.pending = ""
        return self.redactor.restore(text)

    def flush(self) -> str:
        rest, self.pending = self.pending, ""
        return self.redactor.restore(rest)
