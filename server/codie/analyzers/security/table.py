"""The top-level statements of a document as the taint engine sees them, kept across edits.

A keystroke changes one top-level statement of a big file, not the thousands of others.
The table lists every top-level statement (where it is, its node type and node count) with
what it collected (its functions, the module-level names it binds: a `Record`, made from
its text and cached by it), and the module-level facts all of them add up to (`Bindings`).
The next pass compares its tree with the table: the statements before the first changed
byte and after the last one (moved by the edit), if they parse to the same spans, types and
node counts, keep their records; only the statements between are read again. The facts are
summed again only when those statements bind something else than the ones they replace;
otherwise the last pass's facts are kept, object for object (ModuleInfo.epoch stays, and
with it every cached function result: module.py).
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from codie.analyzers.security.functions import ROUTE_RE
from codie.analyzers.security.names import Kept, Source, text
from codie.core.textdiff import changed_bytes

DEFINITIONS = frozenset({"function_definition", "class_definition", "decorated_definition"})
COLLECTED_TYPES = DEFINITIONS | {"expression_statement"}
# Module-level objects whose construction decides whether a use is safe (an lxml parser's
# `resolve_entities`, a jinja2 environment's `autoescape`): recorded, and part of the key
# of every cached function result.
CONFIGURED = re.compile(rb"XMLParser|Environment|Template")
MAX_RECORDS = 20_000  # statement records kept (a 50,000-line file has ~7,000 statements)
MAX_MOVES = 8  # edits since module-level code last ran that its places are followed through


@dataclass
class Record:
    """What one top-level statement contributes (offsets relative to its start)."""

    # (key, `def` at, decorators at, end, class, an HTML route)
    functions: list[tuple[str, int, int, int, str | None, bool]] = field(default_factory=list)
    consts: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)
    calls: list[tuple[str, int, int]] = field(default_factory=list)
    header: bytes | None = None  # a class's text up to its body (ModuleInfo._class_headers)
    index: dict[str, int] = field(default_factory=dict)  # key -> its last place in `functions`
    binds_more: bool = False  # any of consts, values, types, calls or header
    definition: bool = False  # a function or class (not module-level code)
    # per sink pattern (module.sink_key): function index -> (mentions a sink, names called)
    facts: dict[tuple[int, bool], dict[int, tuple[bool, frozenset[str]]]] = field(default_factory=dict)
    # everything above a module's facts are made of, positions left out (see Bindings)
    binds: tuple[object, ...] = ()


NO_RECORD = Record(binds=(False, (), (), (), (), (), None))  # a statement that collects nothing
_RECORDS: dict[tuple[int, int, str, int, str], Record] = {}


@dataclass
class Bindings:
    """The module-level facts of a document: the sum of its statements' records."""

    where: dict[str, int]  # function key -> its statement's index (Record.index: where in it)
    consts: set[str]
    values: dict[str, str]  # module-level string constants
    types: dict[str, str]  # `repo = OrderRepository()` at module level
    calls: dict[str, tuple[int, int]]  # `PARSER = etree.XMLParser(...)`: (statement, index in its calls)
    configured: tuple[tuple[str, str], ...]  # the calls' texts, sorted (ModuleInfo.fingerprint)
    headers: int  # the class headers, hashed
    digest: int  # all of the above but positions, hashed (ModuleInfo.epoch)

    def changed(self, other: Bindings) -> tuple[set[str], bool, bool]:
        """What differs from `other`: the names whose constant, string value or object type
        differs; whether the functions do (which keys there are), and the class headers."""
        names = set(self.consts ^ other.consts)
        names.update(k for k in self.values.keys() | other.values.keys() if self.values.get(k) != other.values.get(k))
        names.update(k for k in self.types.keys() | other.types.keys() if self.types.get(k) != other.types.get(k))
        return names, self.where.keys() != other.where.keys(), self.headers != other.headers

    @classmethod
    def add_up(cls, src: Source, starts: list[int], records: list[Record]) -> Bindings:
        where: dict[str, int] = {}
        consts: set[str] = set()
        values: dict[str, str] = {}
        types: dict[str, str] = {}
        calls: dict[str, tuple[int, int]] = {}
        headers: list[bytes] = []
        for ordinal, record in enumerate(records):
            for key in record.index:  # (no tuple per function: this is most of the sum)
                where[key] = ordinal
            if not record.binds_more:  # (most statements: a function, a class)
                continue
            if record.consts:
                consts.update(record.consts)
            if record.values:
                values.update(record.values)
            if record.types:
                types.update(record.types)
            for i, call in enumerate(record.calls):
                calls[call[0]] = (ordinal, i)
            if record.header is not None:
                headers.append(record.header)
        configured = []
        for var, (ordinal, i) in calls.items():
            _, at, end = records[ordinal].calls[i]
            configured.append((var, src[starts[ordinal] + at : starts[ordinal] + end].decode("utf-8", "replace")))
        header_hash = hash(tuple(headers))
        digest = hash((tuple(where), frozenset(consts), tuple(values.items()), tuple(types.items()), header_hash))
        return cls(where, consts, values, types, calls, tuple(sorted(configured)), header_hash, digest)


@dataclass
class ModuleTable:
    """Every top-level statement of `src` (the text of one pass), in order."""

    src: bytes
    framework: str
    starts: list[int]
    ends: list[int]
    kinds: list[int]  # node type ids
    sizes: list[int]  # nodes in each (ints, not tuples: no garbage for the collector to track)
    records: list[Record]
    bindings: Bindings
    module: list[int]  # the statements of module-level code
    module_text: bytes  # their texts, joined (module-level code's cache key)
    # statements [0, module_valid) are unchanged since module-level code last ran (the
    # saved states of DocumentCache.module before them still hold)
    module_valid: int = 0
    module_ran: bool = False  # module-level code ran on this table's text (DocumentCache.module)
    # how the text module-level code last ran on became this one, to follow that run's
    # places into it: per edit since (first changed byte, end of the changed bytes before
    # it, the length difference), that text's statement count, and how many statements at
    # the end no edit changed; None after MAX_MOVES edits, or if unknown
    moved: tuple[tuple[tuple[int, int, int], ...], int, int] | None = None
    # per edit of `moved`: module_valid and the count of unchanged statements at the end
    # before it (an edit typed away again gives them back)
    before_moves: tuple[tuple[int, int], ...] = ()
    # the function keys whose statements changed since the last pass that finished (its
    # results, DocumentCache.finished, hold for the others); None: unknown (a new table)
    since: set[str] | None = None
    read: int = 0  # statements this pass read again (not taken from the last table)
    # (`module`, what picks its statements' starts out of `starts`: module_starts)
    pick: tuple[list[int], Callable[[list[int]], tuple[int, ...]]] | None = field(default=None, repr=False)
    spans_read: int = 0  # statements whose spans, types and sizes it read from the tree (_spans)

    def module_starts(self) -> tuple[int, ...]:
        """Where each statement of module-level code starts, picked out of `starts` in C (a
        Python loop over them was ~1,800 opcodes a keystroke on the benchmark file); the
        picker is made again only when the statements of module-level code change."""
        module = self.module
        if len(module) < 2:  # (itemgetter of one index gives the item, not a tuple)
            return tuple([self.starts[i] for i in module])
        if self.pick is None or self.pick[0] is not module:
            self.pick = (module, operator.itemgetter(*module))
        return self.pick[1](self.starts)


_START = operator.attrgetter("start_byte")
_END = operator.attrgetter("end_byte")
_KIND = operator.attrgetter("kind_id")
_SIZE = operator.attrgetter("descendant_count")


def update(
    last: ModuleTable | None,
    src: Source,
    children: Sequence[Node],
    framework: str,
    kept: Kept = None,
    shape: Kept = None,
) -> tuple[ModuleTable, set[str] | None]:
    """The table of `src` (`children`: its top-level statements), from the last one where
    the statements are the same; and the keys of the functions whose record may differ from
    the last table's (None: no last table). `kept`: the document's Document.kept_from, which
    knows the bytes the last table's text and `src` share from the edits between them;
    `shape`: its Document.shape_kept_from, which knows where the trees are alike too (then
    only the statements between are read from the tree: _spans)."""
    n = len(children)
    spans = _spans(last, src, children, shape) if last is not None and last.framework == framework else None
    alike = 0, 0  # statements at the start and at the end known to be the last table's
    if spans is not None:
        starts, ends, kinds, sizes, alike = spans
    else:
        # (read in C: one Python loop per field over every top-level statement was ~10,000
        # opcodes a keystroke on the 6,862-line benchmark file)
        starts = list(map(_START, children))
        ends = list(map(_END, children))
        kinds = list(map(_KIND, children))
        sizes = list(map(_SIZE, children))
    if last is None or last.framework != framework:
        records = [_record(children[i], src, framework) for i in range(n)]
        read = sum(r is not NO_RECORD for r in records)
        bindings = Bindings.add_up(src, starts, records)
        module = [i for i, r in enumerate(records) if not r.definition]
        table = ModuleTable(
            src,
            framework,
            starts,
            ends,
            kinds,
            sizes,
            records,
            bindings,
            module,
            _module_text(src, starts, ends, module),
        )
        table.read = read
        table.spans_read = n
        return table, None
    old = last.src
    m = len(last.starts)
    before, after = changed_bytes(old, src, kept)  # bytes [0, before) did not change, nor [after, end)
    delta = len(src) - len(old)
    # the statements wholly in the unchanged prefix, and in the unchanged suffix
    p = min(bisect_right(ends, before), bisect_right(last.ends, before))
    known = min(alike[0], p)  # (the same by construction: compared from there on)
    if (
        starts[known:p] != last.starts[known:p]
        or ends[known:p] != last.ends[known:p]
        or kinds[known:p] != last.kinds[known:p]
        or sizes[known:p] != last.sizes[known:p]
    ):
        # (error recovery may parse the same text otherwise): from the first that differs
        p = next(
            i
            for i in range(known, p)
            if (starts[i], ends[i], kinds[i], sizes[i]) != (last.starts[i], last.ends[i], last.kinds[i], last.sizes[i])
        )
    s = min(n - bisect_left(starts, after), m - bisect_left(last.starts, after - delta), n - p, m - p)
    known = min(alike[1], s)
    if s > known:  # (compared up to the ones known: the end ones of those left)
        moved = delta.__add__
        if (
            starts[n - s : n - known] != list(map(moved, last.starts[m - s : m - known]))
            or ends[n - s : n - known] != list(map(moved, last.ends[m - s : m - known]))
            or kinds[n - s : n - known] != last.kinds[m - s : m - known]
            or sizes[n - s : n - known] != last.sizes[m - s : m - known]
        ):
            s = next(
                k
                for k in range(known, s)
                if (starts[n - 1 - k], ends[n - 1 - k], kinds[n - 1 - k], sizes[n - 1 - k])
                != (
                    last.starts[m - 1 - k] + delta,
                    last.ends[m - 1 - k] + delta,
                    last.kinds[m - 1 - k],
                    last.sizes[m - 1 - k],
                )
            )
    gone = last.records[p : m - s]
    new = [_record(children[i], src, framework) for i in range(p, n - s)]
    read = sum(r is not NO_RECORD for r in new)  # (each read its text: the counted work)
    records = last.records[:p] + new + last.records[m - s :]
    changed = _changed_functions(gone, last.starts[p : m - s], new, starts[p : n - s], before, after, delta)
    if len(gone) == len(new) and all(a.binds == b.binds for a, b in zip(gone, new, strict=True)):
        # the same names bound, the same functions in the same statements: the same facts
        bindings, module = last.bindings, last.module
        if all(r.definition for r in gone) and all(r.definition for r in new):
            module_text = last.module_text  # no module-level code changed: the same object
        else:
            module_text = _module_text(src, starts, ends, module)
    else:
        bindings = Bindings.add_up(src, starts, records)
        module = [i for i, r in enumerate(records) if not r.definition]
        module_text = _module_text(src, starts, ends, module)
    table = ModuleTable(src, framework, starts, ends, kinds, sizes, records, bindings, module, module_text)
    table.pick = last.pick
    table.module_valid = min(last.module_valid, p)
    edit = (before, after - delta, delta)
    if last.module_ran:
        table.moved = ((edit,), m, s)
        table.before_moves = ((last.module_valid, m),)
    elif last.moved is not None:
        edits, undo = last.moved[0], last.before_moves
        if delta < 0 and after == before and edits and edits[-1] == (before, before, -delta):
            # text typed and deleted again (an undo, lspbench's edits): the same text as
            # before it, every place back where it was, as if neither edit was made
            table.module_valid, tail = undo[-1]
            table.moved = (edits[:-1], last.moved[1], tail)
            table.before_moves = undo[:-1]
        elif len(edits) < MAX_MOVES:
            table.moved = ((*edits, edit), last.moved[1], min(last.moved[2], s))
            table.before_moves = (*undo, (last.module_valid, last.moved[2]))
    table.since = None if last.since is None else last.since | changed
    table.read = read
    table.spans_read = n if spans is None else n - alike[0] - alike[1]
    return table, changed


def _spans(
    last: ModuleTable, src: Source, children: Sequence[Node], shape: Kept
) -> tuple[list[int], list[int], list[int], list[int], tuple[int, int]] | None:
    """The starts, ends, types and sizes of `children`, and how many statements at the start
    and at the end are the last table's: for those (wholly before the first byte whose tree
    may have changed, or after the last one: Document.shape_kept_from) the last table's
    fields, moved; for the others, read from the tree. Reading four fields of every
    top-level statement cost ~0.2 ms a keystroke on the 6,862-line benchmark file whatever
    the edit. None: not known (update reads them all and compares them)."""
    bounds = shape(last.src) if shape is not None else None
    if bounds is None:
        return None
    prefix, suffix = bounds
    old_len, n, m = len(last.src), len(children), len(last.starts)
    delta = len(src) - old_len
    # statements ending before the first changed byte, starting after the last (one byte of
    # margin each side: a zero-width token at a statement's edge belongs to no byte)
    p = bisect_left(last.ends, prefix)
    s = m - bisect_right(last.starts, old_len - suffix)
    if p + s > m or p + s > n:
        return None
    mid = children[p : n - s]
    starts = last.starts[:p] + list(map(_START, mid)) + list(map(delta.__add__, last.starts[m - s :]))
    ends = last.ends[:p] + list(map(_END, mid)) + list(map(delta.__add__, last.ends[m - s :]))
    # the statements either side of those read: where the tree says they are (a guard)
    for i in (p - 1, n - s):
        if 0 <= i < n and (children[i].start_byte, children[i].end_byte) != (starts[i], ends[i]):
            return None
    kinds = last.kinds[:p] + list(map(_KIND, mid)) + last.kinds[m - s :]
    sizes = last.sizes[:p] + list(map(_SIZE, mid)) + last.sizes[m - s :]
    return starts, ends, kinds, sizes, (p, s)


def _changed_functions(
    gone: list[Record],
    gone_at: list[int],
    new: list[Record],
    new_at: list[int],
    before: int,
    after: int,
    delta: int,
) -> set[str]:
    """The functions of the statements read again whose text may have changed: all of them
    but those whose text lies wholly before the first changed byte, or wholly after the last
    one (moved), with the same key and class in both (a method of a class whose body was
    edited elsewhere; its result still holds: module.ModuleInfo._carry)."""
    was: dict[str, tuple[int, int, str | None] | None] = {}  # (None: defined twice)
    for record, start in zip(gone, gone_at, strict=True):
        for key, _, outer_at, end, cls, _ in record.functions:
            was[key] = None if key in was else (start + outer_at, start + end, cls)
    changed: set[str] = set()
    seen: set[str] = set()
    for record, start in zip(new, new_at, strict=True):
        for key, _, outer_at, end, cls, _ in record.functions:
            old = was.get(key)
            lo, hi = start + outer_at, start + end
            if (
                key in seen
                or old is None
                or old[2] != cls
                or not ((hi <= before and old[:2] == (lo, hi)) or (lo >= after and old[:2] == (lo - delta, hi - delta)))
            ):
                changed.add(key)
            seen.add(key)
    return changed | (was.keys() - seen)


def _module_text(src: Source, starts: list[int], ends: list[int], module: list[int]) -> bytes:
    return b"\n".join([src[starts[i] : ends[i]] for i in module])


def _record(stmt: Node, src: Source, framework: str) -> Record:
    """What a top-level statement collects, cached by its text."""
    kind = stmt.type
    if kind not in COLLECTED_TYPES:
        return NO_RECORD
    start, end = stmt.start_byte, stmt.end_byte
    chunk = src[start:end]
    key = (hash(chunk), len(chunk), kind, stmt.descendant_count, framework)
    found = _RECORDS.get(key)
    if found is None:
        found = Record(definition=kind in DEFINITIONS)
        _collect(stmt, None, "", found, start, src, framework, top=True)
        node = stmt.named_children[-1] if kind == "decorated_definition" and stmt.named_children else stmt
        if node.type == "class_definition":
            body = node.child_by_field_name("body")
            found.header = src[node.start_byte : body.start_byte if body is not None else node.end_byte]
        found.index = {f[0]: i for i, f in enumerate(found.functions)}
        found.binds_more = bool(found.consts or found.values or found.types or found.calls or found.header is not None)
        found.binds = (
            found.definition,
            tuple(f[0] for f in found.functions),
            tuple(found.consts),
            tuple(found.values),
            tuple(found.types),
            tuple((var, chunk[at:call_end]) for var, at, call_end in found.calls),
            found.header,
        )
        if len(_RECORDS) > MAX_RECORDS:
            _RECORDS.clear()
        _RECORDS[key] = found
    return found


def _collect(
    block: Node,
    cls: str | None,
    prefix: str,
    out: Record,
    base: int,
    src: Source,
    framework: str,
    top: bool = False,
) -> None:
    for stmt in [block] if top else block.named_children:
        outer = stmt
        node = stmt
        if stmt.type == "decorated_definition":
            inner = stmt.child_by_field_name("definition")
            if inner is None:
                continue
            node = inner
        if node.type == "function_definition":
            _add_function(node, outer, cls, prefix, out, base, src, framework)
        elif node.type == "class_definition" and not prefix:
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                _collect(body, text(src, name), "", out, base, src, framework)
        elif node.type == "expression_statement" and cls is None and not prefix:
            assign = node.named_children[0] if node.named_children else None
            if assign is not None and assign.type == "assignment":
                left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
                if left is None or right is None or left.type != "identifier":
                    continue
                var = text(src, left)
                if right.type in ("string", "integer", "tuple", "list", "set", "dictionary", "concatenated_string"):
                    if right.type == "string" and any(c.type == "interpolation" for c in right.named_children):
                        continue
                    out.consts.append(var)
                    if right.type == "string":
                        value = "".join(text(src, c) for c in right.named_children if c.type == "string_content")
                        out.values.append((var, value))
                elif right.type == "call":
                    if CONFIGURED.search(src, right.start_byte, right.end_byte):
                        out.calls.append((var, right.start_byte - base, right.end_byte - base))
                    fn = right.child_by_field_name("function")
                    if fn is not None and fn.type == "identifier":
                        out.types.append((var, text(src, fn)))


def _add_function(
    node: Node, outer: Node, cls: str | None, prefix: str, out: Record, base: int, src: Source, framework: str
) -> None:
    name_node = node.child_by_field_name("name")
    body = node.child_by_field_name("body")
    if name_node is None or body is None:
        return
    name = text(src, name_node)
    key = f"{prefix}{cls}.{name}" if cls else f"{prefix}{name}"
    html = False
    if outer is not node:
        decorators = src[outer.start_byte : node.start_byte].decode("utf-8", "replace")
        html = bool(ROUTE_RE.search(decorators)) and (framework == "flask" or "HTMLResponse" in decorators)
    out.functions.append((key, node.start_byte - base, outer.start_byte - base, node.end_byte - base, cls, html))
    if src.find(b"def ", body.start_byte, body.end_byte) >= 0:
        _collect(body, None, key + ".", out, base, src, framework)
