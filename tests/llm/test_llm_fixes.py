"""Verified fixes: only a fix that parses, removes the finding and adds none is offered."""

from __future__ import annotations

import pytest

from codie.analyzers import registered
from codie.core.rules import catalogue
from codie.llm.base import Completion, Prompt
from codie.llm.fixes import DiffError, apply_diff, extract_diff, verify_fix
from codie.llm.service import LLMService
from tests.llm.llm_helpers import context_for, findings_of

CODE = "def f(x):\n    try:\n        return eval(x)\n    except:\n        pass\n"


class ScriptedProvider:
    """A model that answers fix requests with a given diff."""

    name = "scripted"
    model = "scripted"

    def __init__(self, answer: str) -> None:
        self.answer = answer

    async def stream(self, prompt: Prompt):  # type: ignore[no-untyped-def]
        yield self.answer

    async def complete(self, prompt: Prompt) -> Completion:
        return Completion(self.answer, provider=self.name)


def diff(old: str, new: str) -> str:
    return f"""Here is the fix:
```diff
--- a/app.py
+++ b/app.py
@@ -2,4 +2,4 @@
     try:
         return eval(x)
-    {old}
+    {new}
         pass
```"""


async def propose(answer: str, rule: str = "Q001"):  # type: ignore[no-untyped-def]
    doc, finding, fc = context_for(rule, CODE)
    service = LLMService(provider=ScriptedProvider(answer))  # type: ignore[arg-type]
    return await service.propose_fix(doc, finding, fc, registered(), catalogue())


async def test_a_good_fix_is_verified() -> None:
    proposal = await propose(diff("except:", "except Exception:"))
    assert proposal.ok, proposal.verification.reason
    assert "except Exception:" in proposal.verification.new_text
    assert "+    except Exception:" in proposal.verification.diff


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("except:", "except:  # codie: ignore[Q001]", "still there"),  # suppressing is not fixing
        ("except:", "except Exception", "does not parse"),
        ("except:", "except (:", "does not parse"),
        ("except:", "except Exception:\n+        x = eval(input())", "introduces SEC001"),
        ("except:", "except:", "changes nothing"),
        ("catch:", "except Exception:", "does not match"),
        ("except:", "except Error:", "undefined name(s): Error"),
    ],
)
async def test_bad_fixes_are_never_offered(old: str, new: str, reason: str) -> None:
    proposal = await propose(diff(old, new))
    assert not proposal.ok
    assert reason in proposal.verification.reason


async def test_an_answer_without_a_diff_is_rejected() -> None:
    proposal = await propose("I would catch Exception instead.")
    assert not proposal.ok and "no unified diff" in proposal.verification.reason


async def test_offline_proposes_the_rules_own_fix() -> None:
    doc, finding, fc = context_for("Q001", CODE)
    proposal = await LLMService().propose_fix(doc, finding, fc, registered(), catalogue())
    assert proposal.ok and proposal.provider == "offline"


def test_apply_diff_tolerates_wrong_line_numbers_and_trailing_space() -> None:
    text = "a = 1\nb = 2   \nc = 3\n"
    patch = "@@ -40,3 +40,3 @@\n a = 1\n-b = 2\n+b = 20\n c = 3\n"
    assert apply_diff(text, patch) == "a = 1\nb = 20\nc = 3\n"
    with pytest.raises(DiffError):
        extract_diff("no diff here")


def test_verify_rejects_a_fix_for_a_finding_that_moved_elsewhere() -> None:
    doc, found = findings_of(CODE)
    target = next(f for f in found if f.rule_id == "SEC001")
    moved = CODE.replace("return eval(x)", "y = eval(x)\n        return y")
    result = verify_fix(doc, target, moved, registered(), catalogue())
    assert not result.ok and "still there" in result.reason


async def test_a_fix_that_forgets_its_import_is_refused() -> None:
    answer = """```diff
@@ -3,1 +3,1 @@
-        return eval(x)
+        return ast.literal_eval(x)
```"""
    proposal = await propose(answer, rule="SEC001")
    assert not proposal.ok and "undefined name(s): ast" in proposal.verification.reason
    with_import = """```diff
@@ -1,3 +1,4 @@
+import ast
 def f(x):
     try:
-        return eval(x)
+        return ast.literal_eval(x)
```"""
    assert (await propose(with_import, rule="SEC001")).ok


def test_names_bound_in_many_ways_are_known() -> None:
    from codie.core.document import Document
    from codie.llm.fixes import undefined_new_names

    before = Document("file:///a.py", "def f(x):\n    return x\n")
    after = Document(
        "file:///a.py",
        (
            "import os.path\nfrom json import loads as parse\nfrom re import compile\n"
            "def f(x, *args, key=None, **kw):\n    y = [z for z in x]\n"
            "    if (n := len(y)):\n        pass\n    for i, j in kw.items():\n        pass\n"
            "    with open(x) as fh:\n        pass\n    try:\n        pass\n"
            "    except OSError as err:\n        print(err)\n"
            "    g = lambda q: q + n\n    class K:\n        pass\n"
            "    return os.path.join(parse(fh), compile(i), j, K, g, key, args, print(x=1))\n"
        ),
    )
    assert undefined_new_names(before, after) == []
    assert undefined_new_names(before, Document("file:///a.py", "def f(x):\n    return y\n")) == ["y"]
