"""The vulnerable pins of a workspace folder, for hints in Python files (DEP004).

Reading manifests touches the disk, so it never happens on the keystroke path: the LSP
refreshes a folder's snapshot in its thread pool when a manifest is opened, saved or
changed on disk, and analyzers only read the in-memory snapshot. Files are re-parsed only
when their modification time changed. Headless runs refresh once per folder per process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from codie.analyzers.dependencies import SERVICE
from codie.analyzers.dependencies.advisories import AdvisoryIndex, active_index
from codie.analyzers.dependencies.manifests import manifest_format, parse

if TYPE_CHECKING:
    from codie.analyzers.dependencies.snyk import SnykVuln

log = logging.getLogger(__name__)
__all__ = ["SERVICE", "DependencyService", "WorkspaceDependencies", "headless_folder"]
MANIFEST_PATTERNS = (
    "requirements*.txt",
    "requirements*.in",
    "requirements/*.txt",
    "constraints*.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pylock.toml",
    "pylock.*.toml",
)
# Import names that differ from the distribution's name (the common cases).
IMPORT_TO_DISTRIBUTION = {
    "yaml": "pyyaml",
    "pil": "pillow",
    "bs4": "beautifulsoup4",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "crypto": "pycryptodome",
    "jwt": "pyjwt",
    "dateutil": "python-dateutil",
    "openssl": "pyopenssl",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "magic": "python-magic",
    "ldap": "python-ldap",
    "nacl": "pynacl",
    "git": "gitpython",
    "docx": "python-docx",
    "serial": "pyserial",
    "zmq": "pyzmq",
    "mysqldb": "mysqlclient",
    "attr": "attrs",
    "jinja2": "jinja2",
    "dns": "dnspython",
    "socks": "pysocks",
    "ruamel": "ruamel-yaml",
    "markdown": "markdown",
    "github": "pygithub",
    "gi": "pygobject",
    "kafka": "kafka-python",
    "snappy": "python-snappy",
}


@dataclass(frozen=True, slots=True)
class VulnerablePin:
    package: str  # PEP 503 name
    version: str
    path: Path
    line: int  # 0-based
    advisories: tuple[str, ...]
    upgrade: str | None


def distribution_for(module: str) -> str:
    top = module.split(".", 1)[0].lower()
    return IMPORT_TO_DISTRIBUTION.get(top, canonicalize_name(top))


class WorkspaceDependencies:
    """One folder's manifests and the vulnerable exact pins they hold."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._mtimes: dict[Path, float] = {}
        self._pins: dict[Path, list[VulnerablePin]] = {}
        self._lock = threading.Lock()
        self.refreshed = False
        # results of the last `snyk test` run on this folder (the codie.snyk.run command)
        self.snyk: list[SnykVuln] = []

    def manifests(self) -> list[Path]:
        found: set[Path] = set()
        for pattern in MANIFEST_PATTERNS:
            found.update(p for p in self.root.glob(pattern) if p.is_file())
        return sorted(found)

    def refresh(self, index: AdvisoryIndex | None = None) -> bool:
        """Re-read manifests whose mtime changed (disk: call off the event loop)."""
        changed = False
        seen: dict[Path, float] = {}
        for path in self.manifests():
            try:
                mtime = path.stat().st_mtime
            except OSError:
                continue
            seen[path] = mtime
            if self._mtimes.get(path) == mtime:
                continue
            # loaded only for a manifest to read: a folder without one (or with unchanged
            # ones) never pays the index's ~5 MiB and ~40 ms
            index = index or active_index()
            if index is None:
                return False
            pins = self._read(path, index)
            with self._lock:
                self._pins[path] = pins
            changed = True
        with self._lock:
            for gone in set(self._pins) - set(seen):
                del self._pins[gone]
                changed = True
            self._mtimes = seen
            self.refreshed = True
        return changed

    def _read(self, path: Path, index: AdvisoryIndex) -> list[VulnerablePin]:
        try:
            source = path.read_bytes()
        except OSError:
            return []
        manifest = parse(path.name, source) if manifest_format(path.name) else None
        pins = []
        for dep in manifest.dependencies if manifest else []:
            if not dep.exact or dep.version is None:
                continue
            found = index.affecting(dep.name, dep.version)
            if found:
                upgrade = index.smallest_upgrade(dep.name, dep.version)
                pins.append(
                    VulnerablePin(
                        dep.key,
                        dep.version,
                        path,
                        source.count(b"\n", 0, dep.start),
                        tuple(a.id for a in found),
                        str(upgrade) if upgrade else None,
                    )
                )
        return pins

    def vulnerable(self) -> dict[str, list[VulnerablePin]]:
        """Package -> its vulnerable pins, from memory only."""
        with self._lock:
            out: dict[str, list[VulnerablePin]] = {}
            for pins in self._pins.values():
                for pin in pins:
                    out.setdefault(pin.package, []).append(pin)
            return out


class DependencyService:
    """Per-folder snapshots, shared by the analyzers of a server (ctx.services)."""

    def __init__(self) -> None:
        self.folders: dict[Path, WorkspaceDependencies] = {}

    def folder(self, root: Path) -> WorkspaceDependencies:
        ws = self.folders.get(root)
        if ws is None:
            ws = self.folders.setdefault(root, WorkspaceDependencies(root))
        return ws


_headless = DependencyService()


def headless_folder(root: Path) -> WorkspaceDependencies:
    """For `codie check`: read the folder once per process (no event loop to protect)."""
    ws = _headless.folder(root)
    if not ws.refreshed:
        ws.refresh()
    return ws
