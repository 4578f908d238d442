"""The imports a text makes, when the last text's are reused, equal the imports found from
scratch: the reuse holds only while the tree confirms the same import statements, not
merely the same import lines."""

from __future__ import annotations

import pytest

from codie.analyzers.security import names
from codie.core.document import Document

from .helpers import from_scratch


def imports_of(doc: Document) -> tuple[object, ...]:
    assert doc.tree is not None
    found = names.collect_imports(doc.source, doc.tree.root_node, doc.kept_from)
    return (sorted(found.aliases.items()), sorted(found.modules), sorted(found.relative.items()))


def scratch(text: bytes) -> tuple[object, ...]:
    with from_scratch():
        return imports_of(Document("file:///fresh/app.py", bytes(bytearray(text))))


# (first text, the text after one edit): the same import lines, other imports
PAIRS = [
    pytest.param(  # a paste turns a string's line into code: both texts parse cleanly
        'import re\ns = """\nimport os\n"""\n',
        'import re\ns = """"""\nimport os\nt = """"""\n',
        id="string-becomes-code",
    ),
    pytest.param(
        'import re\ns = """"""\nimport os\nt = """"""\n',
        'import re\ns = """\nimport os\n"""\n',
        id="code-becomes-string",
    ),
    pytest.param(  # the continuation line is not an import line: its edit changes the names
        "from pkg import a, \\\n    b\n\nb()\n",
        "from pkg import a, \\\n    bee\n\nbee()\n",
        id="backslash-continuation",
    ),
    pytest.param(  # an unclosed string above swallows the imports (a syntax error)
        "import os\nfrom flask import request\n\nx = 1\n",
        "import os\nfrom flask import request\n\nx = '''1\n",
        id="error-after",
    ),
    pytest.param(
        "x = '''\nimport os\nfrom flask import request\n",
        "x = ''\nimport os\nfrom flask import request\n",
        id="error-closed",
    ),
    pytest.param(
        "from\tpkg import a\n\na()\n",
        "from\tpkg import ab\n\nab()\n",
        id="tab-after-from",
    ),
]


@pytest.mark.parametrize("first,second", PAIRS)
def test_reused_imports_equal_imports_from_scratch(first: str, second: str) -> None:
    doc = Document("file:///p/app.py", first)
    assert imports_of(doc) == scratch(doc.source)
    start = next(i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b)
    doc.splice(len(first[:start].encode()), len(first.encode()), second[start:].encode())
    doc.reparse()
    assert doc.source == second.encode()
    assert imports_of(doc) == scratch(doc.source)


def test_a_keystroke_away_from_the_imports_reuses_them() -> None:
    doc = Document("file:///p/app.py", "import os\nfrom flask import request\n\nx = 1\n")
    first = names.collect_imports(doc.source, doc.tree.root_node, doc.kept_from)
    doc.splice(len(doc.source) - 2, len(doc.source) - 1, b"2")
    doc.reparse()
    assert names.collect_imports(doc.source, doc.tree.root_node, doc.kept_from) is first
