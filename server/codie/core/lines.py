"""Line index over UTF-8 bytes, and LSP position <-> byte offset conversion.

LSP lines end only at \\n, \\r\\n or \\r (never at \\f, \\v, U+2028, ... as str.splitlines()
would have it). Columns count code units of the negotiated encoding.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

EOL = re.compile(rb"\r\n|\r|\n")
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
ENCODINGS = (UTF8, UTF16, UTF32)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class LineIndex:
    """Byte offset of the start of every line; updated in place after each edit.

    An edit moves every line after it. Rather than adding the edit's delta to each of them
    on every keystroke (a Python loop over the rest of the file), the shift is kept pending:
    stored starts from index `_from` on are `_delta` short of the real ones. The next edit
    folds its own delta in and only rewrites the starts between the two edits, so typing in
    one place costs the same on a 100-line file as on a 50,000-line one. `starts` (the whole
    list) applies the pending shift first; `start(line)` and the conversions never need to.
    """

    __slots__ = ("_delta", "_from", "_starts")

    def __init__(self, source: bytes) -> None:
        if b"\r" in source:
            self._starts: list[int] = [0, *(m.end() for m in EOL.finditer(source))]
        else:  # \n only (most files): the lines' lengths, summed in C (4x faster than the regex)
            self._starts = [0, *accumulate(len(line) + 1 for line in source.split(b"\n")[:-1])]
        self._from = len(self._starts)  # no shift pending
        self._delta = 0

    @property
    def starts(self) -> list[int]:
        """Every line's start (read it at once: later edits change the list in place)."""
        st = self._starts
        if self._from < len(st):
            st[self._from :] = [p + self._delta for p in st[self._from :]]
            self._from, self._delta = len(st), 0
        return st

    def start(self, line: int) -> int:
        """The byte offset where `line` starts (0 <= line < count)."""
        p = self._starts[line]
        return p + self._delta if line >= self._from else p

    def copy(self) -> LineIndex:
        twin = LineIndex.__new__(LineIndex)
        twin._starts, twin._from, twin._delta = list(self._starts), self._from, self._delta
        return twin

    def _lines_up_to(self, offset: int) -> int:
        """How many lines start at or before `offset` (bisect on the shifted list)."""
        st, k, d = self._starts, self._from, self._delta
        if k < len(st) and offset >= st[k] + d:
            return bisect_right(st, offset - d, k)
        return bisect_right(st, offset, 0, k)

    def update(self, source: bytes, start: int, old_end: int, new_len: int) -> None:
        """Refresh after bytes [start, old_end) were replaced by new_len bytes in `source`.

        Only the window around the edit is rescanned (one byte either side, because an
        edit can join or split a \\r\\n pair); the starts after it move by the pending shift.
        """
        delta = new_len - (old_end - start)
        lo = max(0, start - 1)
        hi_old = old_end + 1
        hi_new = min(len(source), start + new_len + 1)
        head = self._lines_up_to(lo)
        tail_from = self._lines_up_to(hi_old)
        middle = [m.end() for m in EOL.finditer(source, lo, min(len(source), hi_new + 1)) if m.end() <= hi_new]
        st, k, d = self._starts, self._from, self._delta
        if not d:
            k = tail_from  # nothing pending: the new shift starts right after the edit
        if k < head:  # the pending shift covers lines before the edit: apply it there
            st[k:head] = [p + d for p in st[k:head]]
        elif k > tail_from:  # lines between the edit and the pending shift: move them now
            st[tail_from:k] = [p + delta for p in st[tail_from:k]]
        pending_from = head + len(middle) + max(0, k - tail_from)
        st[head:tail_from] = middle
        self._delta = d + delta
        self._from = pending_from if self._delta else len(st)

    @property
    def count(self) -> int:
        return len(self._starts)

    def line_of(self, offset: int) -> int:
        return self._lines_up_to(offset) - 1

    def content_end(self, source: bytes, line: int) -> int:
        """Offset of the end of the line's text, before its line break."""
        if line + 1 < len(self._starts):
            end = self.start(line + 1)
            if source[end - 1 : end] == b"\n":
                end -= 2 if source[end - 2 : end] == b"\r\n" else 1
            else:
                end -= 1  # lone \r
            return end
        return len(source)

    def offset_at(self, source: bytes, line: int, character: int, encoding: str = UTF16) -> int:
        """Byte offset of an LSP position; lines and columns past the end are clamped."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(source)
        start = self.start(line)
        end = self.content_end(source, line)
        character = max(0, character)
        raw = source[start:end]
        if raw.isascii():
            return start + min(character, len(raw))
        if encoding == UTF8:
            # a column inside a multi-byte character snaps to the next character boundary
            offset = start + min(character, len(raw))
            while offset < end and source[offset] & 0xC0 == 0x80:
                offset += 1
            return offset
        text = _decode(raw)
        if encoding == UTF32:
            return start + len(encode(text[:character]))
        units = 0
        for i, ch in enumerate(text):
            if units >= character:
                return start + len(encode(text[:i]))
            units += 2 if ord(ch) > 0xFFFF else 1
        return end

    def position_at(self, source: bytes, offset: int, encoding: str = UTF16) -> tuple[int, int]:
        # (line_of and start inlined: every published diagnostic asks this twice, or more)
        offset = max(0, min(offset, len(source)))
        st, k, d = self._starts, self._from, self._delta
        if k < len(st) and offset >= st[k] + d:
            line = bisect_right(st, offset - d, k) - 1
        else:
            line = bisect_right(st, offset, 0, k) - 1
        start = st[line] + d if line >= k else st[line]
        # an offset inside the line break (at most 2 bytes) is clamped to the line's end
        if offset > start and line + 1 < len(st) and offset >= self.start(line + 1) - 2:
            offset = min(offset, self.content_end(source, line))
        raw = source[start:offset]
        if encoding == UTF8 or raw.isascii():
            return line, len(raw)
        text = _decode_lenient(raw)
        if encoding == UTF32:
            return line, len(text)
        return line, sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _decode_lenient(raw: bytes) -> str:
    try:
        return _decode(raw)
    except UnicodeDecodeError:  # offset in the middle of a character
        return raw.decode("utf-8", "ignore")
