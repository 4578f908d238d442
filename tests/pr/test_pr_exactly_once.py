"""The real pr-check job against a loopback GitHub: a re-run of the same job (as after a
crash after posting, before the job was marked done) posts nothing again - not even a
check-run update - because each post is recorded under the job's key."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.pr.job import run_pr_check
from codie.pr.webhook import pull_request_job
from codie.worker import handlers
from codie.worker.queue import JobQueue
from tests.pr.fake_github import FakeGitHub
from tests.pr.helpers import make_repo, pr_event


def test_a_rerun_of_a_pr_check_posts_nothing_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shas = make_repo(repo)
    routed = pull_request_job(pr_event(repo, shas))
    assert routed is not None
    kind, payload, key = routed
    queue = JobQueue(tmp_path / "queue.db")
    job_id = queue.enqueue(kind, payload, key)
    with FakeGitHub() as github:
        monkeypatch.setenv("CODIE_GITHUB_API_URL", github.url)
        monkeypatch.setenv("CODIE_GITHUB_TOKEN", github.token)
        monkeypatch.setenv("CODIE_PR_CACHE", str(tmp_path / "cache"))
        first = run_pr_check(payload, handlers.QueueContext(job_id, kind, queue, scope=str(key)))
        writes = [(m, p) for m, p, _ in github.requests if m in ("POST", "PATCH")]
        assert first["comments"] == 2 and len(github.reviews) == 1
        # the worker died before `complete`; the job runs again from the start
        again = run_pr_check(payload, handlers.QueueContext(job_id, kind, queue, scope=str(key)))
        assert [(m, p) for m, p, _ in github.requests if m in ("POST", "PATCH")] == writes
        assert again == first and len(github.check_runs) == 1 and len(github.reviews) == 1
