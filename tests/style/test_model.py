"""The n-gram model: incremental updates equal retraining; storage round-trips."""

from __future__ import annotations

from pathlib import Path

from codie.analyzers.style import storage
from codie.analyzers.style.model import WorkspaceModel, extract
from codie.analyzers.style.ngram import grams
from codie.analyzers.style.training import build_model, train_workspace, update_file
from tests.style.workspace import DEVIANT, make_workspace

A = b"def f(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n"
B = b"def g(rows):\n    for row in rows:\n        print(row)\n"
B2 = b"def g(rows):\n    for line in rows:\n        print(line, sep='')\n"


def snapshot(model: WorkspaceModel) -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], int], int]:
    words = model.lm.vocab.words
    counts = {tuple(words[i] for i in g): c for g, c in model.lm.counts.items()}
    followers = {tuple(words[i] for i in g): c for g, c in model.lm.followers.items()}
    return counts, followers, model.lm.total


def test_replacing_a_file_equals_training_without_the_old_version() -> None:
    incremental = WorkspaceModel()
    incremental.add("a.py", extract(A))
    incremental.add("b.py", extract(B))
    incremental.add("b.py", extract(B2))  # saved again: old counts out, new in
    fresh = WorkspaceModel()
    fresh.add("a.py", extract(A))
    fresh.add("b.py", extract(B2))
    assert snapshot(incremental) == snapshot(fresh)
    row = incremental.lm.vocab.ids["row"]
    assert all(row not in bucket for bucket in incremental.lm.names_after.values())
    incremental.remove("b.py")
    incremental.remove("a.py")
    assert incremental.lm.counts == {} and incremental.lm.total == 0
    assert incremental.lm.followers == {} and incremental.lm.names_after == {}


def test_grams_count_every_order() -> None:
    counts = grams([1, 2, 1, 2], order=3)
    assert counts[(1, 2)] == 2 and counts[(1, 2, 1)] == 1 and counts[(2,)] == 2
    assert counts[()] == 4


def test_exclusion_scores_a_file_as_if_unseen() -> None:
    model = WorkspaceModel()
    model.add("a.py", extract(A))
    model.add("b.py", extract(B))
    excluded = model.exclusion("b.py")
    assert excluded is not None
    row = (model.lm.vocab.ids["row"],)
    assert model.lm.count(row) == 2 and model.lm.count(row, [excluded]) == 0


def test_training_job_stores_the_model_and_update_file_keeps_it_exact(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=4).resolve()
    db_path = tmp_path / "style.db"
    summary = train_workspace(root, db_path)
    assert summary.files == 6 and summary.tokens > 500
    cart = root / "shop" / "cart.py"
    cart.write_text(DEVIANT.replace("thing", "order"))
    assert update_file(cart, db_path) is True
    assert update_file(cart, db_path) is False  # unchanged since
    (root / "shop" / "books.py").unlink()
    assert update_file(root / "shop" / "books.py", db_path) is True
    stored = storage.load(storage.open_db(db_path), root)
    retrained = tmp_path / "fresh.db"
    train_workspace(root, retrained)
    fresh = storage.load(storage.open_db(retrained), root)
    assert snapshot(stored) == snapshot(fresh)
    assert stored.stats == fresh.stats
    assert set(stored.files) == set(fresh.files)


class FakeJob:
    def __init__(self) -> None:
        self.reports: list[tuple[float, str]] = []

    def progress(self, fraction: float, message: str = "") -> None:
        self.reports.append((fraction, message))

    def check_cancelled(self) -> None:
        pass


def test_worker_jobs_train_and_update(tmp_path: Path) -> None:
    from codie.analyzers.style import jobs

    root = make_workspace(tmp_path / "ws", copies=3)
    job = FakeJob()
    result = jobs.train({"root": str(root), "db": str(tmp_path / "w.db")}, job)
    assert result["files"] == 5 and job.reports[-1][0] == 1.0
    cart = root / "shop" / "cart.py"
    cart.write_text("x = 1\n")
    assert jobs.update({"path": str(cart), "db": str(tmp_path / "w.db")}, job) == {"changed": True}


def test_refresh_brings_a_stored_model_up_to_date_with_the_disk(tmp_path: Path) -> None:
    from codie.analyzers.style.training import refresh_model

    root = make_workspace(tmp_path / "ws", copies=4).resolve()
    db_path = tmp_path / "r.db"
    first = refresh_model(root, db_path)  # nothing stored: trains
    assert len(first.files) == 6
    (root / "shop" / "cart.py").write_text(DEVIANT.replace("thing", "order"))
    (root / "shop" / "books.py").unlink()
    (root / "shop" / "extra.py").write_text("def extra(rows):\n    return rows\n")
    refreshed = refresh_model(root, db_path)
    fresh, _ = build_model(root)
    assert snapshot(refreshed) == snapshot(fresh)
    assert set(refreshed.files) == set(fresh.files)
    reloaded = storage.load(storage.open_db(db_path), root)
    assert snapshot(reloaded) == snapshot(fresh)
