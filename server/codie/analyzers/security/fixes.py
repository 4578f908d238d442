"""Quick fixes for taint findings, offered only where the rewrite is mechanical."""

from __future__ import annotations

import re

from tree_sitter import Node

from codie.analyzers.security.names import import_lines, text
from codie.core.findings import Fix, TextEdit

SHELL_META = re.compile(r"[|&;<>$`*?(){}\[\]~'\"\\]")


def fix_for(src: bytes, rule: str, node: Node, mode: str, root: Node | None = None) -> Fix | None:
    """`root` (the module), when known, saves climbing to it from a deep node."""
    if node.type != "call":
        return None
    if rule == "SEC002" and mode == "subprocess":
        return _shell_to_argv(src, node)
    if rule == "SEC001":
        fn = node.child_by_field_name("function")
        if fn is not None and text(src, fn) in ("eval", "builtins.eval"):
            return Fix(
                "Use `ast.literal_eval` (literals only)",
                (TextEdit(fn.start_byte, fn.end_byte, "ast.literal_eval"), *import_edit(src, node, "ast", root)),
                safe=False,
            )
    if rule == "SEC009" and mode == "yaml":
        fn = node.child_by_field_name("function")
        if fn is not None and text(src, fn).endswith(("yaml.load", "yaml.load_all")):
            new = text(src, fn).replace("load", "safe_load")
            return Fix("Use `yaml.safe_load`", (TextEdit(fn.start_byte, fn.end_byte, new),), safe=False)
    return None


# module -> (the source, where to insert or None if imported): a file with a thousand eval()
# calls must not be searched a thousand times. One source per module, the last one asked
# about: keyed by the source's id, 64 entries held 64 texts of past keystrokes (~240 KB
# each on the 6,862-line file) alive.
_OFFSETS: dict[str, tuple[bytes, int | None]] = {}


def import_edit(src: bytes, node: Node, module: str, root: Node | None = None) -> tuple[TextEdit, ...]:
    """An edit adding `import module` after the leading imports, unless it is imported."""
    cached = _OFFSETS.get(module)
    if cached is None or cached[0] is not src:
        if root is None:  # each step up costs the depth (tree-sitter finds parents from the top)
            root = node
            while root.parent is not None:
                root = root.parent
        cached = _OFFSETS[module] = (src, _import_offset(src, root, module))
    offset = cached[1]
    if offset is None:
        return ()
    return (TextEdit(offset, offset, f"\nimport {module}" if offset else f"import {module}\n"),)


BARE_IMPORT = re.compile(rb"^\s*import\s*$", re.M)


def imported(src: bytes, module: str) -> bool:
    """Does a line of `src` import `module` (`import module`)? Read in the import lines
    only (names.import_lines: every line with `import` after nothing or `from`): a search
    of the whole text at every line start took ~4 ms on a 6,862-line file without it. The
    whole text only when an `import` line ends bare (the module may be on the next line)."""
    pattern = rb"^\s*import\s+" + module.encode() + rb"\b"
    lines = import_lines(src)
    if BARE_IMPORT.search(lines):
        return re.search(pattern, src, re.M) is not None
    return re.search(pattern, lines, re.M) is not None


def _import_offset(src: bytes, root: Node, module: str) -> int | None:
    if imported(src, module):
        return None
    offset = 0
    for i in range(root.child_count):  # (one by one: the header is a few of many statements)
        child = root.child(i)
        assert child is not None
        docstring = (
            child.type == "expression_statement"
            and bool(child.named_children)
            and child.named_children[0].type == "string"
        )
        if child.type in ("import_statement", "import_from_statement", "future_import_statement", "comment") or (
            docstring and offset == 0
        ):
            offset = child.end_byte
            continue
        break
    return offset


def _shell_to_argv(src: bytes, call: Node) -> Fix | None:
    """`run(f"ls {d}", shell=True)` -> `run(["ls", d])` when the words are plain."""
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    items = [a for a in args.named_children if a.type != "comment"]
    shell = next(
        (a for a in items if a.type == "keyword_argument" and text(src, a).replace(" ", "").startswith("shell=")), None
    )
    if not items or shell is None or items[0].type == "keyword_argument":
        return None
    words = _words(src, items[0])
    if not words:
        return None
    argv = "[" + ", ".join(words) + "]"
    # delete `, shell=True` together with the comma before it
    prev_end = items[items.index(shell) - 1].end_byte
    return Fix(
        "Pass an argument list and drop `shell=True`",
        (
            TextEdit(items[0].start_byte, items[0].end_byte, argv),
            TextEdit(prev_end, shell.end_byte, ""),
        ),
        safe=False,
    )


def _words(src: bytes, node: Node) -> list[str] | None:
    """The argv of a command string whose every word is a literal or one whole value."""
    parts: list[tuple[str, str]] = []  # ("lit", text) | ("expr", source)
    if node.type == "string" and text(src, node).startswith(("f", "F")):
        for child in node.named_children:
            if child.type == "string_content":
                parts.append(("lit", text(src, child)))
            elif child.type == "interpolation":
                if any(c.type in ("format_specifier", "type_conversion") for c in child.named_children):
                    return None
                expr = child.named_children[0] if child.named_children else None
                if expr is None:
                    return None
                parts.append(("expr", text(src, expr)))
    elif node.type == "binary_operator":
        flat: list[Node] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "binary_operator" and text(src, n.child_by_field_name("operator") or n) == "+":
                right, left = n.child_by_field_name("right"), n.child_by_field_name("left")
                if left is None or right is None:
                    return None
                stack += [right, left]
            else:
                flat.append(n)
        for n in flat:
            if n.type == "string" and not n.named_children[1:-1]:
                parts.append(("lit", text(src, n)[1:-1]))
            elif n.type == "string":
                return None
            else:
                parts.append(("expr", text(src, n)))
    else:
        return None
    words: list[str] = []
    pending_space = True
    for kind, value in parts:
        if kind == "lit":
            if SHELL_META.search(value):
                return None
            tokens = value.split(" ")
            for i, tok in enumerate(tokens):
                if tok:
                    if not pending_space and i == 0:
                        return None  # glued to a value: `x{y}`
                    words.append(repr(tok))
                    pending_space = False
                if i < len(tokens) - 1:
                    pending_space = True
            if value.endswith(" "):
                pending_space = True
        else:
            if not pending_space:
                return None
            words.append(f"str({value})" if not value.isidentifier() else value)
            pending_space = False
    return words if len(words) >= 1 else None
