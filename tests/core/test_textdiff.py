"""The common prefix and suffix of two texts, as a plain loop over the bytes says."""

from __future__ import annotations

import random

import pytest

from codie.core import textdiff
from codie.core.textdiff import common_prefix, common_suffix


def naive_prefix(a: bytes, b: bytes) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def naive_suffix(a: bytes, b: bytes, limit: int) -> int:
    n = 0
    while n < limit and a[len(a) - 1 - n] == b[len(b) - 1 - n]:
        n += 1
    return n


@pytest.mark.parametrize("block", [1, 3, 7, textdiff.BLOCK])
def test_prefix_and_suffix_equal_a_byte_by_byte_comparison(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textdiff, "BLOCK", block)  # small blocks: every boundary is crossed
    rng = random.Random(block)
    for _ in range(3000):
        a = bytes(rng.choice(b"ab\n") for _ in range(rng.randrange(0, 80)))
        b = bytearray(a)
        if b and rng.random() < 0.8:  # one edit, as a keystroke makes
            at = rng.randrange(len(b))
            b[at : at + rng.randrange(4)] = rng.choice([b"", b"a", b"\nb", b"abab"])
        elif rng.random() < 0.5:  # or two unrelated texts
            b = bytearray(rng.choice(b"ab") for _ in range(rng.randrange(0, 40)))
        new = bytes(b)
        prefix = common_prefix(a, new)
        assert prefix == naive_prefix(a, new)
        limit = min(len(a), len(new)) - prefix
        assert common_suffix(a, new, limit) == naive_suffix(a, new, limit)
        smaller = rng.randrange(-2, limit + 1)  # any limit up to that one
        assert common_suffix(a, new, smaller) == naive_suffix(a, new, max(0, smaller))
