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
    """Byte offset of the start of every line; updated in place after each edit."""

    __slots__ = ("starts",)

    def __init__(self, source: bytes) -> None:
        if b"\r" in source:
            self.starts: list[int] = [0, *(m.end() for m in EOL.finditer(source))]
        else:  # \n only (most files): the lines' lengths, summed in C (4x faster than the regex)
            self.starts = [0, *accumulate(len(line) + 1 for line in source.split(b"\n")[:-1])]

    def update(self, source: bytes, start: int, old_end: int, new_len: int) -> None:
        """Refresh after bytes [start, old_end) were replaced by new_len bytes in `source`.

        Only the window around the edit is rescanned (one byte either side, because an
        edit can join or split a \\r\\n pair); the starts after it are shifted.
        """
        delta = new_len - (old_end - start)
        lo = max(0, start - 1)
        hi_old = old_end + 1
        hi_new = min(len(source), start + new_len + 1)
        starts = self.starts
        keep_head = bisect_right(starts, lo)
        tail_from = bisect_right(starts, hi_old)
        middle = [m.end() for m in EOL.finditer(source, lo, min(len(source), hi_new + 1)) if m.end() <= hi_new]
        tail = [p + delta for p in starts[tail_from:]] if delta else starts[tail_from:]
        self.starts = starts[:keep_head] + middle + tail

    @property
    def count(self) -> int:
        return len(self.starts)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def content_end(self, source: bytes, line: int) -> int:
        """Offset of the end of the line's text, before its line break."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1]
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
        if line >= len(self.starts):
            return len(source)
        start = self.starts[line]
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
        offset = max(0, min(offset, len(source)))
        line = self.line_of(offset)
        start = self.starts[line]
        offset = min(offset, self.content_end(source, line)) if offset > start else offset
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
