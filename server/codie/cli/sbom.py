"""`codie sbom [PATH]`: a CycloneDX 1.5 JSON SBOM of the project's resolved dependencies,
with the known vulnerabilities of each (offline advisory index)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from codie.analyzers.dependencies.advisories import IndexError_, load_index
from codie.analyzers.dependencies.sbom import build_sbom
from codie.cli.main import UsageError
from codie.cli.validate import output_file, write_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sbom", help="write a CycloneDX 1.5 JSON SBOM with vulnerabilities")
    p.add_argument("path", nargs="?", type=Path, default=Path("."), metavar="PATH")
    p.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root: Path = args.path
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    output_file(args.output)
    try:
        index = load_index()
    except IndexError_ as exc:
        print(f"codie: {exc}", file=sys.stderr)
        return 1
    bom = build_sbom(root.resolve(), index)
    text = json.dumps(bom, indent=2) + "\n"
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    n, v = len(bom["components"]), len(bom["vulnerabilities"])
    print(f"codie: {n} components, {v} known vulnerabilities", file=sys.stderr)
    return 0
