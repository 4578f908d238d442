"""Edit latency with the security analyzers on: a 6,000-line file of web handlers is
edited one character at a time (inside a function body, as when typing) and re-analysed
until current. Prints p50/p90/max in ms for all analyzers and for the taint analyzer alone.

    python bench/security_edit_latency.py [--edits N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from codie.analyzers import registered
from codie.core.analyzer import Analyzer, Context
from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.rules import catalogue

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "security"


def big_file(lines: int = 6000) -> str:
    """Corpus programs renamed apart and concatenated until `lines` long."""
    parts: list[str] = []
    count = 0
    files = sorted(CORPUS.glob("gen_*.py")) + sorted(CORPUS.glob("hw_*.py"))
    i = 0
    while count < lines:
        text = files[i % len(files)].read_text()
        suffix = f"_{i}"
        for word in (
            "def handle",
            "def view",
            "def action",
            "def process",
            "def run",
            "def apply_",
            "apply_",
            "class ",
        ):
            text = text.replace(word, word.replace(" ", " ") + suffix if word.endswith(" ") else word + suffix)
        parts.append(text)
        count += text.count("\n")
        i += 1
    return "\n".join(parts)


def typical_file(lines: int = 6000) -> str:
    """Ordinary library code: standard-library modules concatenated."""
    import sysconfig

    root = Path(sysconfig.get_paths()["stdlib"])
    parts: list[str] = []
    count = 0
    for path in sorted(root.glob("*.py")):
        text = path.read_text(errors="replace")
        parts.append(text)
        count += text.count("\n")
        if count >= lines:
            break
    return "\n".join(parts)


def measure(analyzers: list[Analyzer], source: str, edits: int, clock: object = time.perf_counter) -> list[float]:
    doc = Document("file:///bench/big.py", source)
    analysis = DocumentAnalysis(Context(doc, catalogue()), analyzers)
    analysis.run()
    # typing inside a name on an assignment line in the middle of the file: the code stays
    # valid, as it mostly does between keystrokes
    import re

    line = re.compile(r"\n( +)([a-z_]\w*) = ").search(source, len(source) // 2)
    assert line is not None
    anchor = len(source[: line.start(2) + 1].encode())
    timings = []
    now = clock if callable(clock) else time.perf_counter
    for n in range(edits):
        start = now()
        at = anchor + n
        edit = doc.splice(at, at, b"x")
        analysis.note_edit(edit)
        analysis.note_changed_ranges(doc.reparse())
        analysis.run()
        timings.append((now() - start) * 1000)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=60)
    args = parser.parse_args(argv)
    everything = list(registered())
    taint = [a for a in everything if a.name == "security-taint"]
    for name, source in (("web handlers (worst case)", big_file()), ("standard library (typical)", typical_file())):
        print(f"{name}: {source.count(chr(10)):,} lines, {len(source.encode()):,} bytes")
        for label, analyzers in (("all analyzers", everything), ("security-taint", taint)):
            t = sorted(measure(analyzers, source, args.edits))
            cpu = sorted(measure(analyzers, source, args.edits, time.process_time))
            print(
                f"  {label:<15} p50 {statistics.median(t):6.1f} ms  "
                f"p90 {t[int(len(t) * 0.9)]:6.1f} ms  max {t[-1]:6.1f} ms  "
                f"(CPU p50 {statistics.median(cpu):5.1f} ms: the machine may be shared)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
