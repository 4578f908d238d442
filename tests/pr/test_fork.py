"""A pull request from a fork: the head lives in the fork and under refs/pull/N/head of the
base repository; the fork has never seen the base branch's newest commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.pr.job import run_pr_check
from codie.pr.webhook import job_payload
from tests.pr.fake_github import FakeGitHub
from tests.pr.helpers import SAFE, VULNERABLE, Context, sh


def repos(tmp: Path) -> dict[str, str]:
    base, fork, work = tmp / "base.git", tmp / "fork.git", tmp / "work"
    sh(tmp, "init", "--quiet", "--bare", "-b", "main", str(base))
    sh(tmp, "clone", "--quiet", f"file://{base}", str(work))
    sh(work, "config", "user.email", "dev@example.com")
    sh(work, "config", "user.name", "Dev")
    sh(work, "checkout", "--quiet", "-b", "main")
    (work / "app.py").write_text(SAFE)
    sh(work, "add", "-A")
    sh(work, "commit", "--quiet", "-m", "init")
    sh(work, "push", "--quiet", "origin", "main")
    sh(tmp, "clone", "--quiet", "--bare", f"file://{base}", str(fork))  # the fork, taken now
    # the base branch moves on after the fork was taken
    (work / "README.md").write_text("shop\n")
    sh(work, "add", "-A")
    sh(work, "commit", "--quiet", "-m", "readme")
    sh(work, "push", "--quiet", "origin", "main")
    base_sha = sh(work, "rev-parse", "HEAD")
    # the contributor's branch, pushed to the fork only
    sh(work, "checkout", "--quiet", "-b", "feature", "HEAD~1")
    (work / "app.py").write_text(VULNERABLE)
    sh(work, "commit", "--quiet", "-am", "add cleanup")
    head_sha = sh(work, "rev-parse", "HEAD")
    sh(work, "push", "--quiet", f"file://{fork}", "feature")
    # GitHub publishes the head in the base repository under refs/pull/N/head
    sh(work, "push", "--quiet", f"file://{base}", "feature:refs/pull/12/head")
    assert sh(base, "branch", "--list", "feature") == ""  # never a branch of the base repository
    return {"base": base_sha, "head": head_sha, "base_url": f"file://{base}", "fork_url": f"file://{fork}"}


def test_fork_pull_request_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = repos(tmp_path)
    event = {
        "action": "opened",
        "number": 12,
        "pull_request": {
            "number": 12,
            "head": {
                "sha": r["head"],
                "ref": "feature",
                "repo": {"full_name": "contributor/shop", "clone_url": r["fork_url"]},
            },
            "base": {"sha": r["base"], "ref": "main", "repo": {"full_name": "acme/shop", "clone_url": r["base_url"]}},
        },
        "repository": {"full_name": "acme/shop", "clone_url": r["base_url"]},
    }
    with FakeGitHub() as github:
        monkeypatch.setenv("CODIE_GITHUB_API_URL", github.url)
        monkeypatch.setenv("CODIE_GITHUB_TOKEN", github.token)
        monkeypatch.setenv("CODIE_PR_CACHE", str(tmp_path / "cache"))
        result = run_pr_check(job_payload(event), Context())
        assert result["conclusion"] == "failure"
        (run,) = github.check_runs.values()
        assert run["head_sha"] == r["head"]
        notes = {(a["path"], a["start_line"], a["title"].split()[0]) for a in run["output"]["annotations"]}
        assert notes == {("app.py", 15, "Q001"), ("app.py", 17, "SEC001")}
        (review,) = github.reviews
        assert review["commit_id"] == r["head"] and len(review["comments"]) == 2
