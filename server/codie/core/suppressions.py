"""Suppression comments: `# codie: ignore[RULE]`, `# noqa: CODE`, `# nosec BXXX`, at three scopes.

- line: a trailing directive covers findings that start or end on its line; on the closing
  line of a multi-line statement it covers the whole statement.
- block: a directive with rule codes on a `def`/`class`/`with` header line covers the block
  (decorators included). A blanket `# codie: ignore` there does too; a blanket `# noqa` or
  `# nosec` keeps line scope, as flake8 and Bandit read it.
- file: a directive on its own line before the first statement covers the file (same rule
  for blanket directives).

Suppressed findings are kept and marked, never dropped: reports show them as suppressed.
Directives are read only from real comments (the tree says so), never from strings.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from tree_sitter import Node

from codie.core.document import Document
from codie.core.findings import Category, Finding
from codie.core.rules import Catalogue

LINE, BLOCK, FILE = "line", "block", "file"
BLOCK_TYPES = {"function_definition", "class_definition", "with_statement"}
COMPOUND_TYPES = BLOCK_TYPES | {
    "if_statement",
    "for_statement",
    "while_statement",
    "try_statement",
    "match_statement",
    "decorated_definition",
    "elif_clause",
    "else_clause",
    "except_clause",
    "finally_clause",
}
CANDIDATE = re.compile(rb"#\s*(?:codie|noqa|nosec)\b", re.IGNORECASE)
CODE = r"[A-Za-z]+[0-9]+"
CODIE_RE = re.compile(r"#\s*codie\b(?P<colon>\s*:)?\s*(?P<verb>[A-Za-z_-]*)", re.IGNORECASE)
NOQA_RE = re.compile(
    rf"#\s*noqa\b(?:(?P<colon>\s*:)\s*(?P<codes>{CODE}(?:[\s,]+{CODE}\b)*)?)?"
    rf"(?P<bare>\s+(?P<loose>{CODE}(?:[\s,]+{CODE}\b)*))?",
    re.IGNORECASE,
)
NOSEC_RE = re.compile(rf"#\s*nosec\b(?:\s*:?\s*(?P<codes>{CODE}(?:[\s,]+{CODE}\b)*))?", re.IGNORECASE)
SPLIT = re.compile(r"[\s,]+")
# For directives_on(): the old line-only reader, kept for callers that have only a line.
DIRECTIVE = re.compile(
    r"#\s*(?:(?P<codie>codie:\s*ignore)(?:\[(?P<codie_codes>[^\]]*)\])?"
    r"|(?P<noqa>noqa)(?::\s*(?P<noqa_codes>[\w\s,]+))?"
    r"|(?P<nosec>nosec)(?:[:\s]\s*(?P<nosec_codes>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*))?)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Directive:
    kind: str  # "codie" | "noqa" | "nosec"
    codes: tuple[str, ...]  # empty: blanket
    text: str
    start: int = 0  # byte span of `text` in the document
    end: int = 0
    scope: str = LINE
    first_line: int = 0  # the lines it covers, 0-based and inclusive
    last_line: int = 0
    problem: str = ""  # why it is malformed; "" when well formed
    replacement: str | None = None  # the canonical text, when a fix can write it
    effective: bool = True  # False: a malformed directive that suppresses nothing
    unknown: tuple[str, ...] = ()  # codes of a `# codie:` directive that name no rule
    comment_start: int = 0  # the whole comment holding the directive
    comment_end: int = 0
    own_line: bool = False  # nothing but the comment on its line

    @property
    def blanket(self) -> bool:
        return not self.codes

    def covers(self, finding: Finding, catalogue: Catalogue) -> bool:
        """Whether the directive's kind and codes name `finding` (scope not considered)."""
        if not self.effective:
            return False
        if self.kind == "nosec" and finding.category is not Category.SECURITY:
            return False
        if not self.codes:
            return True
        return any(code_names(code, finding.rule_id, catalogue) for code in self.codes)

    def covers_lines(self, first: int, last: int) -> bool:
        return self.first_line <= first <= self.last_line or self.first_line <= last <= self.last_line


def code_names(code: str, rule_id: str, catalogue: Catalogue) -> bool:
    code = code.upper()
    if code == rule_id.upper():
        return True
    rule = catalogue.get(rule_id)
    return rule is not None and code in {a.upper() for a in rule.aliases}


def canonical(kind: str, codes: tuple[str, ...]) -> str:
    if kind == "codie":
        return f"# codie: ignore[{', '.join(codes)}]" if codes else "# codie: ignore"
    if kind == "noqa":
        return f"# noqa: {', '.join(codes)}" if codes else "# noqa"
    return f"# nosec {', '.join(codes)}" if codes else "# nosec"


def _codes(raw: str | None) -> tuple[str, ...]:
    return tuple(c for c in SPLIT.split((raw or "").strip()) if c)


def parse_directive(text: str, catalogue: Catalogue | None) -> Directive | None:
    """Read the directive at the start of `text` (which begins with '#'), or None."""
    if m := CODIE_RE.match(text):
        return _parse_codie(text, m, catalogue)
    if m := NOQA_RE.match(text):
        if m.group("loose") and not m.group("colon"):
            codes = _codes(m.group("loose"))
            return Directive(
                "noqa",
                (),
                m.group(0),
                problem=(
                    f"`# noqa {' '.join(codes)}` without a colon suppresses every rule on this "
                    f"line; write `{canonical('noqa', codes)}`"
                ),
                replacement=canonical("noqa", codes),
            )
        if m.group("colon") and not m.group("codes"):
            return Directive(
                "noqa",
                (),
                m.group(0)[: m.end("colon")],
                problem="`# noqa:` names no code, so it suppresses every rule here",
                replacement="# noqa",
            )
        return Directive(
            "noqa",
            _codes(m.group("codes")),
            text[: m.end("codes") if m.group("codes") else len(m.group(0)) - len(m.group("bare") or "")],
        )
    if m := NOSEC_RE.match(text):
        return Directive("nosec", _codes(m.group("codes")), m.group(0))
    return None


def _parse_codie(text: str, m: re.Match[str], catalogue: Catalogue | None) -> Directive | None:
    verb = m.group("verb").lower()
    rest = text[m.end() :]
    if not verb:
        return None  # "# codie: ..." prose, not a directive
    if verb != "ignore":
        return Directive(
            "codie",
            (),
            m.group(0),
            effective=False,
            problem=f"unknown directive `codie: {m.group('verb')}`; write `# codie: ignore[RULE]`",
        )
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            codes = _codes(rest[1:].split("#")[0])
            return Directive(
                "codie",
                codes,
                text[: m.end()] + rest.rstrip(),
                effective=False,
                problem="`[` is never closed, so this directive suppresses nothing",
                replacement=canonical("codie", codes) if codes else None,
            )
        codes = _codes(rest[1:close])
        full = text[: m.end() + close + 1]
        if not codes:
            return Directive(
                "codie",
                (),
                full,
                effective=False,
                problem="`ignore[]` names no rule, so it suppresses nothing; "
                "name the rules, or drop the brackets to ignore all",
            )
        unknown = tuple(c for c in codes if catalogue is not None and catalogue.resolve(c) is None)
        problem = ""
        if unknown:
            problem = f"no rule is called {', '.join(f'`{c}`' for c in unknown)}"
        good = not m.group("colon")
        problem = problem or ("" if not good else "write `codie: ignore[...]` with a colon")
        replacement = canonical("codie", codes) if (good or unknown) else None
        if unknown and len(unknown) < len(codes):
            replacement = canonical("codie", tuple(c for c in codes if c not in unknown))
        elif unknown:
            replacement = None
        return Directive("codie", codes, full, problem=problem, replacement=replacement, unknown=unknown)
    loose = re.match(rf"\s+({CODE}(?:[\s,]+{CODE}\b)*)", rest)
    if loose:
        codes = _codes(loose.group(1))
        return Directive(
            "codie",
            codes,
            text[: m.end() + loose.end()],
            effective=False,
            problem="rule codes must be in brackets, so this directive suppresses nothing",
            replacement=canonical("codie", codes),
        )
    if not m.group("colon"):
        return Directive(
            "codie", (), m.group(0), problem="write `codie: ignore` with a colon", replacement=canonical("codie", ())
        )
    return Directive("codie", (), m.group(0))


@dataclass
class SuppressionIndex:
    """Every directive of a document, and which one (if any) suppresses a finding."""

    directives: list[Directive] = field(default_factory=list)
    _by_line: dict[int, list[Directive]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for d in self.directives:
            if d.scope == LINE:
                for line in range(d.first_line, d.last_line + 1):
                    self._by_line[line].append(d)

    def match(self, doc: Document, finding: Finding, catalogue: Catalogue) -> Directive | None:
        """The narrowest directive covering `finding`: line, then block, then file scope."""
        if not self.directives:
            return None
        first = doc.lines.line_of(finding.start)
        last = doc.lines.line_of(max(finding.start, finding.end - 1))
        for line in (first, last):
            for d in self._by_line.get(line, ()):
                if d.covers(finding, catalogue):
                    return d
        for scope in (BLOCK, FILE):
            for d in self.directives:
                in_scope = d.scope == scope and d.covers_lines(first, last)
                if in_scope and d.covers(finding, catalogue):
                    return d
        return None


def index(doc: Document, catalogue: Catalogue) -> SuppressionIndex:
    """Find the directives of `doc` (a fast byte scan, then the tree for each candidate)."""
    found: list[Directive] = []
    seen_comments: set[int] = set()
    for candidate, _ in candidates(doc):
        comment = _comment_at(doc, candidate)
        if comment is None:
            continue
        c_start, c_end = comment
        if c_start in seen_comments:
            continue
        seen_comments.add(c_start)
        text = doc.source[c_start:c_end].decode("utf-8", "replace")
        for hit in re.finditer(r"(?:^|(?<=\s))#", text):  # a "#" after a blank: not prose quoting a directive
            d = parse_directive(text[hit.start() :], catalogue)
            if d is None:
                continue
            start = c_start + len(text[: hit.start()].encode())
            found.append(_place(doc, d, start, c_start, c_end))
    return SuppressionIndex(found)


# The last byte scan of each document: its edit serial and length then, and where
# CANDIDATE matched in its text
_SCANS: weakref.WeakKeyDictionary[Document, tuple[int, int, list[tuple[int, int]]]] = weakref.WeakKeyDictionary()
_KEYWORD = 5  # the longest word CANDIDATE looks for after "#" and blanks ("codie", "nosec")
_BLANKS = b" \t\n\r\x0b\x0c"  # what \s matches in a bytes pattern


def candidates(doc: Document) -> list[tuple[int, int]]:
    """The spans of CANDIDATE in doc.source. The document's last scan is reused: after
    edits only the bytes they changed are scanned again (Document.unchanged_since). A whole
    scan of a 6,862-line file cost ~0.2 ms on every publish."""
    src = doc.source
    last = _SCANS.get(doc)
    kept = doc.unchanged_since(last[0]) if last is not None else None
    if last is None or kept is None:
        spans = [m.span() for m in CANDIDATE.finditer(src)]
    elif last[0] == doc.serial:
        return last[2]
    else:
        _, old_len, old_spans = last
        prefix, suffix = kept
        # A match that reaches the change starts at most a keyword, blanks and "#" before it
        at = max(0, prefix - _KEYWORD)
        while at > 0 and src[at - 1] in _BLANKS:
            at -= 1
        at = max(0, at - 1)
        changed_end, old_changed_end = len(src) - suffix, old_len - suffix
        delta = len(src) - old_len
        spans = [s for s in old_spans if s[0] < at]
        # A match that starts in the change ends at most blanks, a keyword and the character
        # \b looks at after it: the scan stops there (unbounded, it ran to the next match or
        # the end of the file, ~0.1 ms a keystroke on a large file without directives)
        stop = changed_end
        while stop < len(src) and src[stop] in _BLANKS:
            stop += 1
        for m in CANDIDATE.finditer(src, at, stop + _KEYWORD + 1):
            if m.start() >= changed_end:
                break
            spans.append(m.span())
        spans.extend((a + delta, b + delta) for a, b in old_spans if a >= old_changed_end)
    _SCANS[doc] = (doc.serial, len(src), spans)
    return spans


def _comment_at(doc: Document, offset: int) -> tuple[int, int] | None:
    """The comment holding `offset`, or None when it is inside a string or code."""
    line = doc.lines.line_of(offset)
    end = doc.lines.content_end(doc.source, line)
    if doc.tree is None:  # requirements/TOML: a '#' starts a comment
        line_start = doc.lines.start(line)
        hash_at = doc.source.find(b"#", line_start, end)
        return (hash_at, end) if 0 <= hash_at <= offset else None
    node = doc.tree.root_node.descendant_for_byte_range(offset, offset + 1)
    if node is None or node.type != "comment":
        return None
    return node.start_byte, node.end_byte


def _place(doc: Document, d: Directive, start: int, c_start: int, c_end: int) -> Directive:
    """Give a parsed directive its position and the scope its place in the tree implies."""
    import dataclasses

    line = doc.lines.line_of(start)
    line_start = doc.lines.start(line)
    own_line = not doc.source[line_start:c_start].strip()
    first, last, scope = line, line, LINE
    end = start + len(d.text.encode())
    scoped = d.effective and (bool(d.codes) or d.kind == "codie")
    if doc.tree is not None:
        node = doc.tree.root_node.descendant_for_byte_range(c_start, c_start + 1)
        if node is not None and node.type == "comment":
            if own_line:
                if scoped and _before_first_statement(node):
                    first, last, scope = 0, max(0, doc.lines.count - 1), FILE
            else:
                first, last, scope = _trailing_scope(node, line, scoped)
    return dataclasses.replace(
        d,
        start=start,
        end=end,
        scope=scope,
        first_line=first,
        last_line=last,
        comment_start=c_start,
        comment_end=c_end,
        own_line=own_line,
    )


def _before_first_statement(comment: Node) -> bool:
    parent = comment.parent
    if parent is None or parent.type != "module":
        return False
    sibling = comment.prev_sibling
    while sibling is not None:
        if sibling.type != "comment":
            return False
        sibling = sibling.prev_sibling
    return True


def _trailing_scope(comment: Node, line: int, scoped: bool) -> tuple[int, int, str]:
    prev = comment.prev_sibling
    if prev is None or prev.end_point.row != line:
        return line, line, LINE
    if prev.type == ":" and prev.parent is not None and prev.parent.type in COMPOUND_TYPES:
        statement = prev.parent
        outer = (
            statement.parent if statement.parent and statement.parent.type == ("decorated_definition") else statement
        )
        if scoped and statement.type in BLOCK_TYPES:
            return outer.start_point.row, outer.end_point.row, BLOCK
        return outer.start_point.row, line, LINE  # the (multi-line) header
    node = prev
    while (
        node.parent is not None
        and node.parent.end_point.row == line
        and not _is_statement(node)
        and node.parent.type not in ("module", "block")
    ):
        node = node.parent
    if _is_statement(node) and node.type not in COMPOUND_TYPES:
        return node.start_point.row, line, LINE  # the closing line of a multi-line statement
    return line, line, LINE


def _is_statement(node: Node) -> bool:
    return node.type.endswith("_statement") or node.type in COMPOUND_TYPES


def directives_on(line_text: str) -> list[Directive]:
    """Directives of one line of text, without scopes (for callers that have only a line)."""
    if "#" not in line_text:
        return []
    found = []
    for m in DIRECTIVE.finditer(line_text):
        kind = "codie" if m.group("codie") else "noqa" if m.group("noqa") else "nosec"
        raw = m.group(f"{kind}_codes") or ""
        found.append(Directive(kind, _codes(raw), m.group(0)))
    return found


def suppression(doc: Document, finding: Finding, catalogue: Catalogue) -> str | None:
    """The directive text that suppresses `finding`, or None (one-off; use index() for many)."""
    d = index(doc, catalogue).match(doc, finding, catalogue)
    return d.text if d else None


def suppress_comment(rule_id: str) -> str:
    return f"  # codie: ignore[{rule_id}]"
