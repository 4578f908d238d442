"""The functions of a file: where they are, and (read lazily) what their parameters mean."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from codie.analyzers.security.names import text

if TYPE_CHECKING:
    from codie.analyzers.security.module import ModuleInfo

ROUTE_RE = re.compile(r"\.(route|get|post|put|patch|delete|api_route|view)\s*\(")
CLEAN_ANNOTATIONS = re.compile(
    r"^(int|float|bool|UUID|uuid\.UUID|date|datetime|Decimal|Request|Response|Session|"
    r"BackgroundTasks|WebSocket|HttpRequest|AsyncSession|Optional\[int\]|int \| None)$"
)
NOT_INPUT_PARAMS = frozenset(
    {"self", "cls", "request", "req", "db", "session", "background_tasks", "response", "current_user", "user"}
)


@dataclass(frozen=True)
class Signature:
    params: tuple[str, ...] = ()
    param_nodes: tuple[Node, ...] = ()
    source_params: frozenset[int] = frozenset()
    request_params: frozenset[str] = frozenset()
    vararg: int = -1
    view: bool = False  # a web entry point: its other parameters come from the framework


class FunctionInfo:
    """A function of the file. The signature is read only when the function is analysed
    or called: most functions of a big file are neither on a given pass."""

    def __init__(
        self,
        mod: ModuleInfo | None,
        key: str,
        node: Node,
        outer: Node,
        body: Node,
        cls: str | None,
        html_route: bool = False,
    ) -> None:
        self.mod = mod
        self.key = key
        self.node = node
        self.outer = outer
        self.body = body
        self.cls = cls
        self.html_route = html_route
        self._sig: Signature | None = None

    @property
    def start(self) -> int:
        return self.node.start_byte

    @property
    def sig(self) -> Signature:
        if self._sig is None:
            self._sig = self.mod.signature(self) if self.mod is not None else Signature()
        return self._sig

    @property
    def params(self) -> tuple[str, ...]:
        return self.sig.params

    @property
    def param_nodes(self) -> tuple[Node, ...]:
        return self.sig.param_nodes

    @property
    def source_params(self) -> frozenset[int]:
        return self.sig.source_params

    @property
    def request_params(self) -> frozenset[str]:
        return self.sig.request_params

    @property
    def vararg(self) -> int:
        return self.sig.vararg

    @property
    def view(self) -> bool:
        return self.sig.view


def read_signature(mod: ModuleInfo, info: FunctionInfo) -> Signature:
    node, outer = info.node, info.outer
    params_node = node.child_by_field_name("parameters")
    names: list[str] = []
    nodes: list[Node] = []
    annotations: list[str] = []
    defaults: list[str] = []
    vararg = -1
    for p in params_node.named_children if params_node is not None else []:
        ident: Node | None = p
        if p.type in ("default_parameter", "typed_default_parameter", "typed_parameter"):
            ident = p.child_by_field_name("name") or (p.named_children[0] if p.named_children else None)
        elif p.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            ident = p.named_children[0] if p.named_children else None
            if p.type == "list_splat_pattern":
                vararg = len(names)
        elif p.type != "identifier":
            continue
        if ident is None or ident.type != "identifier":
            continue
        type_node = p.child_by_field_name("type")
        value = p.child_by_field_name("value")
        names.append(text(mod.src, ident))
        nodes.append(ident)
        annotations.append(text(mod.src, type_node) if type_node is not None else "")
        defaults.append(text(mod.src, value) if value is not None else "")
    decorators = text(mod.src, outer)[: node.start_byte - outer.start_byte]
    if info.cls and names and names[0] in ("self", "cls") and "staticmethod" not in decorators:
        names, nodes, annotations, defaults = names[1:], nodes[1:], annotations[1:], defaults[1:]
        vararg = vararg - 1 if vararg > 0 else vararg
    route = bool(ROUTE_RE.search(decorators))
    is_view = route or (mod.framework == "django" and bool(names) and names[0] == "request")
    sources: set[int] = set()
    if is_view:
        clean_converters = set(re.findall(r"<(?:int|float|uuid):(\w+)>", decorators))
        for i, pname in enumerate(names):
            if (
                pname in NOT_INPUT_PARAMS
                or pname in clean_converters
                or CLEAN_ANNOTATIONS.match(annotations[i])
                or "Depends(" in defaults[i]
            ):
                continue
            sources.add(i)
    return Signature(
        tuple(names),
        tuple(nodes),
        frozenset(sources),
        frozenset(n for n in names if n in ("request", "req")),
        vararg,
        is_view,
    )
