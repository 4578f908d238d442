"""Keyword alternations that match exactly as written, only faster.

Python's `re` tries the branches of `md5|sha1|mktemp|...` one after the other at every
position of the text: the security analyzers' prefilters (~60 keywords, run over every
statement of a document) cost ~90 ns a byte, most of a big file's first analysis for
those analyzers. `factored` rewrites such a pattern so that the branches beginning with
the same literal character sit under one branch (`md5|sha1|mktemp` -> `m(?:d5|ktemp)|sha1`),
in their order: at a position, only the branches that can match there are tried.

The matches (and so every span `finditer` yields) are the same: where two branches both
match at a position, the first of them wins in both patterns. Two branches that both
match somewhere begin with the same character there; if both begin with a literal, the
character is the same and they share a group, or the earlier one's group comes first
(groups are placed where their first branch was). A branch that does not begin with a
plain literal (`\\bassert\\b`, `[_-]key`) stays where it was and closes the groups of the
characters it may begin with (all of them when that is not plain to see), so that no
later branch that could match where it does moves ahead of it.
"""

from __future__ import annotations

import re

_QUANTIFIERS = frozenset(b"*+?{")
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/:=@%!,;<>'\"~`#& ")


def compile_alternation(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]:
    """re.compile(pattern, flags), factored when that is known to keep its matches (no
    case-insensitive or verbose flags, inline or given)."""
    if flags & (re.IGNORECASE | re.VERBOSE) or pattern.startswith(b"(?"):
        return re.compile(pattern, flags)
    return re.compile(factored(pattern), flags)


def factored(pattern: bytes) -> bytes:
    """The pattern with its top-level branches grouped by their first literal character."""
    branches = top_level_branches(pattern)
    if branches is None or len(branches) < 2:
        return pattern
    groups: list[tuple[int | None, list[bytes]]] = []
    open_groups: dict[int, int] = {}  # first character -> its group, while still open
    for branch in branches:
        heads = literal_heads(branch)
        if heads is None:
            groups.append((None, [branch]))
            starts = _first_characters(branch)
            if starts is None:
                open_groups.clear()  # nothing after this branch may move ahead of it
            else:  # no later branch that may match where it does
                for c in starts:
                    open_groups.pop(c, None)
            continue
        for head, tail in heads:
            at = open_groups.get(head)
            if at is None:
                open_groups[head] = len(groups)
                groups.append((head, [tail]))
            else:
                groups[at][1].append(tail)
    parts: list[bytes] = []
    for first, members in groups:
        if first is None:
            parts.extend(members)
        elif len(members) == 1:
            parts.append(re.escape(bytes([first])) + members[0])
        else:
            parts.append(re.escape(bytes([first])) + b"(?:" + b"|".join(members) + b")")
    return b"|".join(parts)


def literal_heads(branch: bytes) -> list[tuple[int, bytes]] | None:
    """branch as (first character, the rest) alternatives in its order, when every match
    begins with a known character: a literal (`md5`), an escaped punctuation character
    (`\\.x`), a class of single characters (`[_-]key`: `_key`, `-key`), or a word boundary
    before one of those (`\\bassert` -> `a(?<!\\wa)ssert`: the same test, made after the
    first character, so that the branch begins with it). None otherwise."""
    if branch.startswith(b"\\b"):
        after = literal_heads(branch[2:])
        if after is None:
            return None
        out = []
        for head, tail in after:
            both = re.escape(bytes([head]))
            word = chr(head).isalnum() or head == 0x5F  # _
            out.append((head, (b"(?<!\\w" if word else b"(?<=\\w") + both + b")" + tail))
        return out
    if not branch:
        return None
    c = branch[0]
    firsts: list[int]
    if c in _PLAIN:
        firsts, rest = [c], branch[1:]
    elif c == 0x5C and len(branch) > 1 and not chr(branch[1]).isalnum() and branch[1] < 0x80:
        firsts, rest = [branch[1]], branch[2:]
    elif c == 0x5B:
        members = _class_members(branch)
        if members is None:
            return None
        firsts, rest = members
    else:
        return None
    if rest[:1] and rest[0] in _QUANTIFIERS:
        return None  # `a?b`: the first character is optional
    return [(first, rest) for first in firsts]


def _class_members(branch: bytes) -> tuple[list[int], bytes] | None:
    """A leading class of single characters (no negation, no range): its members in
    order, and what follows it."""
    if branch[1:2] in (b"^", b"]"):
        return None
    members: list[int] = []
    i = 1
    while i < len(branch) and branch[i] != 0x5D:  # ]
        c = branch[i]
        if c == 0x5C:  # an escaped punctuation character stands for itself
            if i + 1 >= len(branch) or chr(branch[i + 1]).isalnum() or branch[i + 1] >= 0x80:
                return None
            c = branch[i + 1]
            i += 1
        elif (c == 0x2D and i > 1 and i + 1 < len(branch) and branch[i + 1] != 0x5D) or c >= 0x80 or c == 0x5B:
            return None  # a range, a non-ASCII byte, or `[` (maybe a POSIX-looking class): not plain
        if c not in members:
            members.append(c)
        i += 1
    if i >= len(branch) or not members:
        return None
    return members, branch[i + 1 :]


def _first_characters(branch: bytes) -> frozenset[int] | None:
    """What a match of a branch that literal_heads cannot read may begin with, when that
    is plain to see (a word boundary before a group); None when it is not."""
    if branch.startswith(b"\\b(?:") and branch.endswith(b")\\b"):
        inner = top_level_branches(branch[5:-3])
        if inner is not None:
            heads = [literal_heads(b) for b in inner]
            if all(h is not None for h in heads):
                return frozenset(c for h in heads if h is not None for c, _ in h)
    return None


def top_level_branches(pattern: bytes) -> list[bytes] | None:
    """pattern split at its top-level `|`, or None when it cannot be read safely."""
    out: list[bytes] = []
    start = depth = 0
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == 0x5C:  # backslash: the next character is escaped
            i += 2
            continue
        if c == 0x5B:  # `[`: a class runs to its first unescaped `]` (not the first one in it)
            i += 1
            if i < n and pattern[i] == 0x5E:  # ^
                i += 1
            if i < n and pattern[i] == 0x5D:  # a leading ] is a member
                i += 1
            while i < n and pattern[i] != 0x5D:
                i += 2 if pattern[i] == 0x5C else 1
            if i >= n:
                return None
        elif c == 0x28:  # (
            depth += 1
        elif c == 0x29:  # )
            depth -= 1
            if depth < 0:
                return None
        elif c == 0x7C and depth == 0:  # |
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    if depth != 0 or i > n:
        return None
    out.append(pattern[start:])
    return out
