"""The document model: a UTF-8 byte mirror, its line index and its tree-sitter tree.

Edits are applied with Tree.edit and reparsed incrementally, lazily: the reparse happens
when the tree is next read (or reparse() is called), so a burst of edits that arrives
before analysis gets one reparse, not one per edit. Non-Python documents (requirements
files, pyproject.toml, lockfiles) have no tree but the same positions.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Point, Tree

from codie.core.lines import UTF16, LineIndex, encode

PYTHON = Language(tree_sitter_python.language())
MAX_CHANGED_RANGES = 256
JOURNAL = 64  # recent edits a document remembers (see Document.unchanged_since)
SHAPES = 2 * JOURNAL  # structural changes a document remembers (two per edit: see shape_kept_from)
TEXTS = 1  # earlier texts a document knows again (see Document.kept_from): one, as each holds a copy of the file
# The field naming what each binding statement of the grammar (re)binds: `x = ...`,
# `x += ...`, `for x in`, comprehension `for x in`, `(x := ...)`, `... as x`.
BINDING_TARGETS = {
    "assignment": "left",
    "augmented_assignment": "left",
    "for_statement": "left",
    "for_in_clause": "left",
    "named_expression": "name",
    "as_pattern": "alias",
}
# A \r not followed by \n: a line break for LSP, not for tree-sitter's rows (see point_at)
LONE_CR = re.compile(rb"\r(?!\n)")
_local = threading.local()


def parser() -> Parser:
    """A parser per thread: tree-sitter parsers are not thread-safe."""
    p: Parser | None = getattr(_local, "parser", None)
    if p is None:
        p = _local.parser = Parser(PYTHON)
    return p


def parse(source: bytes, old: Tree | None = None) -> Tree:
    return parser().parse(source, old) if old is not None else parser().parse(source)


PARSE_CHUNK = 4096  # bytes tree-sitter reads at a time in parse_pausing (~1 ms of parsing)


def parse_pausing(source: bytes, pause: Callable[[], object], chunk: int = PARSE_CHUNK) -> Tree:
    """parse(source) for a background thread, with `pause()` called before each `chunk`
    bytes tree-sitter reads: a parse of bytes holds the GIL from start to end (~50 ms for
    6,862 lines), one that reads through a callback gives it up wherever `pause` waits.
    The same tree, except that its nodes have no `text` (nothing of codie reads it from
    such a tree: the style training's)."""

    def read(offset: int, _point: Point) -> bytes:
        pause()
        return source[offset : offset + chunk]

    return parser().parse(read)


@dataclass(frozen=True, slots=True)
class Edit:
    """One applied change, in bytes: [start, old_end) became [start, new_end)."""

    start: int
    old_end: int
    new_end: int

    @property
    def delta(self) -> int:
        return self.new_end - self.old_end


def _has_lone_cr(source: bytes) -> bool:
    return b"\r" in source and LONE_CR.search(source) is not None


def language_for(uri: str) -> str:
    lowered = uri.lower()
    if lowered.endswith((".py", ".pyi", ".pyw")):
        return "python"
    if lowered.endswith(".ipynb"):
        return "notebook"
    if lowered.endswith(".toml"):
        return "toml"
    name = lowered.rsplit("/", 1)[-1]
    if lowered.endswith((".txt", ".in")) and ("req" in name or "constraint" in name):
        return "requirements"
    if lowered.endswith(".lock"):
        return "lock"
    return "text"


class Document:
    """A text document as Codie sees it. Not thread-safe: mutate on one thread, and only
    through apply_change / splice / replace_all (they keep the line index, the tree and the
    edit journal in step with `source`)."""

    def __init__(self, uri: str, text: str | bytes, version: int | None = None, language: str | None = None) -> None:
        self.uri = uri
        self.version = version
        self.language = language or language_for(uri)
        self.source = text if isinstance(text, bytes) else encode(text)
        self.lines = LineIndex(self.source)
        self._lone_cr = _has_lone_cr(self.source)
        self._tree: Tree | None = parse(self.source) if self.is_python else None
        self._stale = False  # edits applied to _tree (Tree.edit) but not reparsed yet
        self._changed: list[tuple[int, int]] = []  # structural changes not yet taken by reparse()
        # spans [a, b) that a pending tree edit covers though their bytes did not change
        # (_tree_start): the next reparse's changed ranges start after them
        self._widened: list[tuple[int, int]] = []
        self.serial = 0  # edits applied so far (see unchanged_since)
        # (start, bytes after the new text) of the last JOURNAL edits
        self._journal: deque[tuple[int, int]] = deque(maxlen=JOURNAL)
        # (text, serial) of the last TEXTS texts before this one (see kept_from)
        self._texts: deque[tuple[bytes, int]] = deque(maxlen=TEXTS)
        # (serial, start, bytes after the end) of the spans whose tree structure may have
        # changed, per edit (the tree edit's span) and per reparse (tree-sitter's changed
        # ranges); the trees of texts before serial _shape_since are unknown (see shape_kept_from)
        self._shape: deque[tuple[int, int, int]] = deque()
        self._shape_since = 0
        self._parsed: deque[int] = deque([0], maxlen=SHAPES)  # the serials whose text had a tree

    @property
    def tree(self) -> Tree | None:
        """The syntax tree of the current text (reparsed here if edits are pending)."""
        if self._stale:
            self._reparse_now()
        return self._tree

    @tree.setter
    def tree(self, tree: Tree | None) -> None:
        self._tree = tree
        self._shape.clear()  # not derived from the last tree: nothing known of their likeness
        self._shape_since = self.serial + 1
        self._stale = False
        self._changed = []
        self._widened = []

    @property
    def is_python(self) -> bool:
        return self.language == "python"

    @property
    def text(self) -> str:
        return self.source.decode("utf-8", "surrogatepass")

    # positions ---------------------------------------------------------------------------
    def offset_at(self, line: int, character: int, encoding: str = UTF16) -> int:
        return self.lines.offset_at(self.source, line, character, encoding)

    def position_at(self, offset: int, encoding: str = UTF16) -> tuple[int, int]:
        return self.lines.position_at(self.source, offset, encoding)

    def point_at(self, offset: int) -> Point:
        """tree-sitter's (row, byte column): rows count \\n only. Without a lone \\r in the
        text, every LSP line ends with \\n and the line index answers in O(log n); else the
        \\n are counted (a scan of the text before `offset`)."""
        if not self._lone_cr:
            row = self.lines.line_of(offset)
            return Point(row, offset - self.lines.start(row))
        row = self.source.count(b"\n", 0, offset)
        return Point(row, offset - (self.source.rfind(b"\n", 0, offset) + 1))

    def line_text(self, line: int) -> str:
        if not 0 <= line < self.lines.count:
            return ""
        start = self.lines.start(line)
        return self.source[start : self.lines.content_end(self.source, line)].decode("utf-8", "replace")

    def node_text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    # edits -------------------------------------------------------------------------------
    def replace_all(self, text: str, version: int | None = None) -> Edit:
        old_len = len(self.source)
        self._texts.append((self.source, self.serial))
        self.source = encode(text)
        self.lines = LineIndex(self.source)
        self._lone_cr = _has_lone_cr(self.source)
        self.tree = parse(self.source) if self.is_python else None
        self.version = version
        self._note(0, 0)
        self._parsed.append(self.serial)
        return Edit(0, old_len, len(self.source))

    def _note(self, start: int, tail: int) -> None:
        self.serial += 1
        self._journal.append((start, tail))

    def unchanged_since(self, serial: int) -> tuple[int, int] | None:
        """(prefix, suffix): how many bytes at the start and at the end of the text are
        the same as when `serial` was current (bounds: the edits may have left more alone);
        None when those edits are too old to be remembered. For a derived result kept
        across edits, to redo only the part an edit touched, at the cost of the edits since
        rather than a comparison of two whole texts."""
        count = self.serial - serial
        if count < 0 or count > len(self._journal):
            return None
        prefix = suffix = len(self.source)
        # (the last `count` edits, newest first: no copy of the whole journal per call, and
        # most callers ask about the last edit or two, several times per keystroke)
        for start, tail in islice(reversed(self._journal), count):
            # bytes before every edit's start were never touched; bytes after an edit's new
            # text are the ones after its old text, so the common end shrinks to the least
            prefix, suffix = min(prefix, start), min(suffix, tail)
        return prefix, (suffix if count else 0)

    def kept_from(self, old: bytes) -> tuple[int, int] | None:
        """unchanged_since for `old`, one of this document's last texts (known by identity:
        the caller holds it, so no other text can have its id), or None. For a result kept
        with the text it was made from: the common prefix and suffix of the two texts from
        the edits since, not from a comparison of the texts (a bound, as unchanged_since)."""
        if old is self.source:
            return len(old), 0
        serial = self._serial_of(old)
        return self.unchanged_since(serial) if serial is not None else None

    def _serial_of(self, old: bytes) -> int | None:
        if old is self.source:
            return self.serial
        for text, serial in self._texts:
            if text is old:
                return serial
        return None

    def shape_kept_from(self, old: bytes) -> tuple[int, int] | None:
        """kept_from, also for the syntax tree: (prefix, suffix) such that the current tree's
        nodes wholly inside the first `prefix` bytes, or the last `suffix`, are the nodes the
        tree of `old` had there (the same types, spans moved by the length difference, and
        descendants), from the tree edits and tree-sitter's changed ranges since (ranges
        whose structure changed; outside them and the edits, every byte has the same
        ancestors). None when unknown (a tree made afresh since, or too many edits ago).
        For a result kept per top-level statement: only the statements in between are new."""
        serial = self._serial_of(old)
        if serial is None or serial < self._shape_since or self._tree is None or self._stale:
            return None
        if serial not in self._parsed:  # (a text between two edits of one reparse: no tree)
            return None
        bounds = self.kept_from(old)
        if bounds is None:
            return None
        prefix, suffix = bounds
        for at, start, tail in self._shape:
            if at > serial:  # (the tree of `old` already had the changes made up to it)
                prefix, suffix = min(prefix, start), min(suffix, tail)
        return prefix, suffix

    def _note_shape(self, start: int, end: int) -> None:
        if len(self._shape) >= SHAPES:
            self._shape_since = max(self._shape_since, self._shape.popleft()[0])
        self._shape.append((self.serial, start, len(self.source) - end))

    def moved_end(self, serial: int, size: int) -> tuple[int, int] | None:
        """(tail, delta) for the text when `serial` was current (`size` bytes long then):
        its bytes from `tail - 1` on are the same now, `delta` bytes on. So a line that
        started at or after `tail` then is the same line now, `delta` bytes on: the line
        break before it is unchanged too (an edit that split or joined a \r\n, or removed
        the break, lies before `tail`). None when unchanged_since does not know."""
        kept = self.unchanged_since(serial)
        if kept is None:
            return None
        return size - kept[1] + 1, len(self.source) - size

    def apply_change(self, start: tuple[int, int], end: tuple[int, int], text: str, encoding: str = UTF16) -> Edit:
        """Apply one ranged change (LSP positions in `encoding`) without reparsing.

        The tree is reparsed lazily: when next read, or by reparse().
        """
        lo = self.offset_at(*start, encoding)
        hi = self.offset_at(*end, encoding)
        if hi < lo:  # a reversed range: accept it the way editors mean it
            lo, hi = hi, lo
        return self.splice(lo, hi, encode(text))

    def splice(self, lo: int, hi: int, new: bytes) -> Edit:
        old = self.source
        lo = max(0, min(lo, len(old)))
        hi = max(lo, min(hi, len(old)))
        tree_lo = _tree_start(old, lo) if self._tree is not None else lo
        tree_hi = _tree_end(old, hi) if self._tree is not None else hi
        start_point, old_end_point = self.point_at(tree_lo), self.point_at(tree_hi)
        self._texts.append((old, self.serial))
        with memoryview(old) as view:  # one copy of the text, not three
            self.source = b"".join((view[:lo], new, view[hi:]))
        self.lines.update(self.source, lo, hi, len(new))
        new_end = lo + len(new)
        # (the flag only turns on here: a lone \r that an edit removed just costs scans)
        self._lone_cr = self._lone_cr or LONE_CR.search(self.source, max(0, lo - 1), new_end + 2) is not None
        self._note(lo, len(self.source) - new_end)
        if self._changed or self._widened:  # spans from before follow the text, like findings
            delta = new_end - hi

            def move(p: int) -> int:
                return p + delta if p >= hi else min(p, new_end) if p > lo else p

            self._changed = [(move(a), move(b)) for a, b in self._changed]
            self._widened = [(move(a), move(b)) for a, b in self._widened]
        if self._tree is not None:  # edits pile up on the old tree until the next reparse
            if tree_lo < lo:
                self._widened.append((tree_lo, lo))
            self._note_shape(tree_lo, tree_hi - hi + new_end)
            self._tree.edit(
                start_byte=tree_lo,
                old_end_byte=tree_hi,
                new_end_byte=tree_hi - hi + new_end,
                start_point=start_point,
                old_end_point=old_end_point,
                new_end_point=self.point_at(tree_hi - hi + new_end),
            )
            self._stale = True
        return Edit(lo, hi, new_end)

    def reparse(self) -> list[tuple[int, int]]:
        """Bring the tree up to date; return the byte ranges whose structure changed since
        the last call (tree-sitter's changed ranges, in today's offsets)."""
        if self._stale:
            self._reparse_now()
        changed, self._changed = self._changed, []
        return changed

    def _reparse_now(self) -> None:
        old = self._tree
        if old is None:
            self._stale = False
            return
        self._tree = parse(self.source, old)
        self._stale = False
        changed = [(r.start_byte, r.end_byte) for r in old.changed_ranges(self._tree)]
        if changed:  # (before _unwiden: a widened span's structure may have changed too)
            self._note_shape(min(a for a, _ in changed), max(b for _, b in changed))
        self._parsed.append(self.serial)
        if self._widened:
            changed = _unwiden(changed, self._widened)
            self._widened = []
        self._changed.extend(changed)
        if len(self._changed) > MAX_CHANGED_RANGES:  # nobody took them: one covering span
            self._changed = [(min(a for a, _ in self._changed), max(b for _, b in self._changed))]

    def snapshot(self) -> Document:
        """An independent copy (the tree is copied in O(1)) for analysis on another thread."""
        tree = self.tree  # reparsed first if edits are pending
        copy = Document.__new__(Document)
        copy.uri, copy.version, copy.language, copy.source = self.uri, self.version, self.language, self.source
        copy.lines = self.lines.copy()
        copy._lone_cr = self._lone_cr
        copy._tree = tree.copy() if tree is not None else None
        copy._stale = False
        copy._changed = []
        copy._widened = []
        copy.serial = self.serial
        copy._journal = deque(self._journal, maxlen=JOURNAL)
        copy._texts = deque(self._texts, maxlen=TEXTS)
        copy._shape = deque(self._shape)
        copy._shape_since = self._shape_since
        copy._parsed = deque(self._parsed, maxlen=SHAPES)
        return copy

    # structure ---------------------------------------------------------------------------
    def top_level(self) -> list[Node]:
        return list(self.tree.root_node.children) if self.tree is not None else []

    def walk(self, node: Node | None = None) -> Iterator[Node]:
        """Every node below `node` (the root by default), depth first, in source order."""
        if node is None:
            if self.tree is None:
                return
            node = self.tree.root_node
        cursor = node.walk()
        visited_children = False
        depth = 0
        while True:
            if not visited_children:
                assert cursor.node is not None
                yield cursor.node
                if cursor.goto_first_child():
                    depth += 1
                    continue
            if depth > 0 and cursor.goto_next_sibling():
                visited_children = False
                continue
            if depth == 0 or not cursor.goto_parent():
                return
            depth -= 1
            visited_children = True


# How far back a tree edit may start before the change itself (_tree_start).
WIDEN_LIMIT = 256
_BLANK = b" \t\f\r\n"


def _tree_start(text: bytes, lo: int) -> int:
    """Where the tree edit of a change at `lo` starts: `lo`, or, when the change starts in
    a line's indentation, inside the last token before that line.

    tree-sitter 0.26 with tree-sitter-python 0.25 can reuse nothing after a change next to
    a line break whose layout tokens (NEWLINE, INDENT, DEDENT: the external scanner's) the
    change leaves in the old tree: a statement typed after a function's body, where the
    old tree has a zero-width DEDENT, or before the last statement of a block. The node
    after it is refused for a different scanner state and the reparse re-lexes the file
    from the edit to its end (25 ms of a 27 ms full parse, 785 lines into the 6,862-line
    benchmark file). A tree edit that also covers the token before the line break (here)
    and the line after the change (_tree_end) makes the parser lex those layout tokens
    afresh, and the rest is reused (2.5 ms). The bytes added to the edit are the same text
    before and after, so it is the same change described over a wider span."""
    line_start = text.rfind(b"\n", 0, lo) + 1
    if text[line_start:lo].strip(b" \t\f"):
        return lo  # the change is after code on its line: nothing to re-lex before it
    k = lo
    floor = max(0, lo - WIDEN_LIMIT)
    while k > floor and text[k - 1] in _BLANK:
        k -= 1
    return k - 1 if k > floor else lo


def _tree_end(text: bytes, hi: int) -> int:
    """Where the tree edit of a change ending at `hi` (old offsets) ends: after the line
    breaks of the first two lines with code from `hi` on (see _tree_start; on lspbench's
    edits of six large stdlib modules and on typing them a character at a time, two lines
    left the fewest slow reparses: one line left a few, the change alone one in fifteen)."""
    limit = min(len(text), hi + WIDEN_LIMIT)
    k = end = hi
    for _ in range(2):
        while k < limit and text[k] in _BLANK:
            k += 1
        k = text.find(b"\n", k, limit) + 1
        if k <= 0:
            break
        end = k
    return end


def _unwiden(changed: list[tuple[int, int]], widened: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """tree-sitter's changed ranges, minus the bytes an edit covered only to be re-lexed
    (_tree_start): they are the same text with the same structure, and a range starting
    there would mark the statement before the change as changed."""
    out: list[tuple[int, int]] = []
    for a, b in changed:
        for w0, w1 in widened:
            if w0 <= a < w1:
                a = w1
        if a < b:
            out.append((a, b))
    return out
