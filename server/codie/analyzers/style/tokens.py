"""The token stream the style model learns from: tree-sitter leaves, lightly normalised.

Identifiers, keywords and punctuation are kept verbatim (they carry the conventions);
string literals become one `<str>` token and most numbers `<num>` so that the vocabulary
stays small; a `<nl>` marks each new line (statement shape is strong context). Comments
are dropped. `name_index` maps the start byte of every identifier token to its position
in the stream, which is how naming suggestions find the n-grams around an occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from codie.core.pausing import Pause

STR = "<str>"
NUM = "<num>"
NL = "<nl>"
BOS = "<s>"
SEP = "\x1f"  # joins the tokens of an n-gram in the store
KEPT_NUMBERS = frozenset({"0", "1", "2", "-1", "0.0", "1.0"})
NUMBER_TYPES = frozenset({"integer", "float"})
OPAQUE_TYPES = frozenset({"string", "concatenated_string", "comment"})
PAUSE_EVERY = 1024  # nodes visited between two pause() calls (~1 ms, see pausing.Pause)


@dataclass(slots=True)
class TokenStream:
    tokens: list[str] = field(default_factory=list)
    # identifier start byte -> index in tokens
    name_index: dict[int, int] = field(default_factory=dict)


def tokenize(source: bytes, root: Node, pause: Pause | None = None) -> TokenStream:
    """The normalised leaf tokens of a parse tree, in source order; `pause()` is called
    every PAUSE_EVERY nodes (a background training's, see pausing.Pause)."""
    out = TokenStream()
    tokens = out.tokens
    tokens.append(BOS)
    names = out.name_index
    last_row = 0
    cursor = root.walk()
    descend = True
    countdown = PAUSE_EVERY
    while True:
        if pause is not None:
            countdown -= 1
            if not countdown:
                countdown = PAUSE_EVERY
                pause()
        node = cursor.node
        assert node is not None
        kind = node.type
        if descend and (kind in OPAQUE_TYPES or node.child_count == 0):
            if kind != "comment" and node.end_byte > node.start_byte:
                row = node.start_point.row
                if row != last_row:
                    tokens.append(NL)
                last_row = node.end_point.row
                text = source[node.start_byte : node.end_byte]
                if kind == "identifier":
                    names[node.start_byte] = len(tokens)
                    tokens.append(text.decode("utf-8", "replace"))
                elif kind in ("string", "concatenated_string"):
                    tokens.append(STR)
                elif kind in NUMBER_TYPES:
                    number = text.decode("ascii", "replace")
                    tokens.append(number if number in KEPT_NUMBERS else NUM)
                else:  # keywords, operators, punctuation (and error leaves, sanitised)
                    tokens.append(text.decode("utf-8", "replace").replace(SEP, " "))
            descend = False
        if descend and cursor.goto_first_child():
            continue
        if cursor.goto_next_sibling():
            descend = True
            continue
        while True:
            if not cursor.goto_parent():
                return out
            if cursor.goto_next_sibling():
                descend = True
                break
