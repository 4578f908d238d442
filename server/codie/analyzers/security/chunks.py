"""Per-chunk caching for the incremental security analyzers.

The engine re-runs incremental analyzers on whole top-level statements; a keystroke in a
1,500-line class would rescan the class. Pattern and secret findings depend only on the
text of the method (or statement) they are in, so results are cached by that text and
only the chunks that changed are analysed again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence

from tree_sitter import Node

from codie.core.findings import Finding

MAX_ENTRIES = 4_000  # chunks of recently edited documents; bounded memory


def split(nodes: Sequence[Node]) -> list[Node]:
    """Methods and statements of a class body separately; other statements whole."""
    out: list[Node] = []
    for node in nodes:
        target = node
        if node.type == "decorated_definition":
            target = node.child_by_field_name("definition") or node
        body = target.child_by_field_name("body") if target.type == "class_definition" else None
        if body is not None and body.named_child_count > 1:
            out.extend(body.named_children)
        else:
            out.append(node)
    return out


class ChunkCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[object, int, bytes], tuple[Finding, ...]] = OrderedDict()

    def run(
        self, src: bytes, nodes: Sequence[Node], context: object, compute: Callable[[list[Node]], Iterable[Finding]]
    ) -> Iterator[Finding]:
        misses: list[tuple[Node, tuple[object, int, bytes]]] = []
        for node in split(nodes):
            # the text from the start of the line (the indent matters too), and where in it
            # the node starts (a broken file may split a line into several nodes)
            line_start = src.rfind(b"\n", 0, node.start_byte) + 1
            key = (context, node.start_byte - line_start, src[line_start : node.end_byte])
            cached = self._entries.get(key)
            if cached is None:
                misses.append((node, key))
                continue
            self._entries.move_to_end(key)
            for f in cached:
                yield f.shifted(0, node.start_byte)
        if not misses:
            return
        found = sorted(compute([n for n, _ in misses]), key=lambda f: f.start)
        starts = [f.start for f in found]
        for node, key in misses:
            # by bisection: a class of 3,000 methods must not cost methods x findings
            mine = found[bisect_left(starts, node.start_byte) : bisect_right(starts, node.end_byte)]
            yield from mine
            if all(_inside(f, node) for f in mine):
                self._entries[key] = tuple(f.shifted(0, -node.start_byte) for f in mine)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)


def _inside(f: Finding, node: Node) -> bool:
    """Only findings whose every offset lies in the chunk can move with it."""
    lo, hi = node.start_byte, node.end_byte
    spans = [(f.start, f.end)]
    if f.fix is not None:
        spans += [(e.start, e.end) for e in f.fix.edits]
    spans += [(loc.start, loc.end) for loc in f.related if loc.uri is None]
    return all(lo <= s and e <= hi for s, e in spans)
