"""The bytes two versions of a text share at the start and at the end.

Used to turn a whole-text replacement into one edit (notebook cells) and to tell whether a
function's text only moved, and where a file changed since the last pass (the taint
analysis' reuse and module table). Compares of slices, each at C speed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BLOCK = 16_384  # bytes compared at a time before bisecting


def common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix of a and b. Block by block from the start,
    then bisection inside the first block that differs. `bytes.startswith` compares a
    memoryview's bytes in place, so nothing is copied (the taint analysis asks on every
    keystroke of a big file: a few µs; bisecting copies of the whole text cost ~18 copies)."""
    view = memoryview(a)
    n = min(len(a), len(b))
    at = 0
    while at < n:
        end = min(n, at + BLOCK)
        if not b.startswith(view[at:end], at):
            lo, hi = at, end - 1  # the first difference is in [at, end)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if b.startswith(view[at:mid], at):
                    lo = mid
                else:
                    hi = mid - 1
            return lo
        at = end
    return n


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """The length of the longest common suffix of a and b, at most `limit` (pass
    min(len(a), len(b)) - prefix so that prefix and suffix do not overlap). Block by block
    from the end, like common_prefix, comparing in place with `bytes.endswith`."""
    if limit <= 0:
        return 0
    view = memoryview(a)
    la, lb = len(a), len(b)
    done = 0  # the last `done` bytes are common
    while done < limit:
        size = min(limit, done + BLOCK)
        if not b.endswith(view[la - size : la - done], 0, lb - done):
            lo, hi = done, size - 1  # the suffix is at least lo and at most hi long
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if b.endswith(view[la - mid : la - done], 0, lb - done):
                    lo = mid
                else:
                    hi = mid - 1
            return lo
        done = size
    return limit


def changed_bytes(old: bytes, new: bytes, kept: Callable[[bytes], tuple[int, int] | None] | None) -> tuple[int, int]:
    """(before, after): new's bytes [0, before) and [after, len(new)) are old's first and
    last bytes. From `kept(old)` (a document's Document.kept_from: its edit journal knows
    them, a bound that may leave out a few equal bytes around the edit) when it knows old,
    else from a comparison of the two texts (two per keystroke of a large file: the taint
    analysis's module table and the import lines' moves each made one)."""
    bounds = kept(old) if kept is not None else None
    if bounds is not None and bounds[0] + bounds[1] <= min(len(old), len(new)):
        prefix, suffix = bounds
    else:
        prefix = common_prefix(old, new)
        suffix = common_suffix(old, new, min(len(old), len(new)) - prefix)
    return prefix, len(new) - suffix


Seen = tuple[bytes, int]  # a text, and where a match found in it ends (plus one byte)


def search_again(
    pattern: re.Pattern[bytes], text: bytes, last: Seen | None, kept: Callable[[bytes], tuple[int, int] | None] | None
) -> tuple[bool, Seen | None]:
    """Whether `pattern` occurs in `text`, and what to pass as `last` next time. A match in
    the last text whose bytes, and one byte each side (a \\b), lie before the first byte
    the edits since changed (`kept`, as for changed_bytes) is a match here too: no search.
    For patterns that read no further than that around a match; for a file whose first
    match is near its top, a keystroke below it no longer scans the text (a regular
    expression of many words scans ~0.1 ms of the 6,862-line benchmark file to its first)."""
    if last is not None and kept is not None:
        bounds = kept(last[0])
        if bounds is not None and last[1] <= bounds[0]:
            return True, (text, last[1])
    match = pattern.search(text)
    return match is not None, (text, match.end() + 1) if match is not None else None
