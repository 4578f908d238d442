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
from codie.core.rules import catalogue

DEFAULT_EXCLUDE = (
    ".git/**",
    ".venv/**",
    "venv/**",
    "**/node_modules/**",
    "**/__pycache__/**",
    "build/**",
    "dist/**",
    ".tox/**",
    ".mypy_cache/**",
)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    message: str
    path: str
    key: str = ""
    line: int = 0  # 0-based line in the file, best effort
    effect: str = "the default applies"  # what Codie does instead, for the diagnostic


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
    # enabled()'s answers by rule id (the settings are frozen, so are they): the editor asks
    # for every finding on every publish. Not a setting: not compared, not copied by replace.
    _enabled: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def enabled(self, rule_id: str) -> bool:
        known = self._enabled.get(rule_id)
        if known is None:
            if len(self._enabled) >= 4_096:  # rule ids are few; anything else is not kept long
                self._enabled.clear()
            known = self._enabled[rule_id] = self._selects(rule_id)
        return known

    def _selects(self, rule_id: str) -> bool:
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
            fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch("/" + rel, "*/" + pat.lstrip("*/")) for pat in self.exclude
        )

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, {})


_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "severity": "severity",
    "min-confidence": "min_confidence",
    "min_confidence": "min_confidence",
    "minConfidence": "min_confidence",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "extendExclude": "extend_exclude",
}


def merge(
    base: Settings, raw: object, source: str, lines: list[str] | None = None
) -> tuple[Settings, list[ConfigProblem]]:
    """Apply one layer of raw settings; keep `base` for every bad value."""
    problems: list[ConfigProblem] = []
    changes: dict[str, Any] = {}
    sections = dict(base.sections)

    def problem(key: str, message: str, effect: str = "the default applies") -> None:
        problems.append(ConfigProblem(message, source, key, find_line(lines, key), effect))

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
            if not isinstance(value, list):
                problem(key, f"{key} must be a list of strings, got {describe_value(value)}")
                continue
            if (bad := next((v for v in value if not isinstance(v, str)), None)) is not None:
                problem(key, f"{key} must be a list of strings, but it holds {describe_value(bad)}")
                continue
            if name in ("select", "ignore"):
                unknown = [v for v in value if not is_rule_pattern(v)]
                for pattern in unknown:
                    problem(key, f"{key}: {unknown_rule_message(pattern)}", "this entry is ignored")
                value = [v for v in value if v not in unknown]
                if unknown and not value:
                    continue  # nothing valid left: keep what was there before
            if name == "extend_exclude":
                changes["exclude"] = (*changes.get("exclude", base.exclude), *value)
            else:
                changes[name] = tuple(value)
        elif name == "min_confidence":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                problem(key, f"{key} must be a number between 0 and 1, got {describe_value(value)}")
                continue
            changes[name] = float(value)
        elif name == "severity":
            if not isinstance(value, Mapping):
                problem(
                    key, f'severity must be a table of RULE = "error|warning|info|hint", got {describe_value(value)}'
                )
                continue
            sev = dict(base.severity)
            for rule, level in value.items():
                if rule not in catalogue():
                    problem(
                        str(rule), f"severity: {unknown_rule_message(str(rule), exact=True)}", "this entry is ignored"
                    )
                    continue
                if not isinstance(level, str):
                    problem(
                        str(rule),
                        f"severity.{rule} must be one of error, warning, info, hint, got {describe_value(level)}",
                    )
                    continue
                try:
                    sev[str(rule)] = Severity.parse(level)
                except ValueError as exc:
                    problem(str(rule), f"severity.{rule}: {exc}")
            changes[name] = sev
    changes["sections"] = sections
    return dataclasses.replace(base, **changes), problems


def is_rule_pattern(pattern: str) -> bool:
    """A rule id or prefix that names at least one rule (or ALL), as select/ignore take."""
    return pattern == "ALL" or (bool(pattern) and any(rule.id.startswith(pattern) for rule in catalogue()))


def unknown_rule_message(pattern: str, exact: bool = False) -> str:
    """Why a select/ignore entry (or a severity key, `exact`) names no rule, with a hint."""
    what = "rule id" if exact else "rule id or prefix"
    hint = ""
    upper = pattern.strip().upper()
    if upper != pattern and (upper in catalogue() or (not exact and is_rule_pattern(upper))):
        hint = f" (did you mean {upper!r}?)"
    elif (alias := catalogue().resolve(pattern)) is not None:
        hint = f" (Codie calls it {alias!r})"
    return f"unknown {what} {pattern!r}{hint}; see `codie rules`"


def describe_value(value: object) -> str:
    """A short, bounded description of a bad value (never a huge or deep repr)."""
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def find_line(lines: list[str] | None, key: str, table: str = "tool.codie") -> int:
    """The line of `key = ...` in a [tool.codie...] table (`table` and its sub-tables), else
    the table's header."""
    if not lines or not key:
        return 0
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    in_table = False
    for i, line in enumerate(lines):
        if line.strip().startswith("["):
            in_table = line.strip().lstrip("[").startswith(table)
        if in_table and pattern.match(line):
            return i
    return next((i for i, ln in enumerate(lines) if ln.strip().lstrip("[").startswith(table)), 0)


def load_pyproject(path: Path, base: Settings | None = None) -> tuple[Settings, list[ConfigProblem]]:
    """[tool.codie] of a pyproject.toml merged over `base`."""
    base = base or Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return base, []
    except (OSError, UnicodeDecodeError) as exc:
        return base, [ConfigProblem(f"cannot read {path.name}: {exc}", str(path))]
    return load_pyproject_text(text, str(path), base)


def load_pyproject_text(text: str, source: str, base: Settings | None = None) -> tuple[Settings, list[ConfigProblem]]:
    base = base or Settings()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) - 1 if match else 0
        if not match and "end of document" in str(exc):
            line = max(0, len(text.rstrip("\n").split("\n")) - 1)
        return base, [ConfigProblem(f"invalid TOML: {exc}", source, "", line, "all defaults apply")]
    except RecursionError:
        # tomllib recurses once per level of nested arrays or inline tables
        deep = re.search(rf"(?:[\[{{]\s*){{{DEEP_NESTING}}}", text)
        line = text.count("\n", 0, deep.start()) if deep else 0
        return base, [
            ConfigProblem("invalid TOML: arrays or tables nested too deeply", source, "", line, "all defaults apply")
        ]
    lines = text.splitlines()
    tool = data.get("tool", {})
    if not isinstance(tool, Mapping):
        return base, [
            ConfigProblem(
                f"tool must be a table, got {describe_value(tool)}", source, "tool", _top_level_line(lines, "tool")
            )
        ]
    table = tool.get("codie", {})
    if not isinstance(table, Mapping):
        return base, [
            ConfigProblem(
                f"[tool.codie] must be a table, got {describe_value(table)}",
                source,
                "codie",
                _top_level_line(lines, "codie", "tool"),
            )
        ]
    return merge(base, table, source, lines)


DEEP_NESTING = 32  # brackets in a row that mark where a too-deep value starts


def _top_level_line(lines: list[str], key: str, table: str = "") -> int:
    """The line of `key = ...` at the top level (or in `[table]`), for a problem's location."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    current = ""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[] ")
        elif current == table and pattern.match(line):
            return i
    return 0


def find_project_root(start: Path) -> Path:
    """The nearest folder above `start` with a pyproject.toml (or `start` itself)."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start if start.is_dir() else start.parent
