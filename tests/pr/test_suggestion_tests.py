"""Suggestions are verified by the related tests, run in the sandbox: a pull request whose fix
would break one gets no suggestion block; one whose fix keeps them green gets a block that
names the tests it ran; without a sandbox the block says the tests were not run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from codie.pr.job import run_pr_check
from codie.pr.webhook import job_payload
from codie.sandbox.process import probe
from tests.pr.fake_github import FakeGitHub
from tests.pr.helpers import Context, pr_event, publish_pull, sh

GUARD = """def guarded(action):
    try:
        return action()
    except:
        return "caught"
"""
KEEPS_EXITS = """import sys

from app import guarded


def test_guarded_stops_an_exit():
    assert guarded(lambda: sys.exit(1)) == "caught"
"""
ERRORS_ONLY = """from app import guarded


def test_guarded_catches_errors():
    assert guarded(lambda: 1 / 0) == "caught"
"""

needs_sandbox = pytest.mark.skipif(probe()[0] is None, reason=f"no sandbox: {probe()[1]}")


def project_repo(path: Path, head_files: dict[str, str]) -> dict[str, str]:
    """A project whose pull request 7 (branch `feature`) adds head_files to an empty `main`."""
    path.mkdir(parents=True)
    sh(path, "init", "--quiet", "-b", "main")
    sh(path, "config", "user.email", "dev@example.com")
    sh(path, "config", "user.name", "Dev")
    (path / "pyproject.toml").write_text("[project]\nname = 'sample'\nversion = '0'\n")
    sh(path, "add", "-A")
    sh(path, "commit", "--quiet", "-m", "init")
    base = sh(path, "rev-parse", "HEAD")
    sh(path, "checkout", "--quiet", "-b", "feature")
    for name, text in head_files.items():
        (path / name).write_text(text)
    sh(path, "add", "-A")
    sh(path, "commit", "--quiet", "-m", "add guarded")
    head = sh(path, "rev-parse", "HEAD")
    sh(path, "checkout", "--quiet", "main")
    publish_pull(path, 7, head)
    return {"base": base, "head": head}


def review_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tests: str) -> tuple[dict[str, Any], str]:
    """The pr-check's result and its Q001 review comment, for a PR adding GUARD and `tests`."""
    repo = tmp_path / "repo"
    shas = project_repo(repo, {"app.py": GUARD, "test_app.py": tests})
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")  # the process sandbox
    with FakeGitHub() as github:
        monkeypatch.setenv("CODIE_GITHUB_API_URL", github.url)
        monkeypatch.setenv("CODIE_GITHUB_TOKEN", github.token)
        monkeypatch.setenv("CODIE_PR_CACHE", str(tmp_path / "cache"))
        result = run_pr_check(job_payload(pr_event(repo, shas)), Context())
        (review,) = github.reviews
    (comment,) = [c for c in review["comments"] if c["body"].startswith("**Q001**")]
    return result, str(comment["body"])


@needs_sandbox
def test_a_fix_that_breaks_a_related_test_is_not_suggested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, body = review_of(tmp_path, monkeypatch, KEEPS_EXITS)
    assert "```suggestion" not in body and result["suggestions"] == 0


@needs_sandbox
def test_a_fix_that_keeps_the_tests_green_names_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, body = review_of(tmp_path, monkeypatch, ERRORS_ONLY)
    assert "```suggestion\n    except Exception:\n```" in body and result["suggestions"] == 1
    assert "1 related test(s) pass in the sandbox: `test_app.py::test_guarded_catches_errors`" in body


def test_without_a_sandbox_the_suggestion_says_tests_were_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no bubblewrap on PATH and no docker engine: the (breaking) tests cannot run, so the
    # fix is offered as re-analysed only, and says so; nothing ran the PR's code
    real_git = shutil.which("git")
    assert real_git is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(real_git)
    monkeypatch.setenv("PATH", str(bin_dir))
    result, body = review_of(tmp_path, monkeypatch, KEEPS_EXITS)
    assert "```suggestion\n    except Exception:\n```" in body and result["suggestions"] == 1
    assert "re-analysed only" in body and "tests not run: no sandbox" in body
