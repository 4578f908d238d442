"""`-r`/`-c` includes of requirements files: what the included files pin.

The included file is read from disk (cached by modification time, so a re-analysis costs
one stat per include) and followed to a small depth, with cycles cut. Its vulnerable pins
are summarised on the include line (DEP007) with links to each pin; the included file gets
its own DEP001 findings when it is opened or checked itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from codie.analyzers.dependencies.manifests import Dependency, Include, Manifest
from codie.analyzers.dependencies.manifests.requirements import parse_requirements

MAX_DEPTH = 5
MAX_BYTES = 2_000_000
_cache: dict[Path, tuple[float, Manifest, bytes]] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class IncludedPin:
    path: Path
    line: int  # 0-based
    dependency: Dependency


def read_manifest(path: Path) -> tuple[Manifest, bytes] | None:
    try:
        mtime = path.stat().st_mtime
        with _lock:
            cached = _cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1], cached[2]
        source = path.read_bytes()[:MAX_BYTES]
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return None
    manifest = parse_requirements(source)
    with _lock:
        _cache[path] = (mtime, manifest, source)
    return manifest, source


def resolve(base: Path, include: Include) -> Path | None:
    """The included file's path, or None for URLs (pip may fetch those; Codie does not)."""
    if "://" in include.target:
        return None
    try:
        target = Path(include.target).expanduser()
    except RuntimeError:  # `~` without a home directory
        target = Path(include.target)
    return target if target.is_absolute() else base.parent / target


def included_pins(base: Path, include: Include) -> tuple[list[IncludedPin], str | None]:
    """Exact pins reachable through one include, and a problem text if it is broken."""
    first = resolve(base, include)
    if first is None:
        return [], None
    if read_manifest(first) is None:
        return [], f"included file `{include.target}` not found"
    pins: list[IncludedPin] = []
    try:
        seen = {base.resolve()}
    except (OSError, ValueError, RuntimeError):
        seen = {base}
    queue = [(first, 1)]
    while queue:
        path, depth = queue.pop(0)
        try:
            key = path.resolve()
        except (OSError, ValueError, RuntimeError):
            continue
        if key in seen or depth > MAX_DEPTH:
            continue
        seen.add(key)
        read = read_manifest(path)
        if read is None:
            continue
        manifest, source = read
        pins.extend(
            IncludedPin(key, source.count(b"\n", 0, d.start), d) for d in manifest.dependencies if d.exact and d.version
        )
        for nested in manifest.includes:
            nxt = resolve(path, nested)
            if nxt is not None:
                queue.append((nxt, depth + 1))
    return pins, None
