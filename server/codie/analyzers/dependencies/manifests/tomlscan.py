"""A tolerant TOML reader that keeps the byte span of every string value.

tomllib gives values without positions and stops at the first error. Manifests need the
exact bytes of each requirement or version, and a broken lockfile must still be checked
past the broken table. So this reader walks the tokens itself and yields every string
value with its key path: `[[package]] version = "1.0"` -> (("package", 0, "version"), ...).
On a syntax error it records a problem and resumes at the next table header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from codie.analyzers.dependencies.manifests.model import Problem

Path = tuple[str | int, ...]

TOKEN = re.compile(
    rb"""
    (?P<ws>[ \t]+)
  | (?P<nl>\r?\n)
  | (?P<comment>\#[^\n]*)
  | (?P<mlbasic>\"\"\"(?:[^\\]|\\.)*?\"\"\"\"{0,2})
  | (?P<mlliteral>'''.*?''''{0,2})
  | (?P<basic>"(?:[^"\\\n]|\\.)*")
  | (?P<literal>'[^'\n]*')
  | (?P<punct>[\[\]{}=,.])
  | (?P<bare>[A-Za-z0-9_+:-]+(?:\.[0-9][A-Za-z0-9_+:-]*)*)
    """,
    re.VERBOSE | re.DOTALL,
)
STRING_KINDS = {"basic", "literal", "mlbasic", "mlliteral"}
_QUOTED = rb'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\''
_FLAT = rb'\{[^{}\[\]"\'\n#]*(?:(?:' + _QUOTED + rb')[^{}\[\]"\'\n#]*)*\}'
SKIP = re.compile(
    # a flat inline table (a wheel: { url = "...", hash = "...", size = 1 }) in one step
    rb"(?P<flat>" + _FLAT + rb")"
    rb'|(?P<str>"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|' + _QUOTED + rb")"
    rb"|(?P<bad>[\"'])|(?P<comment>\#[^\n]*)|(?P<bracket>[\[\]{}])|(?P<nl>\n)",
    re.DOTALL,
)
HEADER_LINE = re.compile(rb"^[ \t]*\[", re.MULTILINE)
MAX_DEPTH = 64  # nesting of arrays/inline tables; deeper input is reported, not recursed


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TomlString:
    path: Path
    value: str
    start: int  # the value's first byte, inside the quotes
    end: int
    raw: bool  # True when value == the source bytes (no escapes): char offsets are exact


@dataclass
class Scan:
    strings: list[TomlString] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Syntax(Exception):
    def __init__(self, message: str, token: Token | None) -> None:
        super().__init__(message)
        self.token = token


def token_at(source: bytes, pos: int) -> tuple[Token | None, int]:
    """The token at or after pos (whitespace and comments skipped) and where it ends."""
    while pos < len(source):
        m = TOKEN.match(source, pos)
        if m is None or m.end() == pos:
            nl = source.find(b"\n", pos)
            end = len(source) if nl < 0 else nl
            return Token("error", source[pos:end].decode("utf-8", "replace"), pos, end), end
        kind = m.lastgroup or "error"
        if kind not in ("ws", "comment"):
            return Token(kind, m.group().decode("utf-8", "replace"), m.start(), m.end()), m.end()
        pos = m.end()
    return None, pos


def tokenize(source: bytes) -> Iterator[Token]:
    pos = 0
    while True:
        tok, pos = token_at(source, pos)
        if tok is None:
            return
        yield tok


def _string(tok: Token) -> tuple[str, int, int, bool]:
    quote = 3 if tok.kind.startswith("ml") else 1
    inner = tok.text[quote:-quote]
    start, end = tok.start + quote, tok.end - quote
    if tok.kind.startswith("ml") and inner.startswith(("\n", "\r\n")):
        skip = 1 if inner.startswith("\n") else 2
        inner, start = inner[skip:], start + skip
    if tok.kind in ("basic", "mlbasic") and "\\" in inner:
        try:
            return str(json.loads('"' + inner.replace("\n", "\\n") + '"')), start, end, False
        except ValueError:
            return inner, start, end, False
    return inner, start, end, True


class _Reader:
    def __init__(self, source: bytes, wanted: Callable[[Path], bool] | None = None) -> None:
        self.source = source
        self.pos = 0  # where the next token starts (or whitespace before it)
        self._peeked: tuple[Token | None, int] | None = None
        self.last: Token | None = None
        self.wanted = wanted
        self.scan = Scan()
        self.table: Path = ()
        self.arrays: dict[tuple[str, ...], int] = {}  # array-of-tables path -> current index

    def peek(self) -> Token | None:
        if self._peeked is None:
            self._peeked = token_at(self.source, self.pos)
        return self._peeked[0]

    def next(self) -> Token:
        tok = self.peek()
        if tok is None or self._peeked is None:
            raise _Syntax("unexpected end of file", None)
        self.pos = self._peeked[1]
        self._peeked = None
        self.last = tok
        return tok

    def skip_newlines(self) -> None:
        while (tok := self.peek()) is not None and tok.kind == "nl":
            self.next()

    def run(self) -> Scan:
        while True:
            self.skip_newlines()
            tok = self.peek()
            if tok is None:
                return self.scan
            try:
                if tok.kind == "punct" and tok.text == "[":
                    self.header()
                else:
                    keys = self.key()
                    self.expect("=")
                    path = self.table + keys
                    if self.wanted is None or self.wanted(path):
                        self.value(path)
                    else:
                        self.skip_value()
                end = self.peek()
                if end is not None and end.kind != "nl":
                    raise _Syntax("expected the end of the line", end)
            except _Syntax as exc:
                self.recover(exc)

    def skip_value(self) -> None:
        """Step over a value nobody asked for without building its tokens (lockfiles are
        mostly wheel URLs and hashes); brackets and quotes must still balance."""
        start = self.peek()
        if start is None or start.kind == "nl":
            raise _Syntax("expected a value", start)
        self._peeked = None
        depth = 0
        for m in SKIP.finditer(self.source, start.start):
            kind = m.lastgroup
            if kind == "bracket":
                depth += 1 if m.group() in (b"[", b"{") else -1
                if depth < 0:
                    raise _Syntax("unbalanced bracket", Token("punct", m.group().decode(), m.start(), m.end()))
            elif kind == "nl" and depth == 0:
                self.pos = m.start()  # the newline token ends the statement
                return
            elif kind == "bad":
                raise _Syntax("unterminated string", Token("error", "", m.start(), m.end()))
        if depth:
            raise _Syntax("unclosed array or inline table", start)
        self.pos = len(self.source)

    def recover(self, exc: _Syntax) -> None:
        tok = exc.token or self.last
        start = tok.start if tok else 0
        end = tok.end if tok else 0
        found = f" at `{tok.text[:30]}`" if tok and tok.kind != "nl" and tok.text else ""
        self.scan.problems.append(Problem(f"TOML syntax error{found}: {exc}", start, end))
        # resume at the next table header, so one broken entry hides nothing else
        nxt = HEADER_LINE.search(self.source, max(self.pos, end))
        self.pos = nxt.start() if nxt else len(self.source)
        self._peeked = None

    def expect(self, text: str) -> Token:
        tok = self.next()
        if tok.text != text:
            raise _Syntax(f"expected `{text}`", tok)
        return tok

    def key(self) -> tuple[str, ...]:
        parts = []
        while True:
            tok = self.next()
            if tok.kind == "bare":
                parts.extend(tok.text.split("."))
            elif tok.kind in ("basic", "literal"):
                parts.append(_string(tok)[0])
            else:
                raise _Syntax("expected a key", tok)
            nxt = self.peek()
            if nxt is None or nxt.text != ".":
                return tuple(parts)
            self.next()

    def header(self) -> None:
        opening = self.next()
        nxt = self.peek()
        is_array = nxt is not None and nxt.text == "[" and nxt.start == opening.end
        if is_array:
            self.next()
        keys = self.key()
        self.expect("]")
        if is_array:
            self.expect("]")
            self.arrays[keys] = self.arrays.get(keys, -1) + 1
            for known in [k for k in self.arrays if len(k) > len(keys) and k[: len(keys)] == keys]:
                del self.arrays[known]  # a new parent entry restarts its sub-arrays
        resolved: list[str | int] = []
        for n, k in enumerate(keys, 1):
            resolved.append(k)
            if keys[:n] in self.arrays:
                resolved.append(self.arrays[keys[:n]])
        self.table = tuple(resolved)

    def value(self, path: Path) -> None:
        if len(path) > MAX_DEPTH:
            raise _Syntax(f"values nested deeper than {MAX_DEPTH} levels", self.peek())
        tok = self.next()
        if tok.kind in STRING_KINDS:
            value, start, end, raw = _string(tok)
            self.scan.strings.append(TomlString(path, value, start, end, raw))
        elif tok.text == "[":
            self.array(path)
        elif tok.text == "{":
            self.inline_table(path)
        elif tok.kind != "bare":
            raise _Syntax("expected a value", tok)

    def array(self, path: Path) -> None:
        index = 0
        while True:
            self.skip_newlines()
            tok = self.peek()
            if tok is not None and tok.text == "]":
                self.next()
                return
            self.value((*path, index))
            index += 1
            self.skip_newlines()
            tok = self.next()
            if tok.text == "]":
                return
            if tok.text != ",":
                raise _Syntax("expected `,` or `]` in an array", tok)

    def inline_table(self, path: Path) -> None:
        tok = self.peek()
        if tok is not None and tok.text == "}":
            self.next()
            return
        while True:
            keys = self.key()
            self.expect("=")
            self.value(path + keys)
            tok = self.next()
            if tok.text == "}":
                return
            if tok.text != ",":
                raise _Syntax("expected `,` or `}` in an inline table", tok)


def scan(source: bytes, wanted: Callable[[Path], bool] | None = None) -> Scan:
    """Every string value (or, with `wanted`, those at top-level keys it accepts)."""
    return _Reader(source, wanted).run()
