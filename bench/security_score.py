"""Score the security analyzers on the labelled corpus in tests/corpus/security/.

Each corpus file starts with `# expect: SEC0xx[, ...]` (must be reported), `# safe: SEC0xx`
(a look-alike that must not be) or `# expect: none`. A finding counts when it is shown
with default settings (confidence >= min_confidence, not suppressed). Prints per-rule
(per-CWE) true- and false-positive rates and the overall score, mean(TPR - FPR).

    python bench/security_score.py [--verbose] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

from codie.analyzers import registered
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.engine import analyze
from codie.core.rules import catalogue
from codie.core.suppressions import suppression

HEADER = re.compile(r"^#\s*(expect|safe):\s*(.+)$")
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "security"


def labels(text: str) -> tuple[set[str], set[str]]:
    expect: set[str] = set()
    safe: set[str] = set()
    for line in text.splitlines()[:5]:
        m = HEADER.match(line.strip())
        if not m:
            continue
        codes = {c.strip().upper() for c in m.group(2).split(",") if c.strip()}
        codes.discard("NONE")
        (expect if m.group(1) == "expect" else safe).update(codes)
    return expect, safe


def reported(path: Path, root: Path) -> set[str]:
    cat = catalogue()
    settings = Settings()
    rel = path.relative_to(root).as_posix()
    # a neutral URI: the corpus lives under tests/, which would mark every file a test
    doc = Document(f"file:///corpus/{rel}", path.read_text())
    ctx = Context(doc, cat, settings)
    return {f.rule_id for f in analyze(ctx, registered()) if settings.shown(f) and suppression(doc, f, cat) is None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    files = sorted(p for p in args.corpus.rglob("*.py") if not p.name.startswith("generate"))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
    misses: list[str] = []
    safe_files = 0
    labelled = 0
    for path in files:
        expect, safe = labels(path.read_text())
        if not expect and not safe and "expect: none" not in path.read_text()[:200]:
            continue
        labelled += 1
        safe_files += bool(safe) and not expect
        found = reported(path, args.corpus)
        for rule in expect:
            hit = rule in found
            counts[rule]["tp" if hit else "fn"] += 1
            if not hit:
                misses.append(f"FN {rule} {path.name}")
        for rule in safe:
            hit = rule in found
            counts[rule]["fp" if hit else "tn"] += 1
            if hit:
                misses.append(f"FP {rule} {path.name}")
    cat = catalogue()
    print(f"corpus: {labelled} labelled files, {safe_files} safe look-alikes ({safe_files / max(1, labelled):.0%})")
    print(f"{'rule':<8} {'CWE':<22} {'pos':>4} {'TPR':>6} {'neg':>4} {'FPR':>6}")
    scores = []
    ok = True
    for rule in sorted(counts):
        c = counts[rule]
        pos, neg = c["tp"] + c["fn"], c["fp"] + c["tn"]
        tpr = c["tp"] / pos if pos else float("nan")
        fpr = c["fp"] / neg if neg else float("nan")
        cwe = ",".join(cat[rule].cwe) if rule in cat else "?"
        print(f"{rule:<8} {cwe:<22} {pos:>4} {tpr:>6.2f} {neg:>4} {fpr:>6.2f}")
        if pos and neg:
            scores.append(tpr - fpr)
        ok = ok and (not pos or tpr >= 0.9) and (not neg or fpr <= 0.1)
    tp = sum(c["tp"] for c in counts.values())
    fn = sum(c["fn"] for c in counts.values())
    fp = sum(c["fp"] for c in counts.values())
    tn = sum(c["tn"] for c in counts.values())
    print(f"pooled: TPR {tp / max(1, tp + fn):.3f}  FPR {fp / max(1, fp + tn):.3f}")
    print(f"overall score (mean TPR - FPR over {len(scores)} rules): {sum(scores) / max(1, len(scores)):.3f}")
    print("targets (TPR >= 0.9, FPR <= 0.1 in every family):", "met" if ok else "NOT met")
    if args.verbose:
        for m in misses:
            print(m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
