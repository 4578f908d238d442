"""The workspace call graph: build (in parallel), update one module, query, persist.

Summaries of unchanged files come back from SQLite (component "callgraph"), keyed by
path, mtime and size, so a second run re-parses only what changed. An edit re-extracts
one module and re-resolves only that module's edges.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgpack
from tree_sitter import Tree

from codie.analyzers.callgraph.extract import Texts, module_name, summarize
from codie.analyzers.callgraph.fragments import Fragments, assemble, fragments_of
from codie.analyzers.callgraph.model import ModuleSummary, Scope, from_plain, gc_paused, to_plain
from codie.analyzers.callgraph.remote import ReconcileJob, ReconcileResult
from codie.analyzers.callgraph.resolve import Edge, Resolver
from codie.core.config import Settings
from codie.core.document import parse
from codie.core.files import SourceProblem, read_bytes
from codie.core.pausing import Pause
from codie.core.project import iter_files
from codie.store import open_store

if TYPE_CHECKING:  # a build without a cache never opens one: no import (~0.1 s at start)
    import sqlite_utils

log = logging.getLogger(__name__)
PARALLEL_MIN_FILES = 40
ENTRY_NAMES = {"main", "setUp", "tearDown", "setUpClass", "tearDownClass", "setup", "teardown"}
MAX_REMEMBERED_PATHS = 256  # CallGraph.relative_of_open: open files whose place is kept
MAX_FRAGMENTED = 4  # modules whose statements' summaries are kept for their next edit


def _migration_1(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE callgraph_files (path TEXT PRIMARY KEY, module TEXT, "
        "mtime_ns INTEGER, size INTEGER, digest TEXT, summary BLOB)"
    )
    db.execute(
        "CREATE TABLE callgraph_edges (module TEXT, caller TEXT, callee TEXT, "
        "start INTEGER, end_ INTEGER, line INTEGER)"
    )
    db.execute("CREATE INDEX callgraph_edges_module ON callgraph_edges (module)")
    db.execute("CREATE INDEX callgraph_edges_callee ON callgraph_edges (callee)")


def _migration_2(db: sqlite_utils.Database) -> None:
    """Summaries gained container kinds, keyed stores, raise/for/yield: re-parse all."""
    db.execute("DELETE FROM callgraph_files")
    db.execute("DELETE FROM callgraph_edges")


MIGRATIONS = [_migration_1, _migration_2]


@dataclass(frozen=True, slots=True)
class BuildStats:
    files: int
    parsed: int
    cached: int
    failed: int
    edges: int


# a parser process's table of texts (see extract.Texts), kept across the files it is given;
# None in any other process (a small build summarizes in the process itself: no table kept)
_parser_texts: Texts | None = None


def _start_parser() -> None:
    """A parser process: no cyclic GC (see `_parse`), one table of texts for all its files."""
    global _parser_texts
    gc.disable()
    _parser_texts = Texts()


def _summarize_file(
    job: tuple[str, str, str, bool, bool], pause: Pause | None = None, parsed: tuple[bytes, Tree] | None = None
) -> ModuleSummary | str:
    """Worker: (absolute path, relative path, module, is_package, words) -> summary or error.
    `parsed`: a text and its tree (an open document's), used when the file holds that text."""
    path, rel, module, is_package, words = job
    try:
        source = read_bytes(Path(path))  # too large or binary: not a module, never cut
        if isinstance(source, SourceProblem):
            return f"{rel}: {source.message}"
        tree = parsed[1] if parsed is not None and parsed[0] == source else None
        return summarize(source, module, rel, is_package, tree=tree, words=words, texts=_parser_texts, pause=pause)
    except (OSError, RecursionError, ValueError) as exc:
        return f"{rel}: {exc}"


class CallGraph:
    def __init__(
        self, root: Path, db_path: Path | str | None = None, words: bool = True, pause: Pause | None = None
    ) -> None:
        self.root = root.resolve()
        # The language server's graph is built and updated in its thread pool: the work
        # calls `pause` (the editor's gate, core/pausing.py) every ~millisecond, so that a
        # keystroke's analysis is not held behind 50-150 ms of extraction and resolution.
        # The graph is the same with or without it.
        self.pause = pause
        self.resolver = Resolver(pause=pause)
        self.edges: dict[str, list[Edge]] = {}
        self.path_module: dict[str, str] = {}  # relative path -> module
        self._out: defaultdict[str, list[Edge]] = defaultdict(list)
        self._in: defaultdict[str, set[Edge]] = defaultdict(set)
        self._indexed = False
        self.words: Counter[str] = Counter()  # identifier-like words over the workspace
        self.db = open_store(db_path, "callgraph", MIGRATIONS) if db_path is not None else None
        # word counts are for `unreferenced` only; a one-shot graph that never answers it
        # (`codie callgraph` without --unreferenced) skips them: a tenth of its memory.
        # A cached graph always has them (a later user of the cache may ask).
        self.count_words = words or self.db is not None
        # the whole-graph resolve in a child process (remote.py): which graph this is there,
        # the generation the child holds (None: it holds nothing yet), modules updated here
        # since the last job was taken
        self.key = uuid.uuid4().hex
        self._child_generation: int | None = None
        self._unsent: set[str] = set()
        # the editor asks, on every keystroke, whether the graph holds a document's text
        # (holds: a 12-byte digest of the whole text) and where its file is (relative: a
        # realpath walk), two or three times over: the answers for the last few texts and
        # for every path asked are kept (~0.5 ms a keystroke on a 244 KB file)
        self._digests: deque[tuple[bytes, str]] = deque(maxlen=4)
        self._relative: dict[Path, str] = {}
        # module -> the length of the text its summary was made from, where known: a text of
        # another length is not that text (most keystrokes), no digest needed
        self._sizes: dict[str, int] = {}
        # bumped by every change to the summaries, edges or word counts: what unreferenced()
        # answered for a module stays true until then (the editor asks on every keystroke
        # that leaves the indexed text: ~1 ms over a module's functions each time)
        self.generation = 0
        self._unreferenced: dict[str, tuple[int, list[Scope]]] = {}
        # the edited modules' top-level statements' summaries (fragments.py): the next edit
        # of one re-extracts only the statements it changed. The last few modules edited,
        # oldest first (a dict's order)
        self._fragments: dict[str, Fragments] = {}

    # naming --------------------------------------------------------------------------------
    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def relative_of_open(self, path: Path) -> str:
        """relative(), kept for the few files the editor asks about on every keystroke (a
        build's every file is not kept: a large workspace's paths would stay in memory)."""
        rel = self._relative.get(path)
        if rel is None:
            if len(self._relative) >= MAX_REMEMBERED_PATHS:
                self._relative.clear()
            rel = self._relative[path] = self.relative(path)
        return rel

    def digest(self, source: bytes) -> str:
        """The digest a module summary of `source` has (extract.summarize's)."""
        for text, digest in self._digests:  # (the same bytes object: a document's text)
            if text is source:
                return digest
        digest = hashlib.blake2b(source, digest_size=12).hexdigest()
        self._digests.append((source, digest))
        return digest

    def module_for(self, rel: str) -> tuple[str, bool]:
        if rel.startswith("src/") and (self.root / "src").is_dir():
            rel = rel[4:]
        return module_name(rel)

    # building ------------------------------------------------------------------------------
    def build(
        self,
        paths: Sequence[Path] | None = None,
        settings: Settings | None = None,
        jobs: int | None = None,
        one_shot: bool = False,
        parsed: Mapping[str, tuple[bytes, Tree]] | None = None,
    ) -> BuildStats:
        """Index every Python file under paths. `one_shot`: nothing will be updated (see
        `compact`); the resolver's caches go before the edges are made (a lower peak).
        `parsed`: absolute path -> (text, its tree), the editor's open documents: a file
        that holds that text is summarised from that tree, not parsed again (the 6,862-line
        file: a second tree of ~10 MiB, beside the editor's, while the build ran).

        No cyclic GC from the first summary to the frozen graph: each phase (receiving the
        summaries, resolving) already paused it, but re-enabling it in between had the next
        allocation scan every object made meanwhile (two million after the standard
        library's summaries arrive: 0.4 s, and again as they were promoted), only for
        `gc.freeze` to exempt them all a moment later. Nothing here makes cycles to collect."""
        with gc_paused():
            return self._build(paths, settings, jobs, one_shot, parsed or {})

    def _build(
        self,
        paths: Sequence[Path] | None,
        settings: Settings | None,
        jobs: int | None,
        one_shot: bool,
        parsed: Mapping[str, tuple[bytes, Tree]],
    ) -> BuildStats:
        files = list(iter_files(list(paths or [self.root]), settings or Settings(), self.root))
        cached = self._cached_rows()
        summaries: list[ModuleSummary] = []
        todo: list[tuple[str, str, str, bool, bool]] = []
        stats_of: dict[str, tuple[int, int]] = {}
        for file in files:
            rel = self.relative(file)
            try:
                st = file.stat()
            except OSError:
                continue
            stats_of[rel] = (st.st_mtime_ns, st.st_size)
            row = cached.get(rel)
            if row is not None and (row["mtime_ns"], row["size"]) == stats_of[rel]:
                summaries.append(from_plain(msgpack.unpackb(row["summary"], use_list=True)))
                continue
            module, is_package = self.module_for(rel)
            todo.append((str(file), rel, module, is_package, self.count_words))
        summarised, failed = self._parse(todo, jobs, parsed)
        for summary in summaries + summarised:
            self._count_words(self.resolver.modules.get(summary.module), summary)
            self.resolver.add(summary)
            self._sizes.pop(summary.module, None)  # (learnt by the first holds() that matches)
            self.path_module[summary.path] = summary.module
        self.generation += 1
        self.edges = self.resolver.resolve_all(keep_caches=not one_shot)
        self._reindex()
        # Millions of long-lived tuples: keep the cyclic GC from rescanning them after each
        # later edit (a full collection took >1 s on the standard library's graph).
        gc.freeze()
        if self.db is not None:
            self._persist(summarised, stats_of, removed=set(cached) - set(stats_of))
        return BuildStats(
            len(files), len(summarised), len(summaries), len(failed), sum(len(e) for e in self.edges.values())
        )

    def _parse(
        self,
        todo: list[tuple[str, str, str, bool, bool]],
        jobs: int | None,
        trees: Mapping[str, tuple[bytes, Tree]] | None = None,
    ) -> tuple[list[ModuleSummary], list[str]]:
        workers = jobs or os.cpu_count() or 1
        # No cyclic GC while summaries arrive, here or in the parser processes: extraction
        # and unpickling make millions of tuples (none in cycles), and each allocation
        # burst had the collector rescan every live one (unpickling the standard library's
        # summaries took 3 s instead of 0.6). A summary holds no cycles; nothing leaks.
        with gc_paused():
            if workers > 1 and len(todo) >= PARALLEL_MIN_FILES:
                with ProcessPoolExecutor(workers, initializer=_start_parser) as pool:
                    results = list(pool.map(_summarize_file, todo, chunksize=16))
            else:
                results = [_summarize_file(job, self.pause, (trees or {}).get(job[0])) for job in todo]
        parsed = [r for r in results if isinstance(r, ModuleSummary)]
        failed = [r for r in results if isinstance(r, str)]
        for problem in failed:
            log.warning("call graph: cannot read %s", problem)
        return parsed, failed

    def update(self, path: Path, source: bytes, tree: Tree | None = None) -> list[Edge]:
        """Re-index one module after an edit: only its own edges are recomputed.

        `tree`, when given, must be the parse of exactly `source` (the editor's tree)."""
        rel = self.relative(path)
        module, is_package = self.module_for(rel)
        summary = self._summarize_edit(source, module, rel, is_package, tree)
        self._count_words(self.resolver.modules.get(module), summary)
        self.resolver.add(summary)
        self._sizes[module] = len(source)
        self.generation += 1
        self.path_module[rel] = module
        # sent with the next whole-graph resolve even if resolving it here fails below: the
        # child must hold this summary, or its edges would come from the old text for good
        self._unsent.add(module)
        self._drop_edges(module)
        self.resolver.apply_stores(module)
        new = self.resolver.resolve_module(module)
        self.edges[module] = new
        self._index(new)
        return new

    def _summarize_edit(
        self, source: bytes, module: str, rel: str, is_package: bool, tree: Tree | None
    ) -> ModuleSummary:
        """The edited module's summary, as `summarize` makes it, from its statements'
        summaries: those of the statements the edit left as they were are reused."""
        tree = tree if tree is not None else parse(source)
        state = fragments_of(source, tree, module, is_package, self._fragments.pop(module, None), self.pause)
        self._fragments[module] = state
        if len(self._fragments) > MAX_FRAGMENTED:
            del self._fragments[next(iter(self._fragments))]
        summary = assemble(state, source, rel, words=self.count_words, pause=self.pause)
        if summary is None:  # statements that depend on one another: the whole text
            summary = summarize(
                source, module, rel, is_package, tree, words=self.count_words, compact=False, pause=self.pause
            )
        return summary

    def holds(self, path: Path, source: bytes) -> bool:
        """Whether path is indexed from exactly this text (an update would change nothing)."""
        module = self.path_module.get(self.relative_of_open(path))
        summary = self.resolver.modules.get(module or "")
        if summary is None:
            return False
        size = self._sizes.get(summary.module)
        if size is not None and size != len(source):
            return False
        if summary.digest != self.digest(source):
            return False
        self._sizes[summary.module] = len(source)
        return True

    # the whole-graph resolve, in a child process -------------------------------------------
    def reconcile_job(self) -> ReconcileJob:
        """What a child needs to resolve the graph as it is now (see remote.py): the modules
        updated since the last job, or all of them when the child holds nothing."""
        if self._child_generation is None:
            changed = [self.resolver.modules[m] for m in sorted(self.resolver.modules)]
        else:
            changed = [self.resolver.modules[m] for m in sorted(self._unsent) if m in self.resolver.modules]
        removed = sorted(m for m in self._unsent if m not in self.resolver.modules)
        self._unsent.clear()
        return ReconcileJob(self.key, self._child_generation, changed, removed)

    def apply_reconcile(self, job: ReconcileJob, result: ReconcileResult | None) -> bool:
        """Take a child's edges. False if the child had lost its state (send everything
        again: a new job). Modules updated here after the job was taken keep their edges
        (they are newer; they go with the next job)."""
        if result is None:
            self.reconcile_failed(job)
            return False
        self._child_generation = result.generation
        for module, edges in result.edges.items():
            if module in self._unsent:
                continue
            self._drop_edges(module)
            if module in self.resolver.modules:
                self.edges[module] = edges
                self._index(edges)
        return True

    def reconcile_failed(self, job: ReconcileJob) -> None:
        """The job was not applied in the child: start it over from everything."""
        self._child_generation = None
        self._unsent.update(s.module for s in job.changed)
        self._unsent.update(job.removed)

    def compact(self) -> None:
        """Drop what only makes later updates faster (the resolver's per-scope caches, a
        third of the memory after a build): for one-shot use (`codie callgraph`, a check).
        Updates still work, re-evaluating on demand."""
        self.resolver.invalidate()

    def reresolve(self) -> None:
        """Resolve every module again from a clean resolver, as a fresh build would.

        `update` re-resolves only the edited module: edges of other modules into it, and
        parameter values that flowed through it, stay as they were (cross-file drift)."""
        self.resolver = Resolver(self.resolver.modules.values(), self.pause)
        self.generation += 1
        self.edges = self.resolver.resolve_all()
        self._reindex()

    def flush(self, paths: Iterable[Path]) -> None:
        """Persist the current summaries and edges of these (edited) files."""
        if self.db is None:
            return
        summaries, stats_of = [], {}
        for path in paths:
            rel = self.relative(path)
            module = self.path_module.get(rel)
            if module is None or module not in self.resolver.modules:
                continue
            summaries.append(self.resolver.modules[module])
            try:
                st = path.stat()
                stats_of[rel] = (st.st_mtime_ns, st.st_size)
            except OSError:
                stats_of[rel] = (0, 0)
        self._persist(summaries, stats_of, removed=set())

    # indexes (built on the first query: a headless run that only prints the graph never
    # pays for them, and they are a fifth of the graph's memory) ------------------------------
    def _reindex(self) -> None:
        self.generation += 1
        self._out.clear()
        self._in.clear()
        self._indexed = False

    def _indexes(self) -> tuple[defaultdict[str, list[Edge]], defaultdict[str, set[Edge]]]:
        if not self._indexed:
            self._indexed = True
            for edges in self.edges.values():
                self._index(edges)
        return self._out, self._in

    def _index(self, edges: Iterable[Edge]) -> None:
        self.generation += 1
        if not self._indexed:
            return  # built from self.edges when first asked
        for e in edges:
            self._out[e.caller].append(e)
            self._in[e.callee].add(e)

    def _drop_edges(self, module: str) -> None:
        self.generation += 1
        dropped = self.edges.pop(module, [])
        if not self._indexed:
            return
        for e in dropped:
            self._out.pop(e.caller, None)
            callers = self._in.get(e.callee)
            if callers is not None:
                callers.discard(e)
                if not callers:  # no empty set per callee ever seen (growth while editing)
                    del self._in[e.callee]

    def sizes(self) -> dict[str, int]:
        """How much the graph holds (for codie/serverState)."""
        out, in_ = self._indexes()
        return {
            "modules": len(self.resolver.modules),
            "edges": sum(len(e) for e in self.edges.values()),
            "callees": len(in_),
            "callers": len(out),
            # what only grows if an edit's leftovers are kept (tests compare these after edits)
            "words": len(self.words),
            "params": len(self.resolver.param_values),
        }

    # queries -------------------------------------------------------------------------------
    def scope(self, qualname: str) -> Scope | None:
        return self.resolver.scopes.get(qualname)

    def path_of(self, qualname: str) -> Path | None:
        module = self.resolver.module_of.get(qualname)
        summary = self.resolver.modules.get(module or "")
        return self.root / summary.path if summary is not None else None

    def outgoing(self, qualname: str) -> list[Edge]:
        return list(self._indexes()[0].get(qualname, []))

    def incoming(self, qualname: str) -> list[Edge]:
        return sorted(self._indexes()[1].get(qualname, ()), key=lambda e: (e.caller, e.start))

    def is_external(self, qualname: str) -> bool:
        return qualname not in self.resolver.scopes

    def definition_at(self, path: Path, offset: int) -> Scope | None:
        """The innermost function/class/lambda of the file whose span holds offset."""
        module = self.path_module.get(self.relative(path))
        summary = self.resolver.modules.get(module or "")
        if summary is None:
            return None
        best: Scope | None = None
        for scope in summary.scopes.values():
            if (
                scope.kind != "module"
                and scope.start <= offset <= scope.end
                and (best is None or scope.start >= best.start)
            ):
                best = scope
        return best

    def callee_at(self, path: Path, offset: int) -> list[str]:
        """What the call whose called expression covers `offset` reaches."""
        module = self.path_module.get(self.relative(path))
        return sorted({e.callee for e in self.edges.get(module or "", []) if e.start <= offset <= e.end})

    def adjacency(self, external: bool = True) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for q, scope in self.resolver.scopes.items():
            if scope.kind != "class":
                out.setdefault(q, [])
        for edges in self.edges.values():
            for e in edges:
                if external or not self.is_external(e.callee):
                    out.setdefault(e.caller, []).append(e.callee)
        return {k: sorted(set(v)) for k, v in sorted(out.items())}

    def pycg_adjacency(self) -> dict[str, list[str]]:
        """The graph in PyCG's micro-benchmark format: every function, lambda and module is
        a key; builtins are `<builtin>.len` / `<builtin>.str.split`; calls made in a class
        body belong to the class (as in PyCG); a class without an `__init__` is
        instantiated without an edge (there is no code of its own to call)."""
        out: dict[str, set[str]] = {}
        classes = set()
        for q, scope in self.resolver.scopes.items():
            if scope.kind == "class":
                classes.add(q)
            else:
                out[q] = set()
        names: dict[str, str] = {}  # callee -> its name here (one per callee, not per edge)
        for edges in self.edges.values():
            for e in edges:
                callee = e.callee
                if callee in classes:
                    continue
                name = names.get(callee)
                if name is None:
                    name = names[callee] = "<builtin>." + callee[9:] if callee.startswith("builtins.") else callee
                targets = out.get(e.caller)
                if targets is None:
                    targets = out[e.caller] = set()
                targets.add(name)
                if name not in out:
                    out[name] = set()
        return {k: sorted(v) for k, v in sorted(out.items())}

    def unreferenced(self, module: str | None = None) -> list[Scope]:
        """Functions with no incoming edge whose name is written nowhere but in its `def`.

        Words are counted in the whole text (strings and comments included), so names in
        `__all__`, getattr strings or docs count as uses: this errs towards silence.
        """
        if module is not None:
            kept = self._unreferenced.get(module)
            if kept is not None and kept[0] == self.generation:
                return list(kept[1])
            if len(self._unreferenced) >= MAX_REMEMBERED_PATHS:
                self._unreferenced.clear()
        if module is None:
            scopes: Iterable[Scope] = self.resolver.scopes.values()
        else:
            summary = self.resolver.modules.get(module)
            scopes = summary.scopes.values() if summary is not None else ()
        found = []
        incoming = self._indexes()[1]
        for scope in scopes:
            if scope.kind != "function" or incoming.get(scope.qualname):
                continue
            if scope.name.startswith(("__", "test")) or scope.name in ENTRY_NAMES:
                continue
            if self.words[scope.name] <= 1:
                found.append(scope)
        if module is not None:
            self._unreferenced[module] = (self.generation, found)
            return list(found)
        return found

    def _count_words(self, old: ModuleSummary | None, new: ModuleSummary | None) -> None:
        """Keep the workspace's word counts current (for `unreferenced`) as modules change."""
        self.generation += 1
        if old is not None and new is not None:
            self._count_changed_words(old.words, new.words)
            return
        if old is not None:
            self.words.subtract(old.words)
            # no zero count kept for a word no module has any more: every identifier typed
            # half-way (`valu` before `value`) would otherwise stay for the session
            for word in old.words:
                if self.words[word] <= 0 and (new is None or word not in new.words):
                    del self.words[word]
        if new is not None:
            self.words.update(new.words)

    def _count_changed_words(self, old: dict[str, int], new: dict[str, int]) -> None:
        """What subtracting `old` and adding `new` does, for the words whose count differs
        only: an edit changes a few of a module's thousands (subtracting and adding them
        all was a tenth of an edit's update). The same counts, in the same order: a word
        only `old` has goes where its count is spent; one only `new` has comes last, in
        `new`'s order."""
        words = self.words
        for word, n in old.items():
            m = new.get(word)
            if m == n:
                continue
            left = words[word] - n + (m or 0)
            if left <= 0 and m is None:
                del words[word]
            else:
                words[word] = left
        for word, m in new.items():
            if word not in old:
                words[word] = words.get(word, 0) + m

    # persistence ---------------------------------------------------------------------------
    def _cached_rows(self) -> dict[str, dict[str, Any]]:
        if self.db is None:
            return {}
        return {row["path"]: row for row in self.db["callgraph_files"].rows}

    def _persist(
        self, summaries: Sequence[ModuleSummary], stats_of: dict[str, tuple[int, int]], removed: set[str]
    ) -> None:
        assert self.db is not None
        conn = self.db.conn
        with conn:
            conn.execute("BEGIN")
            for rel in removed:
                conn.execute("DELETE FROM callgraph_files WHERE path = ?", [rel])
            conn.executemany(
                "INSERT OR REPLACE INTO callgraph_files VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        s.path,
                        s.module,
                        *stats_of.get(s.path, (0, 0)),
                        s.digest,
                        msgpack.packb(to_plain(s), use_bin_type=True),
                    )
                    for s in summaries
                ],
            )
            modules = list(self.edges) if len(summaries) > 1 or removed else [s.module for s in summaries]
            conn.executemany("DELETE FROM callgraph_edges WHERE module = ?", [(m,) for m in modules])
            conn.executemany(
                "INSERT INTO callgraph_edges VALUES (?, ?, ?, ?, ?, ?)",
                [(m, e.caller, e.callee, e.start, e.end, e.line) for m in modules for e in self.edges.get(m, [])],
            )
