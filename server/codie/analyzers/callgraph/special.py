"""Python idioms the extractor reads as more than plain calls: `getattr(obj, "name")`,
`importlib.import_module("m")`, `d.get(k, default)`, containers filled by mutation
(`xs.append(f)`, `registry[k] = f`) and type annotations. A mixin of callgraph.extract's
Extractor, kept apart to keep that module short.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from codie.analyzers.callgraph.fields import (
    F_ARGUMENTS,
    F_ATTRIBUTE,
    F_FUNCTION,
    F_LEFT,
    F_OBJECT,
    F_RIGHT,
)
from codie.analyzers.callgraph.model import Expr, Scope

DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
OPTIONAL = re.compile(r"^(?:typing\.)?Optional\[\s*(.*?)\s*\]$")
# methods that put a value into the container they are called on: name -> (how many
# positional arguments, which one is put in, whether it is an iterable of the values)
MUTATORS: dict[bytes, tuple[int, int, bool]] = {
    b"append": (1, 0, False),
    b"add": (1, 0, False),
    b"appendleft": (1, 0, False),
    b"insert": (2, 1, False),
    b"setdefault": (2, 1, False),
    b"extend": (1, 0, True),
    b"update": (1, 0, True),
}
NOT_CLASSES = {"None", "Any", "object", "Optional", "Union", "Callable", "TypeVar", "Self"}


class SpecialForms:
    # provided by Extractor
    src: bytes
    module: str
    scopes: dict[str, Scope]
    mutations: list[tuple[str, str, Expr]]
    keyed_stores: list[tuple[str, str, str | None, Expr, int]]
    dict_literals: dict[tuple[str, str], Node]

    def text(self, node: Node) -> str:
        raise NotImplementedError

    def expr(self, node: Node | None, depth: int = 0) -> Expr:
        raise NotImplementedError

    def call_expr(self, node: Node, depth: int = 0) -> Expr:
        raise NotImplementedError

    def enclosing(self, node: Node) -> str:
        raise NotImplementedError

    def getattr_expr(self, node: Node, depth: int) -> Expr | None:
        """`getattr(obj, "name")` with a literal name is plain attribute access."""
        fn, args = node.child_by_field_id(F_FUNCTION), node.child_by_field_id(F_ARGUMENTS)
        if fn is None or args is None or fn.type != "identifier" or self.text(fn) != "getattr":
            return None
        named = [a for a in args.named_children if a.type != "comment"]
        if (
            len(named) < 2
            or named[1].type != "string"
            or any(c.type == "interpolation" for c in named[1].named_children)
        ):
            return None
        name = self.text(named[1]).strip("\"'")
        return ("a", self.expr(named[0], depth + 1), name) if name.isidentifier() else None

    def type_of_expr(self, node: Node, depth: int) -> Expr | None:
        """`type(obj)` (one argument) is the class of obj."""
        fn, args = node.child_by_field_id(F_FUNCTION), node.child_by_field_id(F_ARGUMENTS)
        if fn is None or args is None or fn.type != "identifier" or self.text(fn) != "type":
            return None
        named = [a for a in args.named_children if a.type != "comment"]
        return ("T", self.expr(named[0], depth + 1)) if len(named) == 1 else None

    def getter_expr(self, node: Node, depth: int) -> Expr | None:
        """`d.get(k, default)` / `d.pop(k)`: what the call returns, or an element of d."""
        fn = node.child_by_field_id(F_FUNCTION)
        attr = fn.child_by_field_id(F_ATTRIBUTE) if fn is not None and fn.type == "attribute" else None
        if fn is None or attr is None or self.text(attr) not in ("get", "pop"):
            return None
        args = node.child_by_field_id(F_ARGUMENTS)
        named = (
            [a for a in args.named_children if a.type not in ("comment", "keyword_argument")]
            if args is not None
            else []
        )
        options = [self.call_expr(node, depth), ("i", self.expr(fn.child_by_field_id(F_OBJECT), depth + 1))]
        if len(named) > 1:
            options.append(self.expr(named[1], depth + 1))
        return ("U", tuple(options))

    def mutation(self, node: Node, fn: Node) -> None:
        """Record `name.append(v)` and friends as values put into `name`'s container.
        `fn`: the call's function, an attribute."""
        attr = fn.child_by_field_id(F_ATTRIBUTE)
        # the method's name first, in the source's bytes: most attribute calls are none of
        # these, and their arguments' nodes need not be made
        rule = MUTATORS.get(self.src[attr.start_byte : attr.end_byte]) if attr is not None else None
        if rule is None:
            return
        obj = fn.child_by_field_id(F_OBJECT)
        args = node.child_by_field_id(F_ARGUMENTS)
        if obj is None or obj.type != "identifier" or args is None:
            return
        count, index, iterable = rule
        named = [a for a in args.named_children if a.type not in ("comment", "keyword_argument")]
        if len(named) != count:
            return
        value = self.expr(named[index])
        self.mutations.append((self.enclosing(node), self.text(obj), ("i", value) if iterable else value))

    def apply_keyed_stores(self, literal_starts: dict[tuple[str, str], int] | None = None) -> None:
        """`d["k"] = v`: where d is bound once, to a dict literal, in the same scope, a
        literal key's last store replaces its earlier value (no stale edge to the old one);
        any other store adds to what d may hold, under its key when that is a literal.
        `literal_starts`: where each dict literal starts, when there are no nodes (a summary
        put together from statements', callgraph/fragments.py)."""
        strong: dict[tuple[str, str], list[tuple[int, str, Expr]]] = {}
        for q, name, key, value, offset in self.keyed_stores:
            if literal_starts is None:
                literal = self.dict_literals.get((q, name))
                start = literal.start_byte if literal is not None else None
            else:
                start = literal_starts.get((q, name))
            if (
                key is not None
                and start is not None
                and len(self.scopes[q].assigns.get(name, ())) == 1
                and offset > start
            ):
                strong.setdefault((q, name), []).append((offset, key, value))
            else:
                self.mutations.append((q, name, ("W", ("l", (("o", q, value),), "", (key,)))))
        for (q, name), stores in strong.items():
            scope = self.scopes[q]
            base = scope.assigns[name][0]
            if base[0] != "l" or len(base) < 4:
                continue
            entries: dict[str | int, Expr] = {}
            for i, (k, e) in enumerate(zip(base[3], base[1], strict=False)):
                entries[k if k is not None else i] = e
            for _, key, value in sorted(stores, key=lambda s: s[0]):
                entries[key] = value
            keys = tuple(k if isinstance(k, str) else None for k in entries)
            scope.assigns[name] = [("l", tuple(entries.values()), "dict", keys)]

    def apply_mutations(self) -> None:
        """Each mutated name gets the values in the scope that binds it (Python's rules)."""
        for q, name, value in self.mutations:
            scope: Scope | None = self.scopes[q]
            while scope is not None:
                if name in scope.globals:
                    scope = self.scopes[self.module]
                if name in scope.assigns or name in scope.params or scope.kind == "module":
                    if name in scope.assigns or name in scope.params:
                        # "W": already the container to add (a store under a key)
                        scope.assign(name, value[1] if value[0] == "W" else ("l", (("o", q, value),)))
                    break
                parent = self.scopes.get(scope.parent or "")
                while parent is not None and parent.kind == "class":
                    parent = self.scopes.get(parent.parent or "")
                scope = parent

    def import_module_expr(self, node: Node) -> Expr | None:
        """`importlib.import_module("a.b")` with a literal name is `import a.b`."""
        fn, args = node.child_by_field_id(F_FUNCTION), node.child_by_field_id(F_ARGUMENTS)
        if fn is None or args is None or not self.text(fn).endswith("import_module"):
            return None
        named = [a for a in args.named_children if a.type != "comment"]
        if (
            len(named) != 1
            or named[0].type != "string"
            or any(c.type == "interpolation" for c in named[0].named_children)
        ):
            return None
        name = self.text(named[0]).strip("\"'")
        return ("m", name) if all(p.isidentifier() for p in name.split(".")) else None

    def annotation(self, node: Node | None, depth: int = 0) -> tuple[Expr, ...]:
        """The classes a type annotation names: `C`, `m.C`, `C | None`, `Optional[C]`,
        `Union[A, B]` and the same inside a string. Generic containers name no instance."""
        if node is None or depth > 8:
            return ()
        kind = node.type
        if kind in ("type", "parenthesized_expression") and node.named_children:
            return self.annotation(node.named_children[0], depth + 1)
        if kind in ("identifier", "attribute"):
            text = self.text(node)
            return () if text.rpartition(".")[2] in NOT_CLASSES else (self.expr(node),)
        if kind == "binary_operator":
            return self.annotation(node.child_by_field_id(F_LEFT), depth + 1) + self.annotation(
                node.child_by_field_id(F_RIGHT), depth + 1
            )
        if kind in ("subscript", "generic_type"):
            head = node.named_children[0] if node.named_children else None
            if head is None or self.text(head).rpartition(".")[2] not in ("Optional", "Union"):
                return ()
            return tuple(e for c in node.named_children[1:] for e in self.annotation(c, depth + 1))
        if kind == "type_parameter":
            return tuple(e for c in node.named_children for e in self.annotation(c, depth + 1))
        if kind == "string" and not any(c.type == "interpolation" for c in node.named_children):
            found: list[Expr] = []
            for part in self.text(node).strip("\"'").split("|"):
                name = OPTIONAL.sub(r"\1", part.strip())
                if DOTTED.fullmatch(name) and name.rpartition(".")[2] not in NOT_CLASSES:
                    first, *rest = name.split(".")
                    expr: Expr = ("n", first)
                    for attr in rest:
                        expr = ("a", expr, attr)
                    found.append(expr)
            return tuple(found)
        return ()

    # bindings ------------------------------------------------------------------------------
