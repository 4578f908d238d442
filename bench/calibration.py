"""Calibration of Codie's confidence on a labeled corpus, and what team feedback does to it.

    python bench/calibration.py [CORPUS] [--bins 10] [--threshold 0.3]

CORPUS is a folder of labelled .py files, in either of two styles:
- line labels (tests/corpus/calibration): `# expect: RULE` on the line where a true
  positive starts; every other finding in the file is a false positive;
- file labels (tests/corpus/security): a leading comment `# expect: RULE` (the file's
  findings of RULE are true positives) or `# safe: RULE` (they are false positives);
  findings of rules the header does not name are not counted.
Default: tests/corpus/security if present, else tests/corpus/calibration.

Prints:
1. the expected calibration error (ECE) of the confidence over all findings, per-rule
   precision vs mean confidence;
2. ECE with team feedback (accept for true, dismiss for false positives), two-fold: each
   half of every rule's findings is scored with the feedback recorded on the other half;
3. a simulated noisy rule: the rule with the lowest precision is dismissed N times and
   the share of its findings still shown (confidence >= threshold) is printed per N.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections import defaultdict
from pathlib import Path

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.confidence import reblend
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.findings import Finding
from codie.core.project import iter_files
from codie.core.rules import catalogue
from codie.llm.feedback import FeedbackStore

ROOT = Path(__file__).resolve().parent.parent
RULES = r"([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)"
EXPECT = re.compile(r"#\s*expect:\s*" + RULES)
HEADER = re.compile(r"^#\s*(expect|safe):\s*" + RULES)
PROJECT = "bench"


@dataclasses.dataclass
class Case:
    file: str
    finding: Finding
    true: bool


def load_cases(corpus: Path) -> list[Case]:
    settings = Settings(min_confidence=0.0)
    cat = catalogue()
    cases: list[Case] = []
    for path in iter_files([corpus], settings, corpus):
        # a neutral uri: analyzers treat files under tests/ as tests (asserts allowed there)
        rel = path.relative_to(corpus).as_posix()
        doc = Document(f"file:///corpus/{rel}", path.read_text(encoding="utf-8"))
        found = analyze(Context(doc, cat, settings), registered())
        header = _header(doc)
        for f in found:
            if header:  # file labels
                if f.rule_id in header:
                    cases.append(Case(rel, f, header[f.rule_id]))
                continue
            m = EXPECT.search(doc.line_text(doc.lines.line_of(f.start)))
            expected = {r.strip() for r in m.group(1).split(",")} if m else set()
            cases.append(Case(rel, f, f.rule_id in expected))
    return cases


def _header(doc: Document) -> dict[str, bool]:
    """File labels from the leading comment lines: rule -> true positive?"""
    labels: dict[str, bool] = {}
    for n in range(doc.lines.count):
        line = doc.line_text(n).strip()
        if not line.startswith("#"):
            break
        if m := HEADER.match(line):
            for rule in m.group(2).split(","):
                labels[rule.strip()] = m.group(1) == "expect"
    return labels


def ece(pairs: list[tuple[float, bool]], bins: int) -> float:
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for conf, true in pairs:
        buckets[min(bins - 1, int(conf * bins))].append((conf, true))
    total = len(pairs)
    return sum(
        len(b) / total * abs(sum(t for _, t in b) / len(b) - sum(c for c, _ in b) / len(b)) for b in buckets.values()
    )


def with_feedback(f: Finding, store: FeedbackStore) -> float:
    prior = dict(f.confidence_parts)["prior"]
    confidence, _ = reblend(f.confidence_parts, feedback=store.signal(PROJECT, f.rule_id, prior))
    return confidence


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = ROOT / "tests/corpus/security"
    if not default.is_dir():
        default = ROOT / "tests/corpus/calibration"
    parser.add_argument("corpus", nargs="?", type=Path, default=default)
    parser.add_argument("--bins", type=int, default=10)
    parser.add_argument("--threshold", type=float, default=Settings().min_confidence)
    args = parser.parse_args()
    cases = load_cases(args.corpus)
    if not cases:
        print(f"no findings in {args.corpus}", file=sys.stderr)
        return 1
    pairs = [(c.finding.confidence, c.true) for c in cases]
    shown_path = args.corpus.resolve()
    if shown_path.is_relative_to(Path.cwd()):
        shown_path = shown_path.relative_to(Path.cwd())
    print(
        f"corpus {shown_path} ({len({c.file for c in cases})} files, {len(cases)} findings, "
        f"{sum(c.true for c in cases)} true positives)"
    )
    print(f"ECE ({args.bins} bins), catalogue prior + evidence: {ece(pairs, args.bins):.3f}")
    print("\nrule     n  precision  mean confidence")
    by_rule: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_rule[c.finding.rule_id].append(c)
    for rule, items in sorted(by_rule.items()):
        precision = sum(c.true for c in items) / len(items)
        mean = sum(c.finding.confidence for c in items) / len(items)
        print(f"{rule:<7}{len(items):>3}  {precision:9.2f}  {mean:15.2f}")

    # 2. two-fold cross-fitting: every other finding of each rule forms a fold; each fold
    # is scored with the feedback recorded on the other one
    fold_of = {id(c): i % 2 for items in by_rule.values() for i, c in enumerate(items)}
    scored: list[tuple[float, bool]] = []
    for fold in (0, 1):
        store = FeedbackStore(":memory:")
        for c in cases:
            if fold_of[id(c)] != fold:
                store.record(
                    PROJECT, c.finding.rule_id, "accept" if c.true else "dismiss", confidence=c.finding.confidence
                )
        scored += [(with_feedback(c.finding, store), c.true) for c in cases if fold_of[id(c)] == fold]
    print(
        f"\ntwo-fold: ECE {ece(scored, args.bins):.3f} with feedback on the other fold "
        f"(vs {ece(pairs, args.bins):.3f} without)"
    )

    # 3. dismissals of the noisiest rule
    noisy = min(by_rule, key=lambda r: (sum(c.true for c in by_rule[r]) / len(by_rule[r]), r))
    items = by_rule[noisy]
    print(
        f"\nsimulated dismissals of the noisiest rule {noisy} (threshold {args.threshold:.2f}, {len(items)} findings):"
    )
    print("dismissals  mean confidence  shown")
    sim = FeedbackStore(":memory:")
    for n in range(0, 13):
        if n:
            judged = items[(n - 1) % len(items)].finding
            sim.record(PROJECT, noisy, "dismiss", confidence=judged.confidence)
        if n in (0, 1, 2, 3, 4, 6, 8, 10, 12):
            confs = [with_feedback(c.finding, sim) for c in items]
            shown = sum(conf >= args.threshold for conf in confs)
            print(f"{n:>10}  {sum(confs) / len(confs):15.3f}  {shown:>2}/{len(items)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
