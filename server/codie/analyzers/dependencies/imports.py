"""DEP004: a hint at `import pkg` when the workspace pins a vulnerable version of pkg."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

from tree_sitter import Node

from codie.analyzers.dependencies import SERVICE
from codie.core.analyzer import Context, Mode
from codie.core.findings import Finding

if TYPE_CHECKING:
    from codie.analyzers.dependencies.workspace import VulnerablePin, WorkspaceDependencies

IMPORTS = ("import_statement", "import_from_statement")
# statements whose bodies may hold imports worth a hint (guarded or lazy imports)
CONTAINERS = {
    "if_statement",
    "try_statement",
    "block",
    "function_definition",
    "decorated_definition",
    "class_definition",
    "else_clause",
    "except_clause",
    "elif_clause",
    "finally_clause",
    "with_statement",
}


def _workspace(ctx: Context) -> WorkspaceDependencies | None:
    if ctx.root is None:
        return None
    service = ctx.services.get(SERVICE)
    if service is None and ctx.mode == Mode.EDITOR:
        return None  # no pins read yet: the manifests' code (packaging...) is not needed
    from codie.analyzers.dependencies.workspace import DependencyService, headless_folder

    if isinstance(service, DependencyService):
        return service.folder(ctx.root)  # the LSP keeps it fresh off the event loop
    if ctx.mode == Mode.EDITOR:
        return None  # an editor without the dependency feature: never read disk here
    return headless_folder(ctx.root)


def _modules(node: Node) -> Iterator[Node]:
    """The imported module names (dotted_name nodes) of one import statement."""
    if node.type == "import_from_statement":
        module = node.child_by_field_name("module_name")
        if module is not None and module.type == "dotted_name":
            yield module  # relative imports (`from . import x`) are the project's own code
        return
    for child in node.named_children:
        if child.type == "dotted_name":
            yield child
        elif child.type == "aliased_import":
            name = child.child_by_field_name("name")
            if name is not None:
                yield name


def _imports(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in IMPORTS:
            yield n
        elif n is node or n.type in CONTAINERS:
            stack.extend(reversed(n.named_children))


class VulnerableImportAnalyzer:
    name: ClassVar[str] = "dependency-imports"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        workspace = _workspace(ctx)
        if workspace is None:
            return
        vulnerable = workspace.vulnerable()
        if not vulnerable:
            return
        from codie.analyzers.dependencies.workspace import distribution_for

        for top in nodes:
            for stmt in _imports(top):
                for module in _modules(stmt):
                    text = ctx.doc.node_text(module)
                    pins = vulnerable.get(distribution_for(text))
                    if pins:
                        yield self._hint(ctx, module, text, pins, workspace)

    def _hint(
        self, ctx: Context, module: Node, text: str, pins: list[VulnerablePin], workspace: WorkspaceDependencies
    ) -> Finding:
        pin = pins[0]
        where = (
            pin.path.relative_to(workspace.root).as_posix()
            if pin.path.is_relative_to(workspace.root)
            else str(pin.path)
        )
        n = len(pin.advisories)
        upgrade = f"; upgrade to {pin.upgrade}" if pin.upgrade else ""
        return ctx.report(
            "DEP004",
            module,
            message=f"`{text.split('.')[0]}` comes from {pin.package} {pin.version} "
            f"({where}:{pin.line + 1}), which has {n} known "
            f"vulnerabilit{'y' if n == 1 else 'ies'}{upgrade}",
            evidence=0.6,
            data={
                "package": pin.package,
                "version": pin.version,
                "advisories": list(pin.advisories),
                "upgrade": pin.upgrade,
            },
        )
