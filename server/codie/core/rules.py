"""The rule catalogue: every rule is data in shared/rules/*.toml.

The server (hover, code actions), the CLI (tables, SARIF rule metadata) and the docs
(docs/rules.md, rendered by `codie rules --markdown`) all read this one catalogue.
The TOML files are its only source; their parsed tables are kept in the user's cache
folder by the digest of their bytes (see _tables), never edited there.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from codie.core.cachedir import user_cache_dir
from codie.core.findings import Category, Severity


@dataclass(frozen=True, slots=True)
class Example:
    bad: str
    good: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    category: Category
    severity: Severity
    # Prior precision: how often a finding of this rule is a true positive, before the
    # evidence of the case at hand is weighed (core/confidence.py).
    confidence: float
    explanation: str
    cwe: tuple[str, ...] = ()
    fix: str = ""
    # Codes of other tools that name the same problem, honoured in noqa and nosec comments.
    aliases: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    tags: tuple[str, ...] = field(default=())

    @property
    def help_markdown(self) -> str:
        parts = [f"**{self.id}: {self.title}**", "", self.explanation.strip()]
        if self.fix:
            parts += ["", f"**Fix:** {self.fix.strip()}"]
        for ex in self.examples[:1]:
            parts += ["", "```python", ex.bad.rstrip(), "```"]
            if ex.good:
                parts += ["Instead:", "```python", ex.good.rstrip(), "```"]
        if self.cwe:
            parts += ["", "CWE: " + ", ".join(self.cwe)]
        return "\n".join(parts)


class CatalogueError(ValueError):
    pass


def catalogue_dir() -> Path:
    return Path(str(resources.files("codie") / "_shared" / "rules"))


def _rule_from(raw: dict[str, object], source: str) -> Rule:
    try:
        examples = tuple(
            Example(str(e.get("bad", "")), str(e.get("good", "")))
            for e in raw.get("examples", [])  # type: ignore[attr-defined]
        )
        return Rule(
            id=str(raw["id"]),
            title=str(raw["title"]),
            category=Category(str(raw["category"])),
            severity=Severity.parse(str(raw["severity"])),
            confidence=float(raw["confidence"]),  # type: ignore[arg-type]
            explanation=str(raw["explanation"]),
            cwe=tuple(str(c) for c in raw.get("cwe", [])),  # type: ignore[attr-defined]
            fix=str(raw.get("fix", "")),
            aliases=tuple(str(a) for a in raw.get("aliases", [])),  # type: ignore[attr-defined]
            examples=examples,
            tags=tuple(str(t) for t in raw.get("tags", [])),  # type: ignore[attr-defined]
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogueError(f"{source}: bad rule {raw.get('id', '?')}: {exc}") from exc


class Catalogue:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.id in self.rules:
                raise CatalogueError(f"duplicate rule id {rule.id}")
            self.rules[rule.id] = rule
        self._by_alias = {a.upper(): r.id for r in rules for a in r.aliases}

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    def resolve(self, code: str) -> str | None:
        """A Codie rule id, or the rule that another tool's code (noqa/nosec) names."""
        code = code.strip().upper()
        return code if code in self.rules else self._by_alias.get(code)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.rules.values(), key=lambda r: r.id))

    @classmethod
    def from_dir(cls, folder: Path) -> Catalogue:
        rules: list[Rule] = []
        for name, data in _tables(folder):
            rules.extend(_rule_from(raw, name) for raw in data.get("rule", []))
        return cls(rules)


PARSED_PREFIX = "rules-"  # the parsed tables' files in the user's cache folder


def _tables(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """Each TOML file of folder, by name: its name and its table.

    tomllib is pure Python: parsing the catalogue took ~15 ms of CPU before a first file's
    diagnostics. The tables are kept, marshalled (<1 ms to read), in the user's cache folder
    under the digest of the files' names and bytes (and the interpreter's version, which
    marshal's format follows): any change to a file is a new digest, parsed again. A
    missing, unreadable or unwritable cache only means parsing."""
    files = [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.toml"))]
    digest = hashlib.blake2b(digest_size=16)
    for name, data in files:
        digest.update(b"%d:%s%d:" % (len(name), name.encode(), len(data)) + data)
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    cached = user_cache_dir() / f"{PARSED_PREFIX}{version}-{digest.hexdigest()}.marshal"
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
        tables = marshal.loads(cached.read_bytes())
        if isinstance(tables, list) and [name for name, _ in tables] == [name for name, _ in files]:
            return tables
    tables = [(name, tomllib.loads(data.decode("utf-8"))) for name, data in files]
    with contextlib.suppress(OSError, ValueError):  # (ValueError: a table marshal cannot write)
        cached.parent.mkdir(parents=True, exist_ok=True)
        for old in cached.parent.glob(f"{PARSED_PREFIX}*.marshal"):  # other versions' tables
            old.unlink(missing_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}")
        partial.write_bytes(marshal.dumps(tables))
        os.replace(partial, cached)
    return tables


@cache
def catalogue() -> Catalogue:
    return Catalogue.from_dir(catalogue_dir())


def render_markdown(cat: Catalogue) -> str:
    """docs/rules.md: the catalogue as a reference page."""
    out = ["# Codie rules", "", "Generated from shared/rules/*.toml by `codie rules --markdown`.", ""]
    out += ["| id | title | category | severity | CWE | prior |", "|---|---|---|---|---|---|"]
    for r in cat:
        cwe = ", ".join(r.cwe)
        row = f"| [{r.id}](#{r.id.lower()}) | {r.title} | {r.category.value} | "
        out.append(row + f"{r.severity.value} | {cwe} | {r.confidence:.2f} |")
    for r in cat:
        out += ["", f"## {r.id}", "", r.help_markdown]
    return "\n".join(out) + "\n"
