"""Baselines: accept the findings a project has today, report only new ones.

A finding's *key* is a hash of its rule and the normalized code of its first line (blanks
collapsed, trailing comment removed), so it survives line shifts and edits elsewhere in
the file. Identical keys in one file are counted: a baseline that saw one `except:` in
`a.py` hides one; a second identical violation added later is reported. Which of two
identical findings counts as "new" is decided by file order (the later one).

The API is small on purpose (every door applies it in the one present step,
core/presenting.py):

    key(rule_id, line_text) -> str                    the fingerprint of one finding
    Baseline.load(path) / .save(path)                 the JSON file (BaselineError if bad)
    Baseline.from_items([(rel, rule_id, line_text, line)], base_dir-relative paths)
    baseline.split(rel_path, [(item, rule_id, line_text), ...])
                                                      -> (new, baselined) items of one file
    baseline.split_findings(rel_path, findings, line_text_of)   the same for Findings
    BaselineOptions.of(settings), load_for(folder, settings)   the project's baseline file

"Focus on new code" against a git ref is the `changed` argument of the present step.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from codie.core.config import Settings
from codie.core.findings import Finding

FORMAT_VERSION = 1
DEFAULT_NAME = ".codie-baseline.json"
REL_PATHS = 4_096  # files whose rel_path a LoadedBaseline remembers, then forgets
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
            raise BaselineError('not a Codie baseline (no "tool": "codie")')
        if data.get("version") != FORMAT_VERSION:
            raise BaselineError(f"unsupported baseline version {data.get('version')!r}")
        baseline = cls()
        files = data.get("files")
        if not isinstance(files, dict):
            raise BaselineError('"files" must be an object')
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
    def from_items(cls, items: Iterable[tuple[str, str, str, int]]) -> Baseline:
        """A baseline of (path relative to its folder, rule id, first line's text, line)."""
        baseline = cls()
        for rel, rule_id, line_text, line in items:
            baseline.add(rel, rule_id, line_text, line)
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


@dataclass(frozen=True)
class BaselineOptions:
    """[tool.codie.baseline]: file (default .codie-baseline.json), show = "hidden" | "hint"."""

    file: str | None = None
    show: str = "hidden"

    @classmethod
    def of(cls, settings: Settings) -> BaselineOptions:
        raw = settings.section("baseline")
        file = raw.get("file")
        show = raw.get("show")
        return cls(file if isinstance(file, str) and file else None, show if show in ("hidden", "hint") else "hidden")

    def path_in(self, folder: Path) -> Path:
        return folder / (self.file or DEFAULT_NAME)


@dataclass
class LoadedBaseline:
    """A project's baseline: the file, what it holds, or why it cannot be used."""

    path: Path
    baseline: Baseline | None
    error: str | None = None
    folder: Path | None = None  # the project folder it belongs to
    # file -> rel_path(file): an editor asks on every publish, and each answer walks both
    # paths through the file system (realpath). Kept as long as this object: whoever holds
    # it (the editor's baseline cache) drops it when the file or the settings change.
    _rel: dict[Path, str | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def rel_path(self, file: Path) -> str | None:
        """file as the baseline names it: relative to the baseline's folder, else (a
        baseline kept in a subfolder, see `rebase`) relative to the project folder; None
        when the baseline cannot apply to it."""
        try:
            return self._rel[file]
        except KeyError:
            pass
        if len(self._rel) >= REL_PATHS:
            self._rel.clear()
        rel = self._rel[file] = self._rel_path(file)
        return rel

    def _rel_path(self, file: Path) -> str | None:
        for base in (self.path.parent, self.folder):
            if base is None:
                continue
            try:
                return file.resolve().relative_to(base.resolve()).as_posix()
            except (ValueError, OSError, RuntimeError):
                continue
        return None


def load_for(folder: Path, settings: Settings, path: Path | None = None) -> LoadedBaseline:
    """The project's baseline: `path`, else `[tool.codie.baseline] file`, else
    .codie-baseline.json in folder. No file at the default place is normal (no baseline,
    no error); a file that was named and cannot be used is an error (CFG011)."""
    named = path is not None or BaselineOptions.of(settings).file is not None
    path = path or BaselineOptions.of(settings).path_in(folder)
    try:
        return LoadedBaseline(path, Baseline.load(path), None, folder)
    except BaselineError as exc:
        missing = not named and not path.exists()
        return LoadedBaseline(path, None, None if missing else str(exc), folder)
