"""An independent, slow, obviously-correct model of LSP text edits, to test against."""

from __future__ import annotations

import re

EOL = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in EOL.finditer(text))]


def index_of(text: str, line: int, character: int, encoding: str) -> int:
    """Code-point index of an LSP position (clamped like the spec asks)."""
    starts = line_starts(text)
    if line >= len(starts):
        return len(text)
    start = starts[line]
    m = EOL.search(text, start)
    end = m.start() if m else len(text)
    units = 0
    for i in range(start, end):
        if units >= character:
            return i
        ch = text[i]
        if encoding == "utf-8":
            units += len(ch.encode("utf-8", "surrogatepass"))
        elif encoding == "utf-16":
            units += 2 if ord(ch) > 0xFFFF else 1
        else:
            units += 1
    return end


def apply(text: str, start: tuple[int, int], end: tuple[int, int], new: str, encoding: str) -> str:
    a = index_of(text, *start, encoding)
    b = index_of(text, *end, encoding)
    a, b = min(a, b), max(a, b)
    return text[:a] + new + text[b:]
