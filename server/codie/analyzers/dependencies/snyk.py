"""Snyk results as Codie findings: `snyk test --json` (DEP005) and Snyk Code SARIF (DEP006).

Snyk lists a vulnerability once per dependency path, so entries are first deduplicated
on (id, package, version). A Snyk vulnerability that shares a CVE or GHSA alias with one
of Codie's own DEP001/DEP002 findings for the same package is merged into that finding
(noted as "also reported by Snyk") rather than reported twice.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from codie.analyzers.dependencies.manifests import manifest_format, parse
from codie.core.analyzer import Context
from codie.core.document import Document
from codie.core.findings import Severity
from codie.core.lines import UTF32
from codie.core.rules import Catalogue
from codie.report.model import Located, Run, locate

SNYK_TIMEOUT = 600.0
SEVERITY = {"critical": Severity.ERROR, "high": Severity.ERROR, "medium": Severity.WARNING, "low": Severity.INFO}
SARIF_LEVEL = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.INFO, "none": Severity.HINT}


class SnykFormatError(ValueError):
    """The file is neither `snyk test --json` output nor SARIF."""


@dataclass(frozen=True, slots=True)
class SnykVuln:
    id: str
    title: str
    package: str
    version: str
    severity: str
    aliases: frozenset[str]
    fixed_in: tuple[str, ...]
    target: str  # displayTargetFile, when Snyk names one


def load(path: Path) -> tuple[list[SnykVuln], list[dict[str, Any]]]:
    """(open-source vulnerabilities, SARIF runs) from one Snyk output file."""
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnykFormatError(f"{path}: not readable JSON: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("runs"), list):
        return [], [r for r in doc["runs"] if isinstance(r, dict)]
    projects = doc if isinstance(doc, list) else [doc]
    failed = [p for p in projects if isinstance(p, dict) and p.get("error") and "vulnerabilities" not in p]
    if failed:  # snyk's own error report (exit code 2): not authenticated, no manifest...
        raise SnykFormatError(f"{path}: snyk reported an error: {failed[0]['error']}")
    if not all(isinstance(p, dict) and "vulnerabilities" in p for p in projects):
        raise SnykFormatError(f"{path}: expected `snyk test --json` output or SARIF")
    vulns: dict[tuple[str, str, str], SnykVuln] = {}
    for project in projects:
        target = str(project.get("displayTargetFile") or "")
        for v in project.get("vulnerabilities") or []:
            if not isinstance(v, dict) or not v.get("id"):
                continue
            ids = v.get("identifiers") or {}
            aliases = {str(x) for key in ("CVE", "GHSA") for x in ids.get(key) or []}
            key = (str(v["id"]), canonicalize_name(str(v.get("packageName", ""))), str(v.get("version", "")))
            vulns.setdefault(
                key,
                SnykVuln(
                    id=key[0],
                    title=str(v.get("title", "")),
                    package=key[1],
                    version=key[2],
                    severity=str(v.get("severity", "medium")).lower(),
                    aliases=frozenset(aliases),
                    fixed_in=tuple(str(x) for x in v.get("fixedIn") or []),
                    target=target,
                ),
            )
    return list(vulns.values()), []


def run_snyk(path: Path) -> tuple[list[SnykVuln], list[dict[str, Any]]]:
    """`snyk test --json` on path. Exit codes: 0 clean, 1 vulnerabilities, 2+ an error."""
    exe = shutil.which("snyk")
    if exe is None:
        raise SnykFormatError("the snyk CLI is not installed (or not on PATH)")
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(
            [exe, "test", "--json"], cwd=folder, capture_output=True, timeout=SNYK_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SnykFormatError(f"running snyk failed: {exc}") from None
    if done.returncode not in (0, 1):
        detail = (done.stdout or done.stderr).decode("utf-8", "replace").strip()[:300]
        raise SnykFormatError(f"snyk exited with {done.returncode} (not authenticated? try `snyk auth`): {detail}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "snyk.json"
        out.write_bytes(done.stdout)
        return load(out)


def merge(
    run: Run, root: Path, vulns: list[SnykVuln], runs: list[dict[str, Any]], catalogue: Catalogue
) -> tuple[int, int]:
    """Add Snyk's results to `run`; return (added, merged into Codie's findings)."""
    added = merged = 0
    docs = _Documents(root)
    for vuln in vulns:
        owner = _codie_match(run, vuln)
        if owner is not None:
            f = run.results[owner].finding
            note = f"also reported by Snyk: {vuln.id}"
            if note not in f.evidence_notes:
                f = dataclasses.replace(
                    f,
                    evidence_notes=(*f.evidence_notes, note),
                    data={**f.data, "snyk": [*f.data.get("snyk", []), vuln.id]},
                )
                run.results[owner] = dataclasses.replace(run.results[owner], finding=f)
            merged += 1
            continue
        run.results.append(_vuln_result(vuln, docs, catalogue))
        added += 1
    for sarif_run in runs:
        for result in sarif_run.get("results") or []:
            located = _code_result(result, sarif_run, docs, catalogue)
            if located is not None and not any(
                r.path == located.path
                and r.start_line == located.start_line
                and r.finding.message == located.finding.message
                for r in run.results
            ):
                run.results.append(located)
                added += 1
    run.results.sort(key=lambda r: (r.path, r.start_line, r.start_col, r.finding.rule_id))
    return added, merged


def _codie_match(run: Run, vuln: SnykVuln) -> int | None:
    names = vuln.aliases | {vuln.id}
    for i, r in enumerate(run.results):
        data = r.finding.data
        if data.get("package") == vuln.package and names & set(data.get("aliases", ())):
            return i
    return None


class _Documents:
    """Project files read once, for positions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, Document | None] = {}

    def get(self, rel: str) -> Document | None:
        if rel not in self.cache:
            path = self.root / rel
            try:
                text = path.read_bytes().decode("utf-8", "replace") if path.is_file() else None
            except OSError:
                text = None
            self.cache[rel] = Document(path.resolve().as_uri(), text) if text is not None else None
        return self.cache[rel]

    def manifests(self, preferred: str) -> list[str]:
        names = [preferred] if preferred else []
        names += sorted(
            p.relative_to(self.root).as_posix() for p in self.root.iterdir() if p.is_file() and manifest_format(p.name)
        )
        return list(dict.fromkeys(names))


def _vuln_result(vuln: SnykVuln, docs: _Documents, catalogue: Catalogue) -> Located:
    fixed = f"; fixed in {', '.join(vuln.fixed_in)}" if vuln.fixed_in else ""
    ids = ", ".join(sorted(vuln.aliases)) or vuln.id
    message = f"Snyk: {vuln.package} {vuln.version}: {vuln.title} ({vuln.id}; {ids}){fixed}"
    severity = SEVERITY.get(vuln.severity, Severity.WARNING)
    data = {
        "package": vuln.package,
        "version": vuln.version,
        "snyk": [vuln.id],
        "aliases": sorted(vuln.aliases | {vuln.id}),
    }
    for rel in docs.manifests(vuln.target):
        doc = docs.get(rel)
        manifest = parse(rel, doc.source) if doc is not None else None
        for dep in manifest.dependencies if manifest else []:
            if dep.key == vuln.package:
                assert doc is not None
                f = Context(doc, catalogue).report("DEP005", dep.start, dep.end, message, severity=severity, data=data)
                return locate(doc, rel, f)
    # not in any manifest (a transitive dependency): anchor it on the target file's top
    rel = vuln.target or "snyk"
    doc = docs.get(rel) or Document(f"snyk:///{rel}", "")
    f = Context(doc, catalogue).report("DEP005", 0, 0, message + " (transitive)", severity=severity, data=data)
    return locate(doc, rel, f)


def _code_result(result: Any, sarif_run: dict[str, Any], docs: _Documents, catalogue: Catalogue) -> Located | None:
    if not isinstance(result, dict):
        return None
    try:
        loc = result["locations"][0]["physicalLocation"]
        rel = str(loc["artifactLocation"]["uri"]).removeprefix("file://").lstrip("/")
        region = loc.get("region", {})
        line, col = int(region.get("startLine", 1)) - 1, int(region.get("startColumn", 1)) - 1
        end_line = int(region.get("endLine", line + 1)) - 1
        end_col = int(region.get("endColumn", col + 1)) - 1
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    rule_id = str(result.get("ruleId", "snyk"))
    text = str((result.get("message") or {}).get("text", rule_id))
    rule = next(
        (
            r
            for r in (sarif_run.get("tool", {}).get("driver", {}).get("rules") or [])
            if isinstance(r, dict) and r.get("id") == rule_id
        ),
        {},
    )
    cwe = tuple(str(c) for c in (rule.get("properties") or {}).get("cwe", []))
    level = str(result.get("level") or (rule.get("defaultConfiguration") or {}).get("level") or "warning")
    doc = docs.get(rel) or Document(f"snyk:///{rel}", "")
    start = doc.offset_at(max(line, 0), max(col, 0), UTF32)
    end = max(start, doc.offset_at(max(end_line, 0), max(end_col, 0), UTF32))
    f = Context(doc, catalogue).report(
        "DEP006",
        start,
        end,
        f"Snyk Code {rule_id}: {text}",
        severity=SARIF_LEVEL.get(level, Severity.WARNING),
        data={"snyk_rule": rule_id},
    )
    if cwe:
        f = dataclasses.replace(f, cwe=cwe)
    return locate(doc, rel, f)
