"""Which lines a change adds or modifies, from `git diff`.

`changed_lines(repo, base)` compares the working tree with BASE; with `head` it compares
the merge base of BASE and HEAD with HEAD (what a pull request changes). Lines are
1-based line numbers in the new version of each file, keyed by repo-relative POSIX path.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class GitError(RuntimeError):
    """git failed: not a repository, unknown revision, ..."""


def git(repo: Path, *args: str, timeout: float = 120) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=repo, capture_output=True, text=True, timeout=timeout, check=False,
            encoding="utf-8", errors="replace",
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {' '.join(args)}: {exc}") from exc
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def parse_diff(text: str) -> dict[str, set[int]]:
    """Added/modified line numbers per new path, from unified=0 diff output."""
    changed: dict[str, set[int]] = {}
    path: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            path = None if target == "/dev/null" else target[2:] if target.startswith("b/") else target
            if path is not None:
                changed.setdefault(path, set())
            continue
        m = HUNK.match(line)
        if m and path is not None:
            start = int(m.group(1))
            count = int(m.group(2)) if m.group(2) is not None else 1
            changed[path].update(range(start, start + count))
    return changed


def changed_lines(repo: Path, base: str, head: str | None = None) -> dict[str, set[int]]:
    rev = [f"{base}...{head}"] if head else [base]
    out = git(repo, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--find-renames", *rev, "--")
    changed = parse_diff(out)
    if head is None:
        # files git does not track yet are entirely new
        for rel in git(repo, "ls-files", "--others", "--exclude-standard").splitlines():
            full = repo / rel
            if full.is_file():
                with full.open("rb") as fh:
                    count = sum(1 for _ in fh)
                changed[rel] = set(range(1, count + 1))
    return changed


def repo_root(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    return Path(git(start, "rev-parse", "--show-toplevel").strip())
