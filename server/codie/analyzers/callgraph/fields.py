"""Field ids of tree-sitter's Python grammar, for `Node.child_by_field_id`.

`child_by_field_name` looks the name up among the grammar's field names on every call (half
its cost); the extractor asks for a field about four million times on the standard library.
"""

from __future__ import annotations

from codie.core.document import PYTHON


def _field(name: str) -> int:
    found = PYTHON.field_id_for_name(name)
    if found is None:  # a grammar without it: a bug here, not in the user's code
        raise LookupError(f"tree-sitter-python has no field {name!r}")
    return found


F_ALIAS = _field("alias")
F_ARGUMENTS = _field("arguments")
F_ATTRIBUTE = _field("attribute")
F_BODY = _field("body")
F_FUNCTION = _field("function")
F_KEY = _field("key")
F_LEFT = _field("left")
F_MODULE_NAME = _field("module_name")
F_NAME = _field("name")
F_OBJECT = _field("object")
F_PARAMETERS = _field("parameters")
F_RETURN_TYPE = _field("return_type")
F_RIGHT = _field("right")
F_SUBSCRIPT = _field("subscript")
F_SUPERCLASSES = _field("superclasses")
F_TYPE = _field("type")
F_VALUE = _field("value")
