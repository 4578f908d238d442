"""Containers tracked per key and per index, so that a safe entry is not tainted by its
neighbours and an overwritten one no longer taints.

Dicts (and `configparser` objects) keep one taint per constant key, in the environment
itself under `name[key]` (so that branches join them like any variable); the container's
own name holds what came in as a whole (`m = request.args.to_dict()`, `m.update(...)`,
`m[unknown] = ...`). Lists built item by item (`argv = ["sh"]; argv.append(...)`) keep their
items in order while every change happens in the block that made them, so `pop(0)` and
`items[1]` know which item they mean.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from tree_sitter import Node

from codie.analyzers.security.folding import Unknown, Value, fold
from codie.analyzers.security.model import Taint, join
from codie.analyzers.security.names import Source, dotted, text
from codie.analyzers.security.specs import ALL_FAMILIES, server_set

if TYPE_CHECKING:
    from codie.analyzers.security.model import Step

# a key stored with a value that carries no taint: clean, and known to be
CLEAN = Taint(frozenset(), (), ALL_FAMILIES)
MAX_KEYS = 64  # constant keys tracked per container; more and it is one value again
CONFIG_GETTERS = frozenset({"get", "getint", "getfloat", "getboolean"})
CONFIG_CLASSES = ("configparser.", "ConfigParser", "RawConfigParser")
NO_KEY = Unknown()
XSS = frozenset({"xss"})


def key_name(container: str, key: Value) -> str:
    return f"{container}[{key!r}]"


def is_clean(t: Taint | None) -> bool:
    return t is not None and not t.kinds and t.clean


class Containers:
    """Mixed into `interp.Flow`."""

    env: dict[str, Taint]
    values: dict[str, Value]
    types: dict[str, str]
    src: Source
    # container -> names of its keyed entries ever stored (an index: which entries hold on
    # the current path is what `env` says)
    keyed: dict[str, set[str]]
    # list variable -> (the block that made it, its items with their taint)
    lists: dict[str, tuple[int, list[tuple[Node, Taint | None]]]]
    current_block: int

    if TYPE_CHECKING:  # exprs.Expressions, the other half of interp.Flow

        def step(self, node: Node, message: str) -> Step: ...

        def ev(self, node: Node) -> Taint | None: ...

    # ------------------------------------------------------------------------------- keys
    def const_key(self, node: Node | None) -> Value | Unknown:
        if node is None or node.type not in ("string", "integer", "identifier", "concatenated_string", "tuple"):
            return NO_KEY
        try:
            return fold(self.src, node, self.values)
        except Unknown:
            return NO_KEY

    def whole(self, name: str) -> Taint | None:
        """The container as one value: what came in whole, joined with every entry."""
        t = self.env.get(name)
        for entry in self.keyed.get(name, ()):
            kt = self.env.get(entry)
            if kt is not None and not is_clean(kt):
                # the container as a whole is a mapping: serialised as JSON, not HTML
                t = join(t, kt.clear(XSS))
        return t

    def read_key(self, name: str, key: Value) -> Taint | None:
        """`m["a"]`: the entry if one was stored on this path, else what came in whole."""
        entry = self.env.get(key_name(name, key))
        if entry is not None:
            return None if is_clean(entry) else entry
        return self.env.get(name)

    def store_key(self, name: str, key: Value, t: Taint | None, node: Node, value: Node | None = None) -> bool:
        """`m["a"] = value`; False when the container has too many keys to track."""
        entries = self.keyed.setdefault(name, set())
        entry = key_name(name, key)
        if entry not in entries and len(entries) >= MAX_KEYS:
            return False
        entries.add(entry)
        self.env[entry] = t.step(self.step(node, f"stored in `{entry}`")) if t is not None else CLEAN
        # a literal stored under a key keeps the entry constant (`"make -j" + opts["jobs"]`)
        self.values.pop(entry, None)
        if value is not None:
            with contextlib.suppress(Unknown):
                self.values[entry] = fold(self.src, value, self.values)
        return True

    def constant_entry(self, node: Node) -> bool:
        """`m["a"]` whose entry holds a literal on every path here."""
        container = node.child_by_field_name("value")
        indexes = node.children_by_field_name("subscript")
        name = dotted(self.src, container) if container is not None else None
        if name is None or name not in self.keyed or len(indexes) != 1:
            return False
        key = self.const_key(indexes[0])
        return not isinstance(key, Unknown) and key_name(name, key) in self.values

    def forget_keys(self, name: str) -> None:
        """`m = ...` rebinds the whole container: its entries are gone."""
        for entry in self.keyed.pop(name, ()):
            self.env.pop(entry, None)
            self.values.pop(entry, None)

    def init_dict(self, name: str, value: Node) -> Taint | None:
        """`m = {"a": x, "b": "ls"}`: one entry per constant key; returns the taint of
        the rest (pairs with computed keys, `**other`)."""
        rest: Taint | None = None
        for pair in value.named_children:
            if pair.type != "pair":
                rest = join(rest, self.ev(pair)) if pair.type != "comment" else rest
                continue
            key = self.const_key(pair.child_by_field_name("key"))
            item = pair.child_by_field_name("value")
            t = self.ev(item) if item is not None else None
            if isinstance(key, Unknown) or not self.store_key(name, key, t, pair, item):
                rest = join(rest, t)
        return rest

    def subscript_read(self, node: Node) -> tuple[bool, Taint | None]:
        """`m["a"]`, `items[1]`: (known, taint) when the entry or item is tracked."""
        container = node.child_by_field_name("value")
        indexes = node.children_by_field_name("subscript")
        if container is None or len(indexes) != 1:
            return False, None
        name = dotted(self.src, container)
        if name is None:
            return False, None
        key = self.const_key(indexes[0])
        if isinstance(key, Unknown):
            return False, None
        if name.endswith((".META", ".environ")) and server_set(key):
            return True, None  # `request.META["CSRF_COOKIE"]`: set by the server, not sent
        tracked = self.lists.get(name)
        if tracked is not None:
            items = tracked[1]
            if isinstance(key, int) and not isinstance(key, bool) and -len(items) <= key < len(items):
                return True, items[key][1]
            return False, None
        if name in self.keyed:
            return True, self.read_key(name, key)
        return False, None

    def subscript_store(self, name: str, target: Node, t: Taint | None, value: Node) -> bool:
        """`m["a"] = v`, `items[0] = v`: True when stored per key/index."""
        indexes = target.children_by_field_name("subscript")
        key = self.const_key(indexes[0]) if len(indexes) == 1 else NO_KEY
        tracked = self.lists.get(name)
        if tracked is not None:
            items = tracked[1]
            if (
                isinstance(key, int)
                and not isinstance(key, bool)
                and -len(items) <= key < len(items)
                and tracked[0] == self.current_block
            ):
                items[key] = (target, t)
                return False  # the list as a whole still holds the value
            del self.lists[name]
            return False
        if isinstance(key, Unknown):
            return False
        return self.store_key(name, key, t, target, value)

    # ------------------------------------------------------------------- method calls
    def keyed_call(
        self, receiver: Node, method: str, positional: list[Node], pos_t: list[Taint | None]
    ) -> tuple[bool, Taint | None]:
        """`m.get("a")`, `conf.set("s", "k", v)`, `conf.get("s", "k")`, `items.pop(0)`:
        (handled, result) for calls that read or write one tracked entry."""
        name = dotted(self.src, receiver)
        if name is None:
            return False, None
        kind = self.types.get(name, "")
        if kind.startswith(CONFIG_CLASSES) or kind.endswith(CONFIG_CLASSES[1:]):
            return self._config_call(name, method, positional, pos_t)
        if name in self.lists:
            return self._list_call(name, method, positional, pos_t)
        if method in ("get", "pop") and positional and name in self.keyed:
            key = self.const_key(positional[0])
            if isinstance(key, Unknown):
                return False, None
            t = self.read_key(name, key)
            if method == "pop":
                self.env[key_name(name, key)] = CLEAN
            default = pos_t[1] if len(pos_t) > 1 else None
            return True, join(t, default)
        return False, None

    def _config_call(
        self, name: str, method: str, positional: list[Node], pos_t: list[Taint | None]
    ) -> tuple[bool, Taint | None]:
        if len(positional) < 2:
            return False, None
        section, option = self.const_key(positional[0]), self.const_key(positional[1])
        if isinstance(section, Unknown) or isinstance(option, Unknown | tuple):
            return False, None
        key: Value = (section, option.lower() if isinstance(option, str) else option)
        if method == "set" and len(positional) == 3:
            if not self.store_key(name, key, pos_t[2], positional[2], positional[2]):
                whole = join(self.env.get(name), pos_t[2])
                if whole is not None:
                    self.env[name] = whole
            return True, None
        if method in CONFIG_GETTERS:
            if method != "get":
                return True, None  # a number or a boolean
            self.keyed.setdefault(name, set())
            return True, self.read_key(name, key)
        return False, None

    def _list_call(
        self, name: str, method: str, positional: list[Node], pos_t: list[Taint | None]
    ) -> tuple[bool, Taint | None]:
        block, items = self.lists[name]
        if block != self.current_block:
            # changed in a branch or a loop: which item sits where is not known
            if method not in ("copy", "count", "index"):
                del self.lists[name]
            return False, None
        if method == "append" and len(positional) == 1:
            items.append((positional[0], pos_t[0]))
        elif method == "extend" and len(positional) == 1 and positional[0].type in ("list", "tuple"):
            items.extend((c, self.ev(c)) for c in positional[0].named_children if c.type != "comment")
        elif method == "insert" and len(positional) == 2 and positional[0].type == "integer":
            items.insert(int(text(self.src, positional[0]), 0), (positional[1], pos_t[1]))
        elif method == "pop" and len(positional) <= 1:
            index = self.const_key(positional[0]) if positional else -1
            if isinstance(index, int) and not isinstance(index, bool) and -len(items) <= index < len(items):
                return True, items.pop(index)[1]
            del self.lists[name]
        elif method == "clear":
            items.clear()
        elif method not in ("copy", "count", "index"):
            del self.lists[name]
        return False, None

    def track_list(self, name: str, value: Node) -> None:
        """`argv = ["sh"]`: a list literal whose items are followed from now on."""
        items = [c for c in value.named_children if c.type != "comment"]
        if len(items) <= MAX_KEYS and not any(c.type == "list_splat" for c in items):
            self.lists[name] = (self.current_block, [(c, self.ev(c)) for c in items])
