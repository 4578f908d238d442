"""Which lines a change adds or modifies: the pull-request face of core/git.py.

`changed_lines(repo, base)` compares the working tree with BASE; with `head` it compares
the merge base of BASE and HEAD with HEAD (what a pull request changes). Lines are
1-based line numbers in the new version of each file, keyed by repo-relative POSIX path.
Every git call goes through codie.core.git, which disables textconv, external diffs,
hooks, fsmonitor, pagers and filters.
"""

from __future__ import annotations

from codie.core.git import GitError, changed_lines, git, parse_diff, repo_root

__all__ = ["GitError", "changed_lines", "git", "parse_diff", "repo_root"]
