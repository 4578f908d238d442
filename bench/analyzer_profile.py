"""Per-analyzer time on one big file: is every analyzer linear in file size?

Times each registered analyzer's whole-file pass (as `codie check` runs it: no services,
no cache), the module metrics (`metrics.module_metrics`, the editor's code lens and the
maintainability index) and the call-graph extraction, on:

  stdlib    inspect.py + typing.py concatenated (the 6,862-line file of
            ../shared/bench/lspbench.py --stdlib-file large)
  defs      the generated 50,000-line file of tests/lsp/test_bad_input.py
            (25,000 two-line functions)
  stdlib50k the stdlib file repeated to 50,000 lines (every kind of statement)

    .venv/bin/python bench/analyzer_profile.py [--files stdlib,defs,stdlib50k] [--repeat 1]
    .venv/bin/python bench/analyzer_profile.py --tree DIR

--tree DIR: where a cold `codie check DIR -j1` spends its CPU instead, in one process:
the services (call graph, style training), then every file through the pipeline
(headless.check_one, nothing cached) with each analyzer's calls, the parse and the
present step timed.

Prints one row per analyzer and file (best of --repeat runs, CPU seconds of the thread: the
machine is shared and busy, and wall-clock figures there measure the neighbours), then the
ratio 50k/stdlib per analyzer: about 50,000 / 6,862 = 7.3 is linear, far above it is not.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from bigfiles import stdlib_large, stdlib_repeated  # noqa: E402
from codie.analyzers import registered  # noqa: E402
from codie.analyzers.callgraph.extract import summarize  # noqa: E402
from codie.analyzers.metrics import module_metrics  # noqa: E402
from codie.core.analyzer import Context  # noqa: E402
from codie.core.document import Document  # noqa: E402
from codie.core.rules import catalogue  # noqa: E402


def generated_defs(lines: int = 50_000) -> str:
    return "".join(f"def f{i}(a, b=[]):\n    return a\n" for i in range(lines // 2))


FILES: dict[str, Callable[[], str]] = {
    "stdlib": stdlib_large,
    "defs": generated_defs,
    "stdlib50k": stdlib_repeated,
}


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.thread_time()
        fn()
        times.append(time.thread_time() - started)
    return min(times)


def profile(text: str, path: Path, repeat: int) -> dict[str, float]:
    cat = catalogue()
    doc = Document(path.as_uri(), text)
    assert doc.tree is not None
    nodes = doc.top_level()
    out: dict[str, float] = {}
    for analyzer in registered():
        if "python" not in analyzer.languages:
            continue
        ctx = Context(doc, cat, root=path.parent)
        out[analyzer.name] = best(lambda a=analyzer, c=ctx: list(a.analyze(c, nodes)), repeat)
    tree = doc.tree
    out["metrics.module_metrics"] = best(lambda: module_metrics(tree, doc.source), repeat)
    out["callgraph.extract"] = best(lambda: summarize(doc.source, "big", str(path)), repeat)
    out["(parse)"] = best(lambda: Document(path.as_uri(), text), repeat)
    return out


def profile_tree(root: Path) -> None:
    """The CPU of a cold `codie check root -j1`, by step and by analyzer."""
    from collections import defaultdict

    import codie.core.pipeline as pipeline
    import codie.headless as headless
    from codie.core.config import load_pyproject
    from codie.core.files import ANALYSED_LANGUAGES, walk

    root = root.resolve()
    settings, _ = load_pyproject(root / "pyproject.toml")
    files = [str(p) for p in walk([root], root, settings, ANALYSED_LANGUAGES)]
    spent: dict[str, float] = defaultdict(float)

    def timing(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                out = fn(*args, **kwargs)
                return list(out) if name.startswith("analyzer ") else out
            finally:
                spent[name] += time.process_time() - started

        return timed

    started = time.process_time()
    services = headless._callgraph(root, settings, [root], 1)
    spent["service: call graph (CPX100)"] = time.process_time() - started
    started = time.process_time()
    services.update(headless._style(root, settings, [root]))
    spent["service: style training"] = time.process_time() - started
    for analyzer in registered():
        analyzer.analyze = timing(f"analyzer {analyzer.name}", analyzer.analyze)
    pipeline.Document = timing("(parse)", pipeline.Document)
    pipeline.present = timing("(present)", pipeline.present)
    state = headless._State(root, settings, services)
    started = time.process_time()
    for path in files:
        headless.check_one(path, state)
    per_file = time.process_time() - started
    spent["(rest of the per-file work)"] = per_file - sum(v for k, v in spent.items() if not k.startswith("service"))
    total = sum(spent.values())
    print(f"{root}: {len(files)} files, {total:.2f} s CPU in all ({per_file:.2f} s per-file)")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<34} {seconds:8.2f} s  {seconds / total:6.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="stdlib,defs,stdlib50k")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--tree", type=Path, help="profile a cold `codie check` of this folder instead")
    args = ap.parse_args()
    if args.tree is not None:
        profile_tree(args.tree)
        return
    import tempfile

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.files.split(","):
            text = FILES[name]()
            print(f"{name}: {text.count(chr(10)):,} lines, {len(text.encode()):,} bytes", file=sys.stderr, flush=True)
            results[name] = profile(text, Path(tmp) / f"{name}.py", args.repeat)
    names = list(results)
    rows = list(next(iter(results.values())))
    print(f"{'CPU seconds':<24}" + "".join(f"{n:>12}" for n in names))
    for row in rows:
        print(f"{row:<24}" + "".join(f"{results[n][row]:>11.3f}s" for n in names))
    if "stdlib" in results:
        for n in names:
            if n == "stdlib":
                continue
            worst = max(rows, key=lambda r: results[n][r] / max(results["stdlib"][r], 1e-4))
            ratio = results[n][worst] / max(results["stdlib"][worst], 1e-4)
            print(f"worst ratio {n}/stdlib: {worst} x{ratio:.1f}")
    print(
        "total (all analyzers + metrics + callgraph): "
        + ", ".join(f"{n} {sum(v for k, v in results[n].items() if k != '(parse)'):.2f}s" for n in names)
    )


if __name__ == "__main__":
    main()
