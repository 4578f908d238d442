"""Baselines: accept the findings a project has today, report only new ones.

A finding's *key* is a hash of its rule and the normalized code of its first line (blanks
collapsed, trailing comment removed), so it survives line shifts and edits elsewhere in
the file. Identical keys in one file are counted: a baseline that saw one `except:` in
`a.py` hides one; a second identical violation added later is reported. Which of two
identical findings counts as "new" is decided by file order (the later one).

The API is small on purpose (the editor, `codie check --baseline` and `codie check --diff`
all use it):

    key(rule_id, line_text) -> str                    the fingerprint of one finding
    Baseline.load(path) / .save(path)                 the JSON file (BaselineError if bad)
    Baseline.from_located(results, root, base_dir)    build one from a headless run
    baseline.split(rel_path, [(item, rule_id, line_text), ...])
                                                      -> (new, baselined) items of one file
    baseline.split_findings(rel_path, findings, line_text_of)   the same for Findings
    mark_baselined(run, baseline, base_dir)           mark a Run's results (suppressed="baseline")
                                                      or show them as hints (as_hints=True)

"Focus on new code" against a git ref is codie.pr.gate.diff_run (`codie check --diff` /
`--new-since`) for headless runs, and lsp/new_code.py in the editor.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from codie.core.findings import Finding, Severity
from codie.report.model import Located, Run

FORMAT_VERSION = 1
DEFAULT_NAME = ".codie-baseline.json"
BASELINED = "baseline"  # Located.suppressed for findings hidden by a baseline (SARIF: external)
T = TypeVar("T")


class BaselineError(ValueError):
    """The baseline file is missing, unreadable or not a Codie baseline."""


def code_of(line_text: str) -> str:
    """The line without its trailing comment, blanks collapsed (quotes are respected)."""
    quote = ""
    i = 0
    while i < len(line_text):
        ch = line_text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif line_text.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif ch in "\"'":
            quote = ch * 3 if line_text.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        elif ch == "#":
            line_text = line_text[:i]
            break
        i += 1
    return " ".join(line_text.split())


def key(rule_id: str, line_text: str) -> str:
    """The fingerprint of a finding: its rule and the normalized code of its first line."""
    digest = hashlib.sha256(f"{rule_id}\0{code_of(line_text)}".encode()).hexdigest()
    return digest[:20]


def fingerprints(items: Sequence[tuple[str, str]]) -> list[str]:
    """`key:n` for (rule_id, line_text) pairs in file order: n counts identical keys."""
    seen: Counter[str] = Counter()
    out = []
    for rule_id, line_text in items:
        k = key(rule_id, line_text)
        out.append(f"{k}:{seen[k]}")
        seen[k] += 1
    return out


@dataclass
class Baseline:
    """Counts of accepted finding keys, per file path relative to the baseline's folder."""

    files: dict[str, Counter[str]] = field(default_factory=dict)
    # What each key was, for people reading the file: path -> key -> {rule, line, code}.
    notes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def add(self, rel_path: str, rule_id: str, line_text: str, line: int = 0) -> None:
        k = key(rule_id, line_text)
        self.files.setdefault(rel_path, Counter())[k] += 1
        self.notes.setdefault(rel_path, {}).setdefault(
            k, {"rule": rule_id, "line": line, "code": code_of(line_text)[:120]}
        )

    def split(self, rel_path: str, items: Sequence[tuple[T, str, str]]) -> tuple[list[T], list[T]]:
        """(new, baselined) among (item, rule_id, line_text) of one file, in file order."""
        budget = Counter(self.files.get(_norm(rel_path), Counter()))
        new: list[T] = []
        old: list[T] = []
        for item, rule_id, line_text in items:
            k = key(rule_id, line_text)
            if budget[k] > 0:
                budget[k] -= 1
                old.append(item)
            else:
                new.append(item)
        return new, old

    def split_findings(
        self, rel_path: str, findings: Sequence[Finding], line_text_of: Any
    ) -> tuple[list[Finding], list[Finding]]:
        """split() for findings of one document; `line_text_of(finding)` gives its first line."""
        ordered = sorted(findings, key=Finding.sort_key)
        return self.split(rel_path, [(f, f.rule_id, line_text_of(f)) for f in ordered])

    def __len__(self) -> int:
        return sum(sum(c.values()) for c in self.files.values())

    # the file ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        files: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(self.files):
            files[path] = [
                {"key": k, "count": n, **self.notes.get(path, {}).get(k, {})}
                for k, n in sorted(self.files[path].items())
            ]
        return {"tool": "codie", "version": FORMAT_VERSION, "files": files}

    @classmethod
    def from_json(cls, data: Any) -> Baseline:
        if not isinstance(data, dict) or data.get("tool") != "codie":
            raise BaselineError("not a Codie baseline (no \"tool\": \"codie\")")
        if data.get("version") != FORMAT_VERSION:
            raise BaselineError(f"unsupported baseline version {data.get('version')!r}")
        baseline = cls()
        files = data.get("files")
        if not isinstance(files, dict):
            raise BaselineError("\"files\" must be an object")
        for path, entries in files.items():
            if not isinstance(entries, list):
                raise BaselineError(f"entries of {path!r} must be a list")
            counts: Counter[str] = Counter()
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                    raise BaselineError(f"bad entry in {path!r}: {entry!r}")
                count = entry.get("count", 1)
                counts[entry["key"]] += count if isinstance(count, int) and count > 0 else 1
            baseline.files[_norm(path)] = counts
        return baseline

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BaselineError(f"{path}: {exc}") from None
        try:
            return cls.from_json(data)
        except BaselineError as exc:
            raise BaselineError(f"{path}: {exc}") from None

    @classmethod
    def from_located(cls, results: Iterable[Located], root: Path, base_dir: Path) -> Baseline:
        """A baseline of a run's shown results (paths relative to `root`) kept in base_dir."""
        baseline = cls()
        for r in results:
            if r.suppressed is None:
                rel = rebase(r.path, root, base_dir)
                baseline.add(rel, r.finding.rule_id, r.snippet, r.start_line)
        return baseline


def _norm(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


def rebase(rel_path: str, root: Path, base_dir: Path) -> str:
    """A path relative to `root` made relative to `base_dir` (as stored in baselines)."""
    absolute = (root / rel_path).resolve()
    try:
        return absolute.relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return _norm(rel_path)


def mark_baselined(run: Run, baseline: Baseline, base_dir: Path, as_hints: bool = False) -> int:
    """Mark the run's results that the baseline accepts (suppressed="baseline", or kept
    visible at hint severity with `as_hints`); return how many."""
    by_file: dict[str, list[int]] = {}
    for i, r in enumerate(run.results):
        if r.suppressed is None:
            by_file.setdefault(r.path, []).append(i)
    marked = 0
    root = Path(run.root)
    for path, indexes in by_file.items():
        ordered = sorted(indexes, key=lambda i: (run.results[i].start_line,
                                                 run.results[i].start_col))
        items = [(i, run.results[i].finding.rule_id, run.results[i].snippet) for i in ordered]
        _, old = baseline.split(rebase(path, root, base_dir), items)
        for i in old:
            r = run.results[i]
            if as_hints:
                hint = dataclasses.replace(r.finding, severity=Severity.HINT,
                                           data={**r.finding.data, "baselined": True})
                run.results[i] = dataclasses.replace(r, finding=hint)
            else:
                run.results[i] = dataclasses.replace(r, suppressed=BASELINED)
            marked += 1
    return marked
