"""The call graph in PyCG's micro-benchmark format: the hand-written benchmark's targets,
each gap of issue 17 by name, and byte-identical output across runs (issue 15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from callgraph_pycg import SUITE, cases, codie, expected
from codie.analyzers.callgraph import CallGraph

ROOT = Path(__file__).resolve().parents[2]


def pycg_graph(tmp_path: Path, source: str) -> dict[str, list[str]]:
    (tmp_path / "main.py").write_text(textwrap.dedent(source))
    graph = CallGraph(tmp_path)
    graph.build(jobs=1)
    return graph.pycg_adjacency()


def test_benchmark_covers_every_pycg_category_with_three_cases() -> None:
    categories = {
        "args",
        "assignments",
        "builtins",
        "classes",
        "decorators",
        "dicts",
        "direct_calls",
        "dynamic",
        "exceptions",
        "external",
        "functions",
        "generators",
        "imports",
        "kwargs",
        "lambdas",
        "lists",
        "mro",
        "returns",
    }
    found: dict[str, int] = {}
    for case in cases():
        found[case.parent.name] = found.get(case.parent.name, 0) + 1
        assert (case / "main.py").is_file(), case
    assert set(found) == categories
    assert min(found.values()) >= 3, found


def test_benchmark_precision_and_recall_meet_targets() -> None:
    hits = found_total = expected_total = 0
    misses, extras = [], []
    for case in cases(SUITE):
        truth, found = expected(case), codie(case)
        hits += len(truth & found)
        found_total += len(found)
        expected_total += len(truth)
        misses += [(case.name, e) for e in sorted(truth - found)]
        extras += [(case.name, e) for e in sorted(found - truth)]
    assert hits / found_total >= 0.98, extras
    assert hits / expected_total >= 0.95, misses


def test_raise_of_a_class_calls_its_init(tmp_path: Path) -> None:
    graph = pycg_graph(
        tmp_path,
        """
        class Boom(Exception):
            def __init__(self):
                pass

        def f():
            raise Boom

        def g(err):
            raise err
    """,
    )
    assert graph["main.f"] == ["main.Boom.__init__"]
    assert graph["main.g"] == []  # an instance being re-raised is not called


def test_builtin_callbacks_are_called_on_the_callers_behalf(tmp_path: Path) -> None:
    graph = pycg_graph(
        tmp_path,
        """
        def a(x):
            return x

        def b(x):
            return x

        def c(x):
            return x

        def main(xs):
            map(a, xs)
            filter(b, xs)
            sorted(xs, key=c)
    """,
    )
    assert graph["main.main"] == ["<builtin>.filter", "<builtin>.map", "<builtin>.sorted", "main.a", "main.b", "main.c"]


def test_for_loop_calls_the_iteration_protocol(tmp_path: Path) -> None:
    graph = pycg_graph(
        tmp_path,
        """
        class Nums:
            def __iter__(self):
                return self

            def __next__(self):
                raise StopIteration

        def main():
            for n in Nums():
                pass
    """,
    )
    assert graph["main.main"] == ["main.Nums.__iter__", "main.Nums.__next__"]


def test_methods_of_builtin_values_are_named_after_their_type(tmp_path: Path) -> None:
    graph = pycg_graph(
        tmp_path,
        """
        def main(text):
            "a b".split()
            {"k": 1}.items()
            [1].append(2)
            str(text).lower()
    """,
    )
    assert graph["main.main"] == [
        "<builtin>.dict.items",
        "<builtin>.list.append",
        "<builtin>.str",
        "<builtin>.str.lower",
        "<builtin>.str.split",
    ]


def test_storing_under_a_key_replaces_its_previous_value(tmp_path: Path) -> None:
    graph = pycg_graph(
        tmp_path,
        """
        def f1():
            pass

        def f2():
            pass

        def f3():
            pass

        d = {"a": f1, "b": f3}
        d["a"] = f2
        d["a"]()
    """,
    )
    assert graph["main"] == ["main.f2"]


def test_external_values_have_no_invented_attributes(tmp_path: Path) -> None:
    graph = pycg_graph(
        tmp_path,
        """
        import re
        import sys

        _match = re.compile("x").match

        class P:
            def parse(self, rawdata):
                m = _match(rawdata)
                return m.group(0)

        def helper(value, fn):
            value.match("x")
            fn()

        helper(sys.abiflags, sys.exit)
    """,
    )
    assert graph["main.helper"] == ["sys.exit"]  # callable, but no invented attributes
    assert not any("abiflags" in c for callees in graph.values() for c in callees)


def _run(args: list[str], seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "server")}
    done = subprocess.run(
        [sys.executable, "-m", "codie", "callgraph", *args], env=env, capture_output=True, timeout=600, check=True
    )
    return done.stdout


def test_output_is_byte_identical_across_runs_and_hash_seeds() -> None:
    # The project's own source: big enough that set order used to change the graph.
    target = str(ROOT / "server" / "codie")
    for fmt in ("json", "pycg"):
        first = _run([target, "--no-cache", "--format", fmt], "1")
        second = _run([target, "--no-cache", "--format", fmt], "2")
        assert first == second
        assert json.loads(first)
