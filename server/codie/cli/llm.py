"""`codie explain PATH:LINE` and `codie fix PATH:LINE [--apply]`: the editor's review for
scripts and terminals, with the same providers, redaction and fix verification.

Exit codes: 0 done (explained / fix verified), 1 no finding there or no verified fix,
2 usage error. With a model configured, a line on stderr says what is asked (and the
deadline), and another what answered, e.g. "offline explainer (openai unreachable:
timeout after 30 s)".
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from codie.analyzers import registered
from codie.cli.main import UsageError
from codie.cli.validate import rule_id
from codie.core.config import Settings, find_project_root, load_pyproject
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.llm_config import load_config
from codie.core.project import analyze_file
from codie.core.rules import catalogue
from codie.core.suppressions import suppression
from codie.llm.context import finding_context
from codie.llm.service import LLMRequest, LLMService


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name, helptext in (
        ("explain", "explain the findings on a line"),
        ("fix", "propose a fix for a finding and verify it"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("location", metavar="PATH:LINE", help="file and 1-based line")
        p.add_argument("--rule", help="only this rule's finding")
        p.add_argument("--provider", choices=("offline", "ollama", "openai"), help="override llm.provider")
        if name == "fix":
            p.add_argument("--apply", action="store_true", help="write the verified fix")
        p.set_defaults(func=run_explain if name == "explain" else run_fix)


def _parse_location(location: str) -> tuple[Path, int]:
    path, sep, line = location.rpartition(":")
    if not sep or not line.isdigit() or int(line) < 1:
        raise UsageError(f"expected PATH:LINE with a 1-based line, got {location!r}")
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such file: {path}")
    return file, int(line)


def _findings_at(
    args: argparse.Namespace,
) -> tuple[Document, list[Finding], Settings, Path, LLMService]:
    args.rule = rule_id(args.rule)
    file, line = _parse_location(args.location)
    root = find_project_root(file)
    settings, problems = load_pyproject(root / "pyproject.toml")
    for problem in problems:
        print(f"codie: {problem.path}:{problem.line + 1}: {problem.message}", file=sys.stderr)
    cat = catalogue()
    doc, found = analyze_file(file, registered(), cat, settings, root)
    found = [
        f
        for f in found
        if doc.lines.line_of(f.start) + 1 == line
        and settings.shown(f)
        and suppression(doc, f, cat) is None
        and (not args.rule or f.rule_id == args.rule)
    ]
    section = dict(settings.section("llm"))
    if args.provider:
        section["provider"] = args.provider
    config, config_problems = load_config(section)
    for message in config_problems:
        print(f"codie: {message}", file=sys.stderr)
    return doc, found, settings, root, LLMService.from_config(config)


def _request(service: LLMService) -> LLMRequest:
    """Progress on stderr, a line per step, when a model is asked (offline is instant)."""

    def say(message: str) -> None:
        print(f"codie: {message}", file=sys.stderr, flush=True)

    return LLMRequest(on_progress=say if service.config.remote else None)


def _answered(service: LLMService, request: LLMRequest) -> None:
    if service.config.remote:
        print(f"codie: answered by {request.label} in {request.elapsed:.1f} s", file=sys.stderr)


def run_explain(args: argparse.Namespace) -> int:
    doc, found, _, _, service = _findings_at(args)
    if not found:
        print(f"codie: no findings at {args.location}", file=sys.stderr)
        return 1
    cat = catalogue()
    request = _request(service)  # one deadline for all the findings on the line

    async def explain_all() -> list[str]:
        return [
            await service.explain(finding_context(doc, f, cat, args.location.rpartition(":")[0]), request)
            for f in found
        ]

    print("\n\n---\n\n".join(asyncio.run(explain_all())))
    _answered(service, request)
    return 0


def run_fix(args: argparse.Namespace) -> int:
    doc, found, settings, root, service = _findings_at(args)
    if not found:
        print(f"codie: no findings at {args.location}", file=sys.stderr)
        return 1
    cat = catalogue()
    path = args.location.rpartition(":")[0]
    for finding in found:
        fc = finding_context(doc, finding, cat, path)
        request = _request(service)
        proposal = asyncio.run(service.propose_fix(doc, finding, fc, registered(), cat, settings, root, request))
        _answered(service, request)
        verification = proposal.verification
        if not verification.ok:
            print(f"codie: {finding.rule_id}: no verified fix ({verification.reason})", file=sys.stderr)
            continue
        sys.stdout.write(verification.diff)
        print(f"codie: {finding.rule_id}: fix verified ({verification.reason}; by {proposal.label})", file=sys.stderr)
        if args.apply:
            Path(path).write_text(verification.new_text, encoding="utf-8")
            print(f"codie: applied to {path}", file=sys.stderr)
        return 0
    return 1
