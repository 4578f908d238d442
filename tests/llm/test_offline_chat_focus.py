"""The offline chat answers the question asked: named findings first, the rest listed."""

from __future__ import annotations

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.rules import catalogue
from codie.llm.context import ChatContext, finding_context
from codie.llm.offline import chat_markdown

SOURCE = """def load(path, defaults={}):
    try:
        return open(path).read()
    except:
        return eval(path)
"""


def chat(question: str) -> str:
    doc = Document("file:///p/app.py", SOURCE)
    cat = catalogue()
    found = analyze(Context(doc, cat), registered())
    contexts = tuple(finding_context(doc, f, cat, "app.py") for f in found)
    return chat_markdown(ChatContext(message=question, path="app.py", findings=contexts))


def test_question_about_eval_leads_with_eval() -> None:
    answer = chat("Why is this eval dangerous?")
    assert answer.index("SEC001") < answer.index("Q002")
    assert "1 match your question" in answer
    assert "literal_eval" in answer  # the explanation of the asked-about rule
    assert "Also in app.py: `Q002`" in answer or "`Q002` Mutable default argument" in answer


def test_general_question_explains_everything() -> None:
    answer = chat("Anything to worry about?")
    for rule in ("SEC001", "Q001", "Q002"):
        assert f"{rule}" in answer
    assert "match your question" not in answer


def test_answers_leave_out_bookkeeping() -> None:
    answer = chat("Why is this eval dangerous?")
    assert "fingerprint" not in answer and ": False" not in answer and ": True" not in answer
