"""Turn OSV records (PyPI) into Codie's compact advisory index.

The index is a plain JSON document (gzip-compressed on disk):

    {"format": 1, "source": ..., "built": ..., "data_modified": ..., "records": N,
     "advisories": {id: {"a": aliases, "s": summary, "c": [score, severity, vector],
                         "p": published, "l": links, "w": CWE ids}},
     "packages": {pep503-name: [[id, [[introduced, fixed, last_affected], ...],
                                 [versions not covered by the ranges]], ...]}}

Only what matching and reporting need is kept: GIT ranges, long details and most
references are dropped, and an explicit `versions` list is reduced to the versions its
ECOSYSTEM ranges do not already cover (usually none), which keeps the index small.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4, CVSSError
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

FORMAT = 1
ATTRIBUTION = "PyPA Advisory Database, CC-BY 4.0"
MAX_LINKS = 3
MAX_SUMMARY = 200
_CVSS_ORDER = {"CVSS_V4": 3, "CVSS_V3": 2, "CVSS_V2": 1}


class OSVError(ValueError):
    """A source that cannot be read as OSV records."""


# reading sources ---------------------------------------------------------------------------
def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """OSV records from a zip (the OSV export), a folder of .json files or JSON lines."""
    if path.is_dir():
        for file in sorted(path.rglob("*.json")):
            yield from _records_from_text(file.read_text("utf-8"), str(file))
        return
    if not path.is_file():
        raise OSVError(f"no such file or folder: {path}")
    raw = path.read_bytes()
    yield from records_from_bytes(raw, str(path))


def records_from_bytes(raw: bytes, origin: str) -> Iterator[dict[str, Any]]:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                for name in sorted(zf.namelist()):
                    if name.endswith(".json"):
                        yield from _records_from_text(zf.read(name).decode("utf-8"), name)
        except zipfile.BadZipFile as exc:
            raise OSVError(f"{origin}: not a valid zip file: {exc}") from None
        return
    yield from _records_from_text(raw.decode("utf-8", "replace"), origin)


def _records_from_text(text: str, origin: str) -> Iterator[dict[str, Any]]:
    stripped = text.strip()
    if not stripped:
        return
    try:  # one JSON document: a record or a list of records
        doc = json.loads(stripped)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        yield doc
        return
    if isinstance(doc, list):
        yield from (r for r in doc if isinstance(r, dict))
        return
    for number, line in enumerate(stripped.splitlines(), 1):  # JSON lines
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise OSVError(f"{origin}:{number}: not an OSV JSON record: {exc.msg}") from None
        if isinstance(record, dict):
            yield record


# scoring -----------------------------------------------------------------------------------
def cvss_score(vector: str) -> tuple[float, str] | None:
    """(base score, severity) of a CVSS v2/v3/v4 vector, or None when it does not parse."""
    try:
        if vector.startswith("CVSS:4"):
            c4 = CVSS4(vector)
            return float(c4.base_score), str(c4.severity).upper()
        if vector.startswith("CVSS:3"):
            c3 = CVSS3(vector)
            return float(c3.base_score), str(c3.severities()[0]).upper()
        c2 = CVSS2(vector)
        score = float(c2.base_score)
        return score, ("HIGH" if score >= 7 else "MEDIUM" if score >= 4 else "LOW")
    except (CVSSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _best_cvss(record: dict[str, Any]) -> list[Any] | None:
    severities = [s for s in record.get("severity") or [] if isinstance(s, dict)]
    severities.sort(key=lambda s: _CVSS_ORDER.get(str(s.get("type")), 0), reverse=True)
    for entry in severities:
        vector = str(entry.get("score", ""))
        scored = cvss_score(vector)
        if scored is not None:
            return [scored[0], scored[1], vector]
    return None


# compacting --------------------------------------------------------------------------------
def _summary(record: dict[str, Any]) -> str:
    text = str(record.get("summary") or record.get("details") or "").strip()
    text = re.sub(r"\s+", " ", text)
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= MAX_SUMMARY else first[: MAX_SUMMARY - 1] + "…"


def _links(record: dict[str, Any]) -> list[str]:
    refs = [r for r in record.get("references") or [] if isinstance(r, dict) and r.get("url")]
    order = {"ADVISORY": 0, "FIX": 1, "WEB": 2, "REPORT": 3}
    refs.sort(key=lambda r: order.get(str(r.get("type")), 9))
    return [str(r["url"]) for r in refs[:MAX_LINKS]]


def _ranges(affected: dict[str, Any]) -> list[list[str | None]]:
    """ECOSYSTEM ranges as [introduced, fixed, last_affected] triples (None = open)."""
    out: list[list[str | None]] = []
    for rng in affected.get("ranges") or []:
        if not isinstance(rng, dict) or rng.get("type") != "ECOSYSTEM":
            continue  # GIT/SEMVER ranges speak of commits, not releases
        current: list[str | None] | None = None
        for event in rng.get("events") or []:
            if not isinstance(event, dict):
                continue
            if "introduced" in event:
                if current is not None:
                    out.append(current)
                intro = str(event["introduced"])
                current = [None if intro == "0" else intro, None, None]
            elif "fixed" in event or "last_affected" in event:
                if current is None:
                    current = [None, None, None]
                if "fixed" in event:
                    current[1] = str(event["fixed"])
                else:
                    current[2] = str(event["last_affected"])
                out.append(current)
                current = None
        if current is not None:
            out.append(current)
    return out


def _parse(v: str | None) -> Version | None:
    if v is None:
        return None
    try:
        return Version(v)
    except InvalidVersion:
        return None


def in_range(version: Version, triple: list[str | None] | tuple[Any, ...]) -> bool:
    intro, fixed, last = (_parse(t) if isinstance(t, str) else t for t in triple)
    if intro is not None and version < intro:
        return False
    if fixed is not None:
        return version < fixed
    if last is not None:
        return version <= last
    return triple[1] is None and triple[2] is None  # open-ended (unparseable bounds: no match)


def _extra_versions(affected: dict[str, Any], ranges: list[list[str | None]]) -> list[str]:
    extra = []
    for raw in affected.get("versions") or []:
        v = _parse(str(raw))
        if v is None or not any(in_range(v, r) for r in ranges):
            extra.append(str(raw))
    return extra


def build_index(records: Iterable[dict[str, Any]], source: str = ATTRIBUTION) -> dict[str, Any]:
    advisories: dict[str, dict[str, Any]] = {}
    packages: dict[str, list[list[Any]]] = {}
    # (package, id or CVE) -> kept advisory id, and (package, other alias) -> kept advisory id.
    # Two records are one vulnerability when one names the other's id, or both name the same
    # CVE; a shared GHSA alias alone is not enough (PYSEC splits some GHSAs into several CVEs).
    strong: dict[tuple[str, str], str] = {}
    weak: dict[tuple[str, str], str] = {}
    newest = ""
    count = 0
    for record in records:
        rid = str(record.get("id", ""))
        if not rid or record.get("withdrawn"):
            continue
        count += 1
        newest = max(newest, str(record.get("modified", "")))
        aliases = {str(a) for a in record.get("aliases") or []}
        keys = {rid} | {a for a in aliases if a.startswith("CVE-")}
        for affected in record.get("affected") or []:
            if not isinstance(affected, dict):
                continue
            pkg = affected.get("package") or {}
            if str(pkg.get("ecosystem", "")).split(":")[0] != "PyPI" or not pkg.get("name"):
                continue
            name = canonicalize_name(str(pkg["name"]))
            owner = next((strong[(name, k)] for k in keys | aliases if (name, k) in strong), weak.get((name, rid)))
            if owner is not None and owner != rid:
                _merge_duplicate(advisories[owner], record, (keys | aliases) - {owner})
                continue  # the same vulnerability from another database (PYSEC vs GHSA)
            strong.update(((name, k), rid) for k in keys)
            weak.update(((name, a), rid) for a in aliases)
            if rid not in advisories:
                advisories[rid] = _advisory(record)
            ranges = _ranges(affected)
            packages.setdefault(name, []).append([rid, ranges, _extra_versions(affected, ranges)])
    return {
        "format": FORMAT,
        "source": source,
        "built": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data_modified": newest,
        "records": count,
        "advisories": advisories,
        "packages": dict(sorted(packages.items())),
    }


def _advisory(record: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "a": sorted(str(a) for a in record.get("aliases") or []),
        "s": _summary(record),
        "p": str(record.get("published", ""))[:10],
        "l": _links(record),
    }
    cvss = _best_cvss(record)
    if cvss is not None:
        entry["c"] = cvss
    cwes = _cwes(record)
    if cwes:
        entry["w"] = cwes
    return entry


def _merge_duplicate(kept: dict[str, Any], record: dict[str, Any], names: set[str]) -> None:
    kept["a"] = sorted(set(kept["a"]) | names)
    if "c" not in kept and (cvss := _best_cvss(record)) is not None:
        kept["c"] = cvss
    if cwes := sorted(set(kept.get("w", [])) | set(_cwes(record))):
        kept["w"] = cwes


def _cwes(record: dict[str, Any]) -> list[str]:
    """CWE ids: GHSA records carry them in database_specific (PYSEC records have none)."""
    specific = record.get("database_specific")
    raw = specific.get("cwe_ids") if isinstance(specific, dict) else None
    return sorted(str(c) for c in raw if str(c).startswith("CWE-")) if isinstance(raw, list) else []


def write_index(index: dict[str, Any], path: Path) -> int:
    """Write the index gzip-compressed (reproducibly: no gzip timestamp); return its size."""
    payload = json.dumps(index, separators=(",", ":"), sort_keys=False).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    tmp.replace(path)
    return path.stat().st_size
