"""DEP001-DEP003, DEP007: vulnerable pins and range floors, malformed entries, includes.

Runs on requirements files, pyproject.toml and lockfiles (a whole-document analyzer: these
documents have no syntax tree). Each finding sits on the exact bytes of the pin, and the
fix rewrites just the version to the smallest release that clears every advisory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from tree_sitter import Node

from codie.analyzers.dependencies import MANIFEST_LANGUAGES
from codie.analyzers.dependencies.advisories import (
    Advisory,
    AdvisoryIndex,
    active_index,
    cvss_level,
    parse_version,
)
from codie.analyzers.dependencies.includes import included_pins
from codie.analyzers.dependencies.manifests import Dependency, Include, Manifest, filename_of, parse
from codie.analyzers.dependencies.snyk import SEVERITY as SNYK_SEVERITY
from codie.analyzers.dependencies.workspace import SERVICE, DependencyService
from codie.core.analyzer import Context
from codie.core.findings import Finding, Fix, Location, Severity, TextEdit

MAX_IDS_IN_MESSAGE = 3
CAPS = ("<", "<=", "==", "~=", "===")  # specifier operators that bound a range from above


@dataclass(frozen=True, slots=True)
class Upgrade:
    """Where to move a dependency, and how many of its advisories that clears."""

    version: Version
    fixes: int
    total: int

    @property
    def complete(self) -> bool:
        return self.fixes == self.total


def index_or_none() -> AdvisoryIndex | None:
    return active_index()


def best_upgrade(index: AdvisoryIndex, dep: Dependency, current: Version, found: Sequence[Advisory]) -> Upgrade | None:
    """The smallest clean release; failing that, the fixed release that clears the most."""
    clean = index.smallest_upgrade(dep.name, current)
    if clean is not None:
        return Upgrade(clean, len(found), len(found))
    candidates = sorted({f for a in found for _, f, _ in a.ranges if f is not None and f > current})
    best: Upgrade | None = None
    for candidate in candidates:
        cleared = sum(1 for a in found if not a.affects(candidate))
        if cleared and (best is None or cleared > best.fixes):
            best = Upgrade(candidate, cleared, len(found))
    return best


def severity_for(found: Sequence[Advisory]) -> Severity:
    """The worst advisory decides. Without a CVSS vector Codie cannot tell how bad an
    advisory is, so it is treated as serious (most PyPA advisories carry no vector)."""
    levels = {cvss_level(a.score) for a in found}
    if levels & {"critical", "high", "unknown"}:
        return Severity.ERROR
    if "medium" in levels:
        return Severity.WARNING
    return Severity.INFO


def describe(found: Sequence[Advisory]) -> str:
    ids = []
    for a in found[:MAX_IDS_IN_MESSAGE]:
        cve = next((x for x in a.aliases if x.startswith("CVE-")), None)
        ids.append(cve or a.id)
    more = f" and {len(found) - MAX_IDS_IN_MESSAGE} more" if len(found) > MAX_IDS_IN_MESSAGE else ""
    scored = [a for a in found if a.score is not None]
    worst = max(scored, key=lambda a: a.score or 0.0) if scored else None
    cvss = f"; highest CVSS {worst.score} ({cvss_level(worst.score)})" if worst else ""
    return ", ".join(ids) + more + cvss


def upgrade_fix(dep: Dependency, upgrade: Upgrade | None) -> Fix | None:
    if upgrade is None or dep.version_start is None or dep.version_end is None:
        return None
    if dep.kind == "lock":
        return None  # a lockfile entry also carries hashes: relock instead of editing it
    n = upgrade.fixes
    what = f"{n} advisor{'y' if n == 1 else 'ies'}" if upgrade.complete else f"{n} of {upgrade.total} advisories"
    return Fix(
        f"Upgrade {dep.name} to {upgrade.version} (fixes {what})",
        (TextEdit(dep.version_start, dep.version_end, str(upgrade.version)),),
        safe=False,
    )


class DependencyAnalyzer:
    name: ClassVar[str] = "dependencies"
    languages: ClassVar[frozenset[str]] = MANIFEST_LANGUAGES
    incremental: ClassVar[bool] = False
    deferred: ClassVar[bool] = False

    def analyze(self, ctx: Context, nodes: Sequence[Node]) -> Iterator[Finding]:
        manifest = parse(filename_of(ctx.doc.uri), ctx.doc.source)
        if manifest is None:
            return
        yield from self.problems(ctx, manifest)
        index = index_or_none()
        if index is None:
            return
        for dep in manifest.dependencies:
            yield from self.check(ctx, index, dep)
        yield from self.snyk(ctx, index, manifest)
        path = Path(filename_of(ctx.doc.uri))
        if manifest.includes and path.is_absolute():
            for include in manifest.includes:
                yield from self.included(ctx, index, path, include)

    def snyk(self, ctx: Context, index: AdvisoryIndex, manifest: Manifest) -> Iterator[Finding]:
        """DEP005 for what the last Snyk run (LSP command codie.snyk.run) found and the
        offline index did not: memory only, never a subprocess here."""
        service = ctx.services.get(SERVICE)
        if ctx.root is None or not isinstance(service, DependencyService):
            return
        vulns = service.folder(ctx.root).snyk
        for dep in manifest.dependencies if vulns else []:
            known = {n for a in (index.affecting(dep.name, dep.version) if dep.version else []) for n in a.names}
            for vuln in vulns:
                if (
                    vuln.package != dep.key
                    or (dep.exact and vuln.version != dep.version)
                    or known & (vuln.aliases | {vuln.id})
                ):
                    continue
                fixed = f"; fixed in {', '.join(vuln.fixed_in)}" if vuln.fixed_in else ""
                yield ctx.report(
                    "DEP005",
                    dep.start,
                    dep.end,
                    f"Snyk: {vuln.package} {vuln.version}: {vuln.title} ({vuln.id}){fixed}",
                    severity=SNYK_SEVERITY.get(vuln.severity, Severity.WARNING),
                    data={
                        "package": dep.key,
                        "version": vuln.version,
                        "snyk": [vuln.id],
                        "aliases": sorted(vuln.aliases | {vuln.id}),
                    },
                )

    def included(self, ctx: Context, index: AdvisoryIndex, path: Path, include: Include) -> Iterator[Finding]:
        pins, problem = included_pins(path, include)
        if problem is not None:
            yield ctx.report("DEP003", include.start, include.end, problem, evidence=0.7)
            return
        bad = [
            (p, found)
            for p in pins
            if p.dependency.version and (found := index.affecting(p.dependency.name, p.dependency.version))
        ]
        if not bad:
            return
        what = "constrains" if include.constraint else "pins"
        listed = ", ".join(f"{p.dependency.name} {p.dependency.version} ({len(found)})" for p, found in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        related = [
            Location(
                0,
                0,
                f"{p.dependency.name} {p.dependency.version}: {len(found)} known vulnerabilities",
                uri=p.path.as_uri(),
                line=p.line,
                column=0,
            )
            for p, found in bad
        ]
        yield ctx.report(
            "DEP007",
            include.start,
            include.end,
            f"`{include.target}` {what} {len(bad)} vulnerable "
            f"dependenc{'y' if len(bad) == 1 else 'ies'}: {listed}{more}",
            severity=severity_for([a for _, found in bad for a in found]),
            related=related,
            evidence=0.8,
        )

    def problems(self, ctx: Context, manifest: Manifest) -> Iterator[Finding]:
        for problem in manifest.problems:
            end = max(problem.end, problem.start + 1) if problem.start < len(ctx.doc.source) else problem.end
            yield ctx.report("DEP003", problem.start, end, problem.message, evidence=0.7)

    def check(self, ctx: Context, index: AdvisoryIndex, dep: Dependency) -> Iterator[Finding]:
        if dep.kind == "range":
            if dep.group != "build":
                # (build requirements are installed fresh in an isolated environment: the
                # newest matching release, not the floor, so a low floor is no risk there)
                yield from self.check_range(ctx, index, dep)
            return
        if dep.version is None or dep.kind not in ("pin", "lock"):
            return
        current = parse_version(dep.version)
        if current is None:
            if dep.exact:
                yield ctx.report(
                    "DEP003",
                    dep.start,
                    dep.end,
                    f"`{dep.version}` is not a valid PEP 440 version of {dep.name}",
                    evidence=0.7,
                )
            return
        found, ignore_notes = kept(ctx, dep, index.affecting(dep.name, current))
        if not found:
            return
        upgrade = best_upgrade(index, dep, current, found)
        data = {
            "package": dep.key,
            "version": dep.version,
            "kind": dep.kind,
            "advisories": [a.id for a in found],
            "aliases": sorted({x for a in found for x in a.names}),
            # every advisory behind the finding, with its aliases (reports list them all)
            "advisory_aliases": {a.id: list(a.aliases) for a in found},
            "upgrade": str(upgrade.version) if upgrade else None,
            "score": max((a.score for a in found if a.score is not None), default=None),
        }
        count = f"{len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}"
        advice = _advice(dep, upgrade) + "".join(f"; {n}" for n in ignore_notes)
        if dep.exact:
            finding = ctx.report(
                "DEP001",
                dep.start,
                dep.end,
                f"{dep.name} {dep.version} has {count} ({describe(found)}){advice}",
                severity=severity_for(found),
                fix=upgrade_fix(dep, upgrade),
                evidence=0.9,
                notes=[f"{a.id}: {a.summary}" for a in found[:5]],
                data=data,
            )
            cwe = sorted({c for a in found for c in a.cwe})
            # the advisories' own weaknesses (GHSA data) say more than the generic CWE-1395
            yield dataclasses.replace(finding, cwe=tuple(cwe)) if cwe else finding

    def check_range(self, ctx: Context, index: AdvisoryIndex, dep: Dependency) -> Iterator[Finding]:
        """A range (or a wildcard pin, `flask==0.12.*`): the releases it allows that the
        advisories know of. Every one affected -> warning; some -> info. The advice stays
        inside the range, or names the constraint that has to change."""
        if not dep.specifier:
            return  # a bare name installs the newest release
        try:
            spec = SpecifierSet(dep.specifier)
        except InvalidSpecifier:
            return
        # the versions the specifier names count too: most advisories list only bounds
        named = [parse_version(s.version.removesuffix(".*")) for s in spec if s.operator in (">=", "==", "~=", "===")]
        candidates = set(known_versions(index, dep.name)) | {v for v in named if v is not None}
        allowed = sorted(v for v in candidates if spec.contains(v))
        bad = [v for v in allowed if kept(ctx, dep, index.affecting(dep.name, v))[0]]
        capped = any(s.operator in CAPS for s in spec)
        if not bad or (bad[0] != allowed[0] and not capped):
            return  # open above and clean at the floor: an install gets a clean release
        found, ignore_notes = kept(
            ctx, dep, list({a.id: a for v in bad for a in index.affecting(dep.name, v)}.values())
        )
        every = len(bad) == len(allowed)
        floor = parse_version(dep.version) if dep.version else None
        upgrade, advice = _range_advice(index, dep, spec, allowed, bad, found, floor)
        advice += "".join(f"; {n}" for n in ignore_notes)
        data = {
            "package": dep.key,
            "version": dep.version,
            "kind": dep.kind,
            "specifier": dep.specifier,
            "affected": [str(v) for v in bad],
            "allowed": [str(v) for v in allowed],
            "every_allowed_affected": every,
            "advisories": [a.id for a in found],
            "aliases": sorted({x for a in found for x in a.names}),
            # every advisory behind the finding, with its aliases (reports list them all)
            "advisory_aliases": {a.id: list(a.aliases) for a in found},
            "upgrade": str(upgrade.version) if upgrade else None,
            "score": max((a.score for a in found if a.score is not None), default=None),
        }
        if every:
            what = f"allows only releases with known vulnerabilities (all {len(bad)} that the advisory data names)"
        else:
            what = f"allows {len(bad)} of {len(allowed)} known releases with known vulnerabilities, e.g. {bad[0]}"
        floor_fix = (
            upgrade_fix(dep, upgrade)
            if upgrade is not None and dep.version_start is not None and _is_floor(ctx, dep)
            else None
        )
        yield ctx.report(
            "DEP002",
            dep.start,
            dep.end,
            f"`{dep.name}{dep.specifier}` {what} ({describe(found)}){advice}",
            severity=Severity.WARNING if every else Severity.INFO,
            fix=floor_fix,
            evidence=0.6,
            data=data,
        )


@dataclass(frozen=True, slots=True)
class Ignore:
    """One `[tool.codie.dependencies] ignore` entry; `problem` says why it cannot apply."""

    id: str
    reason: str
    until: date | None
    package: str = ""
    problem: str = ""


def ignores(ctx: Context) -> list[Ignore]:
    """`ignore = [{id = "...", reason = "...", until = "YYYY-MM-DD", package = "..."}]`."""
    raw = ctx.settings.section("dependencies").get("ignore", [])
    out: list[Ignore] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        reason, until, problem = entry.get("reason"), entry.get("until"), ""
        when: date | None = None
        if isinstance(until, date):  # TOML dates arrive as date objects
            when = until
        elif isinstance(until, str):
            try:
                when = date.fromisoformat(until)
            except ValueError:
                problem = f"`until = {until!r}` is not a YYYY-MM-DD date"
        else:
            problem = 'it needs an expiry date (`until = "YYYY-MM-DD"`)'
        if not problem and not (isinstance(reason, str) and reason.strip()):
            problem = "it needs a `reason`"
        package = entry.get("package")
        out.append(
            Ignore(
                entry["id"],
                reason if isinstance(reason, str) else "",
                when,
                package if isinstance(package, str) else "",
                problem,
            )
        )
    return out


def kept(ctx: Context, dep: Dependency, found: Sequence[Advisory]) -> tuple[list[Advisory], list[str]]:
    """The advisories no current ignore entry covers, and notes on entries that did not
    apply (expired or incomplete): an expired ignore says so instead of hiding silently."""
    entries = ignores(ctx) if found else []
    left: list[Advisory] = []
    notes: list[str] = []
    today = date.today()
    for a in found:
        match = next(
            (i for i in entries if i.id in a.names and (not i.package or canonicalize_name(i.package) == dep.key)), None
        )
        if match is None:
            left.append(a)
        elif match.problem:
            left.append(a)
            notes.append(f"the ignore of {match.id} does not apply: {match.problem}")
        elif match.until is not None and match.until < today:
            left.append(a)
            notes.append(f"the ignore of {match.id} expired on {match.until.isoformat()}")
    return left, notes


def known_versions(index: AdvisoryIndex, name: str) -> list[Version]:
    """The final releases the advisories of a package name (listed, or as range bounds)."""
    found: set[Version] = set()
    for a in index.for_package(name):
        found.update(a.versions)
        for bounds in a.ranges:
            found.update(b for b in bounds if b is not None)
    return sorted(v for v in found if not v.is_prerelease and v != Version("0"))


def _range_advice(
    index: AdvisoryIndex,
    dep: Dependency,
    spec: SpecifierSet,
    allowed: list[Version],
    bad: list[Version],
    found: list[Advisory],
    floor: Version | None,
) -> tuple[Upgrade | None, str]:
    """Raise the floor to a clean release the range allows; else name the constraint."""
    clean_allowed = [v for v in allowed if v not in bad and (floor is None or v > floor)]
    outside = index.smallest_upgrade(dep.name, max(allowed))
    if clean_allowed:
        target = clean_allowed[0]
        return Upgrade(target, len(found), len(found)), f"; raise the lower bound to {target}"
    caps = [str(s) for s in spec if s.operator in CAPS]
    constraint = ",".join(caps) or dep.specifier
    if outside is not None:
        return None, (
            f"; no release that `{dep.specifier}` allows is clean: change the "
            f"constraint `{constraint}` to allow {outside}"
        )
    return None, "; no fixed release is known"


def _advice(dep: Dependency, upgrade: Upgrade | None) -> str:
    if upgrade is None:
        return "; no fixed release is known"
    relock = " and relock" if dep.kind == "lock" else ""
    if upgrade.complete:
        return f"; upgrade to {upgrade.version}{relock}"
    return f"; {upgrade.version} fixes {upgrade.fixes} of {upgrade.total}{relock}"


def _is_floor(ctx: Context, dep: Dependency) -> bool:
    """Only a `>=` floor can be raised without changing what else the range means."""
    start = dep.version_start or 0
    return ctx.doc.source[max(0, start - 4) : start].rstrip().endswith(b">=")
