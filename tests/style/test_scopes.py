"""Which identifiers are one binding: the basis of scoring and of safe renames."""

from __future__ import annotations

from codie.analyzers.style.scopes import ScopeTree, build
from codie.core.document import Document

SOURCE = """import os
G = 1


def f(a, b=1, *args, c: int = 2, **kw):
    global G
    G = a
    x = f"{a}"
    for i, j in zip(a, b):
        x = i + j
    def inner():
        nonlocal x
        x = 3
        return a.x + g(a=1)
    return [k for k in kw if k and x]


class A:
    attr = 1

    def m(self):
        return self.m() + (lambda self: self.m)(1)

    def n(self, m):
        return m + self.m() + attr
"""


def tree() -> tuple[Document, ScopeTree]:
    doc = Document("file:///t.py", SOURCE)
    assert doc.tree is not None
    return doc, build(doc.source, doc.tree.root_node)


def occurrences(name: str, kind: str) -> list[tuple[int, int]]:
    doc, scopes = tree()
    (binding,) = [b for b in scopes.bindings() if b.name == name and b.kind == kind]
    return [doc.position_at(s) for s, _ in binding.occurrences]


def test_parameters_and_their_uses_but_not_attributes_or_keywords() -> None:
    # a.x: `x` is an attribute; g(a=1): `a` is a keyword, neither is the parameter
    assert sorted(occurrences("a", "parameter")) == [(4, 6), (6, 8), (7, 11), (8, 20), (13, 15)]


def test_locals_include_nonlocal_rebinding_in_inner_function() -> None:
    assert sorted(occurrences("x", "variable")) == [(7, 4), (9, 8), (11, 17), (12, 8), (14, 35)]


def test_global_declaration_is_an_occurrence_of_the_module_binding() -> None:
    assert sorted(occurrences("G", "module variable")) == [(1, 0), (5, 11), (6, 4)]


def test_comprehension_variable_is_its_own_scope() -> None:
    assert sorted(occurrences("k", "variable")) == [(14, 12), (14, 18), (14, 29)]


def test_method_occurrences_through_self_but_not_through_a_rebound_self() -> None:
    # `self.m` inside `lambda self: ...` is not the method; `m` the parameter is not either
    assert sorted(occurrences("m", "method")) == [(20, 8), (21, 20), (24, 24)]
    assert sorted(occurrences("m", "parameter")) == [(23, 16), (24, 15)]


def test_class_attribute_is_not_visible_from_methods() -> None:
    assert sorted(occurrences("attr", "module variable")) == [(18, 4)]


def test_names_visible_in_a_scope_include_nested_and_enclosing_ones() -> None:
    _, scopes = tree()
    (x,) = [b for b in scopes.bindings() if b.name == "x"]
    visible = scopes.names_visible_in(x.scope)
    assert {"a", "x", "i", "inner", "os", "G", "f", "k"} <= visible


def test_keyword_arguments_of_calls_in_this_file_are_parameter_occurrences() -> None:
    source = """def f(limit, other=1):
    return limit


class C:
    def __init__(self, limit):
        self.limit = limit

    def m(self, limit):
        return self.m(limit=limit)


f(limit=1, other=2)
C(limit=3)
g(limit=4)
"""
    doc = Document("file:///k.py", source)
    assert doc.tree is not None
    scopes = build(doc.source, doc.tree.root_node)
    found = {
        (b.scope.node.start_point.row, b.name): sorted(doc.position_at(s) for s, _ in b.occurrences)
        for b in scopes.bindings()
        if b.kind == "parameter"
    }
    assert found[(0, "limit")] == [(0, 6), (1, 11), (12, 2)]
    assert found[(5, "limit")] == [(5, 23), (6, 21), (13, 2)]
    assert found[(8, "limit")] == [(8, 16), (9, 22), (9, 28)]


def test_defaults_and_annotations_belong_to_the_enclosing_scope() -> None:
    source = "def outer(name: str):\n    def inner(x, name=name, y: name = 1):\n        return name\n"
    doc = Document("file:///d.py", source)
    assert doc.tree is not None
    scopes = build(doc.source, doc.tree.root_node)
    found = {
        (b.scope.node.start_point.row, b.name): sorted(doc.position_at(s) for s, _ in b.occurrences)
        for b in scopes.bindings()
        if b.name == "name"
    }
    assert found[(0, "name")] == [(0, 10), (1, 22), (1, 31)]
    assert found[(1, "name")] == [(1, 17), (2, 15)]
