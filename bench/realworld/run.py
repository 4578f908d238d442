"""Real-code precision benchmark: `codie check` on pinned popular packages, joined with labels.

    python bench/realworld/run.py                 # fetch (first run), check, print the tables
    python bench/realworld/run.py --sample 300    # print a seeded sample of unlabelled findings
    python bench/realworld/run.py --unlabelled all

The packages are pinned wheels from PyPI (their .py files are the library code), downloaded
with pip into bench/realworld/.cache/ (git-ignored) on the first run. Each package is checked
once, at `--min-confidence 0`; what default settings show is the part of that run at or above
the default threshold (the present step filters on confidence alone and finds unused
suppressions whatever the threshold), and the exit code at defaults is 1 when a shown finding
is an error. `--verify-defaults` also runs `codie check` at default settings and fails if the
two disagree. The findings are joined with bench/realworld/labels.tsv, one line per judged
finding:

    package  path  fingerprint  rule  line  verdict  reason

`fingerprint` is the SARIF `partialFingerprints["codie/v1"]` of the finding (its rule, the
normalised text of its line and the occurrence index), so a label survives line shifts.
`verdict` is true, false or debatable; precision counts debatable as half. The calibration
(ECE, 10 equal-width bins) compares the confidence with the labels over every labelled
finding of the `--min-confidence 0` run.

Results are cached per package under .cache/results/<key>/, where the key hashes Codie's
sources and rule catalogue, so an edit to an analyzer re-runs the check; --no-cache ignores
the cache.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codie.report.sarif import fingerprint

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = HERE / ".cache"
LABELS = HERE / "labels.tsv"
LABEL_FIELDS = ("package", "path", "fingerprint", "rule", "line", "verdict", "reason")
VERDICT_SCORE = {"true": 1.0, "debatable": 0.5, "false": 0.0}
DEFAULT_MIN_CONFIDENCE = 0.3  # codie.core.config.Settings.min_confidence
SEED = 14

# name, version: wheels (pure Python, or the manylinux2014 x86-64 wheel for CPython 3.11,
# whose .py files are the same on every platform).
PACKAGES: tuple[tuple[str, str], ...] = (
    ("django", "5.1.4"),
    ("werkzeug", "3.1.3"),
    ("jinja2", "3.1.4"),
    ("sqlalchemy", "2.0.36"),
    ("aiohttp", "3.11.10"),
    ("tornado", "6.4.2"),
    ("starlette", "0.41.3"),
    ("fastapi", "0.115.6"),
    ("celery", "5.4.0"),
    ("scrapy", "2.12.0"),
    ("paramiko", "3.5.0"),
    ("ansible-core", "2.18.1"),
    ("pytest", "8.3.4"),
    ("sphinx", "8.1.3"),
    ("setuptools", "75.6.0"),
)


@dataclass(frozen=True)
class Item:
    """One finding of the --min-confidence 0 run, with its identity for the labels."""

    package: str
    path: str
    fingerprint: str
    rule: str
    line: int
    severity: str
    confidence: float
    message: str
    shown: bool  # visible at default settings

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.package, self.path, self.fingerprint)


def fetch(name: str, version: str) -> Path:
    """The unpacked wheel of name==version, downloaded with pip on first use."""
    src = CACHE / "src" / f"{name}-{version}"
    if (src / ".complete").is_file():
        return src
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--platform",
            "manylinux2014_x86_64",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
            "--dest",
            str(wheels),
            f"{name}=={version}",
        ],
        check=True,
    )
    norm = name.replace("-", "_").lower()
    found = [w for w in wheels.glob("*.whl") if w.name.lower().startswith(f"{norm}-{version}-")]
    if not found:
        raise SystemExit(f"no wheel for {name}=={version} in {wheels}")
    src.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(found[0]) as zf:
        zf.extractall(src)
    # An empty pyproject.toml makes the package its own project root: default settings,
    # not those of a pyproject.toml further up (this repository's).
    (src / "pyproject.toml").write_text("")
    (src / ".complete").write_text(found[0].name + "\n")
    return src


def code_key() -> str:
    """A hash of what decides the findings: Codie's sources and its rule catalogue."""
    h = hashlib.sha256()
    for base in (REPO / "server" / "codie", REPO / "shared" / "rules"):
        for f in sorted(base.rglob("*")):
            if f.suffix in (".py", ".toml") and f.is_file():
                h.update(str(f.relative_to(REPO)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


def check(src: Path, out: Path, min_confidence: float | None) -> tuple[int, dict[str, Any]]:
    """Run `codie check --format json` on src; (exit code, report)."""
    if out.is_file():
        saved = json.loads(out.read_text())
        return int(saved["exit_code"]), saved["report"]
    cmd = [sys.executable, "-m", "codie", "check", ".", "--format", "json", "-j", "2"]
    if min_confidence is not None:
        cmd += ["--min-confidence", str(min_confidence)]
    proc = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"codie check failed in {src} ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"exit_code": proc.returncode, "report": report}))
    return proc.returncode, report


def shown_at_defaults(all_report: dict[str, Any]) -> set[tuple[str, str, int, int]]:
    """The findings of the --min-confidence 0 run that default settings show."""
    return {
        (f["path"], f["rule"], f["start"]["line"], f["start"]["column"])
        for f in all_report["findings"]
        if f.get("suppressed") is None and float(f["confidence"]) >= DEFAULT_MIN_CONFIDENCE
    }


def default_exit(all_report: dict[str, Any]) -> int:
    """`codie check`'s exit code at defaults: 1 when a shown finding is an error."""
    return int(
        any(
            f.get("suppressed") is None
            and float(f["confidence"]) >= DEFAULT_MIN_CONFIDENCE
            and f["severity"] == "error"
            for f in all_report["findings"]
        )
    )


def items_of(package: str, src: Path, all_report: dict[str, Any]) -> list[Item]:
    """The --min-confidence 0 findings with fingerprints computed as SARIF computes them."""
    shown = shown_at_defaults(all_report)
    lines: dict[str, list[str]] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for f in all_report["findings"]:
        if f.get("suppressed") is not None:
            continue
        path = f["path"]
        if path not in lines:
            lines[path] = (src / path).read_text(encoding="utf-8", errors="replace").splitlines()
        text = lines[path][f["start"]["line"] - 1] if f["start"]["line"] <= len(lines[path]) else ""
        norm = " ".join(text.split())
        occurrence = seen[(path, f["rule"], norm)]
        seen[(path, f["rule"], norm)] += 1
        out.append(
            Item(
                package,
                path,
                fingerprint(f["rule"], text, occurrence),
                f["rule"],
                f["start"]["line"],
                f["severity"],
                float(f["confidence"]),
                f["message"],
                (path, f["rule"], f["start"]["line"], f["start"]["column"]) in shown,
            )
        )
    return out


def count_lines(src: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in src.rglob("*.py"))


def load_labels() -> dict[tuple[str, str, str], dict[str, str]]:
    if not LABELS.is_file():
        return {}
    labels = {}
    with LABELS.open(newline="") as fh:
        for row in csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["verdict"] not in VERDICT_SCORE:
                raise SystemExit(f"{LABELS}: bad verdict {row['verdict']!r} in {row}")
            labels[(row["package"], row["path"], row["fingerprint"])] = row
    return labels


def precision(scores: list[float]) -> str:
    return f"{sum(scores) / len(scores):.2f}" if scores else "-"


def ece(pairs: list[tuple[float, float]], bins: int = 10) -> tuple[float, list[tuple[str, int, float, float]]]:
    """Expected calibration error over (confidence, label score) pairs, and the table."""
    grouped: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for conf, score in pairs:
        grouped[min(bins - 1, int(conf * bins))].append((conf, score))
    total = len(pairs)
    err = 0.0
    table = []
    for b in range(bins):
        group = grouped.get(b, [])
        if not group:
            continue
        mean_conf = sum(c for c, _ in group) / len(group)
        observed = sum(s for _, s in group) / len(group)
        err += len(group) / total * abs(mean_conf - observed)
        table.append((f"{b / bins:.1f}-{(b + 1) / bins:.1f}", len(group), mean_conf, observed))
    return err, table


def report(
    items: list[Item],
    labels: dict[tuple[str, str, str], dict[str, str]],
    exits: dict[str, int],
    loc: int,
    unlabelled_mode: str,
) -> int:
    print(f"# Codie on real code: {len(PACKAGES)} packages, {loc:,} lines of Python")
    print("# command: make bench-realworld  (python bench/realworld/run.py)\n")
    print("exit codes of `codie check` at defaults:")
    print("  " + ", ".join(f"{p} {rc}" for p, rc in exits.items()))
    shown = [i for i in items if i.shown]

    def table(title: str, group: list[Item], by: str) -> None:
        print(f"\n{title}")
        print(
            f"  {by:<10} {'findings':>8} {'labelled':>8} {'true':>5} {'debat':>5} {'false':>5}"
            f" {'precision':>9} {'per kLOC':>8} {'mean conf':>9}"
        )
        keyed: dict[str, list[Item]] = defaultdict(list)
        for i in group:
            keyed[getattr(i, by)].append(i)
        rows = [*sorted(keyed.items()), ("ALL", group)]
        for name, members in rows:
            verdicts = [labels[i.key]["verdict"] for i in members if i.key in labels]
            c = Counter(verdicts)
            print(
                f"  {name:<10} {len(members):>8} {len(verdicts):>8} {c['true']:>5}"
                f" {c['debatable']:>5} {c['false']:>5}"
                f" {precision([VERDICT_SCORE[v] for v in verdicts]):>9}"
                f" {1000 * len(members) / loc:>8.2f}"
                f" {sum(i.confidence for i in members) / max(1, len(members)):>9.2f}"
            )

    table("At default settings, per rule:", shown, "rule")
    table("At default settings, per level:", shown, "severity")
    table("At --min-confidence 0 (all findings), per rule:", items, "rule")

    pairs = [(i.confidence, VERDICT_SCORE[labels[i.key]["verdict"]]) for i in items if i.key in labels]
    err, rel = ece(pairs)
    print(f"\nCalibration over {len(pairs)} labelled findings: ECE {err:.3f} (10 bins)")
    print(f"  {'confidence':<10} {'n':>5} {'mean conf':>9} {'precision':>9}")
    for name, n, conf, obs in rel:
        print(f"  {name:<10} {n:>5} {conf:>9.2f} {obs:>9.2f}")

    loud = []
    by_rule: dict[str, list[Item]] = defaultdict(list)
    for i in items:
        if i.key in labels:
            by_rule[i.rule].append(i)
    for rule, members in sorted(by_rule.items()):
        p = sum(VERDICT_SCORE[labels[i.key]["verdict"]] for i in members) / len(members)
        top = max(i.confidence for i in members)
        if p < 0.5 and top > 0.5:
            loud.append(f"{rule} (precision {p:.2f}, max confidence {top:.2f})")
    print("\nRules with mostly false findings shown above 50%: " + (", ".join(loud) or "none"))

    unlabelled = [i for i in (items if unlabelled_mode == "all" else shown) if i.key not in labels]
    hidden_unlabelled = sum(1 for i in items if not i.shown and i.key not in labels)
    print(
        f"\nUnlabelled findings at defaults: {sum(1 for i in shown if i.key not in labels)}"
        f" (and {hidden_unlabelled} below the default threshold)"
    )
    for i in unlabelled:
        print(
            f"  {i.package}\t{i.path}:{i.line}\t{i.rule}\t{i.severity}\t{i.confidence:.2f}"
            f"\t{i.fingerprint}\t{i.message[:100]}"
        )
    return 0


def sample(items: list[Item], labels: dict[tuple[str, str, str], dict[str, str]], n: int) -> None:
    """Rows to label: every unlabelled warning/error at defaults, and a seeded random sample
    of n of the rest (hidden and info findings included)."""
    must = [i for i in items if i.shown and i.severity in ("error", "warning")]
    rest = sorted((i for i in items if i not in set(must)), key=lambda i: i.key)
    chosen = random.Random(SEED).sample(rest, min(n, len(rest)))
    for i in must + chosen:
        if i.key in labels:
            continue
        print(
            "\t".join(
                [
                    i.package,
                    i.path,
                    i.fingerprint,
                    i.rule,
                    str(i.line),
                    "?",
                    f"{i.severity} {i.confidence:.2f} {i.message[:160]}",
                ]
            )
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated package names")
    ap.add_argument("--no-cache", action="store_true", help="re-run codie check")
    ap.add_argument(
        "--verify-defaults",
        action="store_true",
        help="also run codie check at default settings and check that it shows what the "
        "--min-confidence 0 run says it would",
    )
    ap.add_argument(
        "--unlabelled",
        choices=("shown", "all"),
        default="shown",
        help="list unlabelled findings at defaults (shown) or all of them",
    )
    ap.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="print label rows to fill: all warnings/errors at defaults and a "
        f"random sample (seed {SEED}) of N of the rest",
    )
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    key = code_key()
    items: list[Item] = []
    exits: dict[str, int] = {}
    loc = 0
    for name, version in PACKAGES:
        if only and name not in only:
            continue
        src = fetch(name, version)
        results = CACHE / "results" / key
        if args.no_cache:
            for old in results.glob(f"{name}.*.json"):
                old.unlink()
        print(f"checking {name} {version} ...", file=sys.stderr, flush=True)
        _, all_report = check(src, results / f"{name}.all.json", 0.0)
        exits[name] = default_exit(all_report)
        if args.verify_defaults:
            rc, default_report = check(src, results / f"{name}.default.json", None)
            really = {
                (f["path"], f["rule"], f["start"]["line"], f["start"]["column"])
                for f in default_report["findings"]
                if f.get("suppressed") is None
            }
            if rc != exits[name] or really != shown_at_defaults(all_report):
                raise SystemExit(f"{name}: the default run differs from the derived one ({rc}, {exits[name]})")
        items += items_of(name, src, all_report)
        loc += count_lines(src)
    labels = load_labels()
    if args.sample is not None:
        sample(items, labels, args.sample)
        return 0
    return report(items, labels, exits, loc, args.unlabelled)


if __name__ == "__main__":
    raise SystemExit(main())
