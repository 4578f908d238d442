"""The "pr-check" job: check out a pull request's head, analyse what it changes, report.

Runs in the worker (never in the webhook's request path). Idempotent: the check run for a
head commit is updated rather than duplicated, and review comments already posted (found
by their hidden fingerprint marker) are not posted again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import io
import os
import re
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codie.core.config import Settings, load_pyproject
from codie.core.findings import Severity
from codie.core.git import git_bytes
from codie.headless import check_paths
from codie.llm.feedback import FeedbackStore
from codie.pr import suggestions, summary
from codie.pr.diff import changed_lines, git
from codie.pr.gate import on_changes
from codie.pr.github import AppAuth, GitHub
from codie.pr.suggestions import Suggestion
from codie.pr.summary import project_key, triage
from codie.report.markdown import render as markdown
from codie.report.model import Located, Run
from codie.worker.handlers import JobContext, register

CHECK_NAME = "codie"
MARKER = re.compile(r"<!-- codie:([0-9a-f]{16}) -->")
LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.HINT: "notice"}


@dataclass(frozen=True)
class PrSettings:
    """Where the job reports and how it authenticates: from the environment."""

    api_url: str
    token: str | None
    app_id: str | None
    app_key: str | None
    cache: Path
    fail_on: Severity
    feedback_db: Path

    @classmethod
    def from_env(cls) -> PrSettings:
        key_file = os.environ.get("CODIE_GITHUB_APP_KEY_FILE")
        cache = Path(os.environ.get("CODIE_PR_CACHE", Path.home() / ".cache" / "codie" / "prs"))
        return cls(
            api_url=os.environ.get("CODIE_GITHUB_API_URL", "https://api.github.com"),
            token=os.environ.get("CODIE_GITHUB_TOKEN") or os.environ.get("GITHUB_TOKEN"),
            app_id=os.environ.get("CODIE_GITHUB_APP_ID"),
            app_key=Path(key_file).read_text() if key_file else None,
            cache=cache,
            fail_on=Severity.parse(os.environ.get("CODIE_PR_FAIL_ON", "error")),
            feedback_db=Path(os.environ.get("CODIE_PR_FEEDBACK_DB", cache / "feedback.db")),
        )

    def feedback(self) -> contextlib.AbstractContextManager[FeedbackStore]:
        """The team-feedback store `@codie ignore` replies write to (one project per repository)."""
        return contextlib.closing(FeedbackStore(self.feedback_db))

    def client(self, installation_id: int | None) -> GitHub:
        if self.app_id and self.app_key and installation_id:
            return GitHub(self.api_url, app=AppAuth(self.app_id, self.app_key, installation_id))
        return GitHub(self.api_url, token=self.token)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fetch(cache: Path, repo: str, clone_url: str, refs: list[str], need: list[str]) -> Path:
    """A bare mirror of the repository holding the commits in `need`."""
    mirror = cache / (re.sub(r"[^\w.-]", "__", repo) + ".git")
    with _locked(mirror.with_suffix(".lock")):
        if not (mirror / "HEAD").exists():
            mirror.mkdir(parents=True, exist_ok=True)
            git(mirror, "init", "--bare", "--quiet")
        git(mirror, "fetch", "--quiet", "--no-tags", clone_url, *refs, timeout=600)
        for sha in need:
            git(mirror, "cat-file", "-e", f"{sha}^{{commit}}")
    return mirror


def pull_refs(number: int, base_ref: str) -> list[str]:
    """What to fetch from the BASE repository: the pull request's head as GitHub publishes it
    there (refs/pull/N/head, also for pull requests from forks, whose clone URL may lack the
    base commit or be gone) and the base branch."""
    return [
        f"+refs/pull/{number}/head:refs/codie/pull/{number}/head",
        f"+refs/heads/{base_ref}:refs/codie/heads/{base_ref}",
    ]


def export(mirror: Path, sha: str, into: Path) -> None:
    """The files of commit `sha`, without a .git (the analysis never runs the code)."""
    archive = git_bytes(mirror, "archive", "--format=tar", sha, timeout=600)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def fingerprint(located: Located) -> str:
    f = located.finding
    text = f"{f.rule_id}|{located.path}|{located.snippet.strip()}|{f.message}"
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def annotation(located: Located) -> dict[str, Any]:
    f = located.finding
    return {
        "path": located.path,
        "start_line": located.start_line,
        "end_line": max(located.start_line, located.end_line),
        "annotation_level": LEVEL[f.severity],
        "title": f"{f.rule_id} ({f.confidence:.0%} confidence)",
        "message": f.message,
    }


def comment(located: Located, suggestion: Suggestion | None = None) -> dict[str, Any]:
    f = located.finding
    body = f"**{f.rule_id}** {f.message} ({f.confidence:.0%} confidence)\n\n"
    if suggestion is not None:
        body += (
            f"**Suggested fix:** {suggestion.title} (verified: the fixed file parses and no longer "
            f"has this finding or any new one).\n\n{suggestion.block()}\n\n"
        )
    body += f"Reply `@codie why`, `@codie fix` or `@codie ignore <reason>`. <!-- codie:{fingerprint(located)} -->"
    where = (
        suggestion.comment_range()
        if suggestion
        else {"line": max(located.start_line, located.end_line), "side": "RIGHT"}
    )
    return {"path": located.path, **where, "body": body}


def analyse(checkout: Path, changed: dict[str, set[int]]) -> tuple[Run, Settings]:
    """Every finding on the changed lines, whatever its confidence (the summary's noise
    filter applies the threshold after team feedback), and the project's settings."""
    settings, _ = load_pyproject(checkout / "pyproject.toml")
    everything = dataclasses.replace(settings, min_confidence=0.0)
    run = check_paths([checkout], checkout, everything, jobs=1, options=on_changes(changed, checkout))
    return run, settings


def run_pr_check(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    settings = PrSettings.from_env()
    repo, number = str(payload["repository"]), int(payload["number"])
    head_sha, base_sha = str(payload["head_sha"]), str(payload["base_sha"])
    ctx.progress(0.1, "fetching")
    mirror = fetch(
        settings.cache,
        repo,
        str(payload["clone_url"]),
        pull_refs(number, str(payload["base_ref"])),
        [head_sha, base_sha],
    )
    ctx.check_cancelled()
    changed = changed_lines(mirror, base_sha, head_sha)
    with tempfile.TemporaryDirectory(prefix="codie-pr-") as tmp:
        checkout = Path(tmp)
        export(mirror, head_sha, checkout)
        ctx.progress(0.4, "analysing")
        run, project = analyse(checkout, changed)
        with settings.feedback() as store:
            triaged = triage(run.results, project.min_confidence, store, project_key(repo), fingerprint)
        shown = triaged.shown
        ctx.progress(0.6, "verifying fixes")
        fixes = {
            fingerprint(r): o.suggestion
            for r, o in zip(shown, suggestions.for_results(checkout, shown, changed, project), strict=True)
        }
    ctx.check_cancelled()
    failing = [r for r in shown if r.severity.rank >= settings.fail_on.rank]
    conclusion = "failure" if failing else "success"
    title = f"{len(shown)} finding(s) on changed lines" if shown else "No findings on changed lines"
    offered = sum(1 for s in fixes.values() if s is not None)
    report = summary.render(triaged, offered) + "\n" + markdown(dataclasses.replace(run, results=shown))
    gh = settings.client(payload.get("installation_id"))
    ctx.progress(0.8, "reporting")
    # each post is recorded per job (pull request @ head SHA): a re-run after a crash does
    # not post again; one cut off mid-post is an upsert / skips comments already there
    check = ctx.once(
        "check-run",
        lambda: gh.upsert_check_run(
            repo, head_sha, CHECK_NAME, conclusion, title, report[:60000], [annotation(r) for r in shown]
        ),
    )

    def post_review() -> dict[str, Any]:
        posted = {m.group(1) for c in gh.review_comments(repo, number) for m in MARKER.finditer(c.get("body", ""))}
        new = [comment(r, fixes.get(fingerprint(r))) for r in shown if fingerprint(r) not in posted]
        if new:
            gh.create_review(repo, number, head_sha, f"Codie found {len(new)} new issue(s) in this change.", new)
        return {"comments": len(new)}

    review = ctx.once("review", post_review)
    return {
        "findings": len(shown),
        "conclusion": conclusion,
        "check_run": check.get("id"),
        "comments": review.get("comments", 0),
        "hidden": triaged.hidden,
        "suggestions": offered,
    }


register("pr-check", run_pr_check)
