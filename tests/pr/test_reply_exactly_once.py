"""`@codie` replies are posted exactly once under SIGKILL: the real pr-reply job runs in a
real `codie worker --standalone`, which kills itself at one step of one effect (before the
post, after the post and before it is recorded, after it is recorded); a second worker
finishes the job. The loopback GitHub must hold exactly one answer, and an `ignore` must be
recorded once in the feedback store, whatever step the first worker died at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import codie.pr.job  # noqa: F401  (registers the pr-check and pr-reply handlers)
from codie.llm.feedback import FeedbackStore
from codie.pr.conversation import JOB_KIND, reply_payload
from codie.pr.job import run_pr_check
from codie.pr.webhook import pull_request_job
from codie.worker.queue import JobQueue
from tests.pr.fake_github import FakeGitHub
from tests.pr.helpers import Context, make_repo, pr_event
from tests.worker.harness import ROOT, Proc, start_worker, wait_for

REPO = "acme/shop"
LEASE = 4.0
CASES = [
    ("ignore", "SEC001", "dismiss", "before-post"),
    ("ignore", "SEC001", "dismiss", "after-post"),
    ("ignore", "SEC001", "reply", "before-post"),
    ("ignore", "SEC001", "reply", "after-post"),
    ("ignore", "SEC001", "reply", "after-record"),
    ("why", "SEC001", "reply", "after-post"),
    ("fix", "Q001", "reply", "after-post"),
]


@pytest.mark.parametrize(("command", "rule", "effect", "step"), CASES)
def test_a_reply_job_killed_at_each_step_answers_once(
    command: str, rule: str, effect: str, step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    shas = make_repo(repo)
    feedback = tmp_path / "feedback.db"
    marks = tmp_path / "marks"
    marks.mkdir()
    with FakeGitHub() as github:
        github.permissions["bob"] = "write"
        github.pulls[(REPO, 7)] = {
            "number": 7,
            "head": {"sha": shas["head"], "ref": "feature"},
            "base": {"sha": shas["base"], "ref": "main"},
        }
        settings = {
            "CODIE_GITHUB_API_URL": github.url,
            "CODIE_GITHUB_TOKEN": github.token,
            "CODIE_PR_CACHE": str(tmp_path / "cache"),
            "CODIE_PR_FEEDBACK_DB": str(feedback),
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        routed = pull_request_job(pr_event(repo, shas))
        assert routed is not None
        run_pr_check(routed[1], Context())  # Codie's review comments, to reply to
        root = next(c for c in github.all_review_comments() if c["body"].startswith(f"**{rule}**"))
        asked = github.human_comment(REPO, 7, "bob", f"@codie {command} not reachable from outside", root["id"])
        payload = reply_payload(
            "pull_request_review_comment",
            {
                "action": "created",
                "comment": asked,
                "pull_request": {"number": 7},
                "repository": {"full_name": REPO, "clone_url": str(repo)},
            },
        )
        assert payload is not None
        queue = JobQueue(tmp_path / "queue.db", lease=LEASE)
        job_id = queue.enqueue(JOB_KIND, payload, str(payload["job_key"]))
        env = {
            **os.environ,
            **settings,
            "PYTHONPATH": str(ROOT),
            "CODIE_WORKER_HANDLERS": "tests.pr.reply_crash_handlers",
            "CODIE_TEST_MARKS": str(marks),
            "CODIE_TEST_CRASH_EFFECT": effect,
            "CODIE_TEST_CRASH_AT": step,
        }
        db = str(tmp_path / "queue.db")
        procs: list[Proc] = []
        try:
            first = start_worker(db, env, tmp_path / "worker-1.log", LEASE)
            procs.append(first)
            wait_for(lambda: not first.alive(), f"the first worker to die at {effect}/{step}", timeout=180)
            assert (marks / "crashed").exists(), (tmp_path / "worker-1.log").read_text(errors="replace")
            assert queue.get(job_id).state == "running"
            procs.append(start_worker(db, env, tmp_path / "worker-2.log", LEASE))
            wait_for(lambda: queue.get(job_id).final, "the job to finish", timeout=180)
        finally:
            for proc in procs:
                proc.stop()
        done = queue.get(job_id)
        queue.close()
        assert (done.state, done.attempts) == ("done", 2), (done.state, done.error)
        marker = f"<!-- codie:reply:{asked['id']} -->"
        answers = [c for c in github.all_review_comments() if marker in c["body"]]
        assert len(answers) == 1, [c["body"] for c in answers]
        assert answers[0]["in_reply_to_id"] == root["id"]
        if command == "ignore":
            store = FeedbackStore(feedback)
            try:
                events = store.db.execute("SELECT rule_id, verdict FROM feedback_events").fetchall()
            finally:
                store.close()
            assert [tuple(e) for e in events] == [("SEC001", "dismiss")]
            assert "ignored" in answers[0]["body"]
        elif command == "fix":
            assert "```suggestion" in answers[0]["body"]
