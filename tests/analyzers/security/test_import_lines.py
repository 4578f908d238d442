"""A text's import lines, found from the last text's when an edit leaves them alone, equal a
search of the whole text, after every edit of random sequences (edits inside and next to
import lines, parenthesised lists, half-typed `import` words, lines made and unmade)."""

import random

import pytest

from codie.analyzers.security import names

BASE = (
    '"""Doc."""\n'
    "import os\n"
    "from a.b import (\n"
    "    c,\n"
    "    d,\n"
    ")\n"
    "\n"
    "def f(x):\n"
    "    import json as j\n"
    "    y = x.important\n"
    "    return j.dumps(y)\n"
    "\n"
    "z = 'import me'\n"
)
PIECES = ["import", "impor", "t", "from ", " ", "\n", "(", ")", "x", ",", "os", "# c", "\nimport re\n", "."]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kept_import_lines_equal_a_fresh_search(seed: int) -> None:
    rng = random.Random(seed)
    text = (BASE * 6).encode()
    reused = 0
    for _ in range(400):
        at = rng.randrange(len(text) + 1)
        end = min(len(text), at + rng.choice([0, 0, 1, 3, 10]))
        new = "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 1, 2]))).encode()
        text = text[:at] + new + text[end:]
        before = names._last_key[0][1] if names._last_key else None
        got = names.import_lines(text)
        assert got == names._import_key(text)
        reused += before is not None and got is before
        _, _, spans = names._last_key[0]
        assert spans == names._import_parts(text)[1]  # where they are, for the next edit
    assert reused > 100  # most edits are away from the import lines


def test_an_edit_away_from_the_imports_does_not_search_the_text() -> None:
    text = (BASE * 50).encode()
    names.import_lines(text)
    calls = []
    real = names._import_parts

    def counted(src: bytes) -> tuple[bytes, list[tuple[int, int]]]:
        calls.append(src)
        return real(src)

    names._import_parts = counted  # type: ignore[assignment]
    try:
        edited = text.replace(b"return j.dumps(y)", b"return j.dumps(y + 1)", 1)
        assert names.import_lines(edited) == names._import_key(edited)
        assert calls == [edited]  # only the check above searched it
        calls.clear()
        names.import_lines(edited + b"x = 1\n")
        assert calls == []
        names.import_lines(edited + b"import re\n")
        assert len(calls) == 1
    finally:
        names._import_parts = real  # type: ignore[assignment]


@pytest.mark.parametrize("seed", [5, 6])
def test_the_import_keywords_are_the_ends_of_the_import_line_regex(seed: int) -> None:
    """collect_imports finds its import lines from the text's `import`s (a `find` loop), not
    with IMPORT_LINE (tried at every byte): the same places, on random texts of import-ish
    pieces (a `from` head, `\\r`, `importlib`, `import` twice on a line, a text's last word)."""
    rng = random.Random(seed)
    pieces = [*PIECES, "\r", "\t", "importlib", "_", "from a.b  ", "from . ", "é", "import import "]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))).encode()
        assert list(names.import_keywords(text)) == [m.end() for m in names.IMPORT_LINE.finditer(text)], text


def test_collecting_the_imports_does_not_run_the_line_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refuse:
        def finditer(self, *args: object) -> None:
            raise AssertionError("IMPORT_LINE is tried at every byte of the text")

    from codie.core.document import Document

    doc = Document("file:///p/a.py", BASE)
    assert doc.tree is not None
    monkeypatch.setattr(names, "IMPORT_LINE", Refuse())
    imports = names.collect_imports(doc.source, doc.tree.root_node)
    assert {"os", "json"} <= imports.modules and imports.aliases["j"] == "json"
