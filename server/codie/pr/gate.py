"""Focus a headless run on what a change touches: the changed lines, for the present step.

The filter itself is the one new-code filter of the present step
(core/presenting.on_changed_lines); this module only says which lines changed, from the
one git wrapper, as headless options.
"""

from __future__ import annotations

from pathlib import Path

from codie.core.git import changed_lines, repo_root
from codie.headless import CheckOptions


def focus(options: CheckOptions, root: Path, base: str, head: str | None = None) -> CheckOptions:
    """options narrowed to the lines changed since `base` (GitError when git cannot say)."""
    git_root = repo_root(root)
    return CheckOptions(
        options.baseline,
        options.use_baseline,
        options.baseline_show,
        changed_lines(git_root, base, head),
        git_root,
        options.services,
    )


def on_changes(changed: dict[str, set[int]], git_root: Path, options: CheckOptions | None = None) -> CheckOptions:
    """options narrowed to changes already known (a pull request's diff)."""
    options = options or CheckOptions()
    return CheckOptions(
        options.baseline, options.use_baseline, options.baseline_show, changed, git_root, options.services
    )
