"""Leave-one-file-out naming evaluation of the style model (NATURALIZE's experiment).

For every file of the corpus: take the file out of the model (the per-save update path),
hide each local variable's name, ask for suggestions, put the file back. Prints top-1 and
top-5 accuracy when suggesting only for the most confident X% of cases, next to a
frequency baseline (the names the project binds most often), then the training time on
~100,000 lines and the suggestion time per document.

    .venv/bin/python bench/naming_eval.py [--corpus DIR ...] [--lines 100000]
"""

from __future__ import annotations

import argparse
import sysconfig
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from codie.analyzers.style import naming
from codie.analyzers.style.analyzer import StyleAnalyzer
from codie.analyzers.style.model import FileFacts, WorkspaceModel, extract
from codie.analyzers.style.naming import BUILTINS, Scorer
from codie.analyzers.style.scopes import VARIABLE, Binding
from codie.analyzers.style.service import StyleService
from codie.analyzers.style.training import train_workspace
from codie.core.analyzer import Context
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.rules import catalogue

PACKAGES = ("json", "email", "http", "asyncio", "unittest")
RATES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)


@dataclass
class Case:
    name: str
    ranked: list[str]  # model's names, best first
    confidence: float
    baseline: list[str]
    baseline_confidence: float  # how often the project binds the baseline's first name


def corpus_files(dirs: list[Path]) -> list[Path]:
    files = []
    for d in dirs:
        files.extend(
            p for p in sorted(d.rglob("*.py")) if not {"test", "tests", "idlelib"} & set(p.relative_to(d).parts)
        )
    return files


def evaluate(files: list[Path]) -> tuple[list[Case], WorkspaceModel, dict[str, FileFacts]]:
    model = WorkspaceModel()
    facts: dict[str, FileFacts] = {}
    for f in files:
        facts[str(f)] = extract(f.read_bytes())
        model.add(str(f), facts[str(f)])
    local_names = {key: Counter(b.name for b in locals_of(fact)) for key, fact in facts.items()}
    everywhere: Counter[str] = sum(local_names.values(), Counter())
    cases: list[Case] = []
    for key, fact in facts.items():
        assert fact.scopes is not None and fact.stream is not None
        model.remove(key)  # leave this file out
        scorer = Scorer(model, fact.stream, None)
        counts = everywhere - local_names[key]
        frequent = [n for n, _ in counts.most_common(100) if n not in BUILTINS]
        for binding in locals_of(fact):
            ranked = scorer.rank(binding, fact.scopes, hide=True)
            if ranked is None:
                continue
            names = [n for n, _ in ranked.names]
            taken = fact.scopes.names_visible_in(binding.scope) - {binding.name}
            guess = [n for n in frequent if n not in taken][:5]
            cases.append(Case(binding.name, names, ranked.confidence, guess, counts[guess[0]] if guess else 0))
        model.add(key, fact)
    return cases, model, facts


def locals_of(fact: FileFacts) -> list[Binding]:
    """Local variables: bound in a function (or comprehension), not parameters."""
    assert fact.scopes is not None
    return [b for b in fact.scopes.bindings() if b.kind == VARIABLE and b.scope.kind != "module"]


def curve(cases: list[Case], model_side: bool) -> list[tuple[float, float, float]]:
    ordered = sorted(cases, key=lambda c: -(c.confidence if model_side else c.baseline_confidence))
    rows = []
    for rate in RATES:
        chosen = ordered[: max(1, int(len(ordered) * rate))]
        pick = (lambda c: c.ranked) if model_side else (lambda c: c.baseline)
        top1 = sum(pick(c)[:1] == [c.name] for c in chosen) / len(chosen)
        top5 = sum(c.name in pick(c)[:5] for c in chosen) / len(chosen)
        rows.append((rate, top1, top5))
    return rows


def timing(lines: int) -> tuple[int, int, float, float, float, int]:
    """Train on distinct standard-library files totalling `lines`; time suggestions."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    pool = [
        p
        for p in sorted(stdlib.rglob("*.py"))
        if not {"test", "tests", "idlelib", "site-packages", "lib2to3", "turtledemo"} & set(p.relative_to(stdlib).parts)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        total = 0
        for f in pool:
            text = f.read_text(encoding="utf-8", errors="replace")
            target = root / f.relative_to(stdlib)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            total += text.count("\n")
            if total >= lines:
                break
        # measure training on all of these lines, whatever the default sampling budget
        (root / "pyproject.toml").write_text("[tool.codie.style]\nmax-train-bytes = 0\n")
        started, cpu = time.perf_counter(), time.process_time()
        summary = train_workspace(root, root / "style.db")
        train_seconds = time.perf_counter() - started
        train_cpu = time.process_time() - cpu
        from codie.analyzers.style.storage import load, open_db

        model = load(open_db(root / "style.db"), root)
        svc = StyleService()
        svc.models[root] = model
        analyzer = StyleAnalyzer()
        per_doc = []
        sample = sorted(root.rglob("*.py"))[:60]
        settings = Settings(sections={"style": {"min-tokens": 0}})
        for path in sample:
            doc = Document(path.resolve().as_uri(), path.read_bytes())
            ctx = Context(doc, catalogue(), settings, root=root, services={"style": svc})
            t = time.process_time()
            list(analyzer.analyze(ctx, doc.top_level()))
            per_doc.append(time.process_time() - t)
        per_doc.sort()
        return (
            total,
            summary.files,
            train_seconds,
            train_cpu,
            per_doc[len(per_doc) // 2],
            int(sum(Document("file:///x.py", p.read_bytes()).lines.count for p in sample) / len(sample)),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, nargs="*", help="package folders")
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    dirs = args.corpus or [stdlib / p for p in PACKAGES]
    files = corpus_files(dirs)
    started = time.perf_counter()
    cases, model, _ = evaluate(files)
    elapsed = time.perf_counter() - started
    weight, naming.DOC_WEIGHT = naming.DOC_WEIGHT, 0.0  # ablation: no document cache
    plain, _, _ = evaluate(files)
    naming.DOC_WEIGHT = weight
    print(
        f"corpus: {len(files)} files, {model.tokens_seen:,} tokens "
        f"({', '.join(d.name for d in dirs)}); {len(cases):,} local variables hidden "
        f"({elapsed:.1f} s)"
    )
    print(
        "suggestion rate | model top-1 | model top-5 | baseline top-1 | baseline top-5 "
        "| no-doc-cache top-1 | no-doc-cache top-5"
    )
    for (rate, m1, m5), (_, b1, b5), (_, p1, p5) in zip(
        curve(cases, True), curve(cases, False), curve(plain, True), strict=True
    ):
        print(f"{rate:>15.0%} | {m1:>11.3f} | {m5:>11.3f} | {b1:>14.3f} | {b5:>14.3f} | {p1:>18.3f} | {p5:>18.3f}")
    lines, nfiles, train_s, train_cpu, doc_s, doc_lines = timing(args.lines)
    print(
        f"training on {lines:,} lines ({nfiles} distinct stdlib files, incl. SQLite write): "
        f"{train_s:.1f} s wall, {train_cpu:.1f} s CPU"
    )
    print(
        f"suggestion time per document (CPU, median of 60 documents of ~{doc_lines} lines, "
        f"first analysis, nothing cached): {doc_s * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
