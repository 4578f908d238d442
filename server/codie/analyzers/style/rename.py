"""Renaming one binding everywhere in its scope: the logic behind STY001's fix and LSP rename."""

from __future__ import annotations

import keyword
from dataclasses import dataclass

from tree_sitter import Node

from codie.analyzers.style import scopes
from codie.analyzers.style.model import WorkspaceModel
from codie.core.findings import TextEdit

LOCAL_KINDS = frozenset({scopes.VARIABLE, scopes.PARAMETER})


class RenameError(ValueError):
    """Why a rename is refused; the message is shown to the user."""


@dataclass(frozen=True, slots=True)
class Target:
    binding: scopes.Binding
    tree: scopes.ScopeTree
    start: int  # the identifier under the cursor
    end: int


def target_at(source: bytes, root: Node, offset: int, model: WorkspaceModel | None, key: str | None) -> Target:
    """The binding under `offset`, if Codie can rename all of its occurrences."""
    tree = scopes.build(source, root)
    binding = tree.binding_at(offset)
    if binding is None:
        raise RenameError(
            "No renamable name here (Codie renames variables, parameters, functions, methods and classes)"
        )
    span = next((s, e) for s, e in binding.occurrences if s <= offset <= e)
    if binding.kind == scopes.IMPORT:
        raise RenameError(f"`{binding.name}` is imported; rename it where it is defined")
    if binding.kind not in LOCAL_KINDS and binding.scope.kind in ("module", "class"):
        if model is None:
            raise RenameError(f"`{binding.name}` may be used by other files and the workspace model is not ready yet")
        if model.used_elsewhere(binding.name, key):
            raise RenameError(
                f"`{binding.name}` is used in other files of the workspace; Codie renames within one file only"
            )
    if scopes.untracked_member_uses(binding, scopes.attribute_spans(source, root)):
        raise RenameError(
            f"`{binding.name}` is also used as an attribute of other objects in this file, which Codie cannot resolve"
        )
    owner = scopes.owner_name(binding)
    if owner is not None and model is not None and model.used_elsewhere(owner, key):
        raise RenameError(
            f"`{binding.name}` is a parameter of `{owner}`, which other files use: their keyword arguments would break"
        )
    return Target(binding, tree, *span)


def rename_edits(
    source: bytes, root: Node, offset: int, new_name: str, model: WorkspaceModel | None, key: str | None
) -> list[TextEdit]:
    if not new_name.isidentifier() or keyword.iskeyword(new_name):
        raise RenameError(f"`{new_name}` is not a valid Python name")
    target = target_at(source, root, offset, model, key)
    binding = target.binding
    if new_name == binding.name:
        return []
    if new_name in target.tree.names_visible_in(binding.scope):
        raise RenameError(f"`{new_name}` is already used in this scope")
    return [TextEdit(s, e, new_name) for s, e in sorted(set(binding.occurrences))]
