"""`@codie fix commit`: a verified fix pushed as one commit to the pull request's branch, only
when the BASE branch's pyproject.toml turns it on, only by a collaborator with write access,
never to a fork whose author did not allow maintainer edits. A local bare repository
(file:// URL) stands in for the head repository; the loopback GitHub records the thread."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codie.pr.conversation import reply_payload, run_pr_reply
from codie.pr.job import run_pr_check
from codie.pr.webhook import job_payload
from codie.sandbox.process import probe
from tests.pr.fake_github import FakeGitHub
from tests.pr.helpers import SAFE, VULNERABLE, Context, pr_event, publish_pull, sh
from tests.pr.test_suggestion_tests import GUARD, KEEPS_EXITS

REPO = "acme/shop"
PROJECT = "[project]\nname = 'shop'\nversion = '0'\n"
PUSH = PROJECT + "\n[tool.codie.pr]\npush-fixes = true\n"


@dataclass
class Pr:
    github: FakeGitHub
    repo: Path  # the base repository
    head_repo: Path  # the bare repository the branch lives in
    shas: dict[str, str]

    def ask(self, login: str, text: str, rule: str) -> tuple[dict[str, Any], str]:
        root = next(
            c
            for c in self.github.all_review_comments()
            if c["body"].startswith(f"**{rule}**") and not c.get("in_reply_to_id")
        )
        comment = self.github.human_comment(REPO, 7, login, text, root["id"])
        payload = reply_payload(
            "pull_request_review_comment",
            {
                "action": "created",
                "comment": comment,
                "pull_request": {"number": 7},
                "repository": {"full_name": REPO, "clone_url": str(self.repo)},
            },
        )
        assert payload is not None
        result = run_pr_reply(payload, Context())
        (answer,) = [
            c for c in self.github.all_review_comments() if f"<!-- codie:reply:{comment['id']} -->" in c["body"]
        ]
        return result, str(answer["body"])

    def new_commits(self) -> list[str]:
        return sh(self.head_repo, "rev-list", f"{self.shas['head']}..feature").split()


def make_pr(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    github: FakeGitHub,
    base_files: dict[str, str],
    head_files: dict[str, str],
    fork: str | None = None,
    maintainer_edits: bool = False,
) -> Pr:
    repo = tmp_path / "repo"
    repo.mkdir()
    sh(repo, "init", "--quiet", "-b", "main")
    sh(repo, "config", "user.email", "dev@example.com")
    sh(repo, "config", "user.name", "Dev")
    for name, text in base_files.items():
        (repo / name).write_text(text)
    sh(repo, "add", "-A")
    sh(repo, "commit", "--quiet", "-m", "init")
    base = sh(repo, "rev-parse", "HEAD")
    sh(repo, "checkout", "--quiet", "-b", "feature")
    for name, text in head_files.items():
        (repo / name).write_text(text)
    sh(repo, "add", "-A")
    sh(repo, "commit", "--quiet", "-m", "the change")
    head = sh(repo, "rev-parse", "HEAD")
    sh(repo, "checkout", "--quiet", "main")
    publish_pull(repo, 7, head)
    head_repo = tmp_path / "head.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(repo), str(head_repo)], check=True)
    shas = {"base": base, "head": head}
    github.permissions.update({"bob": "write", "reader": "read"})
    github.pulls[(REPO, 7)] = {
        "number": 7,
        "maintainer_can_modify": maintainer_edits,
        "head": {"sha": head, "ref": "feature", "repo": {"full_name": fork or REPO, "clone_url": head_repo.as_uri()}},
        "base": {"sha": base, "ref": "main", "repo": {"full_name": REPO, "clone_url": str(repo)}},
    }
    monkeypatch.setenv("CODIE_GITHUB_API_URL", github.url)
    monkeypatch.setenv("CODIE_GITHUB_TOKEN", github.token)
    monkeypatch.setenv("CODIE_PR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CODIE_PR_FEEDBACK_DB", str(tmp_path / "feedback.db"))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    run_pr_check(job_payload(pr_event(repo, shas)), Context())
    return Pr(github, repo, head_repo, shas)


@pytest.mark.parametrize("fork", [None, "mallory/shop"], ids=["same-repository", "fork-allowing-edits"])
def test_a_verified_fix_is_pushed_as_one_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: str | None
) -> None:
    with FakeGitHub() as github:
        pr = make_pr(
            tmp_path,
            monkeypatch,
            github,
            {"pyproject.toml": PUSH, "app.py": SAFE},
            {"app.py": VULNERABLE},
            fork=fork,
            maintainer_edits=True,
        )
        result, answer = pr.ask("bob", "@codie fix commit", "Q001")
    assert result["answered"] == "commit", answer
    (sha,) = pr.new_commits()  # exactly one new commit on the branch
    assert result["sha"] == sha and sha in answer and "feature" in answer
    assert sh(pr.head_repo, "rev-parse", f"{sha}^") == pr.shas["head"]
    author = sh(pr.head_repo, "log", "-1", "--format=%an <%ae>", sha)
    assert author == "codie[bot] <codie[bot]@users.noreply.github.com>"
    diff = sh(pr.head_repo, "diff", "--unified=0", pr.shas["head"], sha)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-    except:", "+    except Exception:"]
    assert "fix(Q001)" in sh(pr.head_repo, "log", "-1", "--format=%s", sha)


@dataclass(frozen=True)
class Refusal:
    """A `@codie fix commit` that must not push: the PR, who asks, and what the answer says."""

    base: dict[str, str]
    head: dict[str, str]
    answered: str
    says: tuple[str, ...]
    login: str = "bob"
    fork: str | None = None
    hide_sandbox: bool = False  # PATH holds git only: no bubblewrap, no docker


REFUSALS = [
    pytest.param(
        # the PR's own pyproject turns pushing on: it is the author's to write, so it does not count
        Refusal(
            {"pyproject.toml": PROJECT, "app.py": SAFE},
            {"pyproject.toml": PUSH, "app.py": VULNERABLE},
            "no-commit",
            ("push-fixes = true", "sorry"),
        ),
        id="pushing-turned-on-by-the-pr-itself",
    ),
    pytest.param(
        Refusal(
            {"pyproject.toml": PUSH, "app.py": SAFE},
            {"app.py": VULNERABLE},
            "refused",
            ("write access",),
            login="reader",
        ),
        id="asker-without-write-access",
    ),
    pytest.param(
        Refusal(
            {"pyproject.toml": PUSH, "app.py": SAFE},
            {"app.py": VULNERABLE},
            "no-commit",
            ("fork mallory/shop", "allowed edits from maintainers"),
            fork="mallory/shop",
        ),
        id="fork-without-maintainer-edits",
    ),
    pytest.param(
        Refusal(
            {"pyproject.toml": PUSH},
            {"app.py": GUARD, "test_app.py": KEEPS_EXITS},
            "no-commit",
            ("not verified", "test_app.py::test_guarded_stops_an_exit"),
        ),
        id="fix-breaks-a-related-test",
        marks=pytest.mark.skipif(probe()[0] is None, reason=f"no sandbox: {probe()[1]}"),
    ),
    pytest.param(
        # the project has related tests, but no bubblewrap and no docker to run them in
        Refusal(
            {"pyproject.toml": PUSH},
            {"app.py": GUARD, "test_app.py": KEEPS_EXITS},
            "no-commit",
            ("tests not run: no sandbox",),
            hide_sandbox=True,
        ),
        id="no-sandbox",
    ),
]


@pytest.mark.parametrize("case", REFUSALS)
def test_refusals_leave_the_branch_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Refusal) -> None:
    with FakeGitHub() as github:
        pr = make_pr(tmp_path, monkeypatch, github, case.base, case.head, fork=case.fork)
        if case.hide_sandbox:
            real_git = shutil.which("git")
            assert real_git is not None
            (tmp_path / "bin").mkdir()
            (tmp_path / "bin" / "git").symlink_to(real_git)
            monkeypatch.setenv("PATH", str(tmp_path / "bin"))
        result, answer = pr.ask(case.login, "@codie fix commit", "Q001")
        assert result["answered"] == case.answered, answer
        for phrase in case.says:
            assert phrase in answer
        assert pr.new_commits() == []
