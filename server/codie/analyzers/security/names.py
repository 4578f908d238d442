"""Names as the security rules see them: dotted callee names resolved through imports."""

from __future__ import annotations

from tree_sitter import Node

# Nodes whose text we read often; decoding once per node keeps the engine fast.
Source = bytes


def text(src: Source, node: Node) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def dotted(src: Source, node: Node) -> str | None:
    """`a.b.c` for identifier/attribute chains; None for anything else (calls, subscripts)."""
    parts: list[str] = []
    while node.type == "attribute":
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
            module = text(src, module_node).lstrip(".")
            self.modules.add(module)
            for child in node.named_children[1:]:
                if child.type == "dotted_name":
                    name = text(src, child)
                    self.aliases[name.split(".")[-1]] = f"{module}.{name}"
                elif child.type == "aliased_import":
                    name_node = child.child_by_field_name("name")
                    alias = child.child_by_field_name("alias")
                    if name_node is not None and alias is not None:
                        self.aliases[text(src, alias)] = f"{module}.{text(src, name_node)}"

    def qualify(self, name: str) -> str:
        head, _, rest = name.partition(".")
        full = self.aliases.get(head)
        if full is None:
            return name
        return f"{full}.{rest}" if rest else full

    def uses(self, *prefixes: str) -> bool:
        return any(m == p or m.startswith(p + ".") for m in self.modules for p in prefixes)

    def fingerprint(self) -> int:
        return hash((tuple(sorted(self.aliases.items())), tuple(sorted(self.modules))))


def collect_imports(src: Source, root: Node) -> Imports:
    """Imports anywhere in the module (function-level imports count too)."""
    imports = Imports()
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("import_statement", "import_from_statement"):
            imports.add_statement(src, node)
        elif kind in ("module", "block", "function_definition", "class_definition",
                      "decorated_definition", "if_statement", "try_statement", "else_clause",
                      "except_clause", "finally_clause", "with_statement", "elif_clause"):
            stack.extend(node.named_children)
    return imports
