"""compile_alternation (analyzers/alternation.py) matches exactly what re.compile of the
same pattern matches: every span of finditer, from any pos to any endpos."""

from __future__ import annotations

import random
import re
import sysconfig
from pathlib import Path

import pytest

from codie.analyzers.alternation import compile_alternation, factored, top_level_branches
from codie.analyzers.security.pattern_words import CANDIDATES
from codie.analyzers.security.secrets import PREFILTER_WORDS

STDLIB = Path(sysconfig.get_paths()["stdlib"])
ATOMS = [
    b"ab", b"a", b"abc", b"b", b"x_", b"\\.a", b"[_-]b", b"[ab]c", b"\\bab\\b", b"\\ba", b"\\b_x", b"\\b-",
    b"-a", b"a\\s*=", b"[\"']:", b"x?a", b"ca*", b"\\b(?:ab|x)\\b", b"(?:a|b)c", b".a", b"z{2}", b"\\.",
    b"\\b\\.", b"0\\.0", b"[-a]b", b"[a-c]x",
]  # fmt: skip


def spans(pattern: re.Pattern[bytes], text: bytes, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text, pos, len(text) if endpos is None else endpos)]


def test_random_alternations_match_as_written() -> None:
    rng = random.Random(15)
    alphabet = b"abcxyz_-. '\"\n:/0"
    for _ in range(4000):
        pattern = b"|".join(rng.choice(ATOMS) for _ in range(rng.randint(2, 9)))
        text = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        pos = rng.randint(0, len(text))
        end = rng.randint(pos, len(text))
        assert spans(compile_alternation(pattern), text, pos, end) == spans(re.compile(pattern), text, pos, end), (
            pattern,
            text,
        )


@pytest.mark.parametrize(
    ("words", "lower"), [(CANDIDATES, False), (PREFILTER_WORDS, True)], ids=["patterns", "secrets"]
)
def test_the_security_prefilters_find_the_same_words(words: bytes, lower: bool) -> None:
    plain, fast = re.compile(words), compile_alternation(words)
    found = 0
    for name in ("inspect.py", "typing.py", "ssl.py", "random.py", "hashlib.py", "smtplib.py", "http/client.py"):
        text = (STDLIB / name).read_bytes()
        text = text.lower() if lower else text
        assert spans(fast, text) == spans(plain, text), name
        found += len(spans(plain, text))
    assert found > 100
    # every branch now begins with a known character: far fewer top-level branches
    branches = top_level_branches(fast.pattern)
    assert branches is not None and len(branches) < len(top_level_branches(words) or []) * 0.7


def test_what_it_cannot_read_is_left_as_written() -> None:
    assert factored(b"a(b|c") == b"a(b|c"  # unbalanced
    assert compile_alternation(b"ab|ac", re.IGNORECASE).pattern == b"ab|ac"
    assert factored(b"ab|.b|ac") == b"ab|.b|ac"  # `.` may begin like anything: nothing moves past it
    assert factored(b"ab|ac|x") == b"a(?:b|c)|x"
    assert factored(b"\\bab|[_-]k|ac") == b"a(?:(?<!\\wa)b|c)|_k|\\-k"
