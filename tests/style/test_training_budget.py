"""Training reads at most max-train-bytes of source, spread over the workspace."""

from __future__ import annotations

from pathlib import Path

from codie.analyzers.style.training import training_sample
from codie.core.config import Settings


def test_budget_spreads_the_sample(tmp_path: Path) -> None:
    paths = []
    for i in range(100):
        path = tmp_path / f"m{i:03}.py"
        path.write_text("x = 1\n" * 100)  # 600 bytes each
        paths.append(path)
    chosen = training_sample(paths, Settings(sections={"style": {"max-train-bytes": 6000}}))
    assert len(chosen) == 10
    assert chosen[0] == paths[0] and chosen[-1].name >= "m090.py"  # spread, not the first ten
    assert sum(p.stat().st_size for p in chosen) <= 6000


def test_no_limit_and_small_workspaces_train_on_everything(tmp_path: Path) -> None:
    paths = [tmp_path / "a.py", tmp_path / "b.py"]
    for p in paths:
        p.write_text("y = 2\n")
    assert training_sample(paths, Settings()) == paths
    unlimited = Settings(sections={"style": {"max-train-bytes": 0}})
    assert training_sample(paths * 1000, unlimited) == paths * 1000
