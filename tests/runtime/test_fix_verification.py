"""Fix verification runs the related tests in the sandbox: a fix that silences a finding by
breaking the function (`return eval(user)` -> `return None`) is refused, naming the test it
breaks; a fix that keeps the tests green is verified and lists the tests it ran."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.findings import Finding
from codie.core.rules import catalogue
from codie.llm.base import Completion, Prompt
from codie.llm.context import finding_context
from codie.llm.fixes import EDITOR_LOOPS, Verification, verify_fix
from codie.llm.service import LLMService
from codie.sandbox.process import probe

from .conftest import write_project

APP = "def run(user):\n    return eval(user)\n"
TESTS = """\
from app import run


def test_run_reads_a_list():
    assert run("[1, 2]") == [1, 2]


def test_unrelated():
    assert True
"""
BROKEN = APP.replace("return eval(user)", "return None")
GOOD = "import ast\n\n\n" + APP.replace("eval(user)", "ast.literal_eval(user)")
NODE = "test_app.py::test_run_reads_a_list"

needs_sandbox = pytest.mark.skipif(probe()[0] is None, reason=f"no sandbox: {probe()[1]}")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    return write_project(tmp_path / "proj", {"app.py": APP, "test_app.py": TESTS})


def finding_in(root: Path) -> tuple[Document, Finding]:
    path = root / "app.py"
    doc = Document(path.as_uri(), path.read_text())
    found = analyze(Context(doc, catalogue(), root=root), registered())
    return doc, next(f for f in found if f.rule_id == "SEC001")


def verify(root: Path, new_text: str) -> Verification:
    doc, finding = finding_in(root)
    return verify_fix(doc, finding, new_text, registered(), catalogue(), None, root)


@needs_sandbox
def test_a_fix_that_breaks_the_tests_is_refused(project: Path) -> None:
    result = verify(project, BROKEN)
    assert not result.ok
    assert f"breaks 1 related test(s): {NODE}" in result.reason, result.reason
    assert NODE in result.tests and "test_app.py::test_unrelated" in result.tests
    assert (project / "app.py").read_text() == APP  # verified on a copy


@needs_sandbox
def test_a_fix_that_keeps_the_tests_green_is_verified(project: Path) -> None:
    result = verify(project, GOOD)
    assert result.ok, result.reason
    assert result.tests == (NODE, "test_app.py::test_unrelated")
    assert "2 related test(s) ran in the sandbox" in result.reason and NODE in result.reason


@needs_sandbox
def test_a_test_failing_before_the_fix_does_not_count(project: Path) -> None:
    (project / "test_app.py").write_text(TESTS + "\n\ndef test_already_red():\n    assert run('1') == 2\n")
    result = verify(project, GOOD)
    assert result.ok, result.reason
    assert "1 already failing without it" in result.reason


@needs_sandbox
async def test_the_model_proposal_goes_through_the_tests(project: Path) -> None:
    class Model:
        name = model = "scripted"

        def __init__(self, answer: str) -> None:
            self.answer = answer

        async def stream(self, prompt: Prompt):  # type: ignore[no-untyped-def]
            yield self.answer

        async def complete(self, prompt: Prompt) -> Completion:
            return Completion(self.answer, provider=self.name)

    doc, finding = finding_in(project)
    answer = "```diff\n@@ -1,2 +1,2 @@\n def run(user):\n-    return eval(user)\n+    return None\n```"
    service = LLMService(provider=Model(answer))  # type: ignore[arg-type]
    fc = finding_context(doc, finding, catalogue())
    proposal = await asyncio.to_thread(
        asyncio.run, service.propose_fix(doc, finding, fc, registered(), catalogue(), None, project)
    )
    assert not proposal.ok and NODE in proposal.verification.reason


def test_without_a_sandbox_the_tests_are_not_run_and_it_says_so(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = verify(project, BROKEN)
    assert result.tests == () and "related tests NOT run" in result.reason
    assert "install bubblewrap" in result.reason


async def test_the_editor_loop_never_runs_tests(project: Path) -> None:
    EDITOR_LOOPS.add(asyncio.get_running_loop())
    try:
        result = verify(project, BROKEN)
    finally:
        EDITOR_LOOPS.discard(asyncio.get_running_loop())
    assert result.tests == () and "not run in the editor" in result.reason


def test_no_related_tests_means_static_checks_only(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"app.py": APP})
    result = verify(root, GOOD)
    assert result.ok and "no tests related to app.py" in result.reason
