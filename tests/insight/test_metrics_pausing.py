"""The file metrics pause in their walks when the language server computes them in its
thread pool (core/pausing.py), and the figures are the same as without pauses."""

from pathlib import Path

from codie.analyzers.metrics import module_metrics
from codie.core.document import parse

BIG = Path(__file__).resolve().parents[2] / "server" / "codie" / "analyzers" / "metrics.py"


def test_metrics_with_pauses_equal_metrics_without() -> None:
    source = BIG.read_bytes() * 8  # a large module: several thousand lines
    tree = parse(source)
    pauses: list[int] = []
    paused = module_metrics(tree, source, "m", lambda: pauses.append(1))
    plain = module_metrics(tree, source, "m")
    assert paused == plain
    # the scope walk, each definition's Halstead walk and the module's: many pause points
    assert len(pauses) > 50


def test_no_pause_is_the_headless_path() -> None:
    source = b"def f(x):\n    return x + 1\n"
    tree = parse(source)
    assert module_metrics(tree, source, "m", None) == module_metrics(tree, source, "m")
