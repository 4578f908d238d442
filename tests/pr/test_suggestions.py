"""Suggestion blocks: only verified fixes, only on lines the change touches, exact line ranges."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from codie.analyzers import registered
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding, Fix, TextEdit
from codie.core.project import analyze_file
from codie.core.rules import catalogue
from codie.pr.conversation import parse, reply_payload
from codie.pr.suggestions import Outcome, Suggestion, suggest
from tests.pr.helpers import VULNERABLE


def analysed(tmp_path: Path, text: str = VULNERABLE) -> tuple[Document, list[Finding]]:
    (tmp_path / "app.py").write_text(text)
    return analyze_file(tmp_path / "app.py", registered(), catalogue(), Settings(), tmp_path)


def one(findings: list[Finding], doc: Document, rule: str, line: int) -> Finding:
    return next(f for f in findings if f.rule_id == rule and doc.lines.line_of(f.start) + 1 == line)


def offer(doc: Document, f: Finding, changed: set[int], tmp_path: Path) -> Outcome:
    return suggest(doc, f, changed, registered(), catalogue(), Settings(), tmp_path)


def test_a_verified_fix_on_changed_lines_becomes_a_suggestion(tmp_path: Path) -> None:
    doc, found = analysed(tmp_path)
    outcome = offer(doc, one(found, doc, "Q001", 15), set(range(10, 18)), tmp_path)
    assert outcome.suggestion == Suggestion(15, 15, ("    except Exception:",), "Catch `Exception` instead")
    assert outcome.suggestion.comment_range() == {"line": 15, "side": "RIGHT"}
    assert outcome.suggestion.block() == "```suggestion\n    except Exception:\n```"


def test_never_outside_the_change(tmp_path: Path) -> None:
    doc, found = analysed(tmp_path)
    outcome = offer(doc, one(found, doc, "Q001", 15), {10, 11, 12, 16, 17}, tmp_path)
    assert outcome.suggestion is None and "line 15" in outcome.reason
    # the eval fix also needs `import ast` at the top: offered only when the change covers it
    eval_call = one(found, doc, "SEC001", 17)
    assert offer(doc, eval_call, set(range(10, 18)), tmp_path).suggestion is None
    whole = offer(doc, eval_call, set(range(1, 18)), tmp_path).suggestion
    # (`import ast` goes after the imports: line 2 is `from flask import request`)
    assert whole is not None and (whole.start_line, whole.end_line) == (2, 17)
    assert whole.comment_range() == {"line": 17, "side": "RIGHT", "start_line": 2, "start_side": "RIGHT"}
    applied = doc.text.splitlines()
    applied[1:17] = whole.lines
    assert applied[2] == "import ast" and applied[17] == "    return ast.literal_eval(request.args[pattern])"


def test_an_unverified_fix_is_not_offered(tmp_path: Path) -> None:
    doc, found = analysed(tmp_path)
    bare = one(found, doc, "Q001", 15)
    at = doc.source.index(b"    except:")
    useless = dataclasses.replace(bare, fix=Fix("Comment it", (TextEdit(at, at, "    # why?\n"),)))
    outcome = offer(doc, useless, set(range(10, 18)), tmp_path)
    assert outcome.suggestion is None and "still there" in outcome.reason
    broken = dataclasses.replace(bare, fix=Fix("Break it", (TextEdit(at, at + 11, "    except ("),)))
    outcome = offer(doc, broken, set(range(10, 18)), tmp_path)
    assert outcome.suggestion is None and "does not parse" in outcome.reason
    assert offer(doc, dataclasses.replace(bare, fix=None), set(range(1, 20)), tmp_path).reason == (
        "Q001 has no automatic fix"
    )


def test_blocks_deletions_and_fences() -> None:
    assert Suggestion(3, 4, (), "t").block() == "```suggestion\n```"  # deletes lines 3-4
    assert Suggestion(3, 3, ("",), "t").block() == "```suggestion\n\n```"  # one empty line
    assert Suggestion(1, 1, ('doc = """```py"""',), "t").block() == '````suggestion\ndoc = """```py"""\n````'


def test_mentions_and_which_deliveries_become_replies() -> None:
    assert parse("@codie why", "codie") == ("why", "")
    assert parse("Hmm. @Codie ignore  it is a test fixture\nthanks", "codie") == ("ignore", "it is a test fixture")
    assert parse("@codie[bot] fix", "codie") == ("fix", "")
    assert parse("mail me at me@codie.dev or ping @codie-lsp", "codie") is None
    repo = {"full_name": "acme/shop", "clone_url": "https://github.com/acme/shop.git"}
    comment = {"id": 9, "in_reply_to_id": 5, "body": "@codie why", "user": {"login": "alice", "type": "User"}}
    event = {"action": "created", "comment": comment, "pull_request": {"number": 7}, "repository": repo}
    payload = reply_payload("pull_request_review_comment", event)
    assert payload is not None and (payload["root_id"], payload["command"], payload["thread"]) == (5, "why", "review")
    assert payload["job_key"] == "acme/shop#7/comment-9"
    assert reply_payload("pull_request_review_comment", {**event, "action": "edited"}) is None
    own = {**comment, "user": {"login": "codie[bot]", "type": "Bot"}}
    assert reply_payload("pull_request_review_comment", {**event, "comment": own}) is None
    on_issue = {"action": "created", "comment": comment, "issue": {"number": 3}, "repository": repo}
    assert reply_payload("issue_comment", on_issue) is None  # an issue, not a pull request
