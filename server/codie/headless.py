"""The headless doors: files on disk through the one pipeline (core/pipeline.py).

`check_paths` is `codie check`, `codie baseline` and the pull-request job: walk (the one
walker: .gitignore, `exclude`), build the services rules need (the call graph for
CPX100, the style model trained from the checked project itself), analyse and present
every file (suppressions, the project's baseline, the new-code lines), and collect a
report Run. `scan_batch` / `scan_included` are the editor's background workspace scan:
the same steps per file, serialised as LSP diagnostics by the one converter.

This module sits between the adapters (cli, pr, lsp) and the analyzers/report layer: it
is the only place that knows both the analyzer registry and the pipeline's headless use.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codie import __version__
from codie.analyzers import registered
from codie.core.analyzer import Mode
from codie.core.baseline import BaselineOptions, LoadedBaseline, load_for
from codie.core.config import Settings
from codie.core.files import ANALYSED_LANGUAGES, PYTHON_ONLY, is_included, relative_path, walk
from codie.core.findings import Finding
from codie.core.pipeline import FileOutcome, Inputs, analyse_file, diagnostic_dict
from codie.core.rules import catalogue, catalogue_dir
from codie.core.workspace import FileResult
from codie.report.cache import Entry, ResultCache, code_signature, digest, tree_signature
from codie.report.model import Located, Run, locate

log = logging.getLogger(__name__)
PARALLEL_THRESHOLD = 16  # below this many files a process pool costs more than it saves


@dataclass(frozen=True)
class CheckOptions:
    """How a headless run presents: which baseline, which lines count as new."""

    # the project's baseline (`[tool.codie.baseline] file`, else .codie-baseline.json) is
    # applied when it exists; `baseline` names another file; use_baseline=False: none
    baseline: Path | None = None
    use_baseline: bool = True
    baseline_show: str | None = None  # "hidden" | "hint"; None: from the settings
    # focus on new code: 1-based changed lines per path relative to git_root
    changed: dict[str, set[int]] | None = None
    git_root: Path | None = None
    # cross-file services (call graph, style model): False for a quick single-file look
    services: bool = True
    # the result cache's database (report/cache.py: report.cache.project_db(root)); None:
    # no cache, every file is analysed (`codie check --no-cache`, the other doors)
    cache: Path | None = None


@dataclass
class _State:
    """What every worker of one run shares (inherited by fork, never pickled)."""

    root: Path
    settings: Settings
    services: dict[str, Any] = field(default_factory=dict)
    baseline: LoadedBaseline | None = None
    hints: bool = False
    changed: dict[str, set[int]] | None = None
    git_root: Path | None = None


_state: _State | None = None  # the run whose pool is being forked (one at a time)
_pool_lock = threading.Lock()


def build_services(
    root: Path, settings: Settings, paths: Sequence[Path] | None = None, jobs: int | None = None
) -> dict[str, Any]:
    """The services rules read, built from the checked files (`paths`, default the whole
    root) for every headless door: what the editor keeps current in the background for
    its workspace, computed once here. Never read from a local `.codie` store, so the
    output of a check depends on the checked files and the settings only."""
    targets = list(paths or [root])
    services: dict[str, Any] = {}
    # each service only when a rule that reads it can be shown (--select/--ignore): the
    # style model and its naming scores are the most expensive part of a check
    # "never referenced in the workspace" needs the whole workspace: checking a part of a
    # project would call a function unreferenced that another part uses
    graph = _any_enabled(settings, "CPX100") and _covers(targets, root)
    # `[tool.codie.style] headless = false`: no model, no STY findings headless (faster)
    style = _any_enabled(settings, *STYLE_RULES) and settings.section("style").get("headless", True) is not False
    if graph and style and (jobs or 1) > 1:
        # independent, and the graph's resolution runs on one core: build it in a second
        # process while this one trains the style model (the index comes back as plain data)
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            future = pool.submit(_callgraph, root, settings, targets, jobs)
            services.update(_style(root, settings, targets))
            try:
                services.update(future.result())
            except Exception:  # the process died (memory): as when the graph itself fails
                log.exception("call graph of %s failed; CPX100 is not reported", root)
        return services
    if graph:
        services.update(_callgraph(root, settings, targets, jobs))
    if style:
        services.update(_style(root, settings, targets))
    return services


STYLE_RULES = tuple(f"STY00{n}" for n in range(1, 8))


def _covers(targets: Sequence[Path], root: Path) -> bool:
    try:
        whole = root.resolve()
        return any(t.resolve() == whole for t in targets)
    except (OSError, RuntimeError):
        return False


def _any_enabled(settings: Settings, *rules: str) -> bool:
    return any(settings.enabled(rule) for rule in rules)


def _callgraph(root: Path, settings: Settings, targets: list[Path], jobs: int | None) -> dict[str, Any]:
    from codie.analyzers.callgraph import CallGraph
    from codie.analyzers.unreferenced import UnreferencedIndex

    services: dict[str, Any] = {}
    try:
        graph = CallGraph(root)  # in memory: a check never writes .codie/
        graph.build(targets, settings, jobs=jobs, one_shot=True)  # nothing is updated after this
        services["callgraph"] = UnreferencedIndex(graph)
    except Exception:  # a rule's input failing must not stop the check
        log.exception("call graph of %s failed; CPX100 is not reported", root)
    return services


def _style(root: Path, settings: Settings, targets: list[Path]) -> dict[str, Any]:
    from codie.analyzers.style.service import SERVICE as STYLE
    from codie.analyzers.style.service import StyleService
    from codie.analyzers.style.training import build_model

    services: dict[str, Any] = {}
    try:
        style = StyleService()
        # every trained file is analysed next: its training's stream, scopes and
        # observations are kept for that (StyleService.take), not computed twice
        style.models[root.resolve()] = build_model(root.resolve(), settings, paths=targets, keep=style.kept)[0]
        services[STYLE] = style
    except Exception:
        log.exception("style model of %s failed; STY rules are not reported", root)
    return services


def _changed_for(state: _State, path: Path) -> set[int] | None:
    if state.changed is None:
        return None
    git_root = state.git_root or state.root
    rel = relative_path(path, git_root)
    return {n - 1 for n in state.changed.get(rel, set())}


def check_one(path: str, state: _State | None = None) -> tuple[str, list[Located], str | None, int]:
    """One file of a run: (path relative to root, results, error, findings dropped by the
    new-code filter). In a pool worker the run's state is the inherited _state."""
    state = state or _state
    assert state is not None, "check_paths sets the run's state first"
    file = Path(path)
    rel = relative_path(file, state.root)
    inputs = Inputs(registered(), catalogue(), state.settings, state.root, state.services, Mode.HEADLESS)
    outcome = analyse_file(file, inputs, state.baseline, state.hints, _changed_for(state, file))
    error = f"{rel}: {outcome.error}" if outcome.error else None
    return rel, located(outcome, rel), error, sum(p.shown.unchanged for p in outcome.parts)


def located(outcome: FileOutcome, rel: str) -> list[Located]:
    """The outcome as report results: shown, suppressed (with the directive) and baselined."""
    out: list[Located] = []
    for part in outcome.parts:

        def label(f: Finding, prefix: str = part.label) -> Finding:  # "[cell N] " in notebooks
            return dataclasses.replace(f, message=prefix + f.message) if prefix else f

        doc, shown = part.doc, part.shown
        out += [locate(doc, rel, label(f)) for f in shown.visible]
        out += [locate(doc, rel, label(f), text) for f, text in shown.suppressed]
        out += [locate(doc, rel, label(f), "baseline") for f in shown.baselined]
    return out


def check_paths(
    paths: Sequence[Path],
    root: Path,
    settings: Settings,
    jobs: int | None = None,
    options: CheckOptions | None = None,
) -> Run:
    """`codie check PATHS`: every analysed file under paths, through the one pipeline."""
    options = options or CheckOptions()
    run = Run(root=str(root), tool_version=__version__)
    skipped: list[str] = []
    files = [
        str(p)
        for p in walk(
            paths,
            root,
            settings,
            ANALYSED_LANGUAGES,
            on_skip=lambda p, why: skipped.append(f"{relative_path(p, root)}: skipped ({why})"),
        )
    ]
    baseline = None
    if options.use_baseline:
        baseline = load_for(root, settings, options.baseline)
        if baseline.error:
            run.errors.append(f"baseline not used: {baseline.error}")
    show = options.baseline_show or BaselineOptions.of(settings).show
    jobs = jobs or os.cpu_count() or 1
    cache = ResultCache(options.cache) if options.cache is not None else None
    keys: dict[str, str] = {}
    hits: dict[str, Entry] = {}
    if cache is not None:
        try:
            keys = cache_keys(files, paths, root, settings, options, baseline, show)
        except OSError as exc:  # e.g. the catalogue unreadable mid-upgrade: analyse all
            log.warning("result cache not used: %s", exc)
        hits = cache.get_many(keys.values())
    todo = [f for f in files if keys.get(f) not in hits]
    with _few_collections():
        computed = _analyse(todo, root, settings, paths, jobs, options, baseline, show)
    outcomes = []
    for f in files:
        hit = hits.get(keys.get(f, ""))
        outcomes.append(
            computed[f] if hit is None else (relative_path(Path(f), root), hit.results, None, hit.unchanged)
        )
    if cache is not None:
        fresh = {keys[f]: Entry(r[1], r[3]) for f, r in computed.items() if f in keys and r[2] is None}
        cache.put_many(fresh, used=hits)
        cache.close()
    for rel, results, error, unchanged in outcomes:
        run.unchanged += unchanged
        run.files.append(rel)
        run.results.extend(results)
        if error:
            run.errors.append(error)
    run.errors.extend(skipped)
    run.results.sort(key=lambda r: (r.path, r.start_line, r.start_col, r.finding.rule_id))
    return run


# CPython's gen-0 threshold (700 container allocations) had a check collect ~18 times a
# file, and every 100th collection walk every live object: the style model, the training's
# kept facts (KeptFacts), the call graph. Exempted (gc.freeze: what a check builds before
# its files lives to its end) and collected less often, the cyclic GC took 0.5 s of a
# 105-file check's per-file CPU instead of 2.1-2.8 s. Reference counting frees as before;
# a collection at most every GC_THRESHOLD allocations bounds what cycles wait.
GC_THRESHOLD = 10_000


@contextmanager
def _few_collections() -> Iterator[None]:
    """A check's GC settings (see GC_THRESHOLD), given back as they were after."""
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if not frozen:  # (what a caller froze before stays frozen)
            gc.unfreeze()


def _analyse(
    todo: list[str],
    root: Path,
    settings: Settings,
    paths: Sequence[Path],
    jobs: int,
    options: CheckOptions,
    baseline: LoadedBaseline | None,
    show: str,
) -> dict[str, tuple[str, list[Located], str | None, int]]:
    """check_one of every file of `todo`, with the services built first."""
    global _state
    # the services are built only when a file is analysed: a warm run reads results only
    services = build_services(root, settings, paths, jobs) if options.services and todo else {}
    # the services live as long as the run: no collection need walk them again (nor, in
    # the forked workers, write to their pages: the reason gc.freeze exists)
    gc.freeze()
    state = _State(root, settings, services, baseline, show == "hint", options.changed, options.git_root)
    if jobs > 1 and len(todo) >= PARALLEL_THRESHOLD:
        # fork: the workers inherit the run's state (services, baseline) as it is, unpickled
        context = multiprocessing.get_context("fork")
        with _pool_lock:
            _state = state
            try:
                with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                    # largest first, in small chunks: no worker is left with a tail of big
                    # files while the others idle (the report's order is the walk's anyway)
                    order = sorted(todo, key=_size, reverse=True)
                    chunk = max(1, len(order) // (jobs * 32))
                    return dict(zip(order, pool.map(check_one, order, chunksize=chunk), strict=True))
            finally:
                _state = None
    return {f: check_one(f, state) for f in todo}


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def cache_keys(
    files: Sequence[str],
    paths: Sequence[Path],
    root: Path,
    settings: Settings,
    options: CheckOptions,
    baseline: LoadedBaseline | None,
    show: str,
) -> dict[str, str]:
    """Each file's result-cache key: its bytes and path, and everything else its findings
    may depend on - Codie's version and code, the rule catalogue, the settings, how the
    run presents (baseline, new-code lines), and every cross-file input: cross-module
    taint, the call graph (CPX100) and the style model read other files of the project,
    the dependency rules its manifests and the advisory index. Those are taken as a whole
    (the walked files' contents, the stat data of the project's other sources and
    manifests), so a change anywhere re-analyses every file: safe rather than clever.
    A file that cannot be read gets no key (it is analysed and reports its error)."""
    from codie.analyzers.dependencies.advisories import active_path, packaged_path

    contents: dict[str, str] = {}
    for f in files:
        try:
            contents[f] = digest(Path(f).read_bytes())
        except OSError:
            continue
    catalogue_files = sorted(catalogue_dir().glob("*.toml"))
    extra = [*(p for p in (active_path(), packaged_path()) if p is not None)]
    if baseline is not None:
        extra.append(baseline.path)
    run = digest(
        __version__,
        code_signature(),
        *(digest(p.name, p.read_bytes()) for p in catalogue_files),
        repr(settings),
        repr([a.name for a in registered()]),
        str(root.resolve()),
        repr(sorted(str(p.resolve()) for p in paths)),
        repr((options.services, options.use_baseline, show)),
        digest(baseline.path.read_bytes()) if baseline is not None and baseline.path.is_file() else "-",
        tree_signature(root.resolve(), extra),
        *(f"{f}\0{d}" for f, d in sorted(contents.items())),
    )
    changed = options.changed
    keys = {}
    for f, content in contents.items():
        rel = relative_path(Path(f), root)
        lines = "*" if changed is None else repr(sorted(_changed_for_rel(options, root, Path(f))))
        keys[f] = digest(run, rel, content, lines)
    return keys


def _changed_for_rel(options: CheckOptions, root: Path, path: Path) -> set[int]:
    assert options.changed is not None
    return options.changed.get(relative_path(path, options.git_root or root), set())


# the editor's background workspace scan --------------------------------------------------
# Crash recovery for the whole scan, per worker process: an analyzer that raises (also
# MemoryError, under the worker's memory cap) is skipped for the rest of the scan in this
# worker, and the server says so once. One that takes longer than this (CPU seconds) on
# one function, or on a file it does not split, is reported there (ANA002, core/engine.py).
FILE_TIME_LIMIT = 5.0
_disabled: dict[str, str] = {}
_baselines: dict[tuple[str, int], LoadedBaseline] = {}


def _scan_baseline(root: Path, settings: Settings, path: str | None) -> LoadedBaseline | None:
    """The baseline at `path`, cached in this worker for as long as the file is unchanged."""
    if path is None:
        return None
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    if (path, stamp) not in _baselines:
        _baselines[(path, stamp)] = load_for(root, settings, Path(path))
    return _baselines[(path, stamp)]


def _scan_services(root: Path) -> dict[str, Any]:
    """The style model the editor trained for this folder (its store), as open files see
    it. The call graph stays in the editor: CPX100 shows for open files only."""
    from codie.analyzers.style.analyzer import stored_model
    from codie.analyzers.style.service import SERVICE as STYLE
    from codie.analyzers.style.service import StyleService

    model = stored_model(root.resolve())
    if model is None:
        return {}
    style = StyleService()
    style.models[root.resolve()] = model
    return {STYLE: style}


def scan_file(path: str, root: str, settings: Settings, encoding: str, baseline_path: str | None = None) -> FileResult:
    """Analyse one file as `codie check` would and present it as the editor would."""
    folder = Path(root)
    baseline = _scan_baseline(folder, settings, baseline_path)
    analyzers = [a for a in registered() if a.name not in _disabled]
    inputs = Inputs(analyzers, catalogue(), settings, folder, _scan_services(folder), Mode.HEADLESS, FILE_TIME_LIMIT)
    outcome = analyse_file(Path(path), inputs, baseline, BaselineOptions.of(settings).show == "hint")
    if outcome.error:
        return FileResult(path, "error", "[]", 0, f"{path}: {outcome.error}")
    for name, reason in outcome.disabled.items():
        _disabled.setdefault(name, f"{reason} on {path}")
    items = [diagnostic_dict(part.doc, f, encoding) for part in outcome.parts for f in part.shown.visible]
    diagnostics = json.dumps(items)
    digest = hashlib.blake2b(diagnostics.encode(), digest_size=8).hexdigest()
    return FileResult(path, digest, diagnostics, len(items), disabled=dict(_disabled))


def scan_batch(
    paths: Sequence[str],
    root: str,
    settings: Settings,
    encoding: str,
    baseline_path: str | None = None,
) -> list[FileResult]:
    return [scan_file(p, root, settings, encoding, baseline_path) for p in paths]


def scan_included(
    paths: Sequence[str],
    root: str,
    settings: Settings,
    encoding: str,
    baseline_path: str | None = None,
) -> list[FileResult | str]:
    """scan_batch for files reported changed: an ignored path comes back as its name."""
    return [
        scan_file(p, root, settings, encoding, baseline_path)
        if is_included(Path(p), Path(root), settings, PYTHON_ONLY)
        else p
        for p in paths
    ]
