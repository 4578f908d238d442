"""Verified fixes: a proposed diff is applied to a copy and checked before it is offered.

A fix is offered only when the fixed copy parses (no ERROR or MISSING node), uses no name
that it does not define or import (a model's `ast.literal_eval` without `import ast`), the
finding is gone, and no finding appears that was not there before. Findings are compared by rule
and the text they cover (offsets move with the fix). A suppression comment does not count
as removing a finding: the raw analysis is compared, before suppressions are applied.

Then, when the file belongs to a project (root) with tests related to it, those tests run
on a fixed copy of the project, in the sandbox: a fix that makes a test fail that passed
before is refused, naming it; a verified fix lists the tests it ran. Without a sandbox
(no bubblewrap, no docker) the tests are not run, and the reason says so. The editor's
server verifies statically (`run_tests=False`) and hands the tests to its worker process
(the "llm.fix-tests" job, lsp/features/runtime.py), with the runtime tests' consent; a
verification that would run tests on an editor's event loop runs none (EDITOR_LOOPS).
"""

from __future__ import annotations

import asyncio
import builtins
import re
import tempfile
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from tree_sitter import Node

from codie.core.analyzer import Analyzer, Context
from codie.core.config import Settings
from codie.core.document import BINDING_TARGETS, Document
from codie.core.engine import analyze
from codie.core.findings import Finding
from codie.core.rules import Catalogue

FENCE = re.compile(r"```(?:diff|patch)?[ \t]*\n(.*?)```", re.S)
HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")


class DiffError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    reason: str
    new_text: str = ""
    diff: str = ""
    tests: tuple[str, ...] = ()  # the related tests that ran on the fixed copy (node ids)


# Event loops of editor servers (lsp/features/runtime.py adds its own): a verification
# called on one of them must not run tests, which would block the editor for seconds.
EDITOR_LOOPS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
TEST_LIMITS_S = (120.0, 30.0)  # the whole run, each test


def extract_diff(answer: str) -> str:
    """The unified diff in a model's answer (inside a ```diff fence, or bare)."""
    for block in FENCE.findall(answer):
        if "@@" in block:
            return str(block)
    if "@@" in answer:
        start = answer.find("---") if "---" in answer else answer.find("@@")
        return answer[start:]
    raise DiffError("the answer contains no unified diff")


def _hunks(diff: str) -> list[tuple[int, list[str], list[str]]]:
    hunks: list[tuple[int, list[str], list[str]]] = []
    old: list[str] = []
    new: list[str] = []
    line_no = 0
    inside = False
    for raw in diff.splitlines():
        m = HUNK.match(raw)
        if m:
            if inside:
                hunks.append((line_no, old, new))
            line_no, old, new, inside = int(m.group(1)), [], [], True
            continue
        if not inside or raw.startswith(("---", "+++", "\\")):
            continue
        tag, body = (raw[:1], raw[1:]) if raw else (" ", "")
        if tag == " ":
            old.append(body)
            new.append(body)
        elif tag == "-":
            old.append(body)
        elif tag == "+":
            new.append(body)
        else:  # models drop the leading space of empty context lines, or add prose
            old.append(raw)
            new.append(raw)
    if inside:
        hunks.append((line_no, old, new))
    if not hunks:
        raise DiffError("the diff has no hunks")
    return hunks


def apply_diff(text: str, diff: str) -> str:
    """Apply a unified diff by content (models miscount line numbers): each hunk's old
    lines must occur in the text; the occurrence nearest the stated line is replaced."""
    lines = text.splitlines()
    ending = "\n" if text.endswith("\n") or not text else ""
    offset = 0
    for stated, old, new in _hunks(diff):
        if old == new:
            raise DiffError("a hunk changes nothing")
        at = _locate(lines, old, stated - 1 + offset)
        if at is None:
            raise DiffError(f"a hunk does not match the code (near line {stated})")
        lines[at : at + len(old)] = new
        offset += len(new) - len(old)
    return "\n".join(lines) + ending


def _locate(lines: list[str], old: list[str], hint: int) -> int | None:
    if not old:
        return max(0, min(hint, len(lines)))
    for loose in (False, True):  # exact first, then ignoring trailing whitespace

        def norm(s: str, loose: bool = loose) -> str:
            return s.rstrip() if loose else s

        want = [norm(s) for s in old]
        places = [i for i in range(len(lines) - len(old) + 1) if [norm(s) for s in lines[i : i + len(old)]] == want]
        if places:
            return min(places, key=lambda i: abs(i - hint))
    return None


def unified_diff(old: str, new: str, path: str) -> str:
    import difflib  # (here: the editor loads this module, and diffs only for an LLM fix)

    return "".join(
        difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    )


def _key(doc: Document, f: Finding) -> tuple[str, str]:
    return f.rule_id, " ".join(doc.source[f.start : f.end].decode("utf-8", "replace").split())


_BINDING_FIELDS = {
    **BINDING_TARGETS,  # the statements that bind names (assignments, loops, walrus, `as`)
    "function_definition": "name",
    "class_definition": "name",
    "aliased_import": "alias",
}
_BINDING_NODES = {"parameters", "lambda_parameters", "global_statement", "nonlocal_statement"}


def _identifiers(node: Node) -> list[Node]:
    found = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            found.append(n)
        stack.extend(n.children)
    return found


def _names(doc: Document) -> tuple[set[str], set[str], bool]:
    """(names used as references, names bound, star import present) in doc."""
    used: set[str] = set()
    bound: set[str] = set()
    star = False
    for node in doc.walk():
        kind = node.type
        if kind == "wildcard_import":
            star = True
        elif kind in _BINDING_FIELDS:
            target = node.child_by_field_name(_BINDING_FIELDS[kind])
            if target is not None:
                bound.update(doc.node_text(i) for i in _identifiers(target))
        elif kind in _BINDING_NODES:
            bound.update(doc.node_text(i) for i in _identifiers(node))
        elif kind in ("import_statement", "import_from_statement"):
            for name in node.children_by_field_name("name"):
                if name.type == "dotted_name" and name.named_children:
                    bound.add(doc.node_text(name.named_children[0]))  # import a.b binds a
        elif kind == "identifier":
            parent = node.parent
            if parent is None:
                continue
            if parent.type == "attribute" and parent.child_by_field_name("attribute") == node:
                continue  # x.attr: attr is no reference
            if parent.type == "keyword_argument" and parent.child_by_field_name("name") == node:
                continue
            if parent.type in ("dotted_name", "aliased_import"):
                continue  # module paths in imports
            used.add(doc.node_text(node))
    return used, bound, star


def undefined_new_names(before: Document, after: Document) -> list[str]:
    """Names the fixed code references that it neither defines nor imports, and that the
    original did not reference either (those were someone else's concern)."""
    used_before, bound_before, _ = _names(before)
    used, bound, star = _names(after)
    if star:
        return []  # `from x import *` may define anything
    known = used_before | bound_before | bound | set(dir(builtins))
    return sorted(used - known)


def _error_line(doc: Document) -> int | None:
    for node in doc.walk():
        if node.type == "ERROR" or node.is_missing:
            return doc.lines.line_of(node.start_byte) + 1
    return None


def verify_fix(
    doc: Document,
    finding: Finding,
    new_text: str,
    analyzers: Sequence[Analyzer],
    catalogue: Catalogue,
    settings: Settings | None = None,
    root: Path | None = None,
    run_tests: bool = True,
) -> Verification:
    """Check a fixed copy of doc: parses, finding gone, nothing new; then its related tests
    (unless `run_tests` is False: then the reason says only what was checked statically)."""
    settings = settings or Settings()
    path = doc.uri.rsplit("/", 1)[-1]
    diff = unified_diff(doc.text, new_text, path)
    if new_text == doc.text:
        return Verification(False, "the fix changes nothing", new_text, diff)
    fixed = Document(doc.uri, new_text, doc.version, doc.language)
    if fixed.tree is not None and fixed.tree.root_node.has_error:
        line = _error_line(fixed)
        return Verification(False, f"the fixed code does not parse (line {line})", new_text, diff)
    before_doc = Document(doc.uri, doc.source, doc.version, doc.language)
    missing = undefined_new_names(before_doc, fixed) if fixed.tree is not None else []
    if missing:
        return Verification(False, "the fix uses undefined name(s): " + ", ".join(missing), new_text, diff)
    before = Counter(
        _key(before_doc, f) for f in analyze(Context(before_doc, catalogue, settings, root=root), analyzers)
    )
    after = Counter(_key(fixed, f) for f in analyze(Context(fixed, catalogue, settings, root=root), analyzers))
    target = _key(doc, finding)
    if after[target] >= before[target]:
        return Verification(False, f"the finding {finding.rule_id} is still there", new_text, diff)
    new = sorted(k[0] for k in after if after[k] > before[k])
    if new:
        return Verification(False, "the fix introduces " + ", ".join(new), new_text, diff)
    static = "parses, removes the finding, adds none"
    if not run_tests:
        return Verification(True, static, new_text, diff)
    passed, why, ran = related_tests_verdict(doc, new_text, root)
    return Verification(passed, f"{static}; {why}", new_text, diff, ran)


def _doc_path(uri: str, root: Path | None) -> Path | None:
    parsed = urlparse(uri)
    if root is None or parsed.scheme != "file":
        return None
    path = Path(unquote(parsed.path))
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return path if path.is_file() else None


def _on_editor_loop() -> bool:
    try:
        return asyncio.get_running_loop() in EDITOR_LOOPS
    except RuntimeError:
        return False


def related_tests_verdict(doc: Document, new_text: str, root: Path | None) -> tuple[bool, str, tuple[str, ...]]:
    return related_tests_at(doc.uri, new_text, root)


def related_tests_at(uri: str, new_text: str, root: Path | None) -> tuple[bool, str, tuple[str, ...]]:
    """(ok, what happened, tests that ran): the tests related to the file at `uri`, run in
    the sandbox on a copy of the project with the fix applied (`new_text`). A test that
    already failed without the fix does not count against it."""
    from codie.runtime.runner import run_tests
    from codie.runtime.select import related_tests
    from codie.runtime.service import project_python
    from codie.sandbox import Limits, SandboxError, choose
    from codie.sandbox.base import copy_project

    path = _doc_path(uri, root)
    if path is None or root is None:
        return True, "no project tests to run", ()
    root = root.resolve()
    rel = path.resolve().relative_to(root)
    tests, _how = related_tests(root, [path])
    if not tests:
        return True, f"no tests related to {rel.as_posix()}", ()
    if _on_editor_loop():
        return True, ("related tests not run in the editor; `codie llm fix FILE:LINE` runs them"), ()
    try:
        sandbox = choose("auto", python=project_python(root))
    except SandboxError as exc:
        return True, f"related tests NOT run: {exc}", ()
    wall, each = TEST_LIMITS_S
    limits = Limits(wall_seconds=wall, test_seconds=each)
    with tempfile.TemporaryDirectory(prefix="codie-fix-") as tmp:
        copy = Path(tmp) / "project"
        try:
            copy_project(root, copy)
            (copy / rel).write_text(new_text, encoding="utf-8")
        except (OSError, SandboxError) as exc:
            return True, f"related tests NOT run: cannot copy the project ({exc})", ()
        fixed = run_tests(copy, sandbox, edited=[copy / rel], limits=limits)
    ran = tuple(t["nodeid"] for t in fixed.tests)
    if not ran:
        return True, f"related tests could not run: {fixed.error or 'none collected'}", ()
    failing = {t["nodeid"]: t for t in fixed.failed}
    if failing:
        before = run_tests(root, sandbox, edited=[path], limits=limits)
        already = {t["nodeid"] for t in before.failed}
        broken = [n for n in failing if n not in already]
        if broken:
            message = (failing[broken[0]].get("failure") or {}).get("message") or ""
            first = message.strip().splitlines()[0][:200] if message.strip() else "failed"
            return False, (f"the fix breaks {len(broken)} related test(s): {', '.join(broken)} ({first})"), ran
    kept = f" ({len(failing)} already failing without it)" if failing else ""
    return True, f"{len(ran)} related test(s) ran in the sandbox{kept}: {', '.join(ran)}", ran
