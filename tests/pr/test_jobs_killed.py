"""Pull-request jobs post exactly once under SIGKILL: the real pr-check and pr-reply jobs run
in a real `codie worker --standalone`, which kills itself at one step of one effect (before
the post, after the post and before it is recorded, after it is recorded: see
tests/pr/crash_handlers.py); a second worker finishes the job. The loopback GitHub must hold
one check run and one review (pr-check), one answer (pr-reply), and an `ignore` must be
recorded once in the feedback store, whatever step the first worker died at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
STEPS = ("before-post", "after-post", "after-record")


@dataclass
class World:
    tmp: Path
    repo: Path
    shas: dict[str, str]
    github: FakeGitHub
    settings: dict[str, str]

    @property
    def feedback(self) -> Path:
        return self.tmp / "feedback.db"

    def run_killed(self, kind: str, payload: dict[str, Any], key: str, effect: str, step: str) -> None:
        """Queue the job; a first worker dies at (effect, step); a second one finishes it."""
        marks = self.tmp / "marks"
        marks.mkdir()
        queue = JobQueue(self.tmp / "queue.db", lease=LEASE)
        job_id = queue.enqueue(kind, payload, key)
        env = {
            **os.environ,
            **self.settings,
            "PYTHONPATH": str(ROOT),
            "CODIE_WORKER_HANDLERS": "tests.pr.crash_handlers",
            "CODIE_TEST_MARKS": str(marks),
            "CODIE_TEST_CRASH_EFFECT": effect,
            "CODIE_TEST_CRASH_AT": step,
        }
        db = str(self.tmp / "queue.db")
        procs: list[Proc] = []
        try:
            first = start_worker(db, env, self.tmp / "worker-1.log", LEASE)
            procs.append(first)
            wait_for(lambda: not first.alive(), f"the first worker to die at {effect}/{step}", timeout=180)
            assert (marks / "crashed").exists(), (self.tmp / "worker-1.log").read_text(errors="replace")
            assert queue.get(job_id).state == "running"
            procs.append(start_worker(db, env, self.tmp / "worker-2.log", LEASE))
            wait_for(lambda: queue.get(job_id).final, "the job to finish", timeout=180)
        finally:
            for proc in procs:
                proc.stop()
        done = queue.get(job_id)
        queue.close()
        assert (done.state, done.attempts) == ("done", 2), (done.state, done.error)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    repo = tmp_path / "repo"
    shas = make_repo(repo)
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
            "CODIE_PR_FEEDBACK_DB": str(tmp_path / "feedback.db"),
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        yield World(tmp_path, repo, shas, github, settings)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("effect", ["check-run", "review"])
def test_a_pr_check_killed_at_each_step_posts_once(world: World, effect: str, step: str) -> None:
    routed = pull_request_job(pr_event(world.repo, world.shas))
    assert routed is not None
    kind, payload, key = routed
    world.run_killed(kind, payload, str(key), effect, step)
    assert len(world.github.check_runs) == 1 and len(world.github.reviews) == 1
    (run,) = world.github.check_runs.values()
    assert run["head_sha"] == world.shas["head"] and run["conclusion"] == "failure"
    bodies = [c["body"] for c in world.github.all_review_comments()]
    assert len(bodies) == 2 and len(set(bodies)) == 2  # one comment per finding, none doubled


CASES = [
    *(("ignore", "SEC001", effect, step) for effect in ("dismiss", "reply") for step in STEPS),
    ("why", "SEC001", "reply", "after-post"),
    ("fix", "Q001", "reply", "after-post"),
]


@pytest.mark.parametrize(("command", "rule", "effect", "step"), CASES)
def test_a_reply_job_killed_at_each_step_answers_once(
    world: World, command: str, rule: str, effect: str, step: str
) -> None:
    routed = pull_request_job(pr_event(world.repo, world.shas))
    assert routed is not None
    run_pr_check(routed[1], Context())  # Codie's review comments, to reply to
    github = world.github
    root = next(c for c in github.all_review_comments() if c["body"].startswith(f"**{rule}**"))
    asked = github.human_comment(REPO, 7, "bob", f"@codie {command} not reachable from outside", root["id"])
    payload = reply_payload(
        "pull_request_review_comment",
        {
            "action": "created",
            "comment": asked,
            "pull_request": {"number": 7},
            "repository": {"full_name": REPO, "clone_url": str(world.repo)},
        },
    )
    assert payload is not None
    world.run_killed(JOB_KIND, payload, str(payload["job_key"]), effect, step)
    marker = f"<!-- codie:reply:{asked['id']} -->"
    answers = [c for c in github.all_review_comments() if marker in c["body"]]
    assert len(answers) == 1, [c["body"] for c in answers]
    assert answers[0]["in_reply_to_id"] == root["id"]
    if command == "ignore":
        store = FeedbackStore(world.feedback)
        try:
            events = store.db.execute("SELECT rule_id, verdict FROM feedback_events").fetchall()
        finally:
            store.close()
        assert [tuple(e) for e in events] == [("SEC001", "dismiss")]
        assert "ignored" in answers[0]["body"]
    elif command == "fix":
        assert "```suggestion" in answers[0]["body"]
