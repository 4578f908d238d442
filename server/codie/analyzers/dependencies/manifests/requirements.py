"""requirements.txt / constraints files (pip's format) and PEP 508 strings, with byte spans.

Handled: comments, `\\` line continuations, `-r`/`-c` includes, `-e` editable lines,
global options (`-i`, `--index-url`, `--find-links`, ...), per-requirement options
(`--hash=...`), extras, environment markers, `name @ url` and bare URLs or paths. A line
pip would reject becomes a Problem on that line; the other lines are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from packaging.requirements import InvalidRequirement, Requirement

from codie.analyzers.dependencies.manifests.model import Dependency, Include, Manifest, Problem

GLOBAL_OPTIONS = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--pre",
    "--trusted-host",
    "--require-hashes",
    "--use-feature",
    "--progress-bar",
}
INCLUDE_OPTIONS = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
EDITABLE_OPTIONS = {"-e", "--editable"}
COMMENT = re.compile(r"(^|\s)#.*$")
PER_REQUIREMENT_OPTION = re.compile(r"\s--?[A-Za-z]")
NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
PIN = re.compile(r"(===?)\s*([^\s,;]+)")
LOWER_BOUND = re.compile(r"(>=|~=)\s*([^\s,;]+)")
URL_OR_PATH = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|\.{1,2}[/\\]|/|[A-Za-z]:\\|~)")


def logical_lines(source: bytes) -> Iterator[tuple[str, list[int]]]:
    """(text, byte offset of each character + one past the end) of each logical line.

    Physical lines ending in a backslash continue on the next one, as pip joins them.
    """
    text: list[str] = []
    offsets: list[int] = []
    pos = 0
    for raw in source.splitlines(keepends=True):
        body = raw.rstrip(b"\r\n")
        line = body.decode("utf-8", "replace")
        at = pos
        for ch in line:
            text.append(ch)
            offsets.append(at)
            at += len(ch.encode("utf-8", "surrogatepass"))
        pos += len(raw)
        if line.endswith("\\") and not COMMENT.search(line[:-1]):
            text.pop()  # the backslash joins this line with the next
            offsets.pop()
            continue
        offsets.append(at)
        yield "".join(text), offsets
        text, offsets = [], []
    if text:
        offsets.append(pos)
        yield "".join(text), offsets


def parse_requirements(source: bytes) -> Manifest:
    manifest = Manifest("requirements")
    for line, offsets in logical_lines(source):
        _parse_line(manifest, line, offsets)
    return manifest


def _parse_line(manifest: Manifest, line: str, offsets: list[int]) -> None:
    comment = COMMENT.search(line)
    content = line[: comment.start()] if comment else line
    stripped = content.strip()
    if not stripped:
        return
    lead = len(content) - len(content.lstrip())
    end = lead + len(stripped)
    if stripped.startswith("-"):
        _parse_option(manifest, stripped, lead, offsets)
        return
    dep = parse_pep508(stripped, offsets[lead : end + 1])
    if isinstance(dep, Problem):
        manifest.problems.append(dep)
    elif dep is not None:
        manifest.dependencies.append(dep)


def _parse_option(manifest: Manifest, text: str, lead: int, offsets: list[int]) -> None:
    if text.startswith("--"):
        match = re.match(r"(--[A-Za-z-]+)(?:\s*=\s*|\s+)?(.*)", text)
        option = match.group(1) if match else text
        value = match.group(2).strip() if match else ""
    else:  # short options take their value attached or after a space: -rbase.txt, -r base.txt
        option, value = text[:2], text[2:].lstrip("= \t").strip()
    start, end = offsets[lead], offsets[lead + len(text)]
    if option in INCLUDE_OPTIONS:
        if not value:
            manifest.problems.append(Problem(f"`{option}` needs a file name", start, end))
        else:
            manifest.includes.append(Include(value, INCLUDE_OPTIONS[option], start, end))
    elif option in EDITABLE_OPTIONS:
        egg = EGG.search(value)
        if not value:
            manifest.problems.append(Problem(f"`{option}` needs a path or URL", start, end))
        elif egg:
            manifest.dependencies.append(Dependency(egg.group(1), None, "editable", start, end))
    elif option not in GLOBAL_OPTIONS:
        manifest.problems.append(Problem(f"unknown pip option `{option}`", start, end))


def parse_pep508(text: str, offsets: Sequence[int], group: str = "") -> Dependency | Problem | None:
    """One requirement string; offsets[i] is the byte offset of text[i] (len(text)+1 items).

    Returns None for requirements without a name to check (bare URLs and paths).
    """
    option = PER_REQUIREMENT_OPTION.search(text)
    requirement = (text[: option.start()] if option else text).rstrip()
    start, end = offsets[0], offsets[len(requirement)]
    if URL_OR_PATH.match(requirement):
        egg = EGG.search(requirement)
        return Dependency(egg.group(1), None, "url", start, end) if egg else None
    try:
        req = Requirement(requirement)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        return Problem(f"invalid requirement `{requirement}`: {reason}", start, end)
    marker = str(req.marker) if req.marker else ""
    if req.url:
        return Dependency(req.name, None, "url", start, end, marker=marker, group=group)
    specs = list(req.specifier)
    spec_text = str(req.specifier)
    head = requirement.split(";", 1)[0]
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        pin = PIN.search(head)
        if pin is not None:
            v_lo, v_hi = offsets[pin.start(2)], offsets[pin.end(2)]
            return Dependency(req.name, specs[0].version, "pin", start, end, spec_text, v_lo, v_hi, marker, group)
    bound = None
    for m in LOWER_BOUND.finditer(head):
        bound = m  # the last lower bound written; ranges rarely have more than one
    if bound is not None:
        return Dependency(
            req.name,
            bound.group(2),
            "range",
            start,
            end,
            spec_text,
            offsets[bound.start(2)],
            offsets[bound.end(2)],
            marker,
            group,
        )
    return Dependency(req.name, None, "range", start, end, spec_text, marker=marker, group=group)


def name_span(text: str) -> tuple[int, int] | None:
    m = NAME.match(text)
    return (m.start(), m.end()) if m else None
