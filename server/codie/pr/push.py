"""`@codie fix commit`: a verified fix pushed as a commit to the pull request's branch.

Pushing changes someone else's branch, so it happens only when everything agrees:
- the repository asked for it, in the pyproject.toml of the BASE commit
  (`[tool.codie.pr] push-fixes = true`); the head's copy is the pull request author's to
  write, so it is never read for this;
- the person asking has write access (checked by the conversation before it gets here);
- the branch is in the base repository, or in a fork whose author allows maintainer edits
  (`maintainer_can_modify` in the pull request);
- the fix is verified (re-analysed, and its related tests ran green in the sandbox).

The commit is built with git plumbing in a temporary bare repository that borrows the
mirror's objects: nothing is checked out, so no file of the pull request is written to disk
or run, and every git call goes through the hardened wrapper (core/git.py). The push is a
fast-forward only: when the branch moved meanwhile, it fails and nothing is overwritten.
"""

from __future__ import annotations

import base64
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codie.core.git import GitError, git, git_bytes

SETTING = "push-fixes"


def push_fixes_enabled(mirror: Path, base_sha: str) -> bool:
    """`[tool.codie.pr] push-fixes = true` in the base commit's pyproject.toml."""
    try:
        raw = git_bytes(mirror, "cat-file", "blob", f"{base_sha}:pyproject.toml", timeout=30)
        data = tomllib.loads(raw.decode("utf-8"))
    except (GitError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # no file, or one nobody could have meant to turn this on with
    section = data.get("tool", {}).get("codie", {}).get("pr", {})
    return isinstance(section, dict) and section.get(SETTING) is True


@dataclass(frozen=True)
class Target:
    """Where a fix would be pushed: the head repository's branch."""

    repo: str
    clone_url: str
    branch: str
    fork: bool


def push_target(pull: dict[str, Any], base_repo: str) -> tuple[Target | None, str]:
    """The branch a fix may be pushed to, or (None, why not)."""
    head = pull.get("head") or {}
    head_repo = head.get("repo")
    if not head_repo:
        return None, "the branch of this pull request is in a repository that no longer exists"
    full_name = str(head_repo.get("full_name") or "")
    fork = full_name.lower() != base_repo.lower()
    if fork and pull.get("maintainer_can_modify") is not True:
        return None, (
            f"the branch is in the fork {full_name}, whose author has not allowed edits from "
            "maintainers, and I never push to a fork without that permission"
        )
    return Target(full_name, str(head_repo["clone_url"]), str(head["ref"]), fork), ""


def _auth(url: str, token: str | None) -> dict[str, str]:
    """The token as an HTTP header (never in the URL, which error messages would show)."""
    if not token or not url.startswith("https://"):
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {"http.extraHeader": f"Authorization: Basic {basic}"}


def push_fix(
    mirror: Path,
    head_sha: str,
    path: str,
    new_text: str,
    to: Target,
    message: str,
    author: tuple[str, str],
    token: str | None = None,
) -> str:
    """Commit new_text as `path` on top of head_sha and push it to `to`'s branch; the new SHA.

    GitError when git fails, including when the branch is no longer at head_sha."""
    name, email = author
    me = {"user.name": name, "user.email": email}
    with tempfile.TemporaryDirectory(prefix="codie-push-") as tmp:
        work = Path(tmp) / "fix.git"
        git(Path(tmp), "init", "--bare", "--quiet", str(work))
        # borrow the mirror's objects instead of copying them
        (work / "objects" / "info" / "alternates").write_text(str((mirror / "objects").resolve()) + "\n")
        listed = git(work, "ls-tree", head_sha, "--", path).split()
        if len(listed) < 3 or listed[0] not in ("100644", "100755"):  # a symlink's blob is its target
            raise GitError(f"{path} is not a regular file at {head_sha[:7]}")
        blob_file = Path(tmp) / "blob"
        blob_file.write_text(new_text, encoding="utf-8")
        blob = git(work, "hash-object", "-w", "--no-filters", str(blob_file)).strip()
        git(work, "read-tree", head_sha)
        git(work, "update-index", "--add", "--cacheinfo", f"{listed[0]},{blob},{path}")
        tree = git(work, "write-tree").strip()
        commit = git(work, "commit-tree", tree, "-p", head_sha, "-m", message, config=me).strip()
        # no --force: a branch that moved since head_sha refuses the push
        git(
            work,
            "push",
            "--quiet",
            "--no-verify",
            to.clone_url,
            f"{commit}:refs/heads/{to.branch}",
            timeout=300,
            secret_config=_auth(to.clone_url, token),
        )
    return commit
