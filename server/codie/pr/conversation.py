"""Replies to Codie on a pull request: `@codie why`, `@codie fix`, `@codie ignore <reason>`.

The webhook turns an `issue_comment` or `pull_request_review_comment` delivery that
mentions the bot into a "pr-reply" job (reply_payload); the job (run_pr_reply) answers in
the same thread:

- why: the offline explainer's answer for the finding the thread is about (its evidence,
  taint path, rule explanation and confidence), analysed at the pull request's current head;
- fix: the finding's fix as a suggestion block, only when verified (pr/suggestions.py);
  `fix commit`: the verified fix pushed as a commit to the pull request's branch, when the
  base branch's configuration allows it and the branch is ours to push to (pr/push.py);
- ignore: a dismissal recorded in the feedback store for this repository (which lowers the
  rule's confidence in later checks and keeps this finding hidden), then the thread resolved.

Fixes and ignores change what others see, so only users with write access to the
repository may ask for them; everyone else gets a polite refusal.

Every effect on the outside world (the reply, a suggestion placed as its own review comment,
the dismissal recorded for `ignore`, a pushed commit) goes through the queue's once-effects
(ctx.once, recorded under the job's key: one job per comment), like the pr-check's posts:
a worker killed at any step and the job re-run by another never posts or records twice. A
reply carries a hidden marker naming the comment it answers, which is how an effect cut off
mid-post is found again (the reconcile step), and how a redelivered comment is recognised.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codie.analyzers import registered
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.project import read_document
from codie.core.rules import catalogue
from codie.llm.context import finding_context
from codie.llm.fixes import verify_fix
from codie.llm.offline import explain_markdown
from codie.pr import job as pr_job
from codie.pr.diff import GitError, changed_lines
from codie.pr.github import GitHub, GitHubError
from codie.pr.push import Target, push_fix, push_fixes_enabled, push_target
from codie.pr.suggestions import describe, fixed_text, suggest, tests_skipped
from codie.pr.summary import project_key
from codie.report.model import Located
from codie.worker.handlers import JobContext, register

log = logging.getLogger(__name__)

JOB_KIND = "pr-reply"
EVENTS = frozenset({"issue_comment", "pull_request_review_comment"})
COMMANDS = ("why", "fix", "ignore")
RULE = re.compile(r"^\*\*([A-Z]+[0-9]+)\*\*")
CONFIDENCE = re.compile(r"\((\d+)% confidence\)")
FINGERPRINT = re.compile(r"\b[0-9a-f]{16}\b")
HELP = (
    "I answer `@{bot} why` (the evidence and confidence behind a finding), `@{bot} fix` (a verified fix "
    "as a suggestion; `@{bot} fix commit` pushes it to the branch, where the repository allows it) "
    "and `@{bot} ignore <reason>` (dismiss the finding for this repository), in reply "
    "to one of my review comments."
)


def bot_name() -> str:
    return os.environ.get("CODIE_GITHUB_BOT", "codie")


def parse(body: str, bot: str) -> tuple[str, str] | None:
    """(command, argument) for the first mention of @bot, or None without a mention. An
    unknown or missing command is returned as it is (the reply explains the commands)."""
    m = re.search(rf"(?<![\w@/-])@{re.escape(bot)}(?:\[bot\])?(?![\w-])[ \t]*([\w-]*)[ \t]*([^\n]*)", body, re.I)
    if m is None:
        return None
    return m.group(1).lower(), m.group(2).strip()


def reply_payload(event_name: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """The pr-reply job for a delivery that asks the bot something; None for every other
    comment (edits, deletions, the bot's own comments, issues that are not pull requests).
    KeyError/TypeError/ValueError for a malformed event."""
    if event.get("action") != "created":
        return None
    comment, repo = event["comment"], event["repository"]
    user = comment["user"]
    if user.get("type") == "Bot" or str(user["login"]).removesuffix("[bot]") == bot_name():
        return None  # never answer ourselves
    asked = parse(str(comment.get("body") or ""), bot_name())
    if asked is None:
        return None
    if event_name == "pull_request_review_comment":
        number = int(event["pull_request"]["number"])
        thread = "review"
        root = int(comment.get("in_reply_to_id") or comment["id"])
    elif event_name == "issue_comment":
        if not event["issue"].get("pull_request"):
            return None
        number, thread, root = int(event["issue"]["number"]), "issue", int(comment["id"])
    else:
        return None
    full_name = str(repo["full_name"])
    return {
        "repository": full_name,
        "number": number,
        "clone_url": str(repo["clone_url"]),
        "installation_id": (event.get("installation") or {}).get("id"),
        "comment_id": int(comment["id"]),
        "thread": thread,
        "root_id": root,
        "author": str(user["login"]),
        "command": asked[0],
        "argument": asked[1],
        # one job per comment: a redelivery under a new id is not answered twice
        "job_key": f"{full_name}#{number}/comment-{int(comment['id'])}",
    }


@dataclass
class Thread:
    """Where the answer goes, and the Codie comment the question is about."""

    gh: GitHub
    repo: str
    number: int
    kind: str  # "review" | "issue"
    root_id: int
    comment_id: int
    author: str
    ctx: JobContext

    @property
    def marker(self) -> str:
        return f"<!-- codie:reply:{self.comment_id} -->"

    @property
    def fix_marker(self) -> str:
        """On a suggestion placed as its own review comment (see _at_head)."""
        return f"<!-- codie:reply-fix:{self.comment_id} -->"

    def _thread_comments(self) -> list[dict[str, Any]]:
        if self.kind == "review":
            return self.gh.review_comments(self.repo, self.number)
        return self.gh.issue_comments(self.repo, self.number)

    def find(self, marker: str, comments: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
        """The comment carrying `marker` (what an effect cut off mid-post left), or None."""
        for c in self._thread_comments() if comments is None else comments:
            if marker in str(c.get("body") or ""):
                return {"id": c.get("id"), "html_url": c.get("html_url")}
        return None

    def answered(self) -> bool:
        return self.find(self.marker) is not None

    def reply(self, text: str) -> dict[str, Any]:
        """The answer, posted at most once per job (a job answers one comment once)."""
        body = f"@{self.author} {text}\n\n{self.marker}"

        def post() -> dict[str, Any]:
            if self.kind == "review":
                return self.gh.reply_to_review_comment(self.repo, self.number, self.root_id, body)
            return self.gh.create_issue_comment(self.repo, self.number, body)

        return self.ctx.once("reply", post, lambda: self.find(self.marker))


def _codie_comment(th: Thread, argument: str) -> dict[str, Any] | None:
    """The Codie review comment the question is about: the thread's root, or (in the
    conversation tab) the one whose fingerprint or rule the question names."""
    if th.kind == "review":
        try:
            root = th.gh.review_comment(th.repo, th.root_id)
        except GitHubError as exc:
            if exc.status == 404:  # deleted meanwhile
                return None
            raise
        return root if pr_job.MARKER.search(str(root.get("body") or "")) else None
    wanted = argument.split()[0] if argument.split() else ""
    for c in th.gh.review_comments(th.repo, th.number):
        body = str(c.get("body") or "")
        m = pr_job.MARKER.search(body)
        rule = RULE.match(body)
        if m and wanted and (m.group(1) == wanted or (rule and rule.group(1) == wanted.upper())):
            return c
    return None


def run_pr_reply(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    settings = pr_job.PrSettings.from_env()
    gh = settings.client(payload.get("installation_id"))
    repo, number = str(payload["repository"]), int(payload["number"])
    th = Thread(
        gh,
        repo,
        number,
        str(payload["thread"]),
        int(payload["root_id"]),
        int(payload["comment_id"]),
        str(payload["author"]),
        ctx,
    )
    if th.answered():
        return {"answered": "before"}
    command, argument = str(payload["command"]), str(payload["argument"])
    words = argument.split()
    commit = command == "fix" and bool(words) and words[0].lower() == "commit"
    if commit:
        argument = " ".join(words[1:])
    bot = bot_name()
    if command not in COMMANDS:
        th.reply(HELP.format(bot=bot))
        return {"answered": "help"}
    if command in ("fix", "ignore") and not _may_change(gh, repo, th.author):
        th.reply(
            f"thanks for asking! Only collaborators with write access to this repository can ask me "
            f"to `{command}` a finding, so I have left it as it is. A maintainer can reply "
            f"`@{bot} {command}` if they agree."
        )
        return {"answered": "refused", "command": command}
    target = _codie_comment(th, argument)
    if target is None:
        th.reply(
            "I can only answer about my own findings: reply to one of my review comments"
            + (", or name a rule or fingerprint." if th.kind == "issue" else ".")
            + " "
            + HELP.format(bot=bot)
        )
        return {"answered": "no-target"}
    fp = pr_job.MARKER.search(str(target["body"]))
    assert fp is not None
    if command == "ignore":
        return _ignore(settings, th, target, fp.group(1), argument)
    ctx.progress(0.2, "fetching")
    try:
        return _at_head(settings, payload, th, target, fp.group(1), command, ctx, commit)
    except GitError as exc:  # the answer says so instead of leaving the question hanging
        log.warning("pr-reply %s: %s", payload.get("job_key"), exc)
        # the details stay in the log: a public comment is no place for paths or git output
        th.reply("I could not fetch this pull request's code to answer; please ask again later.")
        return {"answered": "error", "error": str(exc)[:500]}


def _may_change(gh: GitHub, repo: str, user: str) -> bool:
    """Write access, asked of GitHub; when GitHub cannot say, the answer is no."""
    try:
        return gh.can_write(repo, user)
    except GitHubError as exc:
        log.warning("cannot read %s's permission on %s: %s", user, repo, exc)
        return False


def _ignore(settings: pr_job.PrSettings, th: Thread, target: dict[str, Any], fp: str, reason: str) -> dict[str, Any]:
    body = str(target["body"])
    rule_m, conf_m = RULE.match(body), CONFIDENCE.search(body)
    if rule_m is None:
        th.reply("I could not tell which rule this comment is about, so nothing was recorded.")
        return {"answered": "no-rule"}
    rule = rule_m.group(1)
    confidence = int(conf_m.group(1)) / 100 if conf_m else None
    known = catalogue().get(rule)
    prior = known.confidence if known else 0.5
    project = project_key(th.repo)

    def dismiss() -> dict[str, Any]:
        with settings.feedback() as store:
            store.record(project, rule, "dismiss", fp, confidence)
        return {"rule": rule, "fingerprint": fp}

    def dismissed() -> dict[str, Any] | None:
        """A run cut off after the store's write: the finding is already dismissed here."""
        with settings.feedback() as store:
            return {"rule": rule, "fingerprint": fp} if store.is_rejected(project, fp) else None

    # recorded once per job: a re-run after a crash does not count the dismissal twice
    th.ctx.once("dismiss", dismiss, dismissed)
    with settings.feedback() as store:
        post = store.posterior(project, rule, prior)
    why = f" Reason: {reason}" if reason else ""
    th.reply(
        f"ignored: this finding stays hidden in this repository, and `{rule}` findings now score lower here "
        f"(estimated precision {post.precision:.0%} after {post.rejects} dismissal(s) and "
        f"{post.accepts} confirmation(s)).{why}"
    )
    resolved = False
    if th.kind == "review":
        try:
            resolved = th.gh.resolve_thread(th.repo, th.number, th.root_id)
        except GitHubError as exc:  # the dismissal is recorded either way
            log.warning("cannot resolve the review thread of comment %s: %s", th.root_id, exc)
    return {"answered": "ignore", "rule": rule, "resolved": resolved}


def _at_head(
    settings: pr_job.PrSettings,
    payload: dict[str, Any],
    th: Thread,
    target: dict[str, Any],
    fp: str,
    command: str,
    ctx: JobContext,
    commit: bool = False,
) -> dict[str, Any]:
    pull = th.gh.pull(th.repo, th.number)
    head_sha, base_sha = str(pull["head"]["sha"]), str(pull["base"]["sha"])
    mirror = pr_job.fetch(
        settings.cache,
        th.repo,
        str(payload["clone_url"]),
        pr_job.pull_refs(th.number, str(pull["base"]["ref"])),
        [head_sha, base_sha],
    )
    ctx.check_cancelled()
    to: Target | None = None
    if commit:  # refusals that need no analysis come first
        if not push_fixes_enabled(mirror, base_sha):
            return _no_commit(
                th,
                "this repository has not turned on pushed fixes (`[tool.codie.pr] push-fixes = "
                f"true` in pyproject.toml on the `{pull['base']['ref']}` branch)",
            )
        to, why = push_target(pull, th.repo)
        if to is None:
            return _no_commit(th, why)
    changed = changed_lines(mirror, base_sha, head_sha)
    path = str(target["path"])
    with tempfile.TemporaryDirectory(prefix="codie-reply-") as tmp:
        checkout = Path(tmp)
        pr_job.export(mirror, head_sha, checkout)
        ctx.progress(0.5, "analysing")
        run, project = pr_job.analyse(checkout, {path: changed.get(path, set())})
        found = next((r for r in run.results if pr_job.fingerprint(r) == fp), None)
        if found is None:
            th.reply(f"this finding is no longer there at {head_sha[:7]}: nothing to {command}.")
            return {"answered": "gone"}
        doc = read_document(checkout / found.path)
        cat = catalogue()
        if command == "why":
            fc = finding_context(doc, found.finding, cat, found.path)
            th.reply("here is why I flagged this line.\n\n" + explain_markdown(fc))
            return {"answered": "why", "rule": found.finding.rule_id}
        if to is not None:
            return _commit(th, mirror, head_sha, found, doc, project, checkout, to, ctx)
        outcome = suggest(doc, found.finding, changed.get(path, set()), registered(), cat, project, checkout)
    s = outcome.suggestion
    if s is None:
        th.reply(f"I have no fix I can vouch for here: {outcome.reason}.")
        return {"answered": "no-fix", "reason": outcome.reason}
    text = (
        f"here is a verified fix ({s.title}; verified: {s.verified}). Commit it with "
        f"**Commit suggestion**; the next push re-runs the check.\n\n{s.block()}"
    )
    root_lines = (int(target.get("start_line") or target.get("line") or 0), int(target.get("line") or 0))
    if th.kind == "review" and root_lines == (s.start_line, s.end_line):
        th.reply(text)
        return {"answered": "fix", "suggestion": [s.start_line, s.end_line]}
    # a suggestion replaces the lines its comment is on: it needs its own comment there
    placed = th.ctx.once(
        "suggestion",
        lambda: th.gh.create_review_comment(
            th.repo,
            th.number,
            head_sha,
            {
                "path": path,
                **s.comment_range(),
                "body": f"Fix for `{found.finding.rule_id}` (asked by @{th.author}). {text}\n\n{th.fix_marker}",
            },
        ),
        lambda: th.find(th.fix_marker, th.gh.review_comments(th.repo, th.number)),
    )
    lines = f"line {s.end_line}" if s.start_line == s.end_line else f"lines {s.start_line}-{s.end_line}"
    th.reply(f"the fix is a suggestion on {path} {lines}: {placed.get('html_url') or 'see the new review comment'}")
    return {"answered": "fix", "suggestion": [s.start_line, s.end_line], "separate": True}


def _no_commit(th: Thread, why: str) -> dict[str, Any]:
    th.reply(
        f"sorry, I have not pushed a commit: {why}. A reply `@{bot_name()} fix` gets you the fix as a "
        "suggestion when there is a verified one."
    )
    return {"answered": "no-commit", "reason": why}


def _commit(
    th: Thread,
    mirror: Path,
    head_sha: str,
    found: Located,
    doc: Document,
    project: Settings,
    checkout: Path,
    to: Target,
    ctx: JobContext,
) -> dict[str, Any]:
    """Verify the finding's whole fix (it may touch lines the change does not: a commit is not
    a suggestion) and push it; a fix whose related tests could not run is not pushed."""
    new_text, why = fixed_text(doc, found.finding)
    if new_text is None:
        return _no_commit(th, why)
    verification = verify_fix(doc, found.finding, new_text, registered(), catalogue(), project, checkout)
    if not verification.ok:
        return _no_commit(th, f"the fix is not verified: {verification.reason}")
    if tests_skipped(verification):
        return _no_commit(
            th, "its related tests could not run (tests not run: no sandbox), and I push only fixes whose tests ran"
        )
    f = found.finding
    title = f.fix.title if f.fix else f.rule_id
    message = (
        f"fix({f.rule_id}): {title}\n\n{found.path}:{found.start_line}, asked by @{th.author} in "
        f"#{th.number}.\nVerified by Codie: {describe(verification)}."
    )
    bot = bot_name()
    token = th.gh.token() if to.clone_url.startswith("https://") else None
    try:
        # recorded under the job: a re-run after a crash does not push a second commit
        sha = str(
            ctx.once(
                "push",
                lambda: {
                    "sha": push_fix(
                        mirror,
                        head_sha,
                        found.path,
                        new_text,
                        to,
                        message,
                        (f"{bot}[bot]", f"{bot}[bot]@users.noreply.github.com"),
                        token,
                    )
                },
            )["sha"]
        )
    except GitError as exc:
        log.warning("pushing a fix to %s:%s: %s", to.repo, to.branch, exc)
        return _no_commit(
            th,
            f"the push to `{to.branch}` did not go through (the branch may have moved since "
            f"{head_sha[:7]}; ask again after the next check)",
        )
    th.reply(
        f"pushed the fix as {sha} to `{to.repo}:{to.branch}` ({title}; verified: {describe(verification)}). "
        "The push re-runs the check."
    )
    return {"answered": "commit", "sha": sha, "branch": to.branch, "fork": to.fork}


register(JOB_KIND, run_pr_reply)
