"""Churn from git history: commits, lines added/removed and authors, per file and per
function, over a time window. Cached in SQLite (component "churn") and updated
incrementally: a later run reads only the commits made since the last one.

Per-function churn comes from `git log -p -U0` with git's Python diff driver: each hunk is
charged to the function named in its header (the `def` above it), or to a `def` line the
hunk itself adds or removes. Functions are identified by name within their file, so two
methods of the same name in one file share their churn (documented limitation).
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codie.core.git import GitError
from codie.core.git import git as run_git
from codie.store import open_store

if TYPE_CHECKING:  # imported where used: sqlite-utils costs ~40 ms at start-up
    import sqlite_utils

RECORD = "\x1e"
UNIT = "\x1f"
DEF = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)")
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$")
WINDOW = re.compile(r"^\s*(\d+)\s*(d|day|days|w|week|weeks|m|month|months|y|year|years)\s*$")
UNIT_SECONDS = {"d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
GIT_TIMEOUT = 300


class ChurnError(Exception):
    """Not a git repository, git missing, or a bad window: a message for the user."""


def parse_window(text: str) -> int:
    """'12 months' / '90d' / '2 years' -> seconds."""
    match = WINDOW.match(text.lower())
    if match is None:
        raise ChurnError(f"bad window {text!r}: use e.g. '90 days', '12 months', '1 year'")
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)[0]]


@dataclass
class Commit:
    sha: str
    time: int
    author: str
    files: dict[str, list[int]] = field(default_factory=dict)  # path -> [added, removed]
    functions: dict[tuple[str, str], list[int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Churn:
    path: str
    function: str  # "" for the whole file
    commits: int
    added: int
    removed: int
    authors: int

    @property
    def lines(self) -> int:
        return self.added + self.removed


def _migration_1(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE churn_commits (sha TEXT PRIMARY KEY, time INTEGER, author TEXT)")
    db.execute("CREATE TABLE churn_files (sha TEXT, path TEXT, added INTEGER, removed INTEGER)")
    db.execute("CREATE TABLE churn_functions (sha TEXT, path TEXT, function TEXT, added INTEGER, removed INTEGER)")
    db.execute("CREATE TABLE churn_state (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE INDEX churn_files_sha ON churn_files (sha)")
    db.execute("CREATE INDEX churn_functions_sha ON churn_functions (sha)")


MIGRATIONS = [_migration_1]


def git(root: Path, *args: str, config: dict[str, str] | None = None) -> str:
    """git through the one hardened wrapper (codie.core.git): textconv, external diffs,
    hooks, fsmonitor, pagers and filters of the repository never run."""
    try:
        return run_git(root, *args, timeout=GIT_TIMEOUT, config=config)
    except GitError as exc:
        message = str(exc).splitlines()
        raise ChurnError(message[0] if message else f"git {args[0]} failed") from None


def parse_log(text: str) -> Iterator[Commit]:
    """Commits of `git log --format=<RS>%H<US>%at<US>%aN -p -U0`."""
    for record in text.split(RECORD)[1:]:
        header, _, body = record.partition("\n")
        parts = header.split(UNIT)
        if len(parts) != 3:
            continue
        commit = Commit(parts[0], int(parts[1] or 0), parts[2])
        path = ""
        function = ""
        for line in body.splitlines():
            if line.startswith("diff --git "):
                path, function = "", ""
            elif line.startswith("+++ "):
                target = line[4:]
                path = target[2:] if target.startswith("b/") else ""
                if path:
                    commit.files.setdefault(path, [0, 0])
            elif line.startswith("--- "):
                source = line[4:]
                if source.startswith("a/") and not path:
                    path = source[2:]  # a deleted file: +++ is /dev/null
                    commit.files.setdefault(path, [0, 0])
            elif line.startswith("@@"):
                match = HUNK.match(line)
                context = DEF.match(match.group(1)) if match else None
                function = context.group(1) if context else ""
            elif path and line[:1] in ("+", "-"):
                index = 0 if line[0] == "+" else 1
                text = line[1:]
                defined = DEF.match(text)
                if defined:
                    function = defined.group(1)
                elif text[:1].isalpha() or text[:1] == "_":
                    function = ""  # back at module level (a class line, a statement)
                commit.files[path][index] += 1
                if function and path.endswith(".py"):
                    commit.functions.setdefault((path, function), [0, 0])[index] += 1
        yield commit


class ChurnIndex:
    def __init__(self, root: Path, db_path: Path | str) -> None:
        self.root = root.resolve()
        self.db = open_store(db_path, "churn", MIGRATIONS)

    def _state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM churn_state WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def refresh(self, since: int) -> int:
        """Bring the cache up to HEAD (and back to `since`); returns new commits read."""
        try:
            head = git(self.root, "rev-parse", "HEAD").strip()
        except ChurnError as exc:
            raise ChurnError(f"{self.root}: not a git repository with commits ({exc})") from None
        last, start = self._state("head"), self._state("since")
        incremental = last is not None and start is not None and int(start) <= since
        if incremental and last == head:
            return 0
        if incremental and last is not None:
            try:
                git(self.root, "merge-base", "--is-ancestor", last, head)
            except ChurnError:
                incremental = False  # history was rewritten: start again
        revs = f"{last}..{head}" if incremental else head
        commits = list(self._log(revs, None if incremental else since))
        with self.db.conn:
            self.db.execute("BEGIN")
            if not incremental:
                for table in ("churn_commits", "churn_files", "churn_functions"):
                    self.db.execute(f"DELETE FROM {table}")
                self._set("since", str(since))
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO churn_commits VALUES (?, ?, ?)", [(c.sha, c.time, c.author) for c in commits]
            )
            self.db.conn.executemany(
                "INSERT INTO churn_files VALUES (?, ?, ?, ?)",
                [(c.sha, p, a, r) for c in commits for p, (a, r) in c.files.items()],
            )
            self.db.conn.executemany(
                "INSERT INTO churn_functions VALUES (?, ?, ?, ?, ?)",
                [(c.sha, p, f, a, r) for c in commits for (p, f), (a, r) in c.functions.items()],
            )
            self._set("head", head)
        return len(commits)

    def _set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO churn_state VALUES (?, ?)", [key, value])

    def _log(self, revs: str, since: int | None) -> Iterator[Commit]:
        with tempfile.NamedTemporaryFile("w", suffix=".gitattributes", delete=False) as fh:
            fh.write("*.py diff=python\n")  # git's Python funcname pattern for hunk headers
        try:
            args = [
                "log",
                "--no-merges",
                f"--format={RECORD}%H{UNIT}%at{UNIT}%aN",
                "-p",
                "-U0",
                "--no-color",
                "--no-renames",
            ]
            if since is not None:
                args.append(f"--since={since}")
            yield from parse_log(git(self.root, *args, revs, "--", "*.py", config={"core.attributesFile": fh.name}))
        finally:
            Path(fh.name).unlink(missing_ok=True)

    def files(self, window: int, now: int | None = None) -> list[Churn]:
        return self._aggregate("churn_files", "''", window, now)

    def functions(self, window: int, now: int | None = None) -> list[Churn]:
        return self._aggregate("churn_functions", "x.function", window, now)

    def _aggregate(self, table: str, function: str, window: int, now: int | None) -> list[Churn]:
        cutoff = (now if now is not None else int(time.time())) - window
        self.refresh(cutoff)
        rows = self.db.execute(
            f"SELECT x.path, {function}, COUNT(DISTINCT x.sha), SUM(x.added), SUM(x.removed), "
            f"COUNT(DISTINCT c.author) FROM {table} x JOIN churn_commits c ON c.sha = x.sha "
            f"WHERE c.time >= ? GROUP BY x.path, {function}",
            [cutoff],
        ).fetchall()
        return [Churn(str(p), str(f), int(n), int(a or 0), int(r or 0), int(au)) for p, f, n, a, r, au in rows]


def per_path(churn: list[Churn]) -> dict[str, Churn]:
    return {c.path: c for c in churn}


def per_function(churn: list[Churn]) -> dict[str, dict[str, Churn]]:
    out: defaultdict[str, dict[str, Churn]] = defaultdict(dict)
    for c in churn:
        out[c.path][c.function] = c
    return dict(out)
