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
from collections.abc import Iterator
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


def tokenize(source: bytes) -> Iterator[Token]:
    pos = 0
    while pos < len(source):
        m = TOKEN.match(source, pos)
        if m is None or m.end() == pos:
            nl = source.find(b"\n", pos)
            end = len(source) if nl < 0 else nl
            yield Token("error", source[pos:end].decode("utf-8", "replace"), pos, end)
            pos = end
            continue
        kind = m.lastgroup or "error"
        if kind not in ("ws", "comment"):
            yield Token(kind, m.group().decode("utf-8", "replace"), m.start(), m.end())
        pos = m.end()


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
    def __init__(self, source: bytes) -> None:
        self.tokens = list(tokenize(source))
        self.i = 0
        self.scan = Scan()
        self.table: Path = ()
        self.arrays: dict[tuple[str, ...], int] = {}  # array-of-tables path -> current index

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise _Syntax("unexpected end of file", None)
        self.i += 1
        return tok

    def skip_newlines(self) -> None:
        while (tok := self.peek()) is not None and tok.kind == "nl":
            self.i += 1

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
                    self.value(self.table + keys)
                end = self.peek()
                if end is not None and end.kind != "nl":
                    raise _Syntax("expected the end of the line", end)
            except _Syntax as exc:
                self.recover(exc)

    def recover(self, exc: _Syntax) -> None:
        tok = exc.token or (self.tokens[-1] if self.tokens else None)
        start = tok.start if tok else 0
        end = tok.end if tok else 0
        found = f" at `{tok.text[:30]}`" if tok and tok.kind != "nl" else ""
        self.scan.problems.append(Problem(f"TOML syntax error{found}: {exc}", start, end))
        # resume at the next table header, so one broken entry hides nothing else
        while (t := self.peek()) is not None:
            self.i += 1
            if t.kind == "nl" and (n := self.peek()) is not None and n.text == "[":
                return

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
            self.i += 1

    def header(self) -> None:
        self.next()
        nxt = self.peek()
        is_array = nxt is not None and nxt.text == "[" and nxt.start == self.tokens[self.i - 1].end
        if is_array:
            self.i += 1
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
                self.i += 1
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
            self.i += 1
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


def scan(source: bytes) -> Scan:
    return _Reader(source).run()
