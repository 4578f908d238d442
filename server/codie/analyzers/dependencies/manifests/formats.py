"""pyproject.toml, poetry.lock, uv.lock, pylock.toml and Pipfile.lock, with byte spans."""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from typing import Any

from packaging.utils import canonicalize_name

from codie.analyzers.dependencies.manifests.model import Dependency, Kind, Manifest, Problem
from codie.analyzers.dependencies.manifests.requirements import parse_pep508
from codie.analyzers.dependencies.manifests.tomlscan import Path, TomlString, scan

POETRY_SECTIONS = ("dependencies", "dev-dependencies")
POETRY_CONSTRAINT = re.compile(r"^\s*(\^|~=?|>=|==|=)?\s*v?([0-9][A-Za-z0-9.+!-]*)\s*$")
LOCK_KEYS = ("name", "version", "dependencies")
FULL_CHECK_BYTES = 256_000
TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _check_toml(source: bytes, manifest: Manifest) -> None:
    """tomllib's verdict, placed on its line when the tolerant scan saw nothing wrong."""
    if manifest.problems:
        return
    try:
        tomllib.loads(source.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError as exc:
        at = TOML_ERROR_AT.search(str(exc))
        line = int(at.group(1)) - 1 if at else 0
        lines = source.split(b"\n")
        start = sum(len(x) + 1 for x in lines[:line])
        end = start + len(lines[line]) if line < len(lines) else start
        manifest.problems.append(Problem(f"invalid TOML: {exc}", start, end))
    except RecursionError:  # tomllib recurses per nesting level
        manifest.problems.append(Problem("invalid TOML: nested too deeply", 0, 0))


def _pep508(manifest: Manifest, s: TomlString, group: str) -> None:
    if s.raw:
        offsets = list(range(s.start, s.start + len(s.value.encode()) + 1))
        if len(offsets) != len(s.value) + 1:  # non-ASCII: map characters to bytes
            offsets, at = [], s.start
            for ch in s.value:
                offsets.append(at)
                at += len(ch.encode("utf-8", "surrogatepass"))
            offsets.append(at)
    else:  # escapes: the whole string is the best span we have
        offsets = [s.start] * len(s.value) + [s.end]
    dep = parse_pep508(s.value.strip(), offsets[len(s.value) - len(s.value.lstrip()) :], group)
    if isinstance(dep, Problem):
        manifest.problems.append(dep)
    elif dep is not None:
        manifest.dependencies.append(dep)


def parse_pyproject(source: bytes) -> Manifest:
    manifest = Manifest("pyproject")
    # TOML syntax errors in pyproject.toml are the configuration analyzer's (CFG001): only
    # what is wrong with the dependencies themselves is reported here
    scanned = scan(source)
    for s in scanned.strings:
        group = _pep508_group(s.path)
        if group is not None:
            _pep508(manifest, s, group)
            continue
        poetry = _poetry_dependency(s.path)
        if poetry is not None:
            _poetry(manifest, s, *poetry)
    return manifest


def _pep508_group(path: Path) -> str | None:
    """The group of a PEP 508 string at `path`, or None when the path holds none."""
    match path:
        case ("project", "dependencies", int()):
            return ""
        case ("project", "optional-dependencies", str(extra), int()):
            return extra
        case ("dependency-groups", str(group), int()):
            return group
        case ("build-system", "requires", int()):
            return "build"
        case ("tool", "uv", "dev-dependencies", int()):
            return "dev"
        case ("tool", "pdm", "dev-dependencies", str(group), int()):
            return group
    return None


def _poetry_dependency(path: Path) -> tuple[str, str] | None:
    """(package, group) for a Poetry version constraint string at `path`."""
    match path:
        case ("tool", "poetry", str(section), str(name)) if section in POETRY_SECTIONS:
            return name, "dev" if section.startswith("dev") else ""
        case ("tool", "poetry", str(section), str(name), "version") if section in POETRY_SECTIONS:
            return name, "dev" if section.startswith("dev") else ""
        case ("tool", "poetry", "group", str(group), "dependencies", str(name)):
            return name, group
        case ("tool", "poetry", "group", str(group), "dependencies", str(name), "version"):
            return name, group
    return None


def _poetry(manifest: Manifest, s: TomlString, name: str, group: str) -> None:
    if name.lower() == "python":
        return
    m = POETRY_CONSTRAINT.match(s.value)
    if m is None:  # ranges like ">=1,<2" or "*": no single version to check
        return
    op, version = m.group(1) or "", m.group(2)
    kind: Kind = "pin" if op in ("", "==", "=") else "range"
    lo = s.start + m.start(2) if s.raw else None
    hi = s.start + m.end(2) if s.raw else None
    manifest.dependencies.append(Dependency(name, version, kind, s.start, s.end, s.value, lo, hi, group=group))


def _lock_value(path: Path) -> bool:
    """Values a lockfile reader needs: name, version and the dependency lists."""
    if len(path) == 3:
        return path[2] in LOCK_KEYS
    return len(path) == 4 and path[2] == "dependencies"  # poetry's [package.dependencies]


def parse_toml_lock(source: bytes, fmt: str) -> Manifest:
    """poetry.lock and uv.lock ([[package]]) or pylock.toml ([[packages]])."""
    manifest = Manifest(fmt)
    table = "packages" if fmt == "pylock" else "package"
    scanned = scan(source, wanted=_lock_value)
    manifest.problems.extend(scanned.problems)
    entries: dict[int, dict[str, TomlString]] = defaultdict(dict)
    requires: dict[int, set[str]] = defaultdict(set)
    for s in scanned.strings:
        if len(s.path) < 3 or s.path[0] != table or not isinstance(s.path[1], int):
            continue
        if len(s.path) == 3:
            entries[s.path[1]][str(s.path[2])] = s
        elif s.path[2] == "dependencies":  # uv: [{name = "x"}]; poetry: {x = "^1.0"}
            rest = s.path[3:]
            if not isinstance(rest[0], int):
                requires[s.path[1]].add(str(rest[0]))
            elif rest[1:] == ("name",):
                requires[s.path[1]].add(s.value)
    for i, entry in entries.items():
        name, version = entry.get("name"), entry.get("version")
        if name is None or version is None:  # pylock: URL/VCS/directory entries have none
            continue
        manifest.requires[canonicalize_name(name.value)] = sorted(canonicalize_name(r) for r in requires.get(i, ()))
        manifest.dependencies.append(
            Dependency(
                name.value,
                version.value,
                "lock",
                version.start,
                version.end,
                "",
                version.start if version.raw else None,
                version.end if version.raw else None,
            )
        )
    if len(source) <= FULL_CHECK_BYTES:  # tomllib is thorough but slow on megabyte locks
        _check_toml(source, manifest)
    return manifest


PIPFILE_ENTRY = re.compile(rb'"((?:[^"\\]|\\.)*)"\s*:\s*\{')
PIPFILE_VERSION = re.compile(rb'"version"\s*:\s*"==([^"]*)"')


def parse_pipfile_lock(source: bytes) -> Manifest:
    """Pipfile.lock is JSON: {"default": {name: {"version": "==x", ...}}, "develop": {...}}.

    JSON parsers give no positions, so entries are found by a scan that also works when
    the file is broken; json.loads only adds its error, on its line.
    """
    manifest = Manifest("pipfile-lock")
    try:
        doc: Any = json.loads(source.decode("utf-8", "replace"))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        line = getattr(exc, "lineno", 1) - 1
        lines = source.split(b"\n")
        start = sum(len(x) + 1 for x in lines[:line])
        end = start + (len(lines[line]) if line < len(lines) else 0)
        manifest.problems.append(Problem(f"invalid Pipfile.lock: {exc}", start, end))
    sections = [(m.start(), m.group(1).decode()) for m in re.finditer(rb'"(default|develop)"\s*:\s*\{', source)]
    for match in PIPFILE_ENTRY.finditer(source):
        name = match.group(1).decode("utf-8", "replace")
        if name in ("_meta", "default", "develop", "hash", "requires", "sources", "markers"):
            continue
        body_end = source.find(b"}", match.end())
        body_end = len(source) if body_end < 0 else body_end
        version = PIPFILE_VERSION.search(source, match.end(), body_end)
        if version is None:
            continue
        group = next((g for at, g in reversed(sections) if at < match.start()), "default")
        manifest.dependencies.append(
            Dependency(
                name,
                version.group(1).decode(),
                "lock",
                version.start(1),
                version.end(1),
                "",
                version.start(1),
                version.end(1),
                group="" if group == "default" else "dev",
            )
        )
    return manifest
