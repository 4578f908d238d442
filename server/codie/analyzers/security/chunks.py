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
    """Findings by the text of their chunk, and by the text of whole top-level statements:
    a statement whose findings are all known is taken whole (no split into its methods,
    no key per method), so a keystroke costs one key per top-level statement of the file."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[object, int, bytes], tuple[Finding, ...]] = OrderedDict()
        # (context, indent, type, nodes in it, text from its line's start) -> its findings,
        # relative to its start; the shape too: error recovery may split the same text otherwise
        self._tops: OrderedDict[tuple[object, int, str, int, bytes], tuple[Finding, ...]] = OrderedDict()

    def run(
        self, src: bytes, nodes: Sequence[Node], context: object, compute: Callable[[list[Node]], Iterable[Finding]]
    ) -> Iterator[Finding]:
        misses: list[tuple[Node, tuple[object, int, bytes]]] = []
        # top-level statements seen whole for the first time: (node, key, findings so far,
        # the chunks not known yet)
        fresh: list[tuple[Node, tuple[object, int, str, int, bytes], list[Finding], list[Node]]] = []
        for top in nodes:
            line_start = src.rfind(b"\n", 0, top.start_byte) + 1
            top_key = (
                context,
                top.start_byte - line_start,
                top.type,
                top.descendant_count,
                src[line_start : top.end_byte],
            )
            known = self._tops.get(top_key)
            if known is not None:
                self._tops.move_to_end(top_key)
                for f in known:
                    yield f.shifted(0, top.start_byte)
                continue
            mine: list[Finding] = []
            unknown: list[Node] = []
            for node in split([top]):
                # the text from the start of the line (the indent matters too), and where in it
                # the node starts (a broken file may split a line into several nodes)
                chunk_start = src.rfind(b"\n", 0, node.start_byte) + 1
                key = (context, node.start_byte - chunk_start, src[chunk_start : node.end_byte])
                cached = self._entries.get(key)
                if cached is None:
                    misses.append((node, key))
                    unknown.append(node)
                    continue
                self._entries.move_to_end(key)
                for f in cached:
                    shifted = f.shifted(0, node.start_byte)
                    mine.append(shifted)
                    yield shifted
            fresh.append((top, top_key, mine, unknown))
        computed: dict[tuple[int, int], list[Finding]] = {}  # chunk span -> its cacheable findings
        if misses:
            found = sorted(compute([n for n, _ in misses]), key=lambda f: f.start)
            starts = [f.start for f in found]
            for node, key in misses:
                # by bisection: a class of 3,000 methods must not cost methods x findings
                chunk = found[bisect_left(starts, node.start_byte) : bisect_right(starts, node.end_byte)]
                yield from chunk
                if all(_inside(f, node) for f in chunk):
                    self._entries[key] = tuple(f.shifted(0, -node.start_byte) for f in chunk)
                    computed[(node.start_byte, node.end_byte)] = chunk
        for top, top_key, mine, unknown in fresh:
            spans = [(n.start_byte, n.end_byte) for n in unknown]
            if all(span in computed for span in spans):  # every chunk's findings move with it
                whole = mine + [f for span in spans for f in computed[span]]
                self._tops[top_key] = tuple(f.shifted(0, -top.start_byte) for f in whole)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
        while len(self._tops) > MAX_ENTRIES:
            self._tops.popitem(last=False)


def _inside(f: Finding, node: Node) -> bool:
    """Only findings whose every offset lies in the chunk can move with it."""
    lo, hi = node.start_byte, node.end_byte
    spans = [(f.start, f.end)]
    if f.fix is not None:
        spans += [(e.start, e.end) for e in f.fix.edits]
    spans += [(loc.start, loc.end) for loc in f.related if loc.uri is None]
    return all(lo <= s and e <= hi for s, e in spans)
