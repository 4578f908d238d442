"""The offline advisory index: which releases of a PyPI package have known vulnerabilities.

Built from OSV records by `osv.build_index`, shipped in `codie/data/advisories.json.gz`
(data: PyPA Advisory Database, CC-BY 4.0) and refreshed into the user's data folder by
`codie advisories update|import`. Names are PEP 503-normalised and versions compared by
PEP 440 (`packaging`); a package's entries are parsed on first lookup and then cached.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from codie.analyzers.dependencies.osv import FORMAT

log = logging.getLogger(__name__)
INDEX_NAME = "advisories.json.gz"
ENV_PATH = "CODIE_ADVISORIES"
MEMO_LIMIT = 50_000  # an explicit index file (tests, air-gapped setups)


class IndexError_(ValueError):
    """The index file is missing or unreadable."""


@dataclass(frozen=True, slots=True)
class Advisory:
    """One advisory as it applies to one package."""

    id: str
    package: str
    aliases: tuple[str, ...]
    summary: str
    score: float | None
    severity: str | None  # CRITICAL | HIGH | MEDIUM | LOW | NONE, from the CVSS vector
    vector: str | None
    published: str
    links: tuple[str, ...]
    ranges: tuple[tuple[Version | None, Version | None, Version | None], ...]
    versions: frozenset[Version]  # explicit affected versions beyond the ranges
    cwe: tuple[str, ...] = ()

    @property
    def fixed(self) -> tuple[str, ...]:
        return tuple(str(f) for _, f, _ in self.ranges if f is not None)

    @property
    def url(self) -> str:
        return f"https://osv.dev/vulnerability/{self.id}"

    @property
    def names(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))

    def affects(self, version: Version) -> bool:
        if self.versions and version in self.versions:
            return True
        for intro, fixed, last in self.ranges:
            if intro is not None and version < intro:
                continue
            if fixed is not None:
                if version < fixed:
                    return True
            elif last is not None:
                if version <= last:
                    return True
            else:
                return True  # open-ended: every later release is affected
        return False

    def affected_text(self) -> str:
        parts = []
        for intro, fixed, last in self.ranges:
            lo = f">={intro}" if intro is not None else ""
            hi = f"<{fixed}" if fixed is not None else f"<={last}" if last is not None else ""
            parts.append(",".join(p for p in (lo, hi) if p) or "all versions")
        if self.versions:
            parts.append(", ".join(str(v) for v in sorted(self.versions)[:5]))
        return "; ".join(parts)


def _version(raw: str | None) -> Version | None:
    if raw is None:
        return None
    try:
        return Version(raw)
    except InvalidVersion:
        return None


def parse_version(raw: str) -> Version | None:
    return _version(raw.strip())


# PEP 508 distribution names (packaging's own pattern, case-insensitive)
PACKAGE_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def query_error(name: str, version: str) -> str | None:
    """Why `name version`, as a user typed them, cannot be looked up (None: they can).

    An invalid version must not read as "no known advisories"."""
    if not PACKAGE_NAME.match(name.strip()):
        return f"{name!r} is not a valid package name"
    if parse_version(version) is None:
        return f"{version!r} is not a valid version (PEP 440, e.g. 4.2.1)"
    return None


class AdvisoryIndex:
    """Lookups over one loaded index. Thread-safe: the per-package cache is locked."""

    def __init__(self, raw: dict[str, Any], path: Path | None = None) -> None:
        if raw.get("format") != FORMAT:
            raise IndexError_(f"unsupported advisory index format {raw.get('format')!r}")
        self.path = path
        self.meta = {k: raw.get(k) for k in ("source", "built", "data_modified", "records")}
        self._advisories: dict[str, dict[str, Any]] = raw.get("advisories") or {}
        self._packages: dict[str, list[list[Any]]] = raw.get("packages") or {}
        self._parsed: dict[str, tuple[Advisory, ...]] = {}
        # answers per (package, version): re-analysing a manifest after an edit is then
        # mostly parsing (bounded: cleared when it grows past MEMO_LIMIT entries)
        self._affecting: dict[tuple[str, Version], list[Advisory]] = {}
        self._upgrades: dict[tuple[str, Version], Version | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path) -> AdvisoryIndex:
        try:
            raw = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, EOFError, ValueError) as exc:
            raise IndexError_(f"cannot read advisory index {path}: {exc}") from None
        if not isinstance(raw, dict):
            raise IndexError_(f"{path}: not an advisory index")
        return cls(raw, path)

    @cached_property
    def package_names(self) -> frozenset[str]:
        return frozenset(self._packages)

    @property
    def advisory_count(self) -> int:
        return len(self._advisories)

    def for_package(self, name: str) -> tuple[Advisory, ...]:
        key = canonicalize_name(name)
        cached = self._parsed.get(key)
        if cached is not None:
            return cached
        entries = self._packages.get(key, [])
        parsed = tuple(self._advisory(key, entry) for entry in entries)
        with self._lock:
            self._parsed[key] = parsed
        return parsed

    def _advisory(self, package: str, entry: list[Any]) -> Advisory:
        rid, ranges, extra = entry
        meta = self._advisories.get(rid, {})
        cvss = meta.get("c") or [None, None, None]
        triples = []
        for intro, fixed, last in ranges:
            bounds = (_version(intro), _version(fixed), _version(last))
            if (fixed, last) != (None, None) and bounds[1] is None and bounds[2] is None:
                continue  # an unparseable bound: better no match than "all versions"
            triples.append(bounds)
        versions = frozenset(v for v in (_version(x) for x in extra) if v is not None)
        return Advisory(
            id=rid,
            package=package,
            aliases=tuple(meta.get("a", ())),
            summary=meta.get("s", ""),
            score=cvss[0],
            severity=cvss[1],
            vector=cvss[2],
            published=meta.get("p", ""),
            links=tuple(meta.get("l", ())),
            ranges=tuple(triples),
            versions=versions,
            cwe=tuple(meta.get("w", ())),
        )

    def affecting(self, name: str, version: str | Version) -> list[Advisory]:
        v = version if isinstance(version, Version) else _version(version)
        if v is None:
            return []
        key = (canonicalize_name(name), v)
        found = self._affecting.get(key)
        if found is None:
            found = [a for a in self.for_package(name) if a.affects(v)]
            self._remember(self._affecting, key, found)
        return list(found)

    def _remember(self, memo: dict[Any, Any], key: Any, value: Any) -> None:
        with self._lock:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = value

    def smallest_upgrade(self, name: str, version: str | Version) -> Version | None:
        """The lowest release above `version` that no known advisory affects.

        Candidates are the fixed versions the advisories name; None when no candidate is
        clean (an open-ended range: no fixed release is known).
        """
        v = version if isinstance(version, Version) else _version(version)
        if v is None:
            return None
        key = (canonicalize_name(name), v)
        if key in self._upgrades:
            return self._upgrades[key]
        upgrade = self._smallest_upgrade(name, v)
        self._remember(self._upgrades, key, upgrade)
        return upgrade

    def _smallest_upgrade(self, name: str, v: Version) -> Version | None:
        advisories = self.for_package(name)
        candidates = sorted({f for a in advisories for _, f, _ in a.ranges if f is not None and f > v})
        for candidate in candidates:
            if not any(a.affects(candidate) for a in advisories):
                return candidate
        return None


_loaded: dict[tuple[str, float], AdvisoryIndex] = {}
_load_lock = threading.Lock()


def packaged_path() -> Path:
    return Path(str(resources.files("codie") / "data" / INDEX_NAME))


def user_path() -> Path:
    """Where `codie advisories update|import` write a refreshed index."""
    explicit = os.environ.get(ENV_PATH)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "codie" / INDEX_NAME


def active_path() -> Path:
    user = user_path()
    return user if user.is_file() or os.environ.get(ENV_PATH) else packaged_path()


def load_index(path: Path | None = None) -> AdvisoryIndex:
    """The index at `path` (default: the user's refreshed copy, else the packaged one),
    loaded once per file version."""
    path = path or active_path()
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        raise IndexError_(
            f"no advisory index at {path}; run `codie advisories build` or `codie advisories import`"
        ) from None
    with _load_lock:
        index = _loaded.get(key)
        if index is None:
            index = AdvisoryIndex.from_file(path)
            _loaded.clear()  # only the current version of one file stays in memory
            _loaded[key] = index
    return index


def cvss_level(score: float | None) -> str:
    if score is None:
        return "unknown"
    return (
        "critical"
        if score >= 9
        else "high"
        if score >= 7
        else "medium"
        if score >= 4
        else "low"
        if score > 0
        else "none"
    )


_warned: set[str] = set()


def active_index() -> AdvisoryIndex | None:
    """The active index; the packaged one when a refreshed copy is unreadable; None (and
    one warning per problem) when neither loads. For analyzers and hovers: never raises."""
    try:
        return load_index()
    except IndexError_ as exc:
        problem = str(exc)
    index: AdvisoryIndex | None
    try:
        index = load_index(packaged_path())
    except IndexError_ as exc:
        index, problem = None, f"{problem}; {exc}"
    if problem not in _warned:
        _warned.add(problem)
        log.warning("%s: %s", "using the packaged advisory index" if index else "dependency checks are off", problem)
    return index
