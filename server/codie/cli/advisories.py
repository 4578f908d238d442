"""`codie advisories build|update|import|info|check`: the offline advisory index.

build   SOURCE [-o FILE]   compile OSV records into an index (default: the packaged one)
update  [--url URL]        download the OSV PyPI export and install it for this user
import  PATH               install an index from a zip, folder or JSON-lines dump (offline)
info                       where the active index is, what it holds, its attribution
check   NAME VERSION       advisories affecting one release, and the smallest clean upgrade
env     [--python EXE]     audit the packages installed in a Python environment
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from codie.analyzers.dependencies import osv
from codie.analyzers.dependencies.advisories import (
    IndexError_,
    active_path,
    cvss_level,
    load_index,
    packaged_path,
    query_error,
    user_path,
)
from codie.cli.main import UsageError
from codie.cli.validate import output_file

DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
URL_ENV = "CODIE_OSV_URL"
TIMEOUT = 60.0
MAX_DOWNLOAD = 512 * 1024 * 1024


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("advisories", help="build, refresh or query the offline advisory index")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = actions.add_parser("build", help="compile OSV records (zip, folder, JSON lines)")
    b.add_argument("source", type=Path)
    b.add_argument("-o", "--output", type=Path, help="index file (default: the packaged index)")
    u = actions.add_parser("update", help="download the OSV PyPI export (needs the network)")
    u.add_argument(
        "--url",
        default=os.environ.get(URL_ENV, DEFAULT_URL),
        help=f"OSV export to fetch (default ${URL_ENV} or {DEFAULT_URL})",
    )
    u.add_argument("-o", "--output", type=Path, help="index file (default: the user index)")
    i = actions.add_parser("import", help="install an index from a local OSV dump (offline)")
    i.add_argument("path", type=Path)
    i.add_argument("-o", "--output", type=Path, help="index file (default: the user index)")
    actions.add_parser("info", help="show the active index")
    c = actions.add_parser("check", help="advisories for one package version")
    c.add_argument("package")
    c.add_argument("version")
    e = actions.add_parser("env", help="audit the installed packages of an environment")
    e.add_argument(
        "--python", default=sys.executable, help="the environment's interpreter (default: the one running codie)"
    )
    p.set_defaults(func=run)


LIST_DISTRIBUTIONS = (
    "import json, importlib.metadata as m; "
    "print(json.dumps([[d.metadata['Name'] or '', d.version or ''] for d in m.distributions()]))"
)


def installed(python: str) -> list[tuple[str, str]]:
    """(name, version) of every distribution the interpreter sees."""
    try:
        done = subprocess.run([python, "-c", LIST_DISTRIBUTIONS], capture_output=True, timeout=60, check=True)
        rows = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise UsageError(f"cannot list the packages of {python}: {exc}") from None
    return sorted({(str(n), str(v)) for n, v in rows if n and v})


def _env(python: str) -> int:
    try:
        index = load_index()
    except IndexError_ as exc:
        print(f"codie: {exc}", file=sys.stderr)
        return 2
    packages = installed(python)
    vulnerable = 0
    for name, version in packages:
        found = index.affecting(name, version)
        if found:
            vulnerable += 1
            upgrade = index.smallest_upgrade(name, version)
            ids = ", ".join(a.id for a in found[:4]) + (" ..." if len(found) > 4 else "")
            print(
                f"{name} {version}: {len(found)} advisories ({ids}); "
                f"upgrade to {upgrade or 'n/a (no fixed release known)'}"
            )
    print(f"{len(packages)} packages checked, {vulnerable} with known vulnerabilities (data: {osv.ATTRIBUTION})")
    return 1 if vulnerable else 0


def run(args: argparse.Namespace) -> int:
    output_file(getattr(args, "output", None))
    if args.action == "build":
        return _build(args.source, args.output or packaged_path())
    if args.action == "import":
        return _build(args.path, args.output or user_path())
    if args.action == "update":
        return _update(args.url, args.output or user_path())
    if args.action == "info":
        return _info()
    if args.action == "env":
        return _env(args.python)
    return _check(args.package, args.version)


def _build(source: Path, output: Path, label: str | None = None) -> int:
    if not source.exists():
        raise UsageError(f"no such file or folder: {source}")
    started = time.perf_counter()
    try:
        index = osv.build_index(osv.read_records(source))
    except (osv.OSVError, OSError, UnicodeDecodeError) as exc:
        problem = f"cannot read advisories from {label or source}: {exc}"
        if label is None:  # the user's own file: a bad argument
            raise UsageError(problem) from None
        print(f"codie: {problem}", file=sys.stderr)
        return 1
    if not index["packages"]:
        problem = f"{label or source} holds no PyPI advisories; index left unchanged"
        if label is None:
            raise UsageError(problem)
        print(f"codie: {problem}", file=sys.stderr)
        return 1
    size = osv.write_index(index, output)
    elapsed = time.perf_counter() - started
    print(
        f"{output}: {len(index['advisories'])} advisories for {len(index['packages'])} "
        f"packages ({index['records']} records), {size / 1024:.0f} KiB, {elapsed:.1f} s"
    )
    print(f"Data: {osv.ATTRIBUTION}.")
    return 0


def _update(url: str, output: Path) -> int:
    if not url.startswith(("https://", "http://", "file://")):
        raise UsageError(f"unsupported URL {url!r}")
    print(f"downloading {url} ...", file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            payload = response.read(MAX_DOWNLOAD + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        print(
            f"codie: cannot download advisories from {url}: {reason}. The current index "
            f"({active_path()}) is unchanged; offline, use `codie advisories import PATH`.",
            file=sys.stderr,
        )
        return 1
    if len(payload) > MAX_DOWNLOAD:
        print(f"codie: {url} is larger than {MAX_DOWNLOAD >> 20} MiB; refusing", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "osv-download"
        dump.write_bytes(payload)
        return _build(dump, output, label=url)


def _info() -> int:
    path = active_path()
    try:
        index = load_index(path)
    except IndexError_ as exc:
        print(f"codie: {exc}", file=sys.stderr)
        return 1
    meta = index.meta
    print(f"index:    {path}")
    print(f"source:   {meta.get('source')}")
    print(f"built:    {meta.get('built')} (data modified up to {meta.get('data_modified')})")
    print(f"contents: {index.advisory_count} advisories for {len(index.package_names)} packages")
    return 0


def _check(package: str, version: str) -> int:
    if (problem := query_error(package, version)) is not None:
        raise UsageError(problem)
    try:
        index = load_index()
    except IndexError_ as exc:
        print(f"codie: {exc}", file=sys.stderr)
        return 2
    found = index.affecting(package, version)
    if not found:
        print(f"{package} {version}: no known advisories")
        return 0
    for a in found:
        score = f"CVSS {a.score} {cvss_level(a.score)}" if a.score is not None else "no CVSS"
        print(f"{a.id} [{', '.join(a.aliases)}] {score}: {a.summary}")
        print(f"    affected: {a.affected_text()}; fixed: {', '.join(a.fixed) or 'none known'}")
    upgrade = index.smallest_upgrade(package, version)
    print(f"smallest upgrade clearing all {len(found)}: {upgrade or 'none known'}")
    return 1
