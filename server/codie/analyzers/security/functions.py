"""The functions of a file: where they are, and (read lazily) what their parameters mean."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from tree_sitter import Node

from codie.analyzers.security.names import text

if TYPE_CHECKING:
    from codie.analyzers.security.module import ModuleInfo

ROUTE_RE = re.compile(r"\.(route|get|post|put|patch|delete|api_route|view)\s*\(")
CLEAN_ANNOTATIONS = re.compile(
    r"^(int|float|bool|UUID|uuid\.UUID|date|datetime|Decimal|Request|Response|Session|"
    r"BackgroundTasks|WebSocket|HttpRequest|AsyncSession|Optional\[int\]|int \| None)$"
)
# Django passes a function view the request and then the URL captures; it is such a view
# (so its other parameters are input) when it is wired or marked as one, or when it takes
# the request and returns a response -- not merely because a parameter is named `request`:
# a helper the module calls itself (`return render_flatpage(request, f)`) gets its
# arguments from its caller, whose values the analysis follows.
DJANGO_VIEW_DECORATORS = re.compile(
    r"@(?:[\w.]+\.)?(?:require_http_methods|require_GET|require_POST|require_safe|login_required|"
    r"permission_required|user_passes_test|staff_member_required|csrf_exempt|api_view|cache_page|"
    r"never_cache|vary_on_headers|vary_on_cookie|xframe_options_\w+|condition|etag|last_modified)\b"
)
RESPONSE_CALL = re.compile(
    r"^(?:[\w.]+\.)?(?:\w*Http\w*Response\w*|JsonResponse|FileResponse|StreamingHttpResponse|"
    r"TemplateResponse|Response|render|redirect|render_to_response)$"
)
REQUEST_ANNOTATION = re.compile(r"^(?:[\w.]+\.)?(?:HttpRequest|WSGIRequest|ASGIRequest|Request)$")
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
    or called: most functions of a big file are neither on a given pass. So are its tree
    nodes: a pass knows functions by their offsets (collected per top-level statement and
    cached by its text), and finds the nodes only for the functions it analyses."""

    # (a pass makes one for every function of the file: slots make that cheaper)
    __slots__ = ("__weakref__", "_nodes", "_sig", "cls", "end", "html_route", "key", "mod", "outer_start", "start")

    def __init__(
        self,
        mod: ModuleInfo | None,
        key: str,
        start: int,
        outer_start: int,
        end: int,
        cls: str | None,
        html_route: bool = False,
        nodes: tuple[Node, Node, Node] | None = None,
    ) -> None:
        self.mod = mod
        self.key = key
        self.start = start  # of the `def` (offsets of steps and hits are relative to it)
        self.outer_start = outer_start  # of its first decorator, else of the `def`
        self.end = end
        self.cls = cls
        self.html_route = html_route
        self._nodes = nodes  # (def, decorated definition or def, body)
        self._sig: Signature | None = None

    @property
    def nodes(self) -> tuple[Node, Node, Node]:
        if self._nodes is None:
            assert self.mod is not None
            node = self.mod.node_at(self.start, self.end, "function_definition")
            outer = node if self.outer_start == self.start else node.parent
            body = node.child_by_field_name("body")
            assert outer is not None and body is not None
            self._nodes = (node, outer, body)
        return self._nodes

    @property
    def node(self) -> Node:
        return self.nodes[0]

    @property
    def outer(self) -> Node:
        return self.nodes[1]

    @property
    def body(self) -> Node:
        return self.nodes[2]

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
    # Django passes URL captures as keyword arguments to function views; a class-based
    # view receives them in `**kwargs`, so a method's named parameters are not input
    is_view = route or (
        mod.framework == "django"
        and not info.cls
        and bool(names)
        and (names[0] == "request" or bool(REQUEST_ANNOTATION.match(annotations[0])))
        and _django_view(mod, info, decorators)
    )
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


def _django_view(mod: ModuleInfo, info: FunctionInfo, decorators: str) -> bool:
    """Whether a function taking the request is a Django view: marked as one, or returning
    a response, and not called by the module itself (a view is called by the framework)."""
    name_node = info.node.child_by_field_name("name")
    name = text(mod.src, name_node) if name_node is not None else ""
    calls = _module_calls(mod)
    if name in calls.wired:
        return True  # wired in a URLconf in this very module
    if any(not info.node.start_byte <= at < info.node.end_byte for at in calls.called.get(name, ())):
        return False
    return bool(DJANGO_VIEW_DECORATORS.search(decorators)) or _returns_response(mod, info.body)


@dataclass
class _ModuleCalls:
    called: dict[str, list[int]]  # name -> where the module calls it (not its `def`)
    wired: set[str]  # names passed to `path()`/`re_path()`/`url()`


CALL_NAME = re.compile(rb"(?<![\w.])(def\s+)?(\w+)\s*\(")
URLCONF_CALL = re.compile(rb"(?<![\w.])(?:re_)?(?:path|url)\s*\(([^()]*)")
_CALLS: WeakKeyDictionary[ModuleInfo, _ModuleCalls] = WeakKeyDictionary()


def _module_calls(mod: ModuleInfo) -> _ModuleCalls:
    """One pass over the module, on the first function that asks (not one per function:
    a file of many request-taking functions must stay linear)."""
    found = _CALLS.get(mod)
    if found is None:
        called: dict[str, list[int]] = {}
        for m in CALL_NAME.finditer(mod.src):
            if m.group(1) is None:
                called.setdefault(m.group(2).decode("utf-8", "replace"), []).append(m.start())
        wired = {
            n.decode("utf-8", "replace")
            for m in URLCONF_CALL.finditer(mod.src)
            for n in re.findall(rb"\b[A-Za-z_]\w*\b", m.group(1))
        }
        found = _ModuleCalls(called, wired)
        _CALLS[mod] = found
    return found


def _returns_response(mod: ModuleInfo, body: Node) -> bool:
    """A `return` of a response built by a call (`return HttpResponse(...)`, `render(...)`),
    in the function itself, not in a function nested in it."""
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in ("function_definition", "class_definition", "lambda"):
            continue
        if node.type == "return_statement" and node.named_children:
            value = node.named_children[0]
            if value.type == "call":
                fn = value.child_by_field_name("function")
                if fn is not None and RESPONSE_CALL.match(text(mod.src, fn)):
                    return True
            continue
        stack.extend(node.named_children)
    return False
