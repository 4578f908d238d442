"""Names as the security rules see them: dotted callee names resolved through imports."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from tree_sitter import Node

from codie.core.textdiff import changed_bytes

# Nodes whose text we read often; decoding once per node keeps the engine fast.
Source = bytes
# a document's Document.kept_from: what two of its texts share, from its edit journal
Kept = Callable[[bytes], tuple[int, int] | None] | None


def text(src: Source, node: Node) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


# Longer attribute chains are not names (`a.b.b.b...` x 5,000 is an expression to walk,
# not a key to look up): reading each link's name would make such a chain quadratic.
MAX_SEGMENTS = 64


def dotted(src: Source, node: Node) -> str | None:
    """`a.b.c` for identifier/attribute chains; None for anything else (calls, subscripts,
    chains of more than MAX_SEGMENTS names)."""
    parts: list[str] = []
    while node.type == "attribute":
        if len(parts) >= MAX_SEGMENTS - 1:
            return None
        attr = node.child_by_field_name("attribute")
        obj = node.child_by_field_name("object")
        if attr is None or obj is None:
            return None
        parts.append(text(src, attr))
        node = obj
    if node.type != "identifier":
        return None
    parts.append(text(src, node))
    return ".".join(reversed(parts))


class Imports:
    """Local alias -> qualified name, from every import statement in the module."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.modules: set[str] = set()
        self.relative: dict[str, int] = {}  # alias -> dots of `from ..pkg import alias`
        self._fingerprint: int | None = None

    def add_statement(self, src: Source, node: Node) -> None:
        if node.type == "import_statement":
            for child in node.named_children:
                if child.type == "dotted_name":
                    name = text(src, child)
                    self.modules.add(name)
                    self.aliases.setdefault(name.split(".")[0], name.split(".")[0])
                elif child.type == "aliased_import":
                    name_node = child.child_by_field_name("name")
                    alias = child.child_by_field_name("alias")
                    if name_node is not None and alias is not None:
                        name = text(src, name_node)
                        self.modules.add(name)
                        self.aliases[text(src, alias)] = name
        elif node.type == "import_from_statement":
            module_node = node.child_by_field_name("module_name")
            if module_node is None:
                return
            raw = text(src, module_node)
            module = raw.lstrip(".")
            level = len(raw) - len(module)
            self.modules.add(module)
            prefix = f"{module}." if module else ""
            for child in node.named_children[1:]:
                alias_name = full = ""
                if child.type == "dotted_name":
                    name = text(src, child)
                    alias_name, full = name.split(".")[-1], f"{prefix}{name}"
                elif child.type == "aliased_import":
                    name_node = child.child_by_field_name("name")
                    alias = child.child_by_field_name("alias")
                    if name_node is not None and alias is not None:
                        alias_name, full = text(src, alias), f"{prefix}{text(src, name_node)}"
                if alias_name:
                    self.aliases[alias_name] = full
                    if level:
                        self.relative[alias_name] = level

    def qualify(self, name: str) -> str:
        head, _, rest = name.partition(".")
        full = self.aliases.get(head)
        if full is None:
            return name
        return f"{full}.{rest}" if rest else full

    def uses(self, *prefixes: str) -> bool:
        return any(m == p or m.startswith(p + ".") for m in self.modules for p in prefixes)

    def fingerprint(self) -> int:
        if self._fingerprint is None:
            self._fingerprint = hash(
                (tuple(sorted(self.aliases.items())), tuple(sorted(self.modules)), tuple(sorted(self.relative.items())))
            )
        return self._fingerprint


IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import\b", re.M)
# IMPORT_LINE in two parts: what may stand before `import` on its line, and the keyword
IMPORT_HEAD = re.compile(rb"[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?")
IMPORT_WORD = re.compile(rb"import\b")


def import_keywords(src: Source) -> Iterator[int]:
    """Where each match of IMPORT_LINE ends, found from the `import`s of the text (a `find`
    loop) instead: a regex anchored at line starts is tried at every byte (4 ms on the
    6,862-line benchmark file). A match lies on one line and a line holds at most one."""
    pos = src.find(b"import")
    while pos >= 0:
        if IMPORT_WORD.match(src, pos) and IMPORT_HEAD.fullmatch(src, src.rfind(b"\n", 0, pos) + 1, pos):
            yield pos + 6
        pos = src.find(b"import", pos + 6)


# (the import statements' texts, see _statements; the Imports made from them)
_last_imports: list[tuple[tuple[bytes, ...], Imports]] = []
# the text the last result was for: every analyzer asks again for the same text on one
# keystroke (patterns' file context, taint), and finding the import lines reads the file
_last_source: list[tuple[bytes, Imports]] = []
# (the text, its import lines, where each of them is) of the last text read
_last_key: list[tuple[bytes, bytes, list[tuple[int, int]]]] = []


def _import_parts(src: Source) -> tuple[bytes, list[tuple[int, int]]]:
    """The text of every import statement and where each is (a plain `find` loop beats a
    multi-line regex)."""
    parts = []
    spans = []
    pos = src.find(b"import")
    while pos >= 0:
        line_start = src.rfind(b"\n", 0, pos) + 1
        head = src[line_start:pos].strip()
        if not head or head.startswith((b"from ", b"from\t")):
            end = src.find(b"\n", pos)
            end = len(src) if end < 0 else end
            if b"(" in src[pos:end] and b")" not in src[pos:end]:
                close = src.find(b")", pos)
                end = len(src) if close < 0 else close + 1
            parts.append(src[line_start:end])
            spans.append((line_start, end))
        pos = src.find(b"import", pos + 6)
    return b"\n".join(parts), spans


def _import_key(src: Source) -> bytes:
    return _import_parts(src)[0]


def _moved_spans(old: bytes, spans: list[tuple[int, int]], new: bytes, kept: Kept) -> list[tuple[int, int]] | None:
    """Where the import lines of `old` are in `new`, when the change between the two texts
    leaves every one of them as it was (None: it may not). A keystroke elsewhere in the file
    then costs what the document's edit journal says changed (`kept`, see
    textdiff.changed_bytes) or a comparison of the two texts in place, not a search of the
    whole file."""
    lo, new_hi = changed_bytes(old, new, kept)
    old_hi = new_hi - (len(new) - len(old))
    for text, hi in ((old, old_hi), (new, new_hi)):
        # the whole lines the change touches: a word `import` there, whole or made by the
        # change, or a line's start before one, may make or unmake an import line
        start = text.rfind(b"\n", 0, lo) + 1
        end = text.find(b"\n", hi)
        if text.find(b"import", start, len(text) if end < 0 else end) >= 0:
            return None
    delta = new_hi - old_hi
    moved = []
    for s, e in spans:
        if s <= old_hi and lo <= e:
            return None  # inside (or next to) a statement's text: a parenthesised list
        moved.append((s, e) if e < lo else (s + delta, e + delta))
    return moved


def import_lines(src: Source, kept: Kept = None) -> bytes:
    """The text of every import statement of `src` (what collect_imports reads), from the
    last text's when `src` is that text or differs from it away from its import lines
    (`kept`: Document.kept_from of the document whose text `src` is, if known)."""
    for old_src, key, _ in _last_key:
        if old_src is src:
            return key
    for old_src, key, spans in _last_key:
        moved = _moved_spans(old_src, spans, src, kept)
        if moved is not None:
            _last_key[:] = [(src, key, moved)]
            return key
    key, spans = _import_parts(src)
    _last_key[:] = [(src, key, spans)]
    return key


IMPORT_STATEMENTS = ("import_statement", "import_from_statement")
_STOP = (*IMPORT_STATEMENTS, "module", "block")
_INDENT = re.compile(rb"[ \t]*")


def _statement_at(root: Node, at: int) -> Node | None:
    """The import statement the tree has at byte `at`, if any."""
    node: Node | None = root.descendant_for_byte_range(at, at)
    while node is not None and node.type not in _STOP:
        node = node.parent
    return node if node is not None and node.type in IMPORT_STATEMENTS else None


def _statements(src: Source, root: Node, spans: list[tuple[int, int]]) -> tuple[bytes, ...] | None:
    """The text of each import statement the tree confirms on the import lines (`spans`,
    from import_lines), or None when one has a syntax error in it.

    What Imports reads is a function of these texts, not of the import lines' text: the
    same lines may be code in one text and inside a string in the next, and a statement
    continued with a backslash goes on past its line. An error-free import statement parses
    the same wherever it stands, so equal texts give equal Imports."""
    found = []
    for start, _ in spans:
        node = _statement_at(root, _INDENT.match(src, start).end())  # type: ignore[union-attr]
        if node is not None:
            if node.has_error:
                return None
            found.append(src[node.start_byte : node.end_byte])
    return tuple(found)


def collect_imports(src: Source, root: Node, kept: Kept = None) -> Imports:
    """Imports anywhere in the module (function-level imports count too), found by a
    regex over the text and confirmed in the tree. The last result is reused while the
    import statements the tree confirms are the same texts (every keystroke elsewhere).
    `kept`: as for import_lines."""
    for old_src, old in _last_source:
        if old_src is src:  # (held here, so `is` cannot be fooled by a recycled id)
            return old
    import_lines(src, kept)  # brings _last_key to this text
    shape = _statements(src, root, _last_key[0][2])
    if shape is not None:
        for old_shape, old in _last_imports:
            if old_shape == shape:
                _last_source[:] = [(src, old)]
                return old
    imports = Imports()
    for end in import_keywords(src):
        node = _statement_at(root, end - 1)
        if node is not None:
            imports.add_statement(src, node)
    _last_imports[:] = [] if shape is None else [(shape, imports)]
    _last_source[:] = [(src, imports)]
    return imports
