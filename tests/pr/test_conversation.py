"""The pull-request conversation over real HTTP: suggestions, `@codie why|fix|ignore` replies.

A real git repository, the real webhook (signed deliveries, embedded worker) and a loopback
server speaking GitHub's REST and GraphQL API that records every request.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import codie.pr.job  # noqa: F401  (registers the pr-check and pr-reply handlers)
from codie.cli.main import main
from codie.llm.feedback import FeedbackStore
from codie.pr.conversation import reply_payload, run_pr_reply
from codie.pr.github import GitHub
from codie.pr.webhook import WebhookService, serve
from tests.pr.fake_github import FakeGitHub
from tests.pr.helpers import SECRET, Context, encode, make_repo, pr_event, publish_pull, sh, signed
from tests.waiting import until

REPO = "acme/shop"
SUGGESTION = re.compile(r"^(`{3,})suggestion\n(.*?)^\1$", re.M | re.S)


@dataclass
class World:
    url: str
    service: WebhookService
    github: FakeGitHub
    repo: Path
    shas: dict[str, str]
    feedback: Path

    async def deliver(self, event_name: str, event: dict[str, Any], secret: bytes = SECRET) -> tuple[int, Any]:
        body = encode(event)
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/webhook", data=body, headers=signed(body, event=event_name, secret=secret)) as r,
        ):
            return r.status, json.loads(await r.text())

    async def run(self, event_name: str, event: dict[str, Any]) -> dict[str, Any]:
        status, answer = await self.deliver(event_name, event)
        assert status == 202 and answer["message"] == "queued", answer
        state = await until(lambda: (job := self.service.queue.get(int(answer["job"]))).final and job, "the job")
        assert state.state == "done", state.error
        return dict(state.result or {})

    async def ask(self, login: str, text: str, reply_to: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """A person replies in a review thread; the job's result and Codie's answer."""
        comment = self.github.human_comment(REPO, 7, login, text, reply_to)
        result = await self.run(
            "pull_request_review_comment",
            {
                "action": "created",
                "comment": comment,
                "pull_request": {"number": 7},
                "repository": {"full_name": REPO, "clone_url": str(self.repo)},
            },
        )
        answers = [c for c in self.github.all_review_comments() if f"<!-- codie:reply:{comment['id']} -->" in c["body"]]
        assert len(answers) == 1
        return result, answers[0]

    def thread_of(self, rule: str) -> dict[str, Any]:
        return next(
            c
            for c in self.github.all_review_comments()
            if c["body"].startswith(f"**{rule}**") and not c.get("in_reply_to_id")
        )


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    repo = tmp_path / "repo"
    shas = make_repo(repo)
    with FakeGitHub() as github:
        github.permissions.update({"bob": "write", "reader": "read"})
        github.pulls[(REPO, 7)] = {
            "number": 7,
            "head": {"sha": shas["head"], "ref": "feature"},
            "base": {"sha": shas["base"], "ref": "main"},
        }
        monkeypatch.setenv("CODIE_GITHUB_API_URL", github.url)
        monkeypatch.setenv("CODIE_GITHUB_TOKEN", github.token)
        monkeypatch.setenv("CODIE_PR_CACHE", str(tmp_path / "cache"))
        monkeypatch.setenv("CODIE_PR_FEEDBACK_DB", str(tmp_path / "feedback.db"))
        service = WebhookService(SECRET, tmp_path / "hook.db", workers=1)
        service.start_workers()
        runner = await serve(service, "127.0.0.1", 0)
        try:
            yield World(
                f"http://127.0.0.1:{runner.addresses[0][1]}", service, github, repo, shas, tmp_path / "feedback.db"
            )
        finally:
            await runner.cleanup()
            service.close()


def apply_suggestion(text: str, comment: dict[str, Any]) -> str:
    """What GitHub's "Commit suggestion" does: the commented lines become the block's lines."""
    (fence,) = SUGGESTION.findall(comment["body"])
    lines = text.splitlines(keepends=True)
    first, last = int(comment.get("start_line") or comment["line"]), int(comment["line"])
    return "".join(lines[: first - 1]) + fence[1] + "".join(lines[last:])


async def test_suggestion_applies_cleanly_and_removes_the_finding(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await world.run("pull_request", pr_event(world.repo, world.shas))
    assert result["suggestions"] == 1
    bare_except, eval_call = world.thread_of("Q001"), world.thread_of("SEC001")
    # SEC001's fix adds `import ast` at the top, a line the change does not touch: no suggestion
    assert "```suggestion" not in eval_call["body"]
    assert bare_except["line"] == 15 and "start_line" not in bare_except and bare_except["side"] == "RIGHT"

    work = tmp_path / "work"
    sh(world.repo, "worktree", "add", "--quiet", str(work), world.shas["head"])
    before = (work / "app.py").read_text()
    after = apply_suggestion(before, bare_except)
    assert after.splitlines()[14] == "    except Exception:"
    patch = "".join(
        difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), "a/app.py", "b/app.py")
    )
    (tmp_path / "s.patch").write_text(patch)
    subprocess.run(["git", "apply", "--check", str(tmp_path / "s.patch")], cwd=work, check=True)
    subprocess.run(["git", "apply", str(tmp_path / "s.patch")], cwd=work, check=True)
    assert (work / "app.py").read_text() == after
    main(["check", str(work / "app.py"), "--format", "json"])
    rules = {(f["rule"], f["start"]["line"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert ("Q001", 15) not in rules and ("SEC001", 17) in rules  # fixed; nothing else changed

    summary = next(iter(world.github.check_runs.values()))["output"]["summary"]
    ranked = re.findall(r"^\| (\d+) \| (\w+) \| (\d+)% \| `(\w+)`", summary, re.M)
    # ranked by confidence weighted by severity: the error (request data evaluated) first
    assert [(r[1], r[3]) for r in ranked] == [("error", "SEC001"), ("warning", "Q001")]
    assert "Hidden by the noise filter: 0" in summary


async def test_why_fix_and_ignore_in_the_thread(world: World) -> None:
    await world.run("pull_request", pr_event(world.repo, world.shas))
    eval_call, bare_except = world.thread_of("SEC001"), world.thread_of("Q001")

    # anyone may ask why: the explanation, its evidence and confidence, in the same thread
    result, answer = await world.ask("alice", "@codie why is this dangerous?", eval_call["id"])
    assert result["answered"] == "why" and answer["in_reply_to_id"] == eval_call["id"]
    assert answer["body"].startswith("@alice ") and "SEC001" in answer["body"]
    assert "**Confidence" in answer["body"] and "return eval(request.args[pattern])" in answer["body"]
    assert answer["user"]["type"] == "Bot"

    # a fix or an ignore from someone without write access is refused, politely, and changes nothing
    for login in ("mallory", "reader"):
        result, answer = await world.ask(login, "@codie fix", bare_except["id"])
        assert result == {"answered": "refused", "command": "fix"}
        assert "write access" in answer["body"] and "```suggestion" not in answer["body"]
    result, _ = await world.ask("mallory", "@codie ignore it is fine", eval_call["id"])
    assert result["answered"] == "refused" and _dismissals(world) == []
    permission_checks = [p for m, p, _ in world.github.requests if "/permission" in p]
    asked = ("mallory", "reader", "mallory")
    assert permission_checks == [f"/repos/{REPO}/collaborators/{u}/permission" for u in asked]

    # a collaborator's fix: the verified fix as a suggestion in the thread
    result, answer = await world.ask("bob", "@codie fix", bare_except["id"])
    assert result["answered"] == "fix" and answer["in_reply_to_id"] == bare_except["id"]
    assert "```suggestion\n    except Exception:\n```" in answer["body"]
    # SEC001's fix is not verified within the change: said so, no suggestion
    result, answer = await world.ask("bob", "@codie fix", eval_call["id"])
    assert result["answered"] == "no-fix" and "does not touch" in answer["body"]

    # a collaborator's ignore: recorded as feedback for this repository, thread resolved
    result, answer = await world.ask("bob", "@codie ignore test fixture, never deployed", eval_call["id"])
    assert result == {"answered": "ignore", "rule": "SEC001", "resolved": True}
    assert eval_call["id"] in world.github.resolved
    assert "test fixture, never deployed" in answer["body"]
    assert _dismissals(world) == [("github:acme/shop", "SEC001", "dismiss")]
    store = FeedbackStore(world.feedback)
    try:
        assert store.signal("github:acme/shop", "SEC001", 0.6) is not None
        assert store.signal("github:acme/shop", "SEC001", 0.6) < 0.5  # lowers the rule's confidence
    finally:
        store.close()

    # a non-command and a comment without a mention
    result, answer = await world.ask("alice", "@codie please", eval_call["id"])
    assert result == {"answered": "help"} and "`@codie why`" in answer["body"]
    status, body = await world.deliver(
        "pull_request_review_comment",
        {
            "action": "created",
            "comment": world.github.human_comment(REPO, 7, "alice", "looks good", eval_call["id"]),
            "pull_request": {"number": 7},
            "repository": {"full_name": REPO, "clone_url": str(world.repo)},
        },
    )
    assert status == 202 and "ignored" in body["message"]
    # an unsigned or forged comment delivery is rejected like any other
    status, _ = await world.deliver("issue_comment", {"action": "created"}, secret=b"forged")
    assert status == 403

    # the next push: the dismissed finding is hidden and counted, the summary says so
    sh(world.repo, "checkout", "--quiet", "feature")
    (world.repo / "app.py").write_text((world.repo / "app.py").read_text().replace("except:", "except OSError:"))
    sh(world.repo, "commit", "--quiet", "-am", "narrow except")
    shas2 = {"base": world.shas["base"], "head": sh(world.repo, "rev-parse", "HEAD")}
    publish_pull(world.repo, 7, shas2["head"])
    result = await world.run("pull_request", pr_event(world.repo, shas2, action="synchronize"))
    assert result["findings"] == 0 and result["hidden"] == 1 and result["conclusion"] == "success"
    run = next(r for r in world.github.check_runs.values() if r["head_sha"] == shas2["head"])
    assert "Hidden by the noise filter: 1** (1 dismissed with `@codie ignore`)" in run["output"]["summary"]

    conversation = transcript(world.github)
    assert conversation.count("codie[bot] replies on app.py:") == 8
    assert "mallory replies on app.py:15\n> @codie fix" in conversation
    if out := os.environ.get("CODIE_TRANSCRIPT"):  # how docs/pull-requests.md's transcript was made
        Path(out).write_text(conversation)


async def test_why_in_the_conversation_tab(world: World) -> None:
    await world.run("pull_request", pr_event(world.repo, world.shas))
    comment = {"id": 555, "body": "@codie why SEC001", "user": {"login": "alice", "type": "User"}}
    result = await world.run(
        "issue_comment",
        {
            "action": "created",
            "comment": comment,
            "issue": {"number": 7, "pull_request": {"url": "..."}},
            "repository": {"full_name": REPO, "clone_url": str(world.repo)},
        },
    )
    assert result["answered"] == "why"
    (answer,) = world.github.issue_comments[(REPO, 7)]
    assert answer["body"].startswith("@alice ") and "SEC001" in answer["body"]
    assert "<!-- codie:reply:555 -->" in answer["body"]
    # the same question again (a job re-run after a crash, say) is not answered twice
    event = {
        "action": "created",
        "comment": comment,
        "issue": {"number": 7, "pull_request": {"url": "..."}},
        "repository": {"full_name": REPO, "clone_url": str(world.repo)},
    }
    payload = reply_payload("issue_comment", event)
    assert payload is not None and run_pr_reply(payload, Context()) == {"answered": "before"}
    assert len(world.github.issue_comments[(REPO, 7)]) == 1

    # a fix asked for in the conversation tab: the suggestion goes on the lines it replaces
    fix = {"id": 556, "body": "@codie fix Q001", "user": {"login": "bob", "type": "User"}}
    result = await world.run("issue_comment", {**event, "comment": fix})
    assert result == {"answered": "fix", "suggestion": [15, 15], "separate": True}
    placed = world.github.all_review_comments()[-1]
    assert (placed["path"], placed["line"], placed["side"], placed["commit_id"]) == (
        "app.py",
        15,
        "RIGHT",
        world.shas["head"],
    )
    assert "```suggestion\n    except Exception:\n```" in placed["body"]
    link = world.github.issue_comments[(REPO, 7)][-1]
    assert link["body"].startswith("@bob the fix is a suggestion on app.py line 15: ")
    assert placed["html_url"] in link["body"]

    # the pull request's head cannot be fetched (force-pushed away, say): said so in the thread
    world.github.pulls[(REPO, 7)]["head"]["sha"] = "f" * 40
    gone = {"id": 557, "body": "@codie why SEC001", "user": {"login": "alice", "type": "User"}}
    result = await world.run("issue_comment", {**event, "comment": gone})
    assert result["answered"] == "error"
    assert "could not fetch" in world.github.issue_comments[(REPO, 7)][-1]["body"]


def _dismissals(world: World) -> list[tuple[str, str, str]]:
    store = FeedbackStore(world.feedback)
    try:
        return [tuple(r) for r in store.db.execute("SELECT project, rule_id, verdict FROM feedback_events").fetchall()]
    finally:
        store.close()


def transcript(github: FakeGitHub) -> str:
    """The recorded requests as a conversation (docs/pull-requests.md shows one)."""
    out = []
    for method, path, body in github.requests:
        if method == "POST" and path.endswith("/reviews"):
            for c in body["comments"]:
                lines = f"{c.get('start_line', c['line'])}" + (f"-{c['line']}" if c.get("start_line") else "")
                out.append(f"codie[bot] on {c['path']}:{lines}\n{_quote(c['body'])}")
        elif method == "POST" and path.endswith("/replies"):
            root = next(c for c in github.all_review_comments() if c["id"] == int(path.split("/")[-2]))
            out.append(f"codie[bot] replies on {root['path']}:{root['line']}\n{_quote(body['body'])}")
        elif method == "GET" and "/collaborators/" in path:
            out.append(f"(Codie checks {path.split('/')[-2]}'s permission: GET {path})")
        elif method == "POST" and path == "/graphql" and "resolveReviewThread" in body["query"]:
            out.append("(Codie resolves the thread: GraphQL resolveReviewThread)")
        elif method == "PERSON":  # a person's comment, delivered to the webhook by the test
            out.append(f"{body['user']['login']} replies on {body['path']}:{body['line']}\n{_quote(body['body'])}")
    return "\n\n".join(out) + "\n"


def _quote(text: str) -> str:
    text = re.sub(r"\s*<!-- codie:[^>]*-->", "", text)
    return "\n".join(("> " + line).rstrip() for line in text.split("\n"))


def test_review_threads_resolve_on_github_and_on_enterprise() -> None:
    with FakeGitHub() as github:
        github.comments[("acme/shop", 7)] = [
            {"id": 41, "path": "a.py", "line": 1, "body": "x"},
            {"id": 42, "path": "a.py", "line": 1, "body": "y", "in_reply_to_id": 41},
        ]
        for base in (github.url, github.url + "/api/v3"):
            github.resolved.clear()
            client = GitHub(base, token=github.token)
            assert client.resolve_thread("acme/shop", 7, 41) and github.resolved == {41}
            assert not client.resolve_thread("acme/shop", 7, 42)  # a reply starts no thread
            assert client.permission("acme/shop", "nobody") == "none"
