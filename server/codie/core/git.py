"""The one way Codie runs git, and what it asks of it: changed lines, text at a ref.

Codie runs git on repositories it did not write (a cloned project, a pull request's
mirror), and a repository's own `.git/config` and `.gitattributes` can name programs that
git would run: a diff driver's `textconv`, `diff.external`, hooks, `core.fsmonitor`, a
pager, a clean filter, an `ext::` transport. Every invocation in the product goes through
`git()` here, which turns all of them off, so reading history never executes a command
the repository chose. Nothing else in the product may call the `git` binary directly.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

# Options before the subcommand: no pager, no hooks, no fsmonitor daemon or hook, no
# ext:: transport, paths printed as they are (not octal-quoted).
SAFE_OPTIONS = (
    "--no-pager",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.pager=cat",
    "-c",
    "core.quotePath=false",
    "-c",
    "diff.external=",
    "-c",
    "protocol.ext.allow=never",
)
# Subcommands that produce patches also get --no-textconv and --no-ext-diff (below).
PATCH_COMMANDS = frozenset({"diff", "log", "show"})
# Subcommands that may read the working tree run the repository's clean filters: those
# are blanked for the call (see _filter_overrides).
WORKTREE_COMMANDS = frozenset({"diff", "status", "add", "stash"})


class GitError(RuntimeError):
    """git failed: not installed, not a repository, unknown revision, timed out..."""


def _environment(secret: Mapping[str, str] | None = None) -> dict[str, str]:
    # a git hook or IDE may have set where the repository is: we say it with -C instead
    drop = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_EXTERNAL_DIFF")
    # nor who commits: Codie's commits (pr/push.py) are authored by the identity it names
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith(("GIT_CONFIG_", "GIT_AUTHOR_", "GIT_COMMITTER_"))
    }
    env.update(GIT_PAGER="cat", PAGER="cat", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    # settings that must not show in the process list (a token in http.extraHeader): git
    # reads them from the environment (GIT_CONFIG_COUNT, git 2.31+), which only the same
    # user can see, unlike `-c` arguments
    for n, (key, value) in enumerate((secret or {}).items()):
        env[f"GIT_CONFIG_KEY_{n}"] = key
        env[f"GIT_CONFIG_VALUE_{n}"] = value
    if secret:
        env["GIT_CONFIG_COUNT"] = str(len(secret))
    return env


def command(
    repo: Path, args: tuple[str, ...], filters: tuple[str, ...] = (), config: Mapping[str, str] | None = None
) -> list[str]:
    """The full argument list for `git ARGS` in repo (exposed for tests and logs)."""
    sub = args[0] if args else ""
    extra: tuple[str, ...] = ()
    if sub in PATCH_COMMANDS:
        extra = ("--no-textconv", "--no-ext-diff")
    ours = [part for k, v in (config or {}).items() for part in ("-c", f"{k}={v}")]
    return ["git", *SAFE_OPTIONS, *filters, *ours, "-C", str(repo), sub, *extra, *args[1:]]


def _filter_overrides(repo: Path) -> tuple[str, ...]:
    """`-c filter.NAME.clean=` (and smudge, process) for every filter the config names.

    Reading the configuration runs nothing; a blank command makes git pass content through.
    """
    try:
        done = subprocess.run(
            ["git", *SAFE_OPTIONS, "-C", str(repo), "config", "--name-only", "--get-regexp", r"^filter\."],
            capture_output=True,
            timeout=30,
            check=False,
            env=_environment(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    names = {
        line.rsplit(".", 1)[0] for line in done.stdout.decode("utf-8", "replace").splitlines() if line.count(".") >= 2
    }
    out: list[str] = []
    for name in sorted(names):
        for part in ("clean", "smudge", "process"):
            out += ["-c", f"{name}.{part}="]
        out += ["-c", f"{name}.required=false"]
    return tuple(out)


def git_bytes(
    repo: Path,
    *args: str,
    timeout: float = 120,
    config: Mapping[str, str] | None = None,
    secret_config: Mapping[str, str] | None = None,
) -> bytes:
    """Run `git ARGS` in repo with every repository-chosen program disabled; its stdout.

    `config`: more `-c NAME=VALUE` settings of Codie's own (never the repository's);
    `secret_config`: the same, passed through the environment so that they never appear
    on a command line (credentials)."""
    filters = _filter_overrides(repo) if args and args[0] in WORKTREE_COMMANDS else ()
    argv = command(repo, args, filters, config)
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env=_environment(secret_config),
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except OSError as exc:
        raise GitError(f"git {' '.join(args)}: {exc}") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0] if args else ''} took longer than {timeout:g} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args)}: {message or done.returncode}")
    return done.stdout


def git(
    repo: Path,
    *args: str,
    timeout: float = 120,
    config: Mapping[str, str] | None = None,
    secret_config: Mapping[str, str] | None = None,
) -> str:
    """git_bytes decoded as UTF-8 (undecodable bytes replaced)."""
    return git_bytes(repo, *args, timeout=timeout, config=config, secret_config=secret_config).decode(
        "utf-8", "replace"
    )


# what changed ------------------------------------------------------------------------------
def parse_diff(text: str) -> dict[str, set[int]]:
    """Added/modified 1-based line numbers per new path, from `--unified=0` diff output."""
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
    """1-based changed lines per repo-relative path: the working tree against BASE, or
    (with head) what HEAD changes since its merge base with BASE (a pull request)."""
    rev = [f"{base}...{head}"] if head else [base]
    out = git(repo, "diff", "--unified=0", "--no-color", "--find-renames", *rev, "--")
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


def text_at_ref(path: Path, ref: str) -> str | None:
    """The file's text at `ref`; "" when it did not exist there; None when git cannot say.

    `cat-file blob` prints the stored bytes: no textconv, no filter can run.
    """
    try:
        top = repo_root(path)
        rel = path.resolve().relative_to(top.resolve()).as_posix()
    except (GitError, ValueError, OSError):
        return None
    try:
        return git_bytes(top, "cat-file", "blob", f"{ref}:{rel}", timeout=30).decode("utf-8", "replace")
    except GitError:
        try:
            git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", timeout=30)
        except GitError:
            return None  # an unknown ref
        return ""  # a new file


def diff_lines(old: str, new: str) -> set[int]:
    """0-based lines of `new` that are added or modified relative to `old`."""
    import difflib  # (here: the editor loads this module, and diffs only for new code focus)

    changed: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(j1, j2))
    return changed
