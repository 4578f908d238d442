"""Settings: defaults <- client settings <- [tool.codie] in pyproject.toml.

A broken file or value never stops analysis: each problem is returned with its location
(shown as a diagnostic on pyproject.toml) and the defaults apply for what was wrong.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codie.core.findings import Finding, Severity

DEFAULT_EXCLUDE = (
    ".git/**", ".venv/**", "venv/**", "**/node_modules/**", "**/__pycache__/**",
    "build/**", "dist/**", ".tox/**", ".mypy_cache/**",
)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    message: str
    path: str
    key: str = ""
    line: int = 0  # 0-based line in the file, best effort


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    min_confidence: float = 0.3
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    # Sections owned by features ([tool.codie.<name>] or client settings {"<name>": {...}});
    # each feature validates its own.
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def enabled(self, rule_id: str) -> bool:
        if rule_id.startswith("CFG"):
            return True  # a broken configuration must never be able to hide itself
        def matches(patterns: tuple[str, ...]) -> bool:
            return any(p == "ALL" or rule_id.startswith(p) for p in patterns)

        return matches(self.select) and not matches(self.ignore)

    def severity_of(self, finding: Finding) -> Severity:
        return self.severity.get(finding.rule_id, finding.severity)

    def shown(self, finding: Finding) -> bool:
        """The noise filter: selected rules at or above the minimum confidence."""
        return self.enabled(finding.rule_id) and finding.confidence >= self.min_confidence

    def is_excluded(self, relative_path: str) -> bool:
        rel = relative_path.replace("\\", "/").lstrip("./")
        return any(
            fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch("/" + rel, "*/" + pat.lstrip("*/"))
            for pat in self.exclude
        )

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, {})


_KEYS = {
    "select": "select", "ignore": "ignore", "severity": "severity",
    "min-confidence": "min_confidence", "min_confidence": "min_confidence",
    "minConfidence": "min_confidence", "exclude": "exclude",
    "extend-exclude": "extend_exclude", "extendExclude": "extend_exclude",
}


def merge(
    base: Settings, raw: object, source: str, lines: list[str] | None = None
) -> tuple[Settings, list[ConfigProblem]]:
    """Apply one layer of raw settings; keep `base` for every bad value."""
    problems: list[ConfigProblem] = []
    changes: dict[str, Any] = {}
    sections = dict(base.sections)

    def problem(key: str, message: str) -> None:
        problems.append(ConfigProblem(message, source, key, _find_line(lines, key)))

    if not isinstance(raw, Mapping):
        return base, [ConfigProblem("settings must be a table", source)]
    for key, value in raw.items():
        name = _KEYS.get(key)
        if name is None:
            if isinstance(value, Mapping):
                sections[key] = {**sections.get(key, {}), **value}
            else:
                problem(key, f"unknown setting {key!r}")
            continue
        if name in ("select", "ignore", "exclude", "extend_exclude"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problem(key, f"{key} must be a list of strings")
                continue
            if name == "extend_exclude":
                changes["exclude"] = (*changes.get("exclude", base.exclude), *value)
            else:
                changes[name] = tuple(value)
        elif name == "min_confidence":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                problem(key, f"{key} must be a number between 0 and 1, got {value!r}")
                continue
            changes[name] = float(value)
        elif name == "severity":
            if not isinstance(value, Mapping):
                problem(key, "severity must be a table of RULE = \"error|warning|info|hint\"")
                continue
            sev = dict(base.severity)
            for rule, level in value.items():
                try:
                    sev[str(rule)] = Severity.parse(str(level))
                except ValueError as exc:
                    problem(str(rule), f"severity.{rule}: {exc}")
            changes[name] = sev
    changes["sections"] = sections
    return dataclasses.replace(base, **changes), problems


def _find_line(lines: list[str] | None, key: str) -> int:
    if not lines or not key:
        return 0
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    in_table = False
    for i, line in enumerate(lines):
        if line.strip().startswith("["):
            in_table = line.strip().startswith("[tool.codie")
        if in_table and pattern.match(line):
            return i
    return next((i for i, ln in enumerate(lines) if ln.strip().startswith("[tool.codie")), 0)


def load_pyproject(
    path: Path, base: Settings | None = None
) -> tuple[Settings, list[ConfigProblem]]:
    """[tool.codie] of a pyproject.toml merged over `base`."""
    base = base or Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return base, []
    except (OSError, UnicodeDecodeError) as exc:
        return base, [ConfigProblem(f"cannot read {path.name}: {exc}", str(path))]
    return load_pyproject_text(text, str(path), base)


def load_pyproject_text(
    text: str, source: str, base: Settings | None = None
) -> tuple[Settings, list[ConfigProblem]]:
    base = base or Settings()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) - 1 if match else 0
        return base, [ConfigProblem(f"invalid TOML: {exc}; using the defaults", source, "", line)]
    table = data.get("tool", {}).get("codie", {})
    return merge(base, table, source, text.splitlines())


def find_project_root(start: Path) -> Path:
    """The nearest folder above `start` with a pyproject.toml (or `start` itself)."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start if start.is_dir() else start.parent
