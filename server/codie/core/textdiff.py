"""The bytes two versions of a text share at the start and at the end.

Used to turn a whole-text replacement into one edit (notebook cells) and to tell whether a
function's text only moved (the taint analysis' reuse). Bisection on slice equality: log n
compares, each at C speed.
"""

from __future__ import annotations


def common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix of a and b."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """The length of the longest common suffix of a and b, at most `limit` (pass
    min(len(a), len(b)) - prefix so that prefix and suffix do not overlap)."""
    lo, hi = 0, limit
    if hi <= 0:
        return 0
    if a[len(a) - hi :] == b[len(b) - hi :]:
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo
