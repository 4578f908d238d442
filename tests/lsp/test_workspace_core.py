"""The pure pieces under the workspace features: no server process, fast."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from tree_sitter import Node

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.baseline import Baseline, code_of, key
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding, Fix, TextEdit
from codie.core.notebook import build_module, cell_findings, mask
from codie.core.rules import catalogue
from codie.core.suppressions import BLOCK, FILE, LINE, index, parse_directive
from codie.core.workspace import is_included, workspace_files


class Raising:
    name: ClassVar[str] = "raising"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    incremental: ClassVar[bool] = True
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        for node in nodes:
            if b"boom" in ctx.doc.source[node.start_byte : node.end_byte]:
                raise RuntimeError("boom")
            yield ctx.report("Q004", node.start_byte, node.start_byte + 1, "marker")


def test_disabled_analyzer_keeps_incremental_equal_to_full() -> None:
    rng = random.Random(7)
    lines = ["x = eval(a)", "try:\n    f()\nexcept:\n    pass", "boom = 1", "y = 2", "def f(a=[]):\n    return a"]
    doc = Document("file:///t.py", "\n".join(lines) + "\n")
    analyzers = (*registered(), Raising())
    live = DocumentAnalysis(Context(doc, catalogue()), analyzers)
    live.run()
    assert "raising" in live.disabled
    for _ in range(60):
        at = rng.randrange(len(doc.source) + 1)
        snippet = rng.choice(["\n", "boom", "eval(x)", " ", "except:", "(", "z = 3\n"])
        edit = doc.splice(at, min(len(doc.source), at + rng.randrange(3)), snippet.encode())
        live.note_edit(edit)
        live.note_changed_ranges(doc.reparse())
        incremental = live.run()
        fresh_doc = Document("file:///t.py", doc.source)
        kept = [a for a in analyzers if a.name not in live.disabled]
        full = DocumentAnalysis(Context(fresh_doc, catalogue()), kept).run()
        assert incremental == full


def test_directive_parsing() -> None:
    cat = catalogue()
    ok = parse_directive("# codie: ignore[SEC001, Q001]", cat)
    assert ok is not None and ok.codes == ("SEC001", "Q001") and not ok.problem
    loose = parse_directive("# codie: ignore SEC001", cat)
    assert loose is not None and not loose.effective and loose.replacement == ("# codie: ignore[SEC001]")
    noqa = parse_directive("# noqa E722", cat)
    assert noqa is not None and noqa.blanket and noqa.replacement == "# noqa: E722"
    assert parse_directive("# nosec B307, B102", cat).codes == ("B307", "B102")  # type: ignore[union-attr]
    assert parse_directive("# just a comment", cat) is None


def test_scopes_from_the_tree() -> None:
    doc = Document(
        "file:///t.py",
        (
            "# noqa: E722\n"
            "import os\n"
            "@decorated\n"
            "def f(x):  # codie: ignore[Q003]\n"
            "    assert x\n"
            "s = '# codie: ignore[Q001]'\n"
            "call(\n    a,\n)  # codie: ignore[SEC001]\n"
        ),
    )
    scopes = [(d.scope, d.first_line, d.last_line) for d in index(doc, catalogue()).directives]
    assert scopes == [(FILE, 0, 9), (BLOCK, 2, 4), (LINE, 6, 8)]  # not the one in a string


def test_baseline_keys_ignore_blanks_and_comments() -> None:
    assert code_of("  x  =  eval( s )   # noqa: S307") == "x = eval( s )"
    assert code_of("s = '#not a comment'  # real") == "s = '#not a comment'"
    assert key("Q001", "    except:") == key("Q001", "except:  # legacy")
    baseline = Baseline()
    baseline.add("a.py", "Q001", "except:")
    new, old = baseline.split("a.py", [(1, "Q001", "except:"), (2, "Q001", "  except:")])
    assert (new, old) == ([2], [1])
    assert Baseline.from_json(baseline.to_json()).files == baseline.files


def test_notebook_masking_keeps_offsets() -> None:
    source = b"%matplotlib inline\n!pip install x\nimport os\nos?\nx = (a\n     % b)\n"
    masked, spans = mask(source)
    assert len(spans) == 3  # the two magics and `os?`
    assert len(masked) == len(source)
    assert masked.decode().splitlines()[2:] == ["import os", "   ", "x = (a", "     % b)"]
    module, cmap = build_module([("c1", b"import sys"), ("c2", b"b = eval(sys.argv[1])")])
    assert module == b"import sys\nb = eval(sys.argv[1])"
    doc = Document("file:///n.ipynb", module, language="python")
    found = DocumentAnalysis(Context(doc, catalogue()), registered()).run()
    [second] = cell_findings(found, cmap, 1)
    assert (second.rule_id, second.start, second.end) == ("SEC001", 4, 21)  # cell offsets
    inside = dataclasses.replace(found[0], fix=Fix("f", (TextEdit(15, 19, "A"),)))
    assert cell_findings([inside], cmap, 1)[0].fix == Fix("f", (TextEdit(4, 8, "A"),))
    spill = dataclasses.replace(found[0], fix=Fix("f", (TextEdit(0, 1, "A"),)))
    assert cell_findings([spill], cmap, 1)[0].fix is None  # an edit in another cell: dropped


def test_workspace_walk_honours_gitignore_and_exclude(tmp_path: Path) -> None:
    for rel in (
        "a.py",
        "build/b.py",
        "gen/c.py",
        "sub/d.py",
        "sub/e_gen.py",
        "vendor/v.py",
        ".hidden/h.py",
        "notes.txt",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / ".gitignore").write_text("gen/\n")
    (tmp_path / "sub" / ".gitignore").write_text("*_gen.py\n")
    settings = Settings(exclude=("build/**", "vendor/**"))
    found = sorted(p.relative_to(tmp_path).as_posix() for p in workspace_files(tmp_path, settings))
    assert found == ["a.py", "sub/d.py"]
    verdicts = {
        rel: is_included(tmp_path / rel, tmp_path, settings)
        for rel in ("a.py", "gen/c.py", "sub/e_gen.py", "sub/d.py", "vendor/v.py")
    }
    assert verdicts == {"a.py": True, "gen/c.py": False, "sub/e_gen.py": False, "sub/d.py": True, "vendor/v.py": False}


def test_fix_on_save_never_removes_code() -> None:
    from codie.lsp.features.workspace_actions import fix_all_edits

    doc = Document("file:///t.py", "import os, sys\nx = 1  # noqa E722\n")

    def finding(start: int, end: int, text: str, safe: bool = True) -> Finding:
        return Finding("Q001", "m", start, end, fix=Fix("f", (TextEdit(start, end, text),), safe))

    unused_import = finding(0, 14, "import os")  # drops `sys`
    canonical = finding(22, 33, "# noqa: E722")  # same words: kept on save
    unsafe = finding(15, 20, "x = 2", safe=False)
    assert [e.new_text for e in fix_all_edits(doc, [unused_import, canonical, unsafe], True)] == ["# noqa: E722"]
    assert [e.new_text for e in fix_all_edits(doc, [unused_import, canonical, unsafe], False)] == [
        "import os",
        "# noqa: E722",
    ]
