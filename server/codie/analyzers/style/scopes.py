"""Which identifiers name the same thing: bindings, their kind and every occurrence.

A small model of Python's scoping rules over the tree-sitter tree, enough for safe renames
and for scoring a name at all of its occurrences together:
- function, lambda, class and comprehension bodies are scopes;
- a name bound anywhere in a function (assignment, for/with/except target, parameter,
  import, def/class, walrus) is local to it unless declared `global`/`nonlocal`;
- a reference resolves to the nearest enclosing scope that binds the name, skipping class
  bodies from nested functions (as Python does);
- attribute names (`obj.name`) and keyword-argument names (`f(name=...)`) are not
  references, except `self.m` / `cls.m` inside a class, which are occurrences of method `m`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node, Query, QueryCursor

from codie.core.document import PYTHON
from codie.core.pausing import Pause, every

SCOPE_TYPES = frozenset(
    {
        "function_definition",
        "lambda",
        "class_definition",
        "list_comprehension",
        "set_comprehension",
        "dictionary_comprehension",
        "generator_expression",
    }
)
COMPREHENSIONS = frozenset(
    {
        "list_comprehension",
        "set_comprehension",
        "dictionary_comprehension",
        "generator_expression",
    }
)
# containers a binding target can sit in: `a, (b, *c) = ...`
PATTERNS = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "list_splat_pattern",
        "tuple",
        "list",
        "parenthesized_expression",
        "expression_list",
        "as_pattern_target",
    }
)
PARAMETER_WRAPPERS = frozenset(
    {
        "default_parameter",
        "typed_parameter",
        "typed_default_parameter",
        "list_splat_pattern",
        "dictionary_splat_pattern",
    }
)
# target field of binding statements
TARGET_FIELDS = {
    "assignment": "left",
    "augmented_assignment": "left",
    "for_statement": "left",
    "for_in_clause": "left",
    "named_expression": "name",
}
# kinds a binding can have
VARIABLE, PARAMETER, FUNCTION, METHOD, CLASS, MODULE_VARIABLE, IMPORT = (
    "variable",
    "parameter",
    "function",
    "method",
    "class",
    "module variable",
    "import",
)


@dataclass(eq=False)
class Scope:
    node: Node
    parent: Scope | None
    kind: str  # module | function | class | comprehension
    bindings: dict[str, Binding] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)  # global / nonlocal names
    self_name: str | None = None  # first parameter of a method


@dataclass(eq=False)
class Binding:
    name: str
    kind: str
    scope: Scope
    definition: Node  # the identifier that first binds the name
    occurrences: list[tuple[int, int]] = field(default_factory=list)  # byte spans

    @property
    def start(self) -> int:
        return self.definition.start_byte


def attribute_spans(source: bytes, root: Node) -> dict[str, set[tuple[int, int]]]:
    """Every `obj.name` in the module, by name: uses of class members Codie cannot resolve.
    (A query: matched in C, where a Python walk made a Node of every node of the file.)"""
    spans: dict[str, set[tuple[int, int]]] = {}
    for attr in QueryCursor(_ATTRIBUTES).captures(root).get("attr", ()):
        spans.setdefault(_text(source, attr), set()).add((attr.start_byte, attr.end_byte))
    return spans


_ATTRIBUTES = Query(PYTHON, "(attribute attribute: (_) @attr)")


def untracked_member_uses(binding: Binding, spans: dict[str, set[tuple[int, int]]]) -> bool:
    """A method or class attribute also reached as `other.name`: a rename would miss it."""
    if binding.scope.kind != "class":
        return False
    return bool(spans.get(binding.name, set()) - set(binding.occurrences))


def owner_name(binding: Binding) -> str | None:
    """For a parameter of a module-level function or a method: that function's name."""
    if binding.kind != PARAMETER:
        return None
    node, outer = binding.scope.node, binding.scope.parent
    if node.type != "function_definition" or outer is None or outer.kind not in ("module", "class"):
        return None
    name = node.child_by_field_name("name")
    return name.text.decode("utf-8", "replace") if name is not None and name.text else None


@dataclass
class ScopeTree:
    module: Scope
    scopes: list[Scope]
    _visible: dict[int, frozenset[str]] = field(default_factory=dict)

    def bindings(self) -> Iterator[Binding]:
        for scope in self.scopes:
            yield from scope.bindings.values()

    def binding_at(self, offset: int) -> Binding | None:
        for binding in self.bindings():
            for start, end in binding.occurrences:
                if start <= offset <= end:
                    return binding
        return None

    def names_visible_in(self, scope: Scope) -> frozenset[str]:
        """Names bound in `scope`, its enclosing scopes and every scope nested in it."""
        cached = self._visible.get(id(scope))
        if cached is None:
            cached = self._visible[id(scope)] = frozenset(self._visible_in(scope))
        return cached

    def forget_visible(self) -> None:
        """Drop the names_visible_in cache (it is rebuilt on demand)."""
        self._visible.clear()

    def _visible_in(self, scope: Scope) -> set[str]:
        names: set[str] = set()
        s: Scope | None = scope
        while s is not None:
            names.update(s.bindings)
            names.update(s.declared)
            s = s.parent
        for other in self.scopes:
            p: Scope | None = other
            while p is not None and p is not scope:
                p = p.parent
            if p is scope:
                names.update(other.bindings)
        return names


def _text(source: bytes, node: Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _is_field(parent: Node, name: str, child: Node) -> bool:
    target = parent.child_by_field_name(name)
    return target is not None and target.start_byte == child.start_byte and target.end_byte == child.end_byte


def _binding_role(node: Node) -> str | None:
    """How an identifier binds a name: a kind hint, 'ref' for a reference, None to skip."""
    parent = node.parent
    if parent is None:
        return "ref"
    ptype = parent.type
    if ptype == "attribute":
        return "attr" if _is_field(parent, "attribute", node) else "ref"
    if ptype == "keyword_argument" and _is_field(parent, "name", node):
        return None
    if ptype in ("function_definition", "class_definition") and _is_field(parent, "name", node):
        return "def"
    if ptype in ("parameters", "lambda_parameters"):
        return "param"
    if ptype in ("list_splat_pattern", "dictionary_splat_pattern"):
        # annotated `*args: T` / `**kwargs: T`: the splat sits inside a typed_parameter
        grand = parent.parent
        if (
            grand is not None
            and grand.type == "typed_parameter"
            and grand.parent is not None
            and grand.parent.type in ("parameters", "lambda_parameters")
        ):
            return "param"
    if ptype in PARAMETER_WRAPPERS:
        grand = parent.parent
        if grand is not None and grand.type in ("parameters", "lambda_parameters"):
            first = parent.child_by_field_name("name") or parent.named_children[0]
            return "param" if first.start_byte == node.start_byte else "ref"
    if ptype in ("global_statement", "nonlocal_statement"):
        return "declare"
    if ptype in ("dotted_name", "aliased_import", "import_from_statement", "import_statement"):
        return _import_role(node)
    # climb through target patterns to the binding statement
    child: Node = node
    up: Node | None = parent
    while up is not None and up.type in PATTERNS:
        child = up
        up = up.parent
    if up is None:
        return "ref"
    field_name = TARGET_FIELDS.get(up.type)
    if field_name is not None and _is_field(up, field_name, child):
        return "bind"
    if up.type == "as_pattern" and _is_field(up, "alias", child):
        return "bind"
    if child.type == "as_pattern_target":
        return "bind"
    return "ref"


def _import_role(node: Node) -> str | None:
    parent = node.parent
    assert parent is not None
    if parent.type == "aliased_import":
        return "import" if _is_field(parent, "alias", node) else None
    if parent.type != "dotted_name":
        return None
    stmt = parent.parent
    if stmt is None:
        return None
    if stmt.type == "aliased_import":
        return None  # `import a.b as c`: only `c` binds
    if stmt.type == "import_statement":
        # `import a.b` binds `a`
        return "import" if parent.named_children[0].start_byte == node.start_byte else None
    if stmt.type == "import_from_statement":
        module = stmt.child_by_field_name("module_name")
        if module is not None and module.start_byte == parent.start_byte:
            return None
        return "import"
    return None


PAUSE_EVERY = 512  # nodes (or references resolved) between two pause() calls (~1 ms)


def build(source: bytes, root: Node, pause: Pause | None = None) -> ScopeTree:
    """The scopes and bindings of a module; `pause()` is called every PAUSE_EVERY nodes
    and references (a background training's, see pausing.Pause)."""
    module = Scope(root, None, "module")
    scopes = [module]
    refs: list[tuple[Node, Scope, str]] = []
    keywords: list[tuple[Node, Scope]] = []  # `name` of f(name=...)

    def scope_kind(node: Node) -> str:
        if node.type in COMPREHENSIONS:
            return "comprehension"
        return "class" if node.type == "class_definition" else "function"

    def bind(scope: Scope, ident: Node, kind: str) -> None:
        name = _text(source, ident)
        if name in scope.declared:
            refs.append((ident, scope, "ref"))
            return
        binding = scope.bindings.get(name)
        if binding is None:
            scope.bindings[name] = binding = Binding(name, kind, scope, ident)
        binding.occurrences.append((ident.start_byte, ident.end_byte))

    def visit(node: Node, scope: Scope) -> None:
        stack = [(node, scope)]
        countdown = PAUSE_EVERY
        while stack:
            if pause is not None:
                countdown -= 1
                if not countdown:
                    countdown = PAUSE_EVERY
                    pause()
            n, s = stack.pop()
            ntype = n.type  # (each .type is a call into the binding: asked once per node)
            if ntype == "identifier":
                _visit_identifier(n, s)
                continue
            inner = s
            is_scope = ntype in SCOPE_TYPES
            if is_scope and n is not node:
                name = n.child_by_field_name("name")
                if name is not None:  # def/class name binds in the enclosing scope
                    kind = CLASS if ntype == "class_definition" else (METHOD if s.kind == "class" else FUNCTION)
                    bind(s, name, kind)
                inner = Scope(n, s, scope_kind(n))
                scopes.append(inner)
                _prepare(n, inner)
            function_like = ntype in ("function_definition", "lambda")
            parameter = ntype in PARAMETER_TYPES and s.parent is not None
            for child in reversed(n.children):
                ctype = child.type
                if ctype in ("comment", "string_content"):
                    continue
                if is_scope and ctype == "identifier" and _is_field(n, "name", child):
                    continue
                # decorators, defaults and base classes are evaluated in the outer scope
                outer = ctype in ("decorator", "argument_list") or (function_like and ctype == "type")
                if parameter and s.parent is not None and _default_or_annotation(n, child):
                    stack.append((child, s.parent))  # `def f(x=x)`: the outer x
                    continue
                stack.append((child, s if outer and inner is not s else inner))

    def _prepare(node: Node, scope: Scope) -> None:
        # global/nonlocal first, so that later assignments are not taken as local
        if scope.kind != "function":
            return
        # the walk only looks for two statements: skip it where neither keyword is written
        # (bytes.find with bounds copies nothing; a comment's "global" only costs the walk)
        start, end = node.start_byte, node.end_byte
        if source.find(b"global", start, end) >= 0 or source.find(b"nonlocal", start, end) >= 0:
            _declare(node, scope)
        params = node.child_by_field_name("parameters")
        if params is not None and params.named_children:
            first = params.named_children[0]
            if first.type == "identifier":
                scope.self_name = _text(source, first)

    def _declare(node: Node, scope: Scope) -> None:
        for d in _descendants_in_scope(node):
            if d.type in ("global_statement", "nonlocal_statement"):
                scope.declared.update(_text(source, c) for c in d.named_children if c.type == "identifier")

    def _visit_identifier(n: Node, s: Scope) -> None:
        role = _binding_role(n)
        if role is None:
            if n.parent is not None and n.parent.type == "keyword_argument":
                keywords.append((n, s))
            return
        if role == "declare":  # `global x` names the outer binding: rename it too
            refs.append((n, s, "ref"))
            return
        if role == "param":
            bind(s, n, PARAMETER)
        elif role in ("bind", "import"):
            kind = IMPORT if role == "import" else (MODULE_VARIABLE if s.kind == "module" else VARIABLE)
            if s.kind == "class":
                kind = MODULE_VARIABLE
            bind(s, n, kind)
        elif role == "attr":
            refs.append((n, s, "attr"))
        else:
            refs.append((n, s, "ref"))

    visit(root, module)
    for ident, scope, role in every(refs, pause, PAUSE_EVERY):
        if role == "attr":
            _resolve_attribute(source, ident, scope)
        else:
            _resolve(source, ident, scope)
    by_node = {(sc.node.start_byte, sc.node.end_byte): sc for sc in scopes}
    for ident, scope in every(keywords, pause, PAUSE_EVERY):
        _resolve_keyword(source, ident, scope, by_node)
    # A Node caches its `children` list, so a scope holding a node this walk visited held
    # every Node object made below it (the module scope's root: the whole file's, ~4 MiB
    # for 6,862 lines) for as long as the scope tree lived. A scope's node is read later
    # (owner_name), not walked: an uncached copy of it lets the walk's Node objects go.
    for sc in scopes:
        sc.node = sc.node.walk().node or sc.node  # (a cursor on a node is never empty)
    return ScopeTree(module, scopes)


def _resolve_keyword(source: bytes, ident: Node, scope: Scope, by_node: dict[tuple[int, int], Scope]) -> None:
    """`f(name=...)` where f is a function of this file: an occurrence of f's parameter."""
    call = ident.parent.parent.parent if ident.parent and ident.parent.parent else None
    if call is None or call.type != "call":
        return
    function = call.child_by_field_name("function")
    target: Binding | None = None
    if function is not None and function.type == "identifier":
        target = _lookup(_text(source, function), scope)
    elif function is not None and function.type == "attribute":
        attr = function.child_by_field_name("attribute")
        target = _method_lookup(source, attr, scope) if attr is not None else None
    if target is not None and target.kind == CLASS:
        body = (
            by_node.get((target.definition.parent.start_byte, target.definition.parent.end_byte))
            if target.definition.parent is not None
            else None
        )
        target = body.bindings.get("__init__") if body is not None else None
    if target is None or target.kind not in (FUNCTION, METHOD):
        return
    definition = target.definition.parent
    if definition is None:
        return
    inner = by_node.get((definition.start_byte, definition.end_byte))
    param = inner.bindings.get(_text(source, ident)) if inner is not None else None
    if param is not None and param.kind == PARAMETER:
        param.occurrences.append((ident.start_byte, ident.end_byte))


PARAMETER_TYPES = frozenset({"default_parameter", "typed_default_parameter", "typed_parameter"})


def _default_or_annotation(param: Node, child: Node) -> bool:
    """A parameter's default value or annotation: evaluated where the `def` runs."""
    if param.type not in PARAMETER_TYPES:
        return False
    holder = param.parent
    if holder is None or holder.type not in ("parameters", "lambda_parameters"):
        return False
    return (
        _is_field(param, "value", child)
        or _is_field(param, "type", child)
        or (param.type == "typed_parameter" and child.type == "type")
    )


def _descendants_in_scope(node: Node) -> Iterator[Node]:
    stack = list(node.children)
    while stack:
        n = stack.pop()
        yield n
        if n.type not in SCOPE_TYPES:
            stack.extend(n.children)


def _lookup(name: str, scope: Scope) -> Binding | None:
    """The binding `name` refers to from `scope`, by Python's rules."""
    s: Scope | None = scope
    first = True
    while s is not None:
        if s.kind == "class" and not first:
            s = s.parent
            continue
        if name in s.declared:
            # global x -> module; nonlocal x -> the next function scope out
            s = s.parent
            while s is not None and s.parent is not None and name not in s.bindings:
                s = s.parent
            continue
        binding = s.bindings.get(name)
        if binding is not None:
            return binding
        first = False
        s = s.parent
    return None


def _resolve(source: bytes, ident: Node, scope: Scope) -> None:
    binding = _lookup(_text(source, ident), scope)
    if binding is not None:
        binding.occurrences.append((ident.start_byte, ident.end_byte))


def _resolve_attribute(source: bytes, ident: Node, scope: Scope) -> None:
    """`self.m` / `cls.m` in a method of class C is an occurrence of C's method m."""
    binding = _method_lookup(source, ident, scope)
    if binding is not None:
        binding.occurrences.append((ident.start_byte, ident.end_byte))


def _method_lookup(source: bytes, ident: Node, scope: Scope) -> Binding | None:
    attribute = ident.parent
    assert attribute is not None
    obj = attribute.child_by_field_name("object")
    if obj is None or obj.type != "identifier":
        return None
    obj_name = _text(source, obj)
    s: Scope | None = scope
    while s is not None and not (s.kind == "function" and s.parent is not None and s.parent.kind == "class"):
        if obj_name in s.bindings:  # `self` rebound by an inner lambda or function
            return None
        s = s.parent
    if s is None or s.parent is None or s.self_name is None or obj_name != s.self_name:
        return None
    binding = s.parent.bindings.get(_text(source, ident))
    return binding if binding is not None and binding.kind == METHOD else None
