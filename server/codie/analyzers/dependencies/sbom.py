"""CycloneDX 1.5 JSON for a project's resolved dependencies, with known vulnerabilities.

"Resolved" means exact versions: lockfile entries when the project has a lockfile,
otherwise the exact pins of its requirements files and pyproject.toml. Ranges are not
resolved (that needs an installer and the network), and are listed in the report's
`metadata.properties` as skipped so the SBOM never looks more complete than it is.
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from codie import __version__
from codie.analyzers.dependencies.advisories import Advisory, AdvisoryIndex, cvss_level
from codie.analyzers.dependencies.manifests import manifest_format, parse
from codie.analyzers.dependencies.osv import ATTRIBUTION
from codie.analyzers.dependencies.workspace import WorkspaceDependencies

LOCK_FORMATS = ("uv", "poetry", "pipfile-lock", "pylock")


@dataclass(frozen=True, slots=True)
class Resolved:
    name: str
    version: str
    source: str  # the manifest it came from, relative to the project

    @property
    def purl(self) -> str:
        return f"pkg:pypi/{canonicalize_name(self.name)}@{self.version}"


def resolved_dependencies(root: Path) -> tuple[list[Resolved], list[str]]:
    """(exact dependencies, requirements left out because they are not exact)."""
    deps, skipped, _ = resolve(root)
    return deps, skipped


def resolve(root: Path) -> tuple[list[Resolved], list[str], dict[str, list[str]]]:
    """Exact dependencies, what was left out, and the lockfiles' requirement graph."""
    manifests = WorkspaceDependencies(root).manifests()
    locks = [p for p in manifests if manifest_format(p.name) in LOCK_FORMATS]
    chosen = locks or manifests
    found: dict[tuple[str, str], Resolved] = {}
    skipped: list[str] = []
    graph: dict[str, list[str]] = {}
    for path in chosen:
        try:
            manifest = parse(path.name, path.read_bytes())
        except OSError:
            continue
        rel = path.relative_to(root).as_posix()
        for package, needs in (manifest.requires if manifest else {}).items():
            graph.setdefault(package, needs)
        for dep in manifest.dependencies if manifest else []:
            if dep.exact and dep.version:
                found.setdefault((dep.key, dep.version), Resolved(dep.name, dep.version, rel))
            else:
                skipped.append(f"{dep.name}{dep.specifier} ({rel})")
    return sorted(found.values(), key=lambda r: (r.name.lower(), r.version)), skipped, graph


def _project_name(root: Path) -> tuple[str, str | None]:
    try:
        with (root / "pyproject.toml").open("rb") as fh:
            project = tomllib.load(fh).get("project", {})
        version = project.get("version")
        return str(project.get("name") or root.name), version if isinstance(version, str) else None
    except (OSError, tomllib.TOMLDecodeError, RecursionError, AttributeError):
        # unreadable, not TOML, nested too deeply, or `project` not a table: the folder's name
        return root.resolve().name, None


def _rating(a: Advisory) -> list[dict[str, Any]]:
    if a.score is None or a.vector is None:
        return []
    method = (
        "CVSSv4"
        if a.vector.startswith("CVSS:4")
        else "CVSSv31"
        if a.vector.startswith("CVSS:3.1")
        else "CVSSv3"
        if a.vector.startswith("CVSS:3")
        else "CVSSv2"
    )
    return [{"score": a.score, "severity": cvss_level(a.score), "method": method, "vector": a.vector}]


def build_sbom(root: Path, index: AdvisoryIndex) -> dict[str, Any]:
    deps, skipped, graph = resolve(root)
    name, version = _project_name(root)
    components = []
    vulns: dict[str, dict[str, Any]] = {}
    for dep in deps:
        components.append(
            {
                "type": "library",
                "bom-ref": dep.purl,
                "name": dep.name,
                "version": dep.version,
                "purl": dep.purl,
                "properties": [{"name": "codie:manifest", "value": dep.source}],
            }
        )
        found = index.affecting(dep.name, dep.version)
        upgrade = index.smallest_upgrade(dep.name, dep.version) if found else None
        for a in found:
            entry = vulns.get(a.id)
            if entry is None:
                entry = vulns[a.id] = _vulnerability(a)
            entry["affects"].append({"ref": dep.purl, "versions": [{"version": dep.version, "status": "affected"}]})
            if upgrade is not None:
                entry["recommendation"] = f"Upgrade {dep.name} to {upgrade} or later."
    root_component: dict[str, Any] = {"type": "application", "bom-ref": "project", "name": name}
    if version:
        root_component["version"] = str(version)
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "codie", "version": __version__}]},
            "component": root_component,
            "properties": [
                {"name": "codie:advisory-data", "value": ATTRIBUTION},
                {"name": "codie:advisory-data-modified", "value": str(index.meta.get("data_modified", ""))},
                *({"name": "codie:unresolved", "value": s} for s in skipped),
            ],
        },
        "components": components,
        "dependencies": _graph(deps, graph),
        "vulnerabilities": list(vulns.values()),
    }


def _graph(deps: list[Resolved], graph: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The project depends on every component that no other component requires (all of
    them without a lockfile graph); each component on what its lockfile entry requires."""
    ref: dict[str, str] = {canonicalize_name(d.name): d.purl for d in deps}
    edges = {
        d.purl: sorted({ref[n] for n in graph.get(canonicalize_name(d.name), []) if n in ref and ref[n] != d.purl})
        for d in deps
    }
    required = {target for targets in edges.values() for target in targets}
    top = [d.purl for d in deps if d.purl not in required] or [d.purl for d in deps]
    return [
        {"ref": "project", "dependsOn": top},
        *({"ref": purl, "dependsOn": targets} for purl, targets in edges.items()),
    ]


def _vulnerability(a: Advisory) -> dict[str, Any]:
    source = (
        {"name": "PyPA Advisory Database", "url": a.url} if a.id.startswith("PYSEC") else {"name": "OSV", "url": a.url}
    )
    refs = [
        {
            "id": alias,
            "source": {"name": "NVD" if alias.startswith("CVE-") else "GitHub" if alias.startswith("GHSA-") else "OSV"},
        }
        for alias in a.aliases
    ]
    entry: dict[str, Any] = {
        "bom-ref": a.id,
        "id": a.id,
        "source": source,
        "references": refs,
        "ratings": _rating(a),
        "description": a.summary,
        "advisories": [{"url": link} for link in a.links],
        "affects": [],
    }
    if a.published:
        entry["published"] = f"{a.published}T00:00:00Z"
    return entry
