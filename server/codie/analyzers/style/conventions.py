"""The conventions a project follows, observed one file at a time.

`observe` walks a module once and returns Observations: a convention (naming case of
functions, quote character, import order, docstring style, line length...), the value this
file uses at that place, and where. Training adds their counts to the workspace's
statistics; analysis compares each observation of the open file with the statistics of the
rest of the project (see `deviations`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from tree_sitter import Node

from codie.analyzers.style.scopes import (
    CLASS,
    FUNCTION,
    METHOD,
    MODULE_VARIABLE,
    PARAMETER,
    VARIABLE,
    ScopeTree,
)
from codie.core.pausing import Pause, every

NAMED_KINDS = (FUNCTION, METHOD, CLASS, VARIABLE, PARAMETER)
LINE_LIMITS = (79, 88, 99, 100, 110, 119, 120, 100_000)
# A value that fits several conventions (a one-word name fits snake_case and camelCase).
COMPATIBLE = {
    "lower": {"snake_case", "camelCase", "lower"},
    "upper": {"UPPER_CASE", "PascalCase", "upper"},
}
GOOGLE = re.compile(r"^\s*(Args|Arguments|Returns|Raises|Yields|Attributes):\s*$", re.M)
NUMPY = re.compile(r"^\s*(Parameters|Returns|Raises|Yields)\s*\n\s*-{3,}\s*$", re.M)
SPHINX = re.compile(r"^\s*:(param|returns?|raises?|rtype|type)\b", re.M)
STRING_PREFIX = re.compile(r"^[rRbBuUfF]*")
PAUSE_EVERY = 512  # bindings, nodes or lines between two pause() calls (~1 ms)


@dataclass(frozen=True, slots=True)
class Observation:
    key: str  # the convention, e.g. "case:function", "quotes"
    value: str  # what this place does, e.g. "camelCase", "'"
    start: int
    end: int
    subject: str  # for messages: "function `fooBar`"


def name_case(name: str) -> str | None:
    core = name.strip("_")
    if not core or (name.startswith("__") and name.endswith("__")):
        return None
    has_lower = any(c.islower() for c in core)
    has_upper = any(c.isupper() for c in core)
    if "_" not in core:
        if not has_upper:
            return "lower"
        if not has_lower:
            return "upper"
        return "camelCase" if core[0].islower() else "PascalCase"
    if not has_upper:
        return "snake_case"
    if not has_lower:
        return "UPPER_CASE"
    return "mixed"


def observe(source: bytes, root: Node, scopes: ScopeTree, pause: Pause | None = None) -> list[Observation]:
    """`pause()` is called every PAUSE_EVERY bindings, nodes and lines (a background
    training's, see pausing.Pause)."""
    return list(observations(source, root, scopes, pause))


def observations(source: bytes, root: Node, scopes: ScopeTree, pause: Pause | None = None) -> Iterator[Observation]:
    """observe's observations one at a time (a training tallies them as they come: the
    6,862-line file's 26,000 never exist at once)."""
    for binding in every(scopes.bindings(), pause, PAUSE_EVERY):
        kind = binding.kind
        if kind == MODULE_VARIABLE or kind not in NAMED_KINDS:
            continue
        if kind == PARAMETER and binding.name in ("self", "cls"):
            continue
        case = name_case(binding.name)
        if case is not None:
            d = binding.definition
            yield Observation(f"case:{kind}", case, d.start_byte, d.end_byte, f"{kind} `{binding.name}`")
    yield from _strings(source, root, pause)
    yield from _imports(source, root)
    yield from every(_lines(source), pause, PAUSE_EVERY)


def _strings(source: bytes, root: Node, pause: Pause | None = None) -> Iterator[Observation]:
    stack = [root]
    countdown = PAUSE_EVERY
    while stack:
        if pause is not None:
            countdown -= 1
            if not countdown:
                countdown = PAUSE_EVERY
                pause()
        node = stack.pop()
        if node.type == "string":
            yield from _string(source, node)
            continue
        stack.extend(node.children)


def _string(source: bytes, node: Node) -> Iterator[Observation]:
    start = node.children[0] if node.children else None
    if start is None or start.type != "string_start":
        return
    opener = STRING_PREFIX.sub("", source[start.start_byte : start.end_byte].decode())
    text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
    if _is_docstring(node):
        if len(opener) == 3:
            yield Observation("docquotes", opener, node.start_byte, node.end_byte, "docstring")
        style = _docstring_style(text)
        if style is not None:
            yield Observation("docstyle", style, node.start_byte, node.end_byte, "docstring")
        return
    if len(opener) != 1 or "\n" in text:
        return
    body = text[len(text) - len(text.lstrip("rRbBuUfF")) + 1 : -1]
    if "'" in body or '"' in body:
        return  # the other quote avoids escaping: not a choice of style
    yield Observation("quotes", opener, node.start_byte, node.end_byte, "string")


def _is_docstring(node: Node) -> bool:
    stmt = node.parent
    if stmt is None or stmt.type != "expression_statement" or stmt.named_child_count != 1:
        return False
    block = stmt.parent
    if block is None:
        return False
    if block.type == "module":
        return block.named_children[0].start_byte == stmt.start_byte
    owner = block.parent
    if block.type != "block" or owner is None or owner.type not in ("function_definition", "class_definition"):
        return False
    return block.named_children[0].start_byte == stmt.start_byte


def _docstring_style(text: str) -> str | None:
    if NUMPY.search(text):
        return "NumPy"
    if GOOGLE.search(text):
        return "Google"
    if SPHINX.search(text):
        return "reST (Sphinx)"
    return None


def _imports(source: bytes, root: Node) -> Iterator[Observation]:
    block: list[Node] = []
    for node in [*root.named_children, None]:
        if node is not None and node.type in ("import_statement", "import_from_statement"):
            if node.type == "import_statement":
                several = sum(1 for c in node.named_children if c.type in ("dotted_name", "aliased_import")) > 1
                yield Observation(
                    "import_multi",
                    "several per statement" if several else "one per statement",
                    node.start_byte,
                    node.end_byte,
                    "import",
                )
            block.append(node)
            continue
        if node is not None and node.type == "comment":
            continue
        if len(block) >= 2:
            value = "sorted" if _is_sorted(source, block) else "unsorted"
            yield Observation("import_order", value, block[0].start_byte, block[-1].end_byte, "import block")
        block = []


def _is_sorted(source: bytes, block: list[Node]) -> bool:
    for kind in ("import_statement", "import_from_statement"):
        keys = []
        for node in block:
            if node.type != kind:
                continue
            target = (
                node.child_by_field_name("module_name")
                if kind == "import_from_statement"
                else (node.named_children[0] if node.named_children else None)
            )
            if target is not None:
                keys.append(source[target.start_byte : target.end_byte].decode().lower())
        if keys != sorted(keys):
            return False
    return True


def _lines(source: bytes) -> Iterator[Observation]:
    offset = 0
    for raw in source.split(b"\n"):
        length = len(raw.rstrip(b"\r").decode("utf-8", "replace"))
        bucket = next(limit for limit in LINE_LIMITS if length <= limit)
        yield Observation("line_length", str(bucket), offset, offset + len(raw), str(length))
        offset += len(raw) + 1


def tally(observed: Iterable[Observation], pause: Pause | None = None) -> dict[str, Counter[str]]:
    stats: dict[str, Counter[str]] = {}
    for o in every(observed, pause, 4 * PAUSE_EVERY):
        stats.setdefault(o.key, Counter())[o.value] += 1
    return stats


@dataclass(frozen=True, slots=True)
class Deviation:
    observation: Observation
    dominant: str
    share: float  # of the project's samples that follow the dominant convention
    samples: int
    message: str


def deviations(
    observations: list[Observation],
    stats: Mapping[str, Counter[str]],
    min_samples: int = 20,
    dominance: float = 0.9,
) -> Iterator[Deviation]:
    """Observations that go against a convention the project clearly follows."""
    verdicts: dict[str, tuple[str, float, int] | None] = {}
    for o in observations:
        if o.key not in verdicts:
            verdicts[o.key] = _dominant(o.key, stats.get(o.key, Counter()), min_samples, dominance)
        verdict = verdicts[o.key]
        if verdict is None:
            continue
        dominant, share, samples = verdict
        if o.key == "line_length":
            if int(o.value) <= int(dominant):
                continue
            message = (
                f"{share:.1%} of the {samples:,} lines in this project are at most "
                f"{dominant} characters; this one has {o.subject}"
            )
        elif o.value == dominant or dominant in COMPATIBLE.get(o.value, ()):
            continue
        else:
            message = _message(o, dominant, share, samples)
        yield Deviation(o, dominant, share, samples, message)


def _dominant(key: str, counts: Counter[str], min_samples: int, dominance: float) -> tuple[str, float, int] | None:
    total = sum(counts.values())
    if total < min_samples:
        return None
    if key == "line_length":
        covered = 0
        for limit in LINE_LIMITS[:-1]:
            covered += counts.get(str(limit), 0)
            if covered / total >= 0.995:
                return str(limit), covered / total, total
        return None
    # ambiguous values (one-word names) support every convention they fit
    support: Counter[str] = Counter()
    for value, n in counts.items():
        for target in COMPATIBLE.get(value, {value}):
            support[target] += n
    strict = [v for v in support if v not in COMPATIBLE]
    if not strict:
        return None
    best = max(strict, key=lambda v: support[v])
    share = support[best] / total
    return (best, share, total) if share >= dominance else None


KIND_PLURAL = {
    "function": "functions",
    "method": "methods",
    "class": "classes",
    "variable": "local variables",
    "parameter": "parameters",
}


def _message(o: Observation, dominant: str, share: float, samples: int) -> str:
    pct = f"{share:.0%}"
    if o.key.startswith("case:"):
        kind = KIND_PLURAL.get(o.key[5:], o.key[5:])
        return f"{pct} of {kind} here are {dominant} ({samples:,} seen); {o.subject} is {o.value}"
    if o.key == "quotes":
        return f"{pct} of strings here use {dominant} quotes ({samples:,} seen); this one uses {o.value}"
    if o.key == "docquotes":
        return f"{pct} of docstrings here use {dominant} ({samples:,} seen); this one uses {o.value}"
    if o.key == "docstyle":
        return f"{pct} of structured docstrings here are {dominant} style ({samples:,} seen); this one is {o.value}"
    if o.key == "import_order":
        return f"{pct} of import blocks here are sorted ({samples:,} seen); this one is not"
    if o.key == "import_multi":
        return f"{pct} of `import` statements here import {dominant} ({samples:,} seen); this one imports {o.value}"
    return f"{pct} of the project does {dominant}; this is {o.value}"
